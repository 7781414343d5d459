"""Parts: fields, name rules, UpdateRobotPart (config, rename, last_known_update, history),
main part rules, restart, secrets, logs and tailing."""
from __future__ import annotations

import json
from datetime import timedelta

import grpc
import pytest
from google.protobuf import struct_pb2

from viam_emulator.wire import app_pb2

Code = grpc.StatusCode


@pytest.fixture
def main_part(call, robot_id):
    return call("GetRobotParts", robot_id=robot_id).parts[0]


def get_part(call, part_id):
    return call("GetRobotPart", id=part_id)


def struct(data):
    value = struct_pb2.Struct()
    value.update(data)
    return value


# -- reading and creating ---------------------------------------------------------------------

def test_a_new_part_has_every_field(call, main_part, location_id):
    response = get_part(call, main_part.id)
    part = response.part
    assert json.loads(response.config_json) == {}
    assert part.HasField("robot_config") and part.HasField("created_on") and part.HasField("last_updated")
    assert part.location_id == location_id and part.main_part
    assert part.online_state == app_pb2.ONLINE_STATE_OFFLINE and not part.HasField("last_access")
    assert len(part.secrets) == 1 and part.secret == part.secrets[0].secret
    assert not part.HasField("robot_config_json")
    call.fails(Code.NOT_FOUND, "GetRobotPart", id="no-such-part")


def test_part_names_are_unique_per_location(call, robot_id, location_id):
    part_id = call("NewRobotPart", robot_id=robot_id, part_name="arm").part_id
    assert get_part(call, part_id).part.fqdn == "arm.%s.viam.cloud" % location_id
    other_robot = call("NewRobot", name="other", location=location_id).id
    error = call.fails(Code.ALREADY_EXISTS, "NewRobotPart", robot_id=other_robot, part_name="arm")
    assert "arm" in error.details()
    call.fails(Code.ALREADY_EXISTS, "NewRobotPart", robot_id=other_robot, part_name="rover-main")
    call.fails(Code.INVALID_ARGUMENT, "NewRobotPart", robot_id=robot_id, part_name="")
    call.fails(Code.NOT_FOUND, "NewRobotPart", robot_id="no-such-robot", part_name="x")


def test_get_part_by_name_and_location(call, main_part, location_id):
    found = call("GetRobotPartByNameAndLocation", name="rover-main", location_id=location_id).part
    assert found.id == main_part.id
    call.fails(Code.NOT_FOUND, "GetRobotPartByNameAndLocation", name="nope", location_id=location_id)
    call.fails(Code.INVALID_ARGUMENT, "GetRobotPartByNameAndLocation", name="", location_id=location_id)


# -- UpdateRobotPart --------------------------------------------------------------------------

def test_update_config_json_wins_and_absent_config_is_kept(call, main_part):
    updated = call("UpdateRobotPart", id=main_part.id, name=main_part.name,
                   robot_config=struct({"from": "struct"}), robot_config_json='{"from": "json", "n": 3}').part
    assert dict(updated.robot_config) == {"from": "json", "n": 3.0}
    assert json.loads(get_part(call, main_part.id).config_json) == {"from": "json", "n": 3}
    assert '"n": 3}' in get_part(call, main_part.id).config_json  # integers stay integers in config_json
    call("UpdateRobotPart", id=main_part.id, name=main_part.name)
    assert json.loads(get_part(call, main_part.id).config_json) == {"from": "json", "n": 3}
    call("UpdateRobotPart", id=main_part.id, name="", robot_config=struct({"components": []}))
    assert json.loads(get_part(call, main_part.id).config_json) == {"components": []}


@pytest.mark.parametrize("bad", ["not json", "[1, 2]"])
def test_update_rejects_bad_config_json(call, main_part, bad):
    call.fails(Code.INVALID_ARGUMENT, "UpdateRobotPart", id=main_part.id, name=main_part.name, robot_config_json=bad)


def test_last_known_update_is_optimistic_concurrency(call, main_part):
    first = call("UpdateRobotPart", id=main_part.id, name=main_part.name, robot_config=struct({"v": 1}),
                 last_known_update=main_part.last_updated).part
    assert first.last_updated.ToDatetime() > main_part.last_updated.ToDatetime()
    error = call.fails(Code.FAILED_PRECONDITION, "UpdateRobotPart", id=main_part.id, name=main_part.name,
                       robot_config=struct({"v": 2}), last_known_update=main_part.last_updated)
    assert "last_known_update" in error.details()
    call("UpdateRobotPart", id=main_part.id, name=main_part.name, robot_config=struct({"v": 2}),
         last_known_update=first.last_updated)


