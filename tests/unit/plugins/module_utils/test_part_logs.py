# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""part_logs: paging, request building, time and range checks, entries, the bounded tail, dest files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import stat
import threading
import time

import pytest

from ansible_collections.viam.cloud.plugins.module_utils import part_logs as pl

UTC = datetime.timezone.utc


# ---------------------------------------------------------------- paging

def pager(items, size):
    """A fetch function over ``items`` in pages of ``size``; records the tokens it was given."""
    tokens = []

    def fetch(token):
        tokens.append(token)
        start = int(token or 0)
        following = start + size
        return items[start:following], (str(following) if following < len(items) else "")

    return fetch, tokens


@pytest.mark.parametrize("total, size, wanted, expected, pages", [
    (250, 100, 100, 100, 1),   # the SDK default: one page
    (250, 100, 0, 250, 3),     # 0 = all: every page
    (250, 100, 150, 150, 2),   # stops as soon as enough came, truncated
    (250, 100, 1000, 250, 3),  # fewer than wanted: the last page ends it
    (0, 100, 0, 0, 1),         # nothing at all
    (100, 100, 0, 100, 1),     # exactly one page: no empty second request
])
def test_fetch_pages(total, size, wanted, expected, pages):
    items = list(range(total))
    fetch, tokens = pager(items, size)
    got = pl.fetch_pages(fetch, wanted)
    assert got == items[:expected]
    assert len(tokens) == pages
    assert tokens[0] == ""


def test_fetch_pages_stops_on_a_repeated_token():
    calls = []

    def fetch(token):
        calls.append(token)
        return ["x"], "same"

    assert pl.fetch_pages(fetch, 0) == ["x", "x"]
    assert calls == ["", "same"]


def test_fetch_pages_rejects_negative():
    with pytest.raises(pl.LogsInputError):
        pl.fetch_pages(lambda token: ([], ""), -1)


# ---------------------------------------------------------------- request building

def test_logs_request_minimal():
    assert pl.logs_request("p1") == dict(id="p1", errors_only=False)


def test_logs_request_everything():
    start = datetime.datetime(2026, 11, 25, 15, tzinfo=UTC)
    end = datetime.datetime(2026, 11, 25, 16, tzinfo=UTC)
    fields = pl.logs_request("p1", "camera", False, ["WARN", "error", "warn"], start, end, None, "ascending")
    assert fields == dict(id="p1", errors_only=False, levels=["warn", "error"], filter="camera",
                          start=start, end=end, order="LOG_ORDER_ASCENDING")


def test_logs_request_errors_only_is_the_error_level():
    assert pl.logs_request("p1", errors_only=True) == dict(id="p1", errors_only=True, levels=["error"])


def test_logs_request_range_and_empty_filter():
    assert pl.logs_request("p1", filter_text="", range_text=" 1h30m ") == dict(id="p1", errors_only=False,
                                                                               range="1h30m")


@pytest.mark.parametrize("kwargs, message", [
    (dict(levels=["fatal"]), "level 'fatal' is not one of"),
    (dict(range_text=""), "is not a duration"),
    (dict(range_text="10 minutes"), "is not a duration"),
    (dict(range_text="m"), "is not a duration"),
    (dict(order="sideways"), "order 'sideways'"),
    (dict(start=datetime.datetime(2026, 1, 2, tzinfo=UTC), end=datetime.datetime(2026, 1, 1, tzinfo=UTC)),
     "is after end"),
])
def test_logs_request_rejects(kwargs, message):
    with pytest.raises(pl.LogsInputError, match=message):
        pl.logs_request("p1", **kwargs)


@pytest.mark.parametrize("text", ["10m", "2h", "10d", "1h30m", "1.5h", "500ms", "90s"])
def test_check_range_accepts(text):
    assert pl.check_range(text) == text


# ---------------------------------------------------------------- times

