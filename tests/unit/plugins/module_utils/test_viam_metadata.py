# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""metadata: the desired metadata (merge/replace), normalization, and sync_metadata's plan."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.viam.cloud.plugins.module_utils import metadata as md
from ansible_collections.viam.cloud.plugins.module_utils.convert import dict_to_struct


@pytest.mark.parametrize("current, given, mode, expected", [
    ({"a": 1}, None, "merge", {"a": 1}),                          # not managed
    ({"a": 1}, None, "replace", {"a": 1}),
    ({"a": 1, "b": 2}, {"b": 3, "c": "x"}, "merge", {"a": 1, "b": 3, "c": "x"}),
    ({"a": 1, "b": 2}, {"b": None}, "merge", {"a": 1}),           # null removes in merge
    ({"a": 1}, {"zzz": None}, "merge", {"a": 1}),                 # removing a missing key is a no-op
    ({"a": 1, "b": 2}, {"c": 3}, "replace", {"c": 3}),
    ({"a": 1}, {}, "replace", {}),                                # replace with {} clears
    ({"a": 1}, {}, "merge", {"a": 1}),
    ({}, {"n": None}, "replace", {"n": None}),                    # null kept in replace
    ({}, {"nested": {"x": [1, 2.5, True]}}, "merge", {"nested": {"x": [1, 2.5, True]}}),
    (None, {"k": "v"}, "merge", {"k": "v"}),
])
def test_desired_metadata(current, given, mode, expected):
    assert md.desired_metadata(current, given, mode) == expected


def test_desired_metadata_does_not_touch_current():
    current = {"a": 1}
    md.desired_metadata(current, {"b": 2}, "merge")
    assert current == {"a": 1}


def test_normalize_matches_what_the_api_returns():
    # Numbers come back as JSON numbers (whole ones as ints), dates as text, keys as strings.
    assert md.normalize_metadata({"n": 3.0, "d": datetime.date(2026, 1, 2), 5: "five", "t": (1, 2)}) == \
        {"n": 3, "d": "2026-01-02", "5": "five", "t": [1, 2]}
    assert md.normalize_metadata(None) == {}


def test_normalize_rejects_what_json_cannot_hold():
    with pytest.raises(md.MetadataError, match="cannot be stored"):
        md.normalize_metadata({"x": object()})


def test_bad_mode():
    with pytest.raises(md.MetadataError, match="metadata_mode"):
        md.desired_metadata({}, {"a": 1}, "append")


def test_desired_equals_current_after_round_trip():
    """Idempotency: what a first run wrote compares equal on the second run."""
    given = {"count": 3, "ratio": 0.5, "tags": ["a", "b"], "deep": {"on": True}}
    first = md.desired_metadata({}, given, "merge")
    stored = md.struct_to_dict(dict_to_struct(first))
    assert md.desired_metadata(stored, given, "merge") == stored
    assert md.desired_metadata(stored, given, "replace") == stored


# ---------------------------------------------------------------- sync_metadata against a fake client

class FakeResponse(object):
    def __init__(self, data):
        self.data = dict_to_struct(data)


class FakeClient(object):
    def __init__(self, stored):
        self.stored = stored
        self.calls = []

    def get_robot_metadata(self, resource=None, **fields):
        self.calls.append(("get", fields))
        return FakeResponse(self.stored)

    def update_robot_metadata(self, resource=None, **fields):
        self.calls.append(("update", fields))
        self.stored = fields["data"]


class FakeModule(object):
    def __init__(self, stored, metadata, mode="merge", check_mode=False, state="present"):
        self.client = FakeClient(stored)
        self.check_mode = check_mode
        self.params = dict(metadata=metadata, metadata_mode=mode, state=state)

    def fail(self, msg, **extra):
        raise AssertionError(msg)


def result(robot_id="r1", diff=True):
    out = dict(changed=False, robot=dict(id=robot_id, name="rover"))
    if diff:
        out["diff"] = dict(before=dict(name="rover"), after=dict(name="rover"))
    return out


def test_sync_writes_the_merged_dict():
    module = FakeModule({"a": 1}, {"b": 2})
    out = md.sync_metadata(module, result(), "robot", "robot")
    assert out["changed"] is True
    assert module.client.calls[-1] == ("update", {"id": "r1", "data": {"a": 1, "b": 2}})
    assert out["robot"]["metadata"] == {"a": 1, "b": 2}
    assert out["diff"]["before"]["metadata"] == {"a": 1}
    assert out["diff"]["after"]["metadata"] == {"a": 1, "b": 2}


def test_sync_unchanged_does_not_write():
    module = FakeModule({"a": 1, "b": 2}, {"b": 2})
    out = md.sync_metadata(module, result(), "robot", "robot")
    assert out["changed"] is False
    assert [c[0] for c in module.client.calls] == ["get"]


def test_sync_check_mode_does_not_write():
    module = FakeModule({"a": 1}, {"a": 2}, check_mode=True)
    out = md.sync_metadata(module, result(), "robot", "robot")
    assert out["changed"] is True
    assert out["robot"]["metadata"] == {"a": 2}
    assert [c[0] for c in module.client.calls] == ["get"]


def test_sync_keeps_an_earlier_change():
    module = FakeModule({"a": 1}, {"a": 1})
    before = result()
    before["changed"] = True
    assert md.sync_metadata(module, before, "robot", "robot")["changed"] is True


@pytest.mark.parametrize("module, out", [
    (FakeModule({"a": 1}, None), result()),                        # option not given
    (FakeModule({"a": 1}, {"a": 2}, state="absent"), result()),    # deleted resource
    (FakeModule({"a": 1}, {"a": 2}), dict(changed=True, robot={})),
])
def test_sync_skips(module, out):
    md.sync_metadata(module, out, "robot", "robot")
    assert module.client.calls == []
    assert "metadata" not in (out["robot"] or {})


def test_sync_new_resource_in_check_mode_reads_nothing():
    module = FakeModule({"ignored": 1}, {"a": 1}, check_mode=True)
    out = dict(changed=True, robot=dict(id="", name="rover"), diff=dict(before={}, after=dict(name="rover")))
    md.sync_metadata(module, out, "robot", "robot")
    assert module.client.calls == []
    assert out["robot"]["metadata"] == {"a": 1}
    assert out["diff"]["before"] == {}


def test_check_metadata_option_fails_before_any_call():
    module = FakeModule({}, {"x": object()})
    with pytest.raises(AssertionError, match="cannot be stored"):
        md.check_metadata_option(module)
    assert module.client.calls == []