def test_rename_regenerates_dns_name_and_fqdns(call, main_part, location_id, robot_id):
    renamed = call("UpdateRobotPart", id=main_part.id, name="Front Camera_2").part
    assert renamed.name == "Front Camera_2" and renamed.dns_name == "front-camera-2"
    assert renamed.fqdn == "front-camera-2.%s.viam.cloud" % location_id
    assert renamed.local_fqdn == "front-camera-2.%s.local.viam.cloud" % location_id
    call("NewRobotPart", robot_id=robot_id, part_name="taken")
    call.fails(Code.ALREADY_EXISTS, "UpdateRobotPart", id=main_part.id, name="taken")


def test_history_records_the_old_part_newest_first_with_pages(call, main_part):
    for version in range(1, 4):
        call("UpdateRobotPart", id=main_part.id, name=main_part.name, robot_config=struct({"v": version}))
    call("UpdateRobotPart", id=main_part.id, name=main_part.name, robot_config=struct({"v": 3}))  # no change
    history = call("GetRobotPartHistory", id=main_part.id).history
    assert [dict(entry.old.robot_config).get("v") for entry in history] == [2.0, 1.0, None]
    assert all(entry.part == main_part.id and entry.robot == main_part.robot for entry in history)
    assert history[0].edited_by.value == call.key_id
    first_page = call("GetRobotPartHistory", id=main_part.id, page_limit=2)
    assert len(first_page.history) == 2 and first_page.next_page_token
    rest = call("GetRobotPartHistory", id=main_part.id, page_limit=2, page_token=first_page.next_page_token)
    assert len(rest.history) == 1 and rest.next_page_token == ""
    call.fails(Code.INVALID_ARGUMENT, "GetRobotPartHistory", id=main_part.id, page_token="bogus")


def test_operators_cannot_edit_and_see_no_secrets(emulator, main_part, robot_id):
    operator = emulator.make_key("operator", "robot", robot_id)
    error = operator.fails(Code.PERMISSION_DENIED, "UpdateRobotPart", id=main_part.id, name="x")
    assert main_part.id in error.details()
    seen = operator("GetRobotPart", id=main_part.id).part
    assert seen.secret == "" and seen.secrets[0].secret == "" and seen.secrets[0].id == main_part.secrets[0].id
    operator.fails(Code.PERMISSION_DENIED, "CreateRobotPartSecret", part_id=main_part.id)
    emulator.make_keyless_client().fails(Code.PERMISSION_DENIED, "GetRobotPart", id=main_part.id)


# -- main part, restart, delete ---------------------------------------------------------------

def test_the_main_part_cannot_be_deleted(call, main_part, robot_id):
    error = call.fails(Code.FAILED_PRECONDITION, "DeleteRobotPart", part_id=main_part.id)
    assert "main part" in error.details()
    extra = call("NewRobotPart", robot_id=robot_id, part_name="extra").part_id
    call("DeleteRobotPart", part_id=extra)
    call.fails(Code.NOT_FOUND, "GetRobotPart", id=extra)


def test_mark_part_as_main_leaves_exactly_one(call, main_part, robot_id):
    extra = call("NewRobotPart", robot_id=robot_id, part_name="extra").part_id
    assert not get_part(call, extra).part.main_part
    call("MarkPartAsMain", part_id=extra)
    mains = [p.id for p in call("GetRobotParts", robot_id=robot_id).parts if p.main_part]
    assert mains == [extra]
    call("DeleteRobotPart", part_id=main_part.id)  # no longer the main part


def test_restart_is_a_control_action(emulator, call, main_part, robot_id):
    from viam_emulator.handlers.parts import restart_requested_at

    emulator.make_key("operator", "robot", robot_id)("MarkPartForRestart", part_id=main_part.id)
    with emulator.tx() as tx:
        assert restart_requested_at(tx, main_part.id) is not None
    emulator.make_keyless_client().fails(Code.PERMISSION_DENIED, "MarkPartForRestart", part_id=main_part.id)
    call.fails(Code.NOT_FOUND, "MarkPartForRestart", part_id="nope")