@pytest.mark.parametrize("text, expected", [
    ("2026-11-25T15:00:00Z", datetime.datetime(2026, 11, 25, 15, tzinfo=UTC)),
    ("2026-11-25t15:00:00z", datetime.datetime(2026, 11, 25, 15, tzinfo=UTC)),
    ("2026-11-25T17:00:00+02:00", datetime.datetime(2026, 11, 25, 15, tzinfo=UTC)),
    ("2026-11-25T10:30:00-04:30", datetime.datetime(2026, 11, 25, 15, tzinfo=UTC)),
    ("2026-11-25T15:00:00.123456789Z", datetime.datetime(2026, 11, 25, 15, 0, 0, 123456, tzinfo=UTC)),
    ("2026-11-25T15:00:00.5Z", datetime.datetime(2026, 11, 25, 15, 0, 0, 500000, tzinfo=UTC)),
])
def test_parse_time(text, expected):
    assert pl.parse_time(text, "start") == expected


@pytest.mark.parametrize("text, message", [
    ("yesterday", "not an RFC 3339 time"),
    ("2026-11-25", "not an RFC 3339 time"),
    ("2026-11-25T15:00:00", "not an RFC 3339 time"),  # no zone: ambiguous
    ("2026-02-30T15:00:00Z", "not a valid time"),
    ("", "not an RFC 3339 time"),
])
def test_parse_time_rejects(text, message):
    with pytest.raises(pl.LogsInputError, match="end .*" + message):
        pl.parse_time(text, "end")


def test_format_time():
    assert pl.format_time(datetime.datetime(2026, 11, 25, 15, tzinfo=UTC)) == "2026-11-25T15:00:00Z"
    assert pl.format_time(datetime.datetime(2026, 11, 25, 15, 0, 0, 5, tzinfo=UTC)) == "2026-11-25T15:00:00.000005Z"


# ---------------------------------------------------------------- entries

def log_entry_class():
    client_mod = pytest.importorskip("ansible_collections.viam.cloud.plugins.module_utils.client")
    pytest.importorskip("grpc")
    response = client_mod.rpc_spec("GetRobotPartLogs").response_class()
    return type(response.logs.add())


def test_log_entry_to_dict():
    entry = log_entry_class()(host="rover-main.local", level="error", logger_name="rdk.resource_manager",
                              message="error building resource")
    entry.time.FromJsonString("2026-11-25T15:13:20.123456Z")
    entry.caller.update({"Defined": True, "File": "robot/impl/resource_manager.go", "Line": 642})
    entry.fields.add().update({"resource": "rdk:component:camera/camera-1", "exit_code": 1})
    assert pl.log_entry_to_dict(entry) == dict(
        time="2026-11-25T15:13:20.123456Z", level="error", logger_name="rdk.resource_manager",
        message="error building resource", host="rover-main.local", stack="",
        caller={"Defined": True, "File": "robot/impl/resource_manager.go", "Line": 642},
        fields=[{"resource": "rdk:component:camera/camera-1", "exit_code": 1}])


def test_log_entry_to_dict_empty():
    assert pl.log_entry_to_dict(log_entry_class()()) == dict(
        time="", level="", logger_name="", message="", caller={}, fields=[], host="", stack="")


def test_json_lines():
    text = pl.json_lines([{"b": 1, "a": "x"}, {"c": []}])
    assert text == '{"a": "x", "b": 1}\n{"c": []}\n'
    assert [json.loads(line) for line in text.splitlines()] == [{"a": "x", "b": 1}, {"c": []}]
    assert pl.json_lines([]) == ""


# ---------------------------------------------------------------- tail

class Message:
    def __init__(self, *logs):
        self.logs = list(logs)


def test_tail_returns_at_the_end_of_the_stream():
    started = time.monotonic()
    got = pl.tail(iter([Message(1), Message(2, 3)]), 30)
    assert [m.logs for m in got] == [[1], [2, 3]]
    assert time.monotonic() - started < 25  # returned, not waited for the 30 s bound


def test_tail_stops_at_the_first_empty_message():
    got = pl.tail(iter([Message(1), Message(), Message(2)]), 30)
    assert [m.logs for m in got] == [[1]]


def test_tail_is_bounded_by_the_time():
    release = threading.Event()

    def stream():
        yield Message(1)
        release.wait(30)  # a stream that goes quiet
        yield Message(2)

    started = time.monotonic()
    got = pl.tail(stream(), 0.5)
    elapsed = time.monotonic() - started
    release.set()
    assert [m.logs for m in got] == [[1]]
    assert 0.4 < elapsed < 20  # stopped by its 0.5 s bound, not by the stream's 30 s wait


