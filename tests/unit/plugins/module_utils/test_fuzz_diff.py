# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property-based tests (hypothesis) of the modules' desired-state and diff logic.

- convert: dict_to_struct / struct_to_dict and message_to_dict round-trip any JSON-like value
  (integral floats come back as ints, as documented); strip_secrets leaves no secret-named key
  at any depth, keeps everything else and never mutates its input.
- metadata.desired_metadata, part_config.desired_config / config_changes, authorizations.difference:
  idempotence. Applying the desired state to the current state (through the API's storage, a
  protobuf Struct, where the API stores it) and computing it again yields no change.

Deterministic (derandomize=True); VIAM_FUZZ_SCALE=10 runs ten times as many examples.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import math
import os

import pytest

hypothesis = pytest.importorskip("hypothesis")
pytest.importorskip("google.protobuf")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ansible_collections.viam.cloud.plugins.module_utils import authorizations as auths  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils import part_config  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.convert import (  # noqa: E402
    SECRET_KEYS, dict_to_message, dict_to_struct, message_to_dict, strip_secrets, struct_to_dict)
from ansible_collections.viam.cloud.plugins.module_utils.metadata import (  # noqa: E402
    MetadataError, desired_metadata, normalize_metadata)
from ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1 import app_pb2  # noqa: E402

SCALE = max(1, int(os.environ.get("VIAM_FUZZ_SCALE", "1")))
FUZZ = settings(max_examples=100 * SCALE, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

KEYS = st.one_of(st.text(max_size=8), st.sampled_from(sorted(SECRET_KEYS) + ["fragments", "id", "components"]))
# What a Struct holds exactly: doubles (ints up to 2**53), text, bools, null, lists, objects.
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 53, 2 ** 53),
                      st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))
JSON = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
                    max_leaves=10)
OBJECTS = st.dictionaries(KEYS, JSON, max_size=6)