def test_part_secrets_at_most_two_active(call, main_part):
    part = call("CreateRobotPartSecret", part_id=main_part.id).part
    assert len(part.secrets) == 2 and part.secret == part.secrets[1].secret
    call.fails(Code.FAILED_PRECONDITION, "CreateRobotPartSecret", part_id=main_part.id)
    call.fails(Code.NOT_FOUND, "DeleteRobotPartSecret", part_id=main_part.id, secret_id="nope")
    call("DeleteRobotPartSecret", part_id=main_part.id, secret_id=part.secrets[1].id)
    after = get_part(call, main_part.id).part
    assert [s.id for s in after.secrets] == [part.secrets[0].id] and after.secret == part.secrets[0].secret


# -- logs -------------------------------------------------------------------------------------

def logs(call, part_id, **fields):
    return call("GetRobotPartLogs", app_pb2.GetRobotPartLogsRequest(id=part_id, **fields))


def test_new_parts_have_seeded_logs_newest_first(call, main_part):
    entries = logs(call, main_part.id).logs
    assert len(entries) >= 5
    times = [e.time.ToDatetime() for e in entries]
    assert times == sorted(times, reverse=True)
    assert {"info", "warn", "error"} <= {e.level for e in entries}
    assert all(e.host == main_part.dns_name and "File" in e.caller.fields for e in entries)
    ascending = logs(call, main_part.id, order=app_pb2.LOG_ORDER_ASCENDING).logs
    assert [e.time.ToDatetime() for e in ascending] == sorted(times)


def test_log_filters(call, main_part):
    assert {e.level for e in logs(call, main_part.id, levels=["error"]).logs} == {"error"}
    assert {e.level for e in logs(call, main_part.id, levels=["warn", "error"]).logs} == {"warn", "error"}
    assert {e.level for e in logs(call, main_part.id, errors_only=True).logs} == {"error"}
    assert [e.message for e in logs(call, main_part.id, filter="SIGNALING").logs] == ["Connected to signaling server"]
    every = logs(call, main_part.id).logs
    middle = every[len(every) // 2].time
    assert all(e.time.ToDatetime() <= middle.ToDatetime() for e in logs(call, main_part.id, end=middle).logs)
    assert all(e.time.ToDatetime() >= middle.ToDatetime() for e in logs(call, main_part.id, start=middle).logs)


def test_log_range(call, main_part):
    every = logs(call, main_part.id).logs
    recent = logs(call, main_part.id, range="15m").logs
    assert 0 < len(recent) < len(every)
    assert len(logs(call, main_part.id, range="1h30m").logs) == len(every)
    error = call.fails(Code.INVALID_ARGUMENT, "GetRobotPartLogs", app_pb2.GetRobotPartLogsRequest(
        id=main_part.id, range=""))
    assert "range" in error.details()
    bad_range = app_pb2.GetRobotPartLogsRequest(id=main_part.id, range="ten minutes")
    call.fails(Code.INVALID_ARGUMENT, "GetRobotPartLogs", bad_range)


def test_log_pages(call, main_part):
    every = logs(call, main_part.id).logs
    first = logs(call, main_part.id, limit=4)
    assert list(first.logs) == list(every[:4]) and first.next_page_token
    rest = logs(call, main_part.id, limit=4, page_token=first.next_page_token)
    assert list(rest.logs) == list(every[4:8]) and (rest.next_page_token == "") == (len(every) <= 8)
    assert logs(call, main_part.id).next_page_token == ""


def test_tail_sends_recent_logs_then_ends(call, main_part):
    errors = call("TailRobotPartLogs", id=main_part.id, errors_only=True)
    assert errors and all(e.level == "error" for r in errors for e in r.logs)
    everything = call("TailRobotPartLogs", id=main_part.id, errors_only=False)
    entries = [e for r in everything for e in r.logs]
    assert len(entries) == len(logs(call, main_part.id).logs)
    assert all(r.logs for r in everything)  # no empty message: the SDK stops at one
    assert call("TailRobotPartLogs", id=main_part.id, errors_only=False, filter="no such text") == []
    with pytest.raises(grpc.RpcError) as caught:
        call("TailRobotPartLogs", id="nope")
    assert caught.value.code() == Code.NOT_FOUND


def test_history_time_window(call, main_part):
    call("UpdateRobotPart", id=main_part.id, name=main_part.name, robot_config=struct({"v": 1}))
    entry = call("GetRobotPartHistory", id=main_part.id).history[0]
    later = entry.when.ToDatetime() + timedelta(seconds=1)  # message constructors take datetimes
    assert len(call("GetRobotPartHistory", id=main_part.id, start=later).history) == 0
    assert len(call("GetRobotPartHistory", id=main_part.id, end=later).history) == 1
