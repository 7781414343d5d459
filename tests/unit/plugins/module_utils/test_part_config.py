# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""part_config: semantic comparison, fragments inside a config, the diff view, and the
concurrent-edit path of viam_robot_part (FAILED_PRECONDITION from UpdateRobotPart)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.viam.cloud.plugins.module_utils import part_config as pc
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError

FRAG_A = "5a0f4b6e-7c1d-4e2f-9a3b-8c7d6e5f4a3b"
FRAG_B = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
FRAG_C = "99999999-8888-4777-8666-555555555555"


# ---------------------------------------------------------------- normalize / compare

@pytest.mark.parametrize("first, second", [
    ({"x": 1}, {"x": 1.0}),
    ({"a": {"b": [1, 2.0, {"c": 3.0}]}}, {"a": {"b": [1.0, 2, {"c": 3}]}}),
    ({"b": 1, "a": 2}, {"a": 2.0, "b": 1.0}),  # key order does not matter
    (None, {}),
    ({"x": -0.0}, {"x": 0}),
    ({"t": (1, 2)}, {"t": [1.0, 2.0]}),
    ({1: "a"}, {"1": "a"}),  # Struct keys are strings
])
def test_configs_equal(first, second):
    assert pc.configs_equal(first, second)
    assert pc.configs_equal(second, first)


@pytest.mark.parametrize("first, second", [
    ({"x": 1}, {"x": 1.5}),
    ({"x": True}, {"x": 1}),  # a bool is not a number, although Python says True == 1
    ({"x": False}, {"x": 0.0}),
    ({"x": [1, 2]}, {"x": [2, 1]}),  # list order matters
    ({"x": {"y": 1}}, {"x": {"y": 1, "z": None}}),
    ({"x": "1"}, {"x": 1}),
    ({"x": []}, {"x": {}}),
    ({"x": None}, {}),
])
def test_configs_differ(first, second):
    assert not pc.configs_equal(first, second)
    assert not pc.configs_equal(second, first)


def test_normalize_keeps_types_and_does_not_mutate():
    data = {"f": 1.5, "i": 2.0, "b": True, "n": None, "s": "3.0", "l": [4.0, {"x": 5.0}], "inf": float("inf")}
    before = json.dumps(data, sort_keys=True)
    out = pc.normalize(data)
    assert out == {"f": 1.5, "i": 2, "b": True, "n": None, "s": "3.0", "l": [4, {"x": 5}], "inf": float("inf")}
    assert isinstance(out["i"], int) and isinstance(out["l"][0], int) and out["b"] is True
    assert json.dumps(data, sort_keys=True) == before


def test_parse_config_json():
    assert pc.parse_config_json("") == {}
    assert pc.parse_config_json(None) == {}
    assert pc.parse_config_json('{"a": 1.0, "b": [2.0]}') == {"a": 1, "b": [2]}
    assert isinstance(pc.parse_config_json('{"a": 1.0}')["a"], int)
    with pytest.raises(pc.ConfigError, match="not valid JSON"):
        pc.parse_config_json("{nope")
    with pytest.raises(pc.ConfigError, match="not a JSON object"):
        pc.parse_config_json("[1, 2]")


def test_check_config():
    assert pc.check_config({"a": 1.0}) == {"a": 1}
    with pytest.raises(pc.ConfigError, match="must be a dict"):
        pc.check_config("not a dict")
    with pytest.raises(pc.ConfigError, match="must be a dict"):
        pc.check_config(["a"])
    with pytest.raises(pc.ConfigError, match="cannot be stored as JSON"):
        pc.check_config({"a": float("nan")})
    with pytest.raises(pc.ConfigError, match="cannot be stored as JSON"):
        pc.check_config({"a": object()})


# ---------------------------------------------------------------- fragments

def test_fragment_ids_reads_both_forms_in_order_once():
    config = {"fragments": [{"id": FRAG_B}, FRAG_A, {"id": FRAG_B, "version": "2"}, {"nope": 1}, "", 7]}
    assert pc.fragment_ids(config) == [FRAG_B, FRAG_A]
    assert pc.fragment_ids({}) == []
    assert pc.fragment_ids(None) == []
    assert pc.fragment_ids({"fragments": "not a list"}) == []


