# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/secrets/scan.py: finds every form of a secret, reports it masked, and nothing else."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import importlib.util
import json
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCAN_PATH = os.path.join(os.path.dirname(os.path.dirname(HERE)), "secrets", "scan.py")
_spec = importlib.util.spec_from_file_location("viam_secrets_scan", SCAN_PATH)
scan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scan)

API_KEY = "sob2ure19byeg0e2cg38cpqf4k5yfwrf"
TOKEN = "Abc_def-ghijklmnopqrstuvwxyz0123456789ABCDE"


@pytest.fixture
def tree(tmp_path):
    log = tmp_path / "secrets.jsonl"
    log.write_text("".join(json.dumps({"kind": kind, "secret": secret, "time": 0}) + "\n"
                           for kind, secret in (("api_key", API_KEY), ("access_token", TOKEN),
                                                ("bootstrap_key", "x" * 8))))
    out = tmp_path / "out"
    out.mkdir()
    return tmp_path, str(log), out


def run(tree, capsys, *extra):
    tmp_path, log, out = tree
    report = str(tmp_path / "report.json")
    rc = scan.main(["--secrets", log, "--report", report] + list(extra) + [str(out)])
    printed = capsys.readouterr().out
    with open(report) as handle:
        return rc, printed, json.load(handle)


@pytest.mark.parametrize("text, form", [
    ("plain %s text" % API_KEY, "raw"),
    (json.dumps({"key": API_KEY}), "raw"),
    ("VIAM_API_KEY=%s python" % API_KEY, "raw"),
    ("blob " + base64.b64encode(b"prefix:" + API_KEY.encode()).decode(), "base64"),
    ("blob " + base64.b64encode(b"p" + API_KEY.encode()).decode(), "base64"),
    ("blob " + base64.b64encode(API_KEY.encode()).decode(), "base64"),
    ("blob " + base64.urlsafe_b64encode(b"\xff\xfe" + TOKEN.encode()).decode(), "base64"),
    ("hex " + binascii.hexlify(API_KEY.encode()).decode(), "hex"),
])
def test_finds_each_form(tree, capsys, text, form):
    _tmp, _log, out = tree
    (out / "sub").mkdir()
    (out / "sub" / "file.txt").write_text("line one\n" + text + "\n")
    rc, printed, report = run(tree, capsys)
    assert rc == 1
    assert [(leak["line"], leak["form"][:len(form)]) for leak in report["leaks"]] == [(2, form)]
    assert API_KEY not in printed and TOKEN not in printed
    assert API_KEY not in json.dumps(report) and TOKEN not in json.dumps(report)
    assert scan.mask(report["leaks"][0]["kind"] == "api_key" and API_KEY or TOKEN) in printed


def test_clean_files_pass_and_are_counted(tree, capsys):
    _tmp, _log, out = tree
    (out / "a.log").write_text("nothing %s here\n" % API_KEY[:-1] + "%s\n" % API_KEY.upper())
    (out / "b.bin").write_bytes(os.urandom(4096).replace(b"\n", b""))
    rc, printed, report = run(tree, capsys)
    assert (rc, report["files"], report["leaks"]) == (0, 2, [])
    assert report["secrets"] == 2  # the 8-character value is too short to be an issued secret
    assert "2 files" in printed


def test_json_lines_name_the_task(tree, capsys):
    _tmp, _log, out = tree
    (out / "results.jsonl").write_text(json.dumps({"task": "Create the key", "host": "testhost",
                                                   "result": {"token": TOKEN}}) + "\n")
    rc, printed, report = run(tree, capsys)
    assert rc == 1
    assert report["leaks"][0]["task"] == "Create the key"
    assert "Create the key" in printed and "access_token" in printed and TOKEN not in printed


def test_allowed_files(tree, capsys):
    _tmp, _log, out = tree
    (out / "input.yml").write_text("api_key: %s\n" % API_KEY)
    rc, _printed, report = run(tree, capsys, "--allow", "*/input.yml=credentials handed in")
    assert rc == 0
    assert report["allowed"][0]["reason"] == "credentials handed in"


def test_no_secrets_log_is_an_error(tmp_path, capsys):
    assert scan.main(["--secrets", str(tmp_path / "missing.jsonl"), str(tmp_path)]) == 2
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert scan.main(["--secrets", str(empty), str(tmp_path)]) == 2


def test_text_output_names_the_task_and_allowed_tasks(tree, capsys):
    tmp_path, _log, out = tree
    (out / "ansible.log").write_text(
        "TASK [viam_x : First] ***\nok\n"
        "TASK [viam_x : Env credentials] ***\n<testhost> EXEC /bin/sh -c 'VIAM_API_KEY=%s python'\n" % API_KEY)
    allowed = tmp_path / "allowed.txt"
    allowed.write_text("# comment\nviam_x : Env*\tthe task puts the key in environment:\n")
    rc, printed, report = run(tree, capsys)
    assert rc == 1 and report["leaks"][0]["task"] == "viam_x : Env credentials" and API_KEY not in printed
    rc, printed, report = run(tree, capsys, "--allow-tasks", str(allowed))
    assert rc == 0 and report["leaks"] == []
    assert [(a["task"], a["reason"]) for a in report["allowed"]] == [
        ("viam_x : Env credentials", "the task puts the key in environment:")]
    assert API_KEY not in printed