def plain(value):
    """What a value reads back as after a Struct: integral floats are ints, tuples lists."""
    if isinstance(value, float) and value.is_integer() and not math.isinf(value):
        return int(value)
    if isinstance(value, dict):
        return dict((str(k), plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def stored(value):
    """A dict as the API stores it (a Struct) and returns it."""
    return struct_to_dict(dict_to_struct(value))


# ------------------------------------------------------------------ convert

@FUZZ
@given(data=OBJECTS)
def test_struct_round_trip(data):
    original = copy.deepcopy(data)
    assert stored(data) == plain(data)
    assert part_config.configs_equal(stored(data), data)
    assert data == original  # the input is not changed


@FUZZ
@given(config=OBJECTS, name=st.text(max_size=20), fragments=st.lists(st.text(max_size=12), max_size=3),
       state=st.sampled_from(["STATE_ENABLED", "STATE_DISABLED", "STATE_UNSPECIFIED"]))
def test_message_round_trip(config, name, fragments, state):
    """dict_to_message then message_to_dict gives the values back; the wire form round-trips."""
    part = dict_to_message({"name": name, "robot_config": config, "main_part": bool(fragments),
                            "secrets": [{"id": f, "secret": f, "state": state} for f in fragments]},
                           app_pb2.RobotPart())
    again = app_pb2.RobotPart()
    again.ParseFromString(part.SerializeToString())
    assert again == part
    view = message_to_dict(again)
    assert view["name"] == name
    assert view["robot_config"] == plain(config)
    assert [s["id"] for s in view["secrets"]] == fragments
    assert all(s["state"] == state for s in view["secrets"])


def keys_at_any_depth(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from keys_at_any_depth(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from keys_at_any_depth(item)


def without_secret_keys(value):
    if isinstance(value, dict):
        return dict((k, without_secret_keys(v)) for k, v in value.items() if k not in SECRET_KEYS)
    if isinstance(value, (list, tuple)):
        return [without_secret_keys(v) for v in value]
    return value


@FUZZ
@given(data=st.one_of(JSON, st.lists(OBJECTS, max_size=3), st.tuples(OBJECTS, JSON)))
def test_strip_secrets(data):
    original = copy.deepcopy(data)
    stripped = strip_secrets(data)
    assert not set(keys_at_any_depth(stripped)) & SECRET_KEYS
    assert data == original  # never mutates its input
    assert stripped == without_secret_keys(data)  # and keeps everything else
    assert strip_secrets(stripped) == stripped


# ------------------------------------------------------------------ metadata

@FUZZ
@given(current=OBJECTS, given_=st.one_of(st.none(), OBJECTS), mode=st.sampled_from(["merge", "replace"]))
def test_metadata_idempotent(current, given_, mode):
    current = normalize_metadata(current)
    desired = desired_metadata(current, given_, mode)
    after_write = stored(desired)  # UpdateXMetadata then GetXMetadata
    assert after_write == desired
    assert desired_metadata(after_write, given_, mode) == after_write  # the second run changes nothing
    if given_ is not None and mode == "merge":
        for key, value in given_.items():
            if value is None:
                assert str(key) not in desired
            else:
                assert desired[str(key)] == plain(value)


@settings(FUZZ, max_examples=20 * SCALE)
@given(current=st.dictionaries(st.text(max_size=4), JSON_LEAF, max_size=3), mode=st.text(max_size=8))
def test_metadata_bad_mode(current, mode):
    hypothesis.assume(mode not in ("merge", "replace"))
    with pytest.raises(MetadataError):
        desired_metadata(current, {"a": 1}, mode)


# ------------------------------------------------------------------ part config

FRAGMENT_IDS = st.lists(st.sampled_from(["f1", "f2", "f3", "f4"]), max_size=4)
FRAGMENT_ENTRY = st.one_of(st.sampled_from(["f1", "f2", "f3", "f4"]),
                           st.fixed_dictionaries({"id": st.sampled_from(["f1", "f2", "f3", "f4"])},
                                                 optional={"overwrite": JSON}))
CONFIGS = st.one_of(OBJECTS, st.tuples(OBJECTS, st.lists(FRAGMENT_ENTRY, max_size=4)).map(
    lambda pair: dict(pair[0], fragments=pair[1])))


@FUZZ
@given(current=CONFIGS, config=st.one_of(st.none(), CONFIGS), ids=st.one_of(st.none(), FRAGMENT_IDS))
def test_part_config_idempotent(current, config, ids):
    current = stored(current)
    desired = desired_config(current, config, ids)
    after_write = stored(desired)  # UpdateRobotPart(robot_config=desired), then GetRobotPart
    assert part_config.configs_equal(after_write, desired)
    again = desired_config(after_write, config, ids)
    assert part_config.config_changes(after_write, again) == []
    assert part_config.configs_equal(after_write, again)
    if ids is not None:
        assert part_config.fragment_ids(desired) == list(dict.fromkeys(ids))
    if config is None and ids is None:
        assert part_config.config_changes(current, desired) == []


def desired_config(current, config, ids):
    return part_config.desired_config(current, config, ids)


@FUZZ
@given(before=CONFIGS, after=CONFIGS)
def test_config_changes_empty_iff_equal(before, after):
    assert (part_config.config_changes(before, after) == []) == part_config.configs_equal(before, after)


# ------------------------------------------------------------------ authorizations

RESOURCES = st.tuples(st.sampled_from(auths.RESOURCE_TYPES), st.sampled_from(["r1", "r2", "r3"]),
                      st.sampled_from(auths.ROLES))


def as_listed(key, go_form):
    """An authorization as ListAuthorizations/ListKeys return it, in the Python or the Go SDK form."""
    resource_type, resource_id, role = key
    auth = auths.build(role, resource_type, resource_id, organization_id="org", identity_id="who")
    if go_form:
        auth["authorization_type"] = role
        auth["authorization_id"] = ""
    return auth


@FUZZ
@given(current=st.lists(st.tuples(RESOURCES, st.booleans()), max_size=6),
       desired=st.lists(RESOURCES, max_size=6))
def test_authorizations_idempotent(current, desired):
    current_auths = [as_listed(key, go) for key, go in current]
    desired_auths = [auths.build(role, rtype, rid) for rtype, rid, role in desired]
    missing, extra = auths.difference(current_auths, desired_auths)
    # Apply: RemoveRole each extra grant, AddRole each missing one; then list again.
    kept = [a for a in current_auths if auths.key_of(a) not in set(extra)]
    after = kept + [as_listed(key, False) for key in missing]
    assert auths.difference(after, desired_auths) == ([], [])
    assert auths.same_authorizations(after, desired_auths)
    assert auths.sort_authorizations(auths.sort_authorizations(after)) == auths.sort_authorizations(after)
    assert not set(missing) & set(extra)