def test_with_fragments_sets_exact_list_in_order():
    config = {"components": [{"name": "arm", "attributes": {"speed": 30.0}}],
              "fragments": [{"id": FRAG_A}]}
    out = pc.with_fragments(config, [FRAG_B, FRAG_A])
    assert out["fragments"] == [{"id": FRAG_B}, {"id": FRAG_A}]
    assert out["components"] == [{"name": "arm", "attributes": {"speed": 30}}]  # untouched (numbers normalized)
    assert config["fragments"] == [{"id": FRAG_A}]  # the input is not changed


def test_with_fragments_drops_duplicates_and_keeps_existing_entries():
    config = {"fragments": [FRAG_A, {"id": FRAG_B, "version": "stable"}], "modules": []}
    out = pc.with_fragments(config, [FRAG_B, FRAG_A, FRAG_B, FRAG_C])
    # kept entries keep their form and extra keys; new ones are {"id": ...}
    assert out["fragments"] == [{"id": FRAG_B, "version": "stable"}, FRAG_A, {"id": FRAG_C}]
    assert out["modules"] == []


def test_with_fragments_empty_removes_the_key_only():
    out = pc.with_fragments({"fragments": [{"id": FRAG_A}], "services": [{"name": "nav"}]}, [])
    assert out == {"services": [{"name": "nav"}]}
    assert pc.with_fragments({"services": []}, []) == {"services": []}


def test_with_fragments_takes_entries_from_other_configs():
    current = {"fragments": [{"id": FRAG_A, "version": "3"}]}
    out = pc.with_fragments({"components": []}, [FRAG_A], current)
    assert out == {"components": [], "fragments": [{"id": FRAG_A, "version": "3"}]}


def test_desired_config():
    current = {"components": [{"name": "cam"}], "fragments": [{"id": FRAG_A}]}
    # nothing managed: the current config
    assert pc.desired_config(current) == current
    # only fragments: the rest of the current config stays
    assert pc.desired_config(current, ids=[FRAG_B]) == {"components": [{"name": "cam"}], "fragments": [{"id": FRAG_B}]}
    # only config: it replaces everything, its own fragments included
    assert pc.desired_config(current, config={"services": []}) == {"services": []}
    # both: the fragments option wins for the fragments key
    wanted = pc.desired_config(current, config={"services": [], "fragments": [{"id": FRAG_C}]}, ids=[FRAG_A, FRAG_B])
    assert wanted == {"services": [], "fragments": [{"id": FRAG_A}, {"id": FRAG_B}]}
    # the same fragments as now, in the same order: no change
    assert pc.configs_equal(pc.desired_config(current, ids=[FRAG_A]), current)
    # the same fragments in another order: a change
    two = {"fragments": [{"id": FRAG_A}, {"id": FRAG_B}]}
    assert not pc.configs_equal(pc.desired_config(two, ids=[FRAG_B, FRAG_A]), two)


def test_desired_config_string_form_is_idempotent():
    current = {"fragments": [FRAG_A, FRAG_B]}
    assert pc.configs_equal(pc.desired_config(current, ids=[FRAG_A, FRAG_B]), current)


# ---------------------------------------------------------------- the diff

def test_config_changes_paths():
    before = {"a": {"b": 1, "c": 2}, "x": [1], "gone": True}
    after = {"a": {"b": 1.0, "c": 3}, "x": [1.0], "d": []}
    assert pc.config_changes(before, after) == ["a.c", "d", "gone"]
    assert pc.config_changes(before, before) == []
    assert pc.config_changes(None, {"k": 1}) == ["k"]
    assert pc.config_changes({"a": {"b": 1}}, {"a": 5}) == ["a"]
    assert pc.config_changes({"f": True}, {"f": 1}) == ["f"]


def test_part_view():
    part = {"id": "p1", "name": "rover-main", "main_part": True, "secret": "s3cr3t", "secrets": [{"secret": "x"}],
            "robot_config": {"fragments": [{"id": FRAG_A}], "components": [{"attributes": {"n": 2.0}}]}}
    view = pc.part_view(part)
    assert view == {"name": "rover-main", "main_part": True, "fragments": [FRAG_A],
                    "config": {"fragments": [{"id": FRAG_A}], "components": [{"attributes": {"n": 2}}]}}
    assert "secret" not in json.dumps(view)
    # an explicit config (e.g. parsed config_json) wins over robot_config
    assert pc.part_view(part, {"x": 1.0})["config"] == {"x": 1}
    assert pc.part_view({}) == {"name": "", "main_part": False, "fragments": [], "config": {}}