def test_tail_raises_an_early_error():
    def stream():
        yield Message(1)
        raise RuntimeError("NOT_FOUND")

    with pytest.raises(RuntimeError, match="NOT_FOUND"):
        pl.tail(stream(), 30)


def test_tail_ignores_an_error_after_the_time():
    release = threading.Event()

    def stream():
        yield Message(1)
        release.wait(30)
        raise RuntimeError("cancelled")

    got = pl.tail(stream(), 0.3)
    release.set()
    assert [m.logs for m in got] == [[1]]


# ---------------------------------------------------------------- files

class FakeModule:
    def __init__(self, check_mode=False):
        self.check_mode = check_mode
        self.moves = []

    def atomic_move(self, src, dest):
        self.moves.append((src, dest))
        os.chmod(src, stat.S_IMODE(os.stat(dest).st_mode))  # keep_dest_attrs, as AnsibleModule does
        os.rename(src, dest)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_write_file_creates_then_is_idempotent(tmp_path):
    path = str(tmp_path / "config.json")
    module = FakeModule()
    changed, diff = pl.write_file(module, path, "{}\n")
    assert changed
    assert diff == dict(before_header=path, after_header=path, before="", after="{}\n")
    assert open(path).read() == "{}\n"
    assert mode(path) == 0o600
    assert pl.write_file(module, path, "{}\n")[0] is False
    assert len(module.moves) == 1
    assert os.listdir(str(tmp_path)) == ["config.json"]  # no temporary file left


def test_write_file_replaces_content_and_fixes_mode(tmp_path):
    path = str(tmp_path / "logs.jsonl")
    with open(path, "w") as out:
        out.write("old\n")
    os.chmod(path, 0o644)
    changed, diff = pl.write_file(FakeModule(), path, "new\n")
    assert changed and diff["before"] == "old\n" and diff["after"] == "new\n"
    assert open(path).read() == "new\n"
    assert mode(path) == 0o600
    os.chmod(path, 0o644)
    assert pl.write_file(FakeModule(), path, "new\n")[0] is True  # only the mode differed
    assert mode(path) == 0o600


def test_write_file_check_mode_writes_nothing(tmp_path):
    path = str(tmp_path / "config.json")
    module = FakeModule(check_mode=True)
    assert pl.write_file(module, path, "{}\n")[0] is True
    assert not os.path.exists(path)
    with open(path, "w") as out:
        out.write("{}\n")
    os.chmod(path, 0o600)
    assert pl.write_file(module, path, "{}\n")[0] is False
    assert pl.write_file(module, path, "[]\n")[0] is True
    assert open(path).read() == "{}\n"
    assert module.moves == []


def test_check_dest(tmp_path):
    assert pl.check_dest(str(tmp_path / "x.json"), "dest") == str(tmp_path / "x.json")
    with pytest.raises(pl.LogsInputError, match="is a directory"):
        pl.check_dest(str(tmp_path), "dest")
    with pytest.raises(pl.LogsInputError, match="does not exist"):
        pl.check_dest(str(tmp_path / "missing" / "x.json"), "config_dest")
    with pytest.raises(pl.LogsInputError, match="must not be empty"):
        pl.check_dest(" ", "dest")


def test_check_dest_refuses_links_and_special_files(tmp_path):
    """docs/security.md, 6: a link's target must never be read into --diff nor written."""
    target = tmp_path / "key"
    target.write_text("private")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    with pytest.raises(pl.LogsInputError, match="symbolic link"):
        pl.check_dest(str(link), "config_dest")
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(pl.LogsInputError, match="symbolic link"):
        pl.check_dest(str(dangling), "dest")
    fifo = tmp_path / "fifo"
    os.mkfifo(str(fifo))
    with pytest.raises(pl.LogsInputError, match="regular file"):
        pl.check_dest(str(fifo), "dest")


def test_read_text_never_follows_a_link(tmp_path):
    target = tmp_path / "key"
    target.write_text("private")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    with pytest.raises(pl.LogsInputError, match="symbolic link"):
        pl.read_text(str(link))
    assert pl.read_text(str(target)) == "private"
    assert pl.read_text(str(tmp_path / "missing")) is None
