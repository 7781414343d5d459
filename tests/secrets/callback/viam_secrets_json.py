# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: every task result (diffs included) as one JSON line, for the secrets scanner.

Not shipped with the collection (it lives under tests/): hack/integration.sh puts this directory in
``callback_plugins`` of the ansible.cfg it writes for the integration run and sets the output path
there (env vars do not reach the targets: ansible-test filters the environment). It needs no
enabling (CALLBACK_NEEDS_ENABLED = False) because ansible-test sets ANSIBLE_CALLBACKS_ENABLED itself.

The results are the ones every callback gets: no_log tasks are already censored. One line:
{"event": "runner_on_ok", "playbook": ..., "play": ..., "task": ..., "action": ..., "host": ...,
 "result": {...}} (or "diff": [...] for on_file_diff).
"""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: viam_secrets_json
type: notification
short_description: write every task result as a JSON line (tests only)
description:
  - Writes every task result, item result and diff as one JSON line to O(path).
  - Used by the secrets scanner of the viam.cloud integration tests.
options:
  path:
    description: The JSON-lines file to append to; nothing is written when unset.
    ini:
      - section: callback_viam_secrets_json
        key: path
    env:
      - name: VIAM_SECRETS_JSON_PATH
"""


class CallbackModule(CallbackBase):
    """Append one JSON line per result to the file named by the ``path`` option."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "viam_secrets_json"
    CALLBACK_NEEDS_ENABLED = False

    def __init__(self, display=None):
        super().__init__(display)
        self._file = None
        self._playbook = ""
        self._play = ""

    def set_options(self, task_keys=None, var_options=None, direct=None):
        super().set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        path = self.get_option("path")
        if path and self._file is None:
            self._file = open(path, "a", encoding="utf-8")  # pylint: disable=consider-using-with

    def _write(self, event, task_result=None, **fields):
        if self._file is None:
            return
        record = {"event": event, "pid": os.getpid(), "playbook": self._playbook, "play": self._play}
        if task_result is not None:
            record.update(task=task_result.task_name or "", action=getattr(task_result._task, "action", ""),
                          host=task_result._host.get_name() if task_result._host else "")
        record.update(fields)
        self._file.write(json.dumps(record, sort_keys=True, default=str) + "\n")
        self._file.flush()

    def _result(self, event, result):
        # _dump_results: the encoder every callback uses (tagged values, no_log censoring,
        # internal keys stripped); keep_invocation so that module arguments are scanned too.
        dumped = json.loads(self._dump_results(result._result, keep_invocation=True))
        for key in ("exception", "warnings", "deprecations", "diff"):  # _dump_results may drop these
            if key in result._result and key not in dumped:
                dumped[key] = json.loads(json.dumps(result._result[key], default=str))
        self._write(event, result, result=dumped)

    def v2_playbook_on_start(self, playbook):
        self._playbook = getattr(playbook, "_file_name", "")
        self._write("playbook_on_start")

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name()

    def v2_runner_on_ok(self, result):
        self._result("runner_on_ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result("runner_on_failed", result)

    def v2_runner_on_skipped(self, result):
        self._result("runner_on_skipped", result)

    def v2_runner_on_unreachable(self, result):
        self._result("runner_on_unreachable", result)

    def v2_runner_item_on_ok(self, result):
        self._result("runner_item_on_ok", result)

    def v2_runner_item_on_failed(self, result):
        self._result("runner_item_on_failed", result)

    def v2_runner_item_on_skipped(self, result):
        self._result("runner_item_on_skipped", result)

    def v2_runner_retry(self, result):
        self._result("runner_retry", result)

    def v2_on_file_diff(self, result):
        diff = result._result.get("diff")
        if diff is None and "results" in result._result:
            diff = [item.get("diff") for item in result._result["results"] if isinstance(item, dict)]
        self._write("on_file_diff", result, diff=json.loads(json.dumps(diff, default=str)))

    def v2_playbook_on_stats(self, stats):
        self._write("playbook_on_stats", summary={host: stats.summarize(host) for host in sorted(stats.processed)})