# ---------------------------------------------------------------- concurrent edits

class _Stamp:
    def __init__(self, seconds, nanos=0):
        self.seconds, self.nanos = seconds, nanos


class _Part:
    def __init__(self, name="arm", seconds=1764083600, has_update=True):
        self.id, self.name, self.last_updated = "p1", name, _Stamp(seconds, 123456000)
        self._has_update = has_update

    def HasField(self, field):  # noqa: N802 - the protobuf method name
        return field == "last_updated" and self._has_update


class _Read:
    def __init__(self, part, config):
        self.part, self.config_json = part, json.dumps(config)


class _StaleClient:
    """A client whose UpdateRobotPart answers as the API may after a concurrent edit (``code``), and whose
    GetRobotPart then shows the part as the rival left it."""

    def __init__(self, code="FAILED_PRECONDITION", fresh_config=None, moved=True):
        self.updates = []
        self.code = code
        self.fresh = _Read(_Part(seconds=1764083600 + (60 if moved else 0)), fresh_config or {"components": [1]})

    def update_robot_part(self, resource=None, **request):
        self.updates.append(request)
        raise ViamError(code=self.code, rpc="UpdateRobotPart", resource=resource,
                        details="part 'p1' was changed since last_known_update")

    def get_robot_part(self, id=None, resource=None):
        return self.fresh


class _Module:
    """Just enough of viam_robot_part's RobotPartModule to run update_part without AnsibleModule."""

    def __init__(self, module_class, client):
        self.obj = module_class.__new__(module_class)
        self.obj._client = client
        self.obj.known_update = None


@pytest.mark.parametrize("code", ["FAILED_PRECONDITION", "ABORTED", "INVALID_ARGUMENT", "UNKNOWN"])
def test_update_part_turns_a_refused_stale_write_into_a_clear_failure(code):
    """Whatever code the app uses for a stale last_known_update (docs/api-assumptions.md §7, update_conflict_code),
    a refusal after the part moved is a conflict."""
    pytest.importorskip("ansible")
    from ansible_collections.viam.cloud.plugins.module_utils.module import ModuleFailure
    from ansible_collections.viam.cloud.plugins.modules import viam_robot_part

    client = _StaleClient(code)
    module = _Module(viam_robot_part.RobotPartModule, client).obj
    part = _Part()
    with pytest.raises(ModuleFailure) as caught:
        module.update_part(part, "arm", {"components": []})
    assert "part 'arm' was changed by someone else since it was read; re-run" in caught.value.msg
    assert caught.value.extra["viam_error"]["code"] == code
    # the write carried the part's last_updated as read, the name, and the config as JSON text and as a Struct
    assert client.updates == [{"id": "p1", "name": "arm", "last_known_update": part.last_updated,
                               "robot_config": {"components": []}, "robot_config_json": '{"components": []}'}]


def test_update_part_refused_but_already_as_wanted_reads_again():
    """Race: a rival wrote the same config first; the loser's refused write re-reads, sees its wish done,
    and run() decides anew (nothing left to change) instead of failing."""
    pytest.importorskip("ansible")
    from ansible_collections.viam.cloud.plugins.module_utils.module import CreateRaced
    from ansible_collections.viam.cloud.plugins.modules import viam_robot_part

    client = _StaleClient("FAILED_PRECONDITION", fresh_config={"components": []})
    module = _Module(viam_robot_part.RobotPartModule, client).obj
    with pytest.raises(CreateRaced):
        module.update_part(_Part(), "arm", {"components": []})


def test_update_part_refusal_without_a_change_since_read_is_the_servers_error():
    """INVALID_ARGUMENT about the config itself (the part did not move) is not called a conflict."""
    pytest.importorskip("ansible")
    from ansible_collections.viam.cloud.plugins.modules import viam_robot_part

    client = _StaleClient("INVALID_ARGUMENT", moved=False)
    module = _Module(viam_robot_part.RobotPartModule, client).obj
    with pytest.raises(ViamError) as caught:
        module.update_part(_Part(), "arm", {"components": []})
    assert caught.value.code == "INVALID_ARGUMENT"


