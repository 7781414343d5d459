# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: one JSON line per task result, to the file named by RELIABILITY_EVENTS.

Used by tests/reliability (see its conftest.py): the tests read which task
ran on which host, whether it changed or failed and with what message,
instead of parsing the human output. It writes nothing when the variable
is unset.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = """
name: reliability_events
type: notification
short_description: write task results as JSON lines (tests/reliability only)
description:
  - Writes one JSON line per task result to the file named by the RELIABILITY_EVENTS environment variable.
requirements:
  - enabled in callbacks_enabled
"""

import json
import os

from ansible.plugins.callback import CallbackBase

# Keys of a module result worth keeping for the tests (never a secret).
KEPT = ("changed", "failed", "skipped", "msg", "warnings", "deprecations", "viam_error", "exception",
        "ansible_loop_var", "item")
ITEM_KEPT = ("changed", "failed", "skipped", "msg", "warnings", "viam_error", "exception")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "reliability_events"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._path = os.environ.get("RELIABILITY_EVENTS")

    def _write(self, event):
        if not self._path:
            return
        with open(self._path, "a") as handle:
            handle.write(json.dumps(event, default=str) + "\n")

    def _record(self, status, result):
        data = result._result
        event = dict(status=status, task=result._task.get_name(), host=result._host.get_name(),
                     action=result._task.action)
        for key in KEPT:
            if key in data and key != "item":
                event[key] = data[key]
        if "results" in data:
            event["results"] = [dict((k, r.get(k)) for k in ITEM_KEPT if k in r) for r in data["results"]]
        self._write(event)

    def v2_runner_on_ok(self, result):
        self._record("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record("failed", result)

    def v2_runner_on_unreachable(self, result):
        self._record("unreachable", result)

    def v2_runner_item_on_ok(self, result):
        self._record("item_ok", result)

    def v2_runner_item_on_failed(self, result):
        self._record("item_failed", result)

    def v2_runner_on_skipped(self, result):
        self._record("skipped", result)

    def v2_playbook_on_stats(self, stats):
        hosts = sorted(stats.processed.keys())
        self._write(dict(status="stats", hosts=dict((h, stats.summarize(h)) for h in hosts)))
