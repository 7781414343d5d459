# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/secrets/callback: every result and diff as a JSON line; no_log results stay censored."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CALLBACK_DIR = os.path.join(os.path.dirname(os.path.dirname(HERE)), "secrets", "callback")
SECRET = "q7w8e9r0t1y2u3i4o5p6a7s8d9f0g1h2"

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: A result with a value
      ansible.builtin.set_fact:
        shown: visible-value
    - name: A secret asked for, not logged
      ansible.builtin.set_fact:
        hidden: %s
      no_log: true
    - name: A diff
      ansible.builtin.copy:
        content: "new content\\n"
        dest: "{{ playbook_dir }}/out.txt"
      diff: true
""" % SECRET


def test_results_and_diffs_as_json_lines(tmp_path):
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    output = tmp_path / "results.jsonl"
    (tmp_path / "ansible.cfg").write_text(
        "[defaults]\ncallback_plugins = %s\n[callback_viam_secrets_json]\npath = %s\n" % (CALLBACK_DIR, output))
    env = dict(os.environ, ANSIBLE_CONFIG=str(tmp_path / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    bin_dir = os.path.dirname(sys.executable)
    proc = subprocess.run([os.path.join(bin_dir, "ansible-playbook"), "-i", "localhost,", "-c", "local",
                           "-e", "ansible_python_interpreter=%s" % sys.executable, str(tmp_path / "play.yml")],
                          env=env, cwd=str(tmp_path), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Callback dispatch" not in proc.stdout + proc.stderr, proc.stdout[-2000:] + proc.stderr[-2000:]
    records = [json.loads(line) for line in output.read_text().splitlines()]
    by_task = dict((r.get("task"), r) for r in records if r["event"] == "runner_on_ok")
    assert by_task["A result with a value"]["result"]["ansible_facts"] == {"shown": "visible-value"}
    assert "censored" in by_task["A secret asked for, not logged"]["result"]
    assert by_task["A diff"]["result"]["changed"] is True
    diffs = [r for r in records if r["event"] == "on_file_diff"]
    assert diffs and "new content" in json.dumps(diffs[0]["diff"])
    assert records[-1]["event"] == "playbook_on_stats"
    assert SECRET not in output.read_text()
