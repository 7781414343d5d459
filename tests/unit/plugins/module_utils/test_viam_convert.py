# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""convert.py: proto messages <-> plain data."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime

import pytest

pytest.importorskip("google.protobuf")

from ansible_collections.viam.cloud.plugins.module_utils.convert import (  # noqa: E402
    dict_to_message, dict_to_struct, message_to_dict, strip_secrets, struct_to_dict)
from ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1 import app_pb2  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.proto.common.v1 import common_pb2  # noqa: E402

CONFIG = {
    "components": [{"name": "arm", "type": "arm", "attributes": {"speed": 1, "ratio": 0.5, "port": 8080}}],
    "flag": True,
    "nothing": None,
    "list": [1, 2.5, "a", None, False, {"deep": [3]}],
    "big": 2 ** 40,
    "negative": -7,
}


def test_robot_defaults_and_timestamps():
    robot = app_pb2.Robot(id="r1", name="rover-7", location="l1", online_state=app_pb2.ONLINE_STATE_ONLINE)
    robot.created_on.FromJsonString("2024-05-01T12:00:00Z")
    assert message_to_dict(robot) == {
        "id": "r1",
        "name": "rover-7",
        "location": "l1",
        "last_access": None,  # unset message field
        "created_on": "2024-05-01T12:00:00Z",
        "online_state": "ONLINE_STATE_ONLINE",
        "seconds_since_online": 0,  # int64 default, an int (not "0")
    }


def test_timestamp_with_fraction_and_datetime_input():
    robot = dict_to_message({"created_on": datetime.datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=datetime.timezone.utc)},
                            app_pb2.Robot())
    assert message_to_dict(robot)["created_on"] == "2024-05-01T12:00:00.250Z"
    naive = dict_to_message({"created_on": datetime.datetime(2024, 5, 1, 12)}, app_pb2.Robot())  # naive = UTC
    assert message_to_dict(naive)["created_on"] == "2024-05-01T12:00:00Z"


def test_struct_round_trip_keeps_ints():
    part = app_pb2.RobotPart(id="p1")
    dict_to_struct(CONFIG, part.robot_config)
    out = message_to_dict(part)["robot_config"]
    assert out == CONFIG
    assert isinstance(out["components"][0]["attributes"]["speed"], int)
    assert isinstance(out["components"][0]["attributes"]["ratio"], float)
    assert isinstance(out["big"], int)
    assert out["flag"] is True


def test_struct_helpers():
    struct = dict_to_struct({"a": 1})
    assert struct.DESCRIPTOR.full_name == "google.protobuf.Struct"
    dict_to_struct({"b": [1.5]}, struct)  # replaces, does not merge
    assert struct_to_dict(struct) == {"b": [1.5]}
    assert message_to_dict(struct) == {"b": [1.5]}
    with pytest.raises(TypeError):
        dict_to_struct({"a": object()})


def test_empty_struct_is_set_and_unset_is_none():
    response = app_pb2.GetRobotMetadataResponse()
    assert message_to_dict(response) == {"data": None}
    dict_to_message({"data": {}}, response)
    assert response.HasField("data")
    assert message_to_dict(response) == {"data": {}}


def test_optional_scalars_repeated_and_enums():
    part = app_pb2.RobotPart(secrets=[app_pb2.SharedSecret(id="s1", secret="xyz")])
    out = message_to_dict(part)
    assert out["robot_config_json"] is None  # proto3 optional, unset
    assert out["secrets"][0]["id"] == "s1" and out["secrets"][0]["secret"] == "xyz"
    assert out["main_part"] is False and out["name"] == ""
    part.robot_config_json = ""
    assert message_to_dict(part)["robot_config_json"] == ""  # set to the default: still present
    part.online_state = 99  # proto3 enums are open
    assert message_to_dict(part)["online_state"] == 99


def test_repeated_structs_and_nested_messages():
    entry = common_pb2.LogEntry(message="hi")
    dict_to_struct({"File": "x.go", "Line": 12}, entry.caller)
    dict_to_struct({"k": "v"}, entry.fields.add())
    out = message_to_dict(app_pb2.TailRobotPartLogsResponse(logs=[entry]))
    assert out["logs"][0]["caller"] == {"File": "x.go", "Line": 12}
    assert out["logs"][0]["fields"] == [{"k": "v"}]
    assert out["logs"][0]["time"] is None


def test_map_and_bytes_fields():
    fi = dict_to_message({"fragment_id": "f1", "variables": {"a": "b"}, "fragment_variables": {"n": 2}}, app_pb2.FragmentImport())
    out = message_to_dict(fi)
    assert out["variables"] == {"a": "b"} and out["fragment_variables"] == {"n": 2} and out["prefix"] is None
    assert message_to_dict(app_pb2.UploadModuleFileRequest(file=b"\x00\x01"))["file"] == "AAE="


def test_dict_to_message_nested_enums_and_messages():
    request = dict_to_message({
        "organization_id": "o1",
        "fragment_visibility": ["FRAGMENT_VISIBILITY_PUBLIC", 1],
    }, app_pb2.ListFragmentsRequest())
    assert list(request.fragment_visibility) == [app_pb2.FRAGMENT_VISIBILITY_PUBLIC, app_pb2.FRAGMENT_VISIBILITY_PRIVATE]
    auth = app_pb2.Authorization(authorization_type="role", authorization_id="location_owner")
    key = dict_to_message({"name": "k", "authorizations": [auth, {"authorization_type": "role", "resource_id": "r"}]},
                          app_pb2.CreateKeyRequest())
    assert [a.authorization_id for a in key.authorizations] == ["location_owner", ""]
    assert key.authorizations[1].resource_id == "r"
    change = dict_to_message({"old_authorization": {"resource_id": "a"}, "new_authorization": auth}, app_pb2.ChangeRoleRequest())
    assert change.old_authorization.resource_id == "a" and change.new_authorization.authorization_id == "location_owner"


@pytest.mark.parametrize("data, error", [
    ({"nope": 1}, "has no field 'nope'"),
    ({"fragment_visibility": ["SOMETIMES"]}, "is not one of"),
    ({"fragment_visibility": "FRAGMENT_VISIBILITY_PUBLIC"}, "expected a list"),
])
def test_dict_to_message_errors(data, error):
    with pytest.raises((ValueError, TypeError), match=error):
        dict_to_message(data, app_pb2.ListFragmentsRequest())


def test_none_leaves_fields_unset():
    request = dict_to_message({"id": "f1", "name": "x", "config": None, "visibility": None}, app_pb2.UpdateFragmentRequest())
    assert not request.HasField("config") and not request.HasField("visibility")


def test_strip_secrets():
    data = {
        "id": "p1",
        "secret": "s",
        "secrets": [{"id": "1", "secret": "x"}],
        "auth": {"location_id": "l", "secret": "y", "secrets": []},
        "keys": [{"api_key": {"id": "k1", "key": "sekrit", "name": "n"}}],
        "credentials": {"type": "api-key", "payload": "p"},
        "location_secret": "z",
        "list": [1, "secret"],
    }
    before = copy.deepcopy(data)
    assert strip_secrets(data) == {
        "id": "p1",
        "auth": {"location_id": "l"},
        "keys": [{"api_key": {"id": "k1", "name": "n"}}],
        "credentials": {"type": "api-key"},
        "list": [1, "secret"],
    }
    assert data == before  # not mutated
    assert strip_secrets(None) is None