def test_update_part_without_last_updated_sends_no_last_known_update():
    """An unset Timestamp would go out as epoch 0 (docs/api-assumptions.md §3)."""
    pytest.importorskip("ansible")
    from ansible_collections.viam.cloud.plugins.modules import viam_robot_part

    class Accepting(_StaleClient):
        def update_robot_part(self, resource=None, **request):
            self.updates.append(request)
            return _Read(_Part(), {})

    client = Accepting()
    module = _Module(viam_robot_part.RobotPartModule, client).obj
    module.update_part(_Part(has_update=False), "arm", None)
    assert client.updates == [{"id": "p1", "name": "arm"}]


def test_update_part_passes_other_errors_through():
    pytest.importorskip("ansible")
    from ansible_collections.viam.cloud.plugins.modules import viam_robot_part

    class Denied(_StaleClient):
        def update_robot_part(self, resource=None, **request):
            raise ViamError(code="PERMISSION_DENIED", rpc="UpdateRobotPart", resource=resource)

    module = _Module(viam_robot_part.RobotPartModule, Denied()).obj
    with pytest.raises(ViamError) as caught:
        module.update_part(_Part(), "arm", None)
    assert caught.value.code == "PERMISSION_DENIED"


# ---------------------------------------------------------------- credentials inside a config (docs/security.md, 9)

def test_mask_config_secrets_masks_device_and_auth_credentials():
    config = {
        "cloud": {"id": "p1", "secret": "s3cret", "location_secret": "l0c", "app_address": "https://app.viam.com:443",
                  "api_key": {"id": "k1", "key": "k3y"}},
        "auth": {"handlers": [{"type": "api-key", "config": {"key": "a", "keys": ["b", "c"]}}]},
        "components": [{"name": "cam", "attributes": {"key": "not-a-credential", "secret": "x", "api_key": "y"}}],
        "secrets": [],
    }
    masked = pc.mask_config_secrets(config)
    text = json.dumps(masked)
    for value in ("s3cret", "l0c", "k3y", '"a"', '"b"', '"c"', '"x"', '"y"'):
        assert value not in text, value
    assert masked["cloud"]["id"] == "p1" and masked["cloud"]["api_key"]["id"] == "k1"
    assert masked["cloud"]["app_address"] == "https://app.viam.com:443"
    assert masked["auth"]["handlers"][0]["config"]["keys"] == [pc.SECRET_MASK, pc.SECRET_MASK]
    # "key" is a credential only inside api_key or an auth handler's config
    assert masked["components"][0]["attributes"]["key"] == "not-a-credential"
    assert masked["secrets"] == []
    assert config["cloud"]["secret"] == "s3cret"  # the input is left alone


def test_without_device_section():
    assert pc.without_device_section({"cloud": {"secret": "s"}, "components": []}) == {"components": []}
    assert pc.without_device_section(None) == {}


# ---------------------------------------------------------------- fragment versions (pins)

def test_a_pin_is_the_version_of_the_fragment_entry_and_the_rest_is_left_alone():
    from ansible_collections.viam.cloud.plugins.module_utils.part_config import fragment_versions, with_fragment_versions

    config = {"components": [{"name": "cam"}], "fragments": ["f1", {"id": "f2", "prefix": "front"}]}
    pinned = with_fragment_versions(config, {"f1": "stable", "f2": "3"})
    assert pinned == {"components": [{"name": "cam"}],
                      "fragments": [{"id": "f1", "version": "stable"}, {"id": "f2", "prefix": "front", "version": "3"}]}
    assert fragment_versions(pinned) == {"f1": "stable", "f2": "3"}
    assert fragment_versions(with_fragment_versions(pinned, {"f1": ""})) == {"f1": "", "f2": "3"}
    assert config["fragments"][0] == "f1"  # the input is not changed


def test_pinning_a_fragment_the_part_does_not_use_is_refused():
    from ansible_collections.viam.cloud.plugins.module_utils.part_config import ConfigError, with_fragment_versions

    with pytest.raises(ConfigError) as raised:
        with_fragment_versions({"fragments": [{"id": "f1"}]}, {"f9": "stable"})
    assert "'f9' is not one of the part's fragments" in str(raised.value)


@pytest.mark.parametrize("version, ok", [("3", True), ("stable", True), ("canary-2", True), ("_x", True),
                                         ("v2", False), ("2a", False), ("Stable", False), ("a" * 61, False)])
def test_versions_are_revision_numbers_or_tag_names(version, ok):
    from ansible_collections.viam.cloud.plugins.module_utils.part_config import version_problem

    assert (version_problem(version) is None) is ok
