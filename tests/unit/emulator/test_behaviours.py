"""The --behaviour switches (viam_emulator/behaviours.py): every key, every value, in process.

The in-process emulator shares its Settings object with the test (conftest.EmulatorHandle), so a
test switches a behaviour with `behave(emulator, key, value)` and the next call sees it. The
default values must leave the emulator as it was before the switches existed: the rest of this
suite runs under them, and the `default` cases below pin the answers here too.
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import uuid
from typing import Any, Dict, List

import grpc
import pytest

from viam_emulator.behaviours import BEHAVIOURS, resolve
from viam_emulator.handlers.fragments import PUBLIC_AUTHORS_ORG_ID, PUBLIC_FRAGMENT_COUNT
from viam_emulator.ids import SECRETS_LOG
from viam_emulator.registry import Settings
from viam_emulator.wire import app_pb2, auth_pb2

Code = grpc.StatusCode
PRIVATE, PUBLIC, UNLISTED = (app_pb2.FRAGMENT_VISIBILITY_PRIVATE, app_pb2.FRAGMENT_VISIBILITY_PUBLIC,
                             app_pb2.FRAGMENT_VISIBILITY_PUBLIC_UNLISTED)
Struct = type(app_pb2.RobotPart().robot_config)  # the wire's Struct (its own descriptor pool)
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
LAUNCHER = os.path.join(REPO, "tests", "emulator", "viam-app-emulator")

# Every key and value this file tests; test_every_key_and_value_is_covered keeps it in step with behaviours.py.
COVERED = {
    "unknown_id_code": {"NOT_FOUND", "PERMISSION_DENIED", "INVALID_ARGUMENT", "UNKNOWN"},
    "part_by_name_and_location": {"present", "unimplemented", "permission_denied"},
    "list_robots_for_org": {"present", "permission_denied_below_org", "unimplemented"},
    "rotate_key": {"same_id", "new_id_keep_old"},
    "duplicate_fragment_name": {"already_exists", "invalid_argument", "allowed"},
    "duplicate_machine_name": {"already_exists", "invalid_argument", "allowed"},
    "update_conflict_code": {"FAILED_PRECONDITION", "ABORTED", "INVALID_ARGUMENT", "UNKNOWN"},
    "mark_part_for_restart": {"present", "unimplemented"},
    "public_fragments": {"none", "thousands"},
    "robot_config_json": {"honoured", "ignored"},
    "part_config_cloud": {"absent", "with_secret"},
}
# Today's behaviour, which the defaults must keep.
DEFAULTS = {
    "unknown_id_code": "NOT_FOUND", "part_by_name_and_location": "present", "list_robots_for_org": "present",
    "rotate_key": "same_id", "duplicate_fragment_name": "already_exists", "duplicate_machine_name": "already_exists",
    "update_conflict_code": "FAILED_PRECONDITION", "mark_part_for_restart": "present", "public_fragments": "none",
    "robot_config_json": "honoured", "part_config_cloud": "absent",
}


def behave(emulator: Any, key: str, value: str) -> None:
    assert value in BEHAVIOURS[key].names()
    emulator.settings.behaviours[key] = value


def struct(data: Dict[str, Any]) -> Struct:
    value = Struct()
    value.update(data)
    return value


def main_part(call: Any, robot_id: str) -> app_pb2.RobotPart:
    return next(p for p in call("GetRobotParts", robot_id=robot_id).parts if p.main_part)


def part_names(call: Any, robot_id: str) -> List[str]:
    return [p.name for p in call("GetRobotParts", robot_id=robot_id).parts]


def org_role(org_id: str, role: str = "owner") -> Dict[str, str]:
    return dict(authorization_type="role", authorization_id="organization_%s" % role,
                resource_type="organization", resource_id=org_id, organization_id=org_id)


def authenticates(channel: grpc.Channel, key_id: str, key: str) -> bool:
    call = channel.unary_unary("/proto.rpc.v1.AuthService/Authenticate",
                               request_serializer=auth_pb2.AuthenticateRequest.SerializeToString,
                               response_deserializer=auth_pb2.AuthenticateResponse.FromString)
    try:
        call(auth_pb2.AuthenticateRequest(entity=key_id, credentials=auth_pb2.Credentials(type="api-key", payload=key)),
             timeout=10)
    except grpc.RpcError as err:
        assert err.code() == Code.UNAUTHENTICATED
        return False
    return True


# -- the contract ------------------------------------------------------------------------------

def test_every_key_and_value_is_covered() -> None:
    assert {key: set(b.names()) for key, b in BEHAVIOURS.items()} == COVERED


def test_defaults_are_todays_behaviour() -> None:
    assert {key: b.default for key, b in BEHAVIOURS.items()} == DEFAULTS
    assert {key: Settings().behaviour(key) for key in BEHAVIOURS} == DEFAULTS
    assert resolve() == DEFAULTS
    pessimistic = resolve("pessimistic")
    assert all(pessimistic[key] == b.pessimistic for key, b in BEHAVIOURS.items())


# -- unknown_id_code ---------------------------------------------------------------------------

def _unknown_id_calls(org_id: str, location_id: str) -> List[tuple]:
    missing = str(uuid.uuid4())
    return [
        ("GetRobot", dict(id=missing)),
        ("UpdateRobot", dict(id=missing, name="x")),
        ("DeleteRobot", dict(id=missing)),
        ("GetRobotParts", dict(robot_id=missing)),
        ("NewRobotPart", dict(robot_id=missing, part_name="p")),
        ("GetRobotAPIKeys", dict(robot_id=missing)),
        ("GetRobotPart", dict(id=missing)),
        ("UpdateRobotPart", dict(id=missing, name="x")),
        ("DeleteRobotPart", dict(part_id=missing)),
        ("MarkPartAsMain", dict(part_id=missing)),
        ("MarkPartForRestart", dict(part_id=missing)),
        ("GetRobotPartHistory", dict(id=missing)),
        ("GetRobotPartLogs", dict(id=missing)),
        ("TailRobotPartLogs", dict(id=missing)),
        ("CreateRobotPartSecret", dict(part_id=missing)),
        ("GetRobotPartByNameAndLocation", dict(name="no-such-part", location_id=location_id)),
        ("GetFragment", dict(id=missing)),
        ("UpdateFragment", dict(id=missing, name="x")),
        ("DeleteFragment", dict(id=missing)),
        ("GetFragmentHistory", dict(id=missing)),
        ("GetLocation", dict(location_id="nosuchloc0")),
        ("UpdateLocation", dict(location_id="nosuchloc0", name="x")),
        ("DeleteLocation", dict(location_id="nosuchloc0")),
        ("LocationAuth", dict(location_id="nosuchloc0")),
        ("DeleteLocationSecret", dict(location_id=location_id, secret_id=missing)),
        ("GetOrganizationsWithAccessToLocation", dict(location_id="nosuchloc0")),
        ("GetLocationMetadata", dict(location_id="nosuchloc0")),
        ("GetRobotMetadata", dict(id=missing)),
        ("UpdateRobotMetadata", dict(id=missing)),
        ("GetRobotPartMetadata", dict(id=missing)),
        ("UpdateRobotPartMetadata", dict(id=missing)),
        ("GetModule", dict(module_id="%s:no-such-module" % org_id)),
        ("RotateKey", dict(id=missing)),
        ("DeleteKey", dict(id=missing)),
        ("RenameKey", dict(id=missing, name="x")),
        ("CreateKeyFromExistingKeyAuthorizations", dict(id=missing)),
        ("DeleteOrganizationMember", dict(organization_id=org_id, user_id=missing)),
    ]


@pytest.mark.parametrize("value", sorted(COVERED["unknown_id_code"]))
def test_unknown_id_code(emulator, call, org_id, location_id, value) -> None:
    behave(emulator, "unknown_id_code", value)
    code = Code[value]
    for rpc, fields in _unknown_id_calls(org_id, location_id):
        error = call.fails(code, rpc, **fields)
        assert error.details().endswith("not found"), (rpc, error.details())


@pytest.mark.parametrize("value", sorted(COVERED["unknown_id_code"]))
def test_unknown_id_code_leaves_other_answers_alone(emulator, call, org_id, robot_id, value) -> None:
    behave(emulator, "unknown_id_code", value)
    call.fails(Code.INVALID_ARGUMENT, "GetRobot", id="")  # no ID at all: still a bad argument
    emulator.make_keyless_client().fails(Code.PERMISSION_DENIED, "GetRobot", id=robot_id)  # exists, not yours
    fragment = call("CreateFragment", name="f", organization_id=org_id).fragment
    call.fails(Code.NOT_FOUND, "GetFragment", id=fragment.id, version="99")  # a revision is not an ID
    call.fails(Code.NOT_FOUND, "DeleteOrganizationInvite", organization_id=org_id, email="x@example.com")
    assert call("GetRobot", id=robot_id).robot.id == robot_id


def test_unknown_id_code_reaches_the_call_log(tmp_path, emulator) -> None:
    log = tmp_path / "calls.jsonl"
    handle = type(emulator)(call_log=str(log))  # conftest.EmulatorHandle, with a call log
    try:
        behave(handle, "unknown_id_code", "UNKNOWN")
        handle.owner.fails(Code.UNKNOWN, "GetRobot", id=str(uuid.uuid4()))
    finally:
        handle.stop()
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["code"] for e in entries if e["method"] == "GetRobot"] == ["UNKNOWN"]


# -- part_by_name_and_location -------------------------------------------------------------------

def test_part_by_name_and_location_present(emulator, call, location_id, robot_id) -> None:
    behave(emulator, "part_by_name_and_location", "present")
    found = call("GetRobotPartByNameAndLocation", name="rover-main", location_id=location_id).part
    assert found.id == main_part(call, robot_id).id
    call.fails(Code.NOT_FOUND, "GetRobotPartByNameAndLocation", name="free", location_id=location_id)
    call.fails(Code.INVALID_ARGUMENT, "GetRobotPartByNameAndLocation", name="", location_id=location_id)
    behave(emulator, "unknown_id_code", "PERMISSION_DENIED")  # a free name answers as an unknown ID
    error = call.fails(Code.PERMISSION_DENIED, "GetRobotPartByNameAndLocation", name="free", location_id=location_id)
    assert error.details() == "part 'free' in location %r not found" % location_id


def test_part_by_name_and_location_unimplemented(emulator, call, location_id, robot_id) -> None:
    behave(emulator, "part_by_name_and_location", "unimplemented")
    call.fails(Code.UNIMPLEMENTED, "GetRobotPartByNameAndLocation", name="rover-main", location_id=location_id)
    call.fails(Code.UNIMPLEMENTED, "GetRobotPartByNameAndLocation", name="free", location_id=location_id)
    robot_owner = emulator.make_key("owner", "robot", robot_id)
    robot_owner.fails(Code.UNIMPLEMENTED, "GetRobotPartByNameAndLocation", name="rover-main", location_id=location_id)


def test_part_by_name_and_location_permission_denied(emulator, call, location_id) -> None:
    behave(emulator, "part_by_name_and_location", "permission_denied")
    call.fails(Code.PERMISSION_DENIED, "GetRobotPartByNameAndLocation", name="rover-main", location_id=location_id)
    call.fails(Code.PERMISSION_DENIED, "GetRobotPartByNameAndLocation", name="free", location_id=location_id)
    assert call("GetLocation", location_id=location_id).location.id == location_id  # only that RPC


# -- list_robots_for_org ---------------------------------------------------------------------------

def _org_listing_clients(emulator, call, org_id, location_id):
    other_location = call("CreateLocation", organization_id=org_id, name="yard").location.id
    robots = {"rover": call("NewRobot", name="rover", location=location_id).id,
              "digger": call("NewRobot", name="digger", location=other_location).id}
    clients = {
        "org owner": call,
        "org operator": emulator.make_key("operator", "organization", org_id),
        "location owner": emulator.make_key("owner", "location", location_id),
        "robot operator": emulator.make_key("operator", "robot", robots["digger"]),
    }
    return robots, clients


def _listed(client, org_id):
    return sorted(r.name for r in client("ListRobotsForOrg", org_id=org_id).robots)


def test_list_robots_for_org_present(emulator, call, org_id, location_id) -> None:
    behave(emulator, "list_robots_for_org", "present")
    robots, clients = _org_listing_clients(emulator, call, org_id, location_id)
    assert _listed(clients["org owner"], org_id) == ["digger", "rover"]
    assert _listed(clients["org operator"], org_id) == ["digger", "rover"]
    assert _listed(clients["location owner"], org_id) == ["rover"]
    assert _listed(clients["robot operator"], org_id) == ["digger"]
    emulator.make_keyless_client().fails(Code.PERMISSION_DENIED, "ListRobotsForOrg", org_id=org_id)


def test_list_robots_for_org_permission_denied_below_org(emulator, call, org_id, location_id) -> None:
    behave(emulator, "list_robots_for_org", "permission_denied_below_org")
    robots, clients = _org_listing_clients(emulator, call, org_id, location_id)
    assert _listed(clients["org owner"], org_id) == ["digger", "rover"]
    assert _listed(clients["org operator"], org_id) == ["digger", "rover"]
    clients["location owner"].fails(Code.PERMISSION_DENIED, "ListRobotsForOrg", org_id=org_id)
    clients["robot operator"].fails(Code.PERMISSION_DENIED, "ListRobotsForOrg", org_id=org_id)
    emulator.make_keyless_client().fails(Code.PERMISSION_DENIED, "ListRobotsForOrg", org_id=org_id)
    # The per-location listing still serves them.
    assert [r.name for r in clients["location owner"]("ListRobots", location_id=location_id).robots] == ["rover"]


def test_list_robots_for_org_unimplemented(emulator, call, org_id, location_id) -> None:
    behave(emulator, "list_robots_for_org", "unimplemented")
    call("NewRobot", name="rover", location=location_id)
    call.fails(Code.UNIMPLEMENTED, "ListRobotsForOrg", org_id=org_id)
    assert len(call("ListRobots", location_id=location_id).robots) == 1


# -- rotate_key ----------------------------------------------------------------------------------

@pytest.fixture
def secrets_log(tmp_path):
    path = tmp_path / "secrets.jsonl"
    SECRETS_LOG.open(str(path))
    try:
        yield path
    finally:
        SECRETS_LOG.open(None)


def _logged_api_keys(path) -> List[str]:
    return [e["secret"] for e in map(json.loads, path.read_text().splitlines()) if e["kind"] == "api_key"]


def _keys(call, org_id) -> Dict[str, app_pb2.APIKeyWithAuthorizations]:
    return {k.api_key.id: k for k in call("ListKeys", org_id=org_id).api_keys}


def test_rotate_key_same_id(emulator, call, org_id, secrets_log) -> None:
    behave(emulator, "rotate_key", "same_id")
    created = call("CreateKey", name="deploy", authorizations=[org_role(org_id, "operator")])
    before = len(_keys(call, org_id))
    rotated = call("RotateKey", id=created.id)
    assert rotated.id == created.id and rotated.key != created.key
    assert len(_keys(call, org_id)) == before
    assert not authenticates(emulator.channel, created.id, created.key)
    assert authenticates(emulator.channel, rotated.id, rotated.key)
    assert rotated.key in _logged_api_keys(secrets_log)


def test_rotate_key_new_id_keep_old(emulator, call, org_id, secrets_log) -> None:
    behave(emulator, "rotate_key", "new_id_keep_old")
    created = call("CreateKey", name="deploy", authorizations=[org_role(org_id, "operator")])
    rotated = call("RotateKey", id=created.id)
    assert rotated.id != created.id and rotated.key != created.key
    assert uuid.UUID(rotated.id)
    keys = _keys(call, org_id)
    assert created.id in keys and rotated.id in keys  # both valid and listed
    old, new = keys[created.id], keys[rotated.id]
    assert new.api_key.name == old.api_key.name == "deploy"
    strip = [(a.authorization_id, a.resource_type, a.resource_id, a.org_id) for a in old.authorizations]
    assert [(a.authorization_id, a.resource_type, a.resource_id, a.org_id) for a in new.authorizations] == strip
    assert authenticates(emulator.channel, created.id, created.key)
    assert authenticates(emulator.channel, rotated.id, rotated.key)
    # The new key acts with the same role: an organization operator may read, not write.
    as_new = emulator.client(rotated.id, rotated.key)
    assert as_new("GetOrganization", organization_id=org_id).organization.id == org_id
    as_new.fails(Code.PERMISSION_DENIED, "CreateLocation", organization_id=org_id, name="nope")
    assert rotated.key in _logged_api_keys(secrets_log)
    # Rotating again mints yet another; deleting the old one leaves the new ones.
    third = call("RotateKey", id=rotated.id)
    assert len({created.id, rotated.id, third.id}) == 3
    call("DeleteKey", id=created.id)
    assert authenticates(emulator.channel, third.id, third.key)


# -- duplicate_fragment_name -------------------------------------------------------------------------

@pytest.mark.parametrize("value, code", [("already_exists", Code.ALREADY_EXISTS),
                                         ("invalid_argument", Code.INVALID_ARGUMENT)])
def test_duplicate_fragment_name_refused(emulator, call, org_id, value, code) -> None:
    behave(emulator, "duplicate_fragment_name", value)
    call("CreateFragment", name="base", organization_id=org_id)
    other = call("CreateFragment", name="other", organization_id=org_id).fragment
    error = call.fails(code, "CreateFragment", name="base", organization_id=org_id)
    assert "base" in error.details()
    call.fails(code, "UpdateFragment", id=other.id, name="base")
    assert call("UpdateFragment", id=other.id, name="other").fragment.name == "other"  # its own name: fine
    second_org = call("CreateOrganization", name="second").organization.id
    call("CreateFragment", name="base", organization_id=second_org)  # another organization: fine


def test_duplicate_fragment_name_allowed(emulator, call, org_id) -> None:
    behave(emulator, "duplicate_fragment_name", "allowed")
    first = call("CreateFragment", name="base", organization_id=org_id).fragment
    second = call("CreateFragment", name="base", organization_id=org_id).fragment
    other = call("CreateFragment", name="other", organization_id=org_id).fragment
    assert first.id != second.id
    assert call("UpdateFragment", id=other.id, name="base").fragment.name == "base"
    listed = [f.name for f in call("ListFragments", organization_id=org_id).fragments]
    assert listed == ["base", "base", "base"]


# -- duplicate_machine_name ---------------------------------------------------------------------------

@pytest.mark.parametrize("value, code", [("already_exists", Code.ALREADY_EXISTS),
                                         ("invalid_argument", Code.INVALID_ARGUMENT)])
def test_duplicate_machine_name_refused(emulator, call, org_id, location_id, value, code) -> None:
    behave(emulator, "duplicate_machine_name", value)
    call("NewRobot", name="rover", location=location_id)
    error = call.fails(code, "NewRobot", name="rover", location=location_id)
    assert "rover" in error.details()
    digger = call("NewRobot", name="digger", location=location_id).id
    call.fails(code, "UpdateRobot", id=digger, name="rover")  # rename onto a taken name
    yard = call("CreateLocation", organization_id=org_id, name="yard").location.id
    elsewhere = call("NewRobot", name="rover", location=yard).id  # another location: fine
    call.fails(code, "UpdateRobot", id=elsewhere, name="rover", location=location_id)  # move onto a taken name
    assert call("GetRobot", id=elsewhere).robot.location == yard


def test_duplicate_machine_name_allowed(emulator, call, org_id, location_id) -> None:
    behave(emulator, "duplicate_machine_name", "allowed")
    first = call("NewRobot", name="rover", location=location_id).id
    second = call("NewRobot", name="rover", location=location_id).id
    third = call("NewRobot", name="rover", location=location_id).id
    assert len({first, second, third}) == 3
    # Part names stay unique per location: <machine>-main when free, else -2, -3, ...
    assert [part_names(call, r) for r in (first, second, third)] == [["rover-main"], ["rover-main-2"],
                                                                     ["rover-main-3"]]
    second_main = main_part(call, second)
    assert second_main.main_part and second_main.dns_name == "rover-main-2"
    assert second_main.fqdn == "rover-main-2.%s.viam.cloud" % location_id
    # A rename onto a taken name is accepted; the part keeps its name.
    digger = call("NewRobot", name="digger", location=location_id).id
    assert call("UpdateRobot", id=digger, name="rover").robot.name == "rover"
    assert part_names(call, digger) == ["digger-main"]
    # A move into a location where the machine's part names are taken renames the moved parts.
    yard = call("CreateLocation", organization_id=org_id, name="yard").location.id
    call("NewRobot", name="rover", location=yard)
    call("NewRobotPart", robot_id=first, part_name="arm")
    moved = call("UpdateRobot", id=first, name="rover", location=yard).robot
    assert moved.location == yard
    assert part_names(call, first) == ["rover-main-2", "arm"]
    assert all(p.location_id == yard for p in call("GetRobotParts", robot_id=first).parts)
    names_in_yard = [p.name for r in call("ListRobots", location_id=yard).robots
                     for p in call("GetRobotParts", robot_id=r.id).parts]
    assert sorted(names_in_yard) == ["arm", "rover-main", "rover-main-2"]
    assert sorted(r.name for r in call("ListRobots", location_id=location_id).robots) == ["rover", "rover", "rover"]


def test_duplicate_machine_name_allowed_still_needs_a_name(emulator, call, location_id) -> None:
    behave(emulator, "duplicate_machine_name", "allowed")
    call.fails(Code.INVALID_ARGUMENT, "NewRobot", name=" ", location=location_id)


# -- update_conflict_code ---------------------------------------------------------------------------

@pytest.mark.parametrize("value", sorted(COVERED["update_conflict_code"]))
def test_update_conflict_code(emulator, call, org_id, robot_id, value) -> None:
    behave(emulator, "update_conflict_code", value)
    code = Code[value]
    part = main_part(call, robot_id)
    first = call("UpdateRobotPart", id=part.id, name=part.name, robot_config=struct({"v": 1}),
                 last_known_update=part.last_updated).part
    error = call.fails(code, "UpdateRobotPart", id=part.id, name=part.name, robot_config=struct({"v": 2}),
                       last_known_update=part.last_updated)
    assert "last_known_update" in error.details()
    call("UpdateRobotPart", id=part.id, name=part.name, robot_config=struct({"v": 3}),
         last_known_update=first.last_updated)

    fragment = call("CreateFragment", name="f", organization_id=org_id).fragment
    edited = call("UpdateFragment", id=fragment.id, name="f", config=struct({"v": 1}),
                  last_known_update=fragment.last_updated).fragment
    error = call.fails(code, "UpdateFragment", id=fragment.id, name="f", config=struct({"v": 2}),
                       last_known_update=fragment.last_updated)
    assert "last_known_update" in error.details()
    call("UpdateFragment", id=fragment.id, name="f", config=struct({"v": 3}), last_known_update=edited.last_updated)
    # Other refusals keep their codes.
    call.fails(Code.FAILED_PRECONDITION, "DeleteRobotPart", part_id=part.id)  # the main part


# -- mark_part_for_restart -----------------------------------------------------------------------------

def test_mark_part_for_restart_present(emulator, call, robot_id) -> None:
    behave(emulator, "mark_part_for_restart", "present")
    part = main_part(call, robot_id)
    call("MarkPartForRestart", part_id=part.id)
    emulator.make_key("operator", "robot", robot_id)("MarkPartForRestart", part_id=part.id)


def test_mark_part_for_restart_unimplemented(emulator, call, robot_id) -> None:
    behave(emulator, "mark_part_for_restart", "unimplemented")
    part = main_part(call, robot_id)
    call.fails(Code.UNIMPLEMENTED, "MarkPartForRestart", part_id=part.id)
    emulator.make_key("operator", "robot", robot_id).fails(Code.UNIMPLEMENTED, "MarkPartForRestart", part_id=part.id)
    with emulator.tx() as tx:
        assert tx.get("part_restart", part.id, type(part.created_on)) is None  # nothing recorded


# -- public_fragments ---------------------------------------------------------------------------------

def _own_fragments(call, org_id):
    call("CreateFragment", name="mine-private", organization_id=org_id)
    call("CreateFragment", name="mine-public", organization_id=org_id, visibility=PUBLIC)
    call("CreateFragment", name="mine-unlisted", organization_id=org_id, visibility=UNLISTED)


def _fragment_names(call, **fields) -> List[str]:
    return [f.name for f in call("ListFragments", **fields).fragments]


def test_public_fragments_none(emulator, call, org_id) -> None:
    behave(emulator, "public_fragments", "none")
    _own_fragments(call, org_id)
    assert _fragment_names(call, organization_id=org_id, show_public=True) == ["mine-public"]
    assert _fragment_names(call, show_public=True) == ["mine-public"]
    assert _fragment_names(call, organization_id=org_id, fragment_visibility=[PUBLIC]) == ["mine-public"]
    with emulator.tx() as tx:
        assert tx.get("organization", PUBLIC_AUTHORS_ORG_ID, app_pb2.Organization) is None  # nothing seeded


def test_public_fragments_thousands(emulator, call, org_id) -> None:
    behave(emulator, "public_fragments", "thousands")
    _own_fragments(call, org_id)
    listed = call("ListFragments", organization_id=org_id, show_public=True)  # seeds them, then lists them
    again = call("ListFragments", organization_id=org_id, show_public=True)
    theirs = [f for f in listed.fragments if f.organization_owner != org_id]
    assert [f.name for f in listed.fragments if f.organization_owner == org_id] == ["mine-public"]
    assert len(theirs) == PUBLIC_FRAGMENT_COUNT == 3000
    assert len(again.fragments) == len(listed.fragments) == len(listed.fragment_usages)
    assert len({f.id for f in theirs}) == 3000 and len({f.name for f in theirs}) == 3000
    assert {(f.organization_owner, f.visibility, f.public) for f in theirs} == {(PUBLIC_AUTHORS_ORG_ID, PUBLIC, True)}
    assert {f.organization_name for f in theirs} == {"Public Fragment Authors"}
    # Every request that brings other organizations' public fragments brings them.
    assert len(_fragment_names(call, show_public=True)) == 3001
    assert len(_fragment_names(call, organization_id=org_id, fragment_visibility=[PUBLIC, PRIVATE])) == 3002
    lab = call("CreateLocation", organization_id=org_id, name="lab").location.id
    outsider = emulator.make_key("owner", "location", lab)
    assert len(_fragment_names(outsider, show_public=True)) == 3001
    # Requests for the caller's own fragments do not.
    assert _fragment_names(call, organization_id=org_id) == ["mine-private", "mine-public", "mine-unlisted"]
    assert _fragment_names(call, organization_id=org_id, show_public=False) == [
        "mine-private", "mine-public", "mine-unlisted"]
    assert _fragment_names(call, organization_id=org_id, fragment_visibility=[PRIVATE]) == ["mine-private"]
    assert _fragment_names(call, fragment_visibility=[PRIVATE, UNLISTED]) == ["mine-private", "mine-unlisted"]
    # They are ordinary public fragments: readable by ID, not writable, their organization closed.
    fetched = call("GetFragment", id=theirs[0].id).fragment
    assert fetched.name == theirs[0].name and fetched.fragment.fields["components"]
    call.fails(Code.PERMISSION_DENIED, "UpdateFragment", id=theirs[0].id, name="mine-now")
    call.fails(Code.PERMISSION_DENIED, "DeleteFragment", id=theirs[0].id)
    call.fails(Code.PERMISSION_DENIED, "GetOrganization", organization_id=PUBLIC_AUTHORS_ORG_ID)
    assert PUBLIC_AUTHORS_ORG_ID not in [o.id for o in call("ListOrganizations").organizations]
    # Switched back to none: they are no longer listed.
    behave(emulator, "public_fragments", "none")
    assert _fragment_names(call, organization_id=org_id, show_public=True) == ["mine-public"]


# -- robot_config_json ---------------------------------------------------------------------------------

def test_robot_config_json_honoured(emulator, call, robot_id) -> None:
    behave(emulator, "robot_config_json", "honoured")
    part = main_part(call, robot_id)
    text = '{"zeta": 1, "alpha": {"n": 2, "x": 0.5}}'
    call("UpdateRobotPart", id=part.id, name=part.name, robot_config=struct({"from": "struct"}),
         robot_config_json=text)
    assert call("GetRobotPart", id=part.id).config_json == text  # as written: ints, key order
    call.fails(Code.INVALID_ARGUMENT, "UpdateRobotPart", id=part.id, name=part.name, robot_config_json="{")


def test_robot_config_json_ignored(emulator, call, robot_id) -> None:
    behave(emulator, "robot_config_json", "ignored")
    part = main_part(call, robot_id)
    updated = call("UpdateRobotPart", id=part.id, name=part.name,
                   robot_config=struct({"zeta": 1, "alpha": {"n": 2, "x": 0.5}, "list": [3, "s", True]}),
                   robot_config_json='{"from": "json"}').part
    response = call("GetRobotPart", id=part.id)
    assert response.config_json == '{"alpha": {"n": 2.0, "x": 0.5}, "list": [3.0, "s", true], "zeta": 1.0}'
    assert json.loads(response.config_json) == {"alpha": {"n": 2, "x": 0.5}, "list": [3, "s", True], "zeta": 1}
    assert response.part.robot_config == struct({"zeta": 1, "alpha": {"n": 2, "x": 0.5}, "list": [3, "s", True]})
    # robot_config_json alone: the stored config is kept, nothing is recorded (not even bad JSON is read).
    for text in ('{"from": "json"}', "{"):
        again = call("UpdateRobotPart", id=part.id, name=part.name, robot_config_json=text).part
        assert again.last_updated == updated.last_updated
    assert call("GetRobotPart", id=part.id).config_json == response.config_json
    assert len(call("GetRobotPartHistory", id=part.id).history) == 1


# -- part_config_cloud ---------------------------------------------------------------------------------

def test_part_config_cloud_absent(emulator, call, robot_id) -> None:
    behave(emulator, "part_config_cloud", "absent")
    part = main_part(call, robot_id)
    assert "cloud" not in json.loads(call("GetRobotPart", id=part.id).config_json)


def test_part_config_cloud_with_secret(emulator, call, robot_id, location_id) -> None:
    behave(emulator, "part_config_cloud", "with_secret")
    part = main_part(call, robot_id)
    cloud = json.loads(call("GetRobotPart", id=part.id).config_json)["cloud"]
    assert cloud == {"id": part.id, "secret": part.secret, "location_id": location_id}
    operator = emulator.make_key("operator", "robot", robot_id)  # may not read secrets: no cloud section
    assert "cloud" not in json.loads(operator("GetRobotPart", id=part.id).config_json)


# -- the command line ----------------------------------------------------------------------------------

def test_pessimistic_emulator_starts_quickly_and_answers(call) -> None:
    """A smoke run of the launcher with --behaviours pessimistic: it becomes ready and answers its calls."""
    env = dict(os.environ, VIAM_EMULATOR_PYTHON=sys.executable)
    process = subprocess.Popen([LAUNCHER, "--port", "0", "--behaviours", "pessimistic"], cwd="/", env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        if not select.select([process.stdout], [], [], 10)[0]:
            pytest.fail("the emulator printed nothing within 10 s")
        line = process.stdout.readline()
        assert line, process.stderr.read()
        info = json.loads(line)
        assert info["behaviours"] == resolve("pessimistic")
        # No timing asserted here (make bench measures; a loaded CI machine is slow): the 10 s above bounds it.
        channel = grpc.insecure_channel(info["address"])
        try:
            owner = type(call)(channel, info["api_key_id"], info["api_key"])  # conftest.Client
            org_id = info["organization_id"]
            location_id = owner("CreateLocation", organization_id=org_id, name="lab").location.id
            owner.fails(Code.PERMISSION_DENIED, "GetRobot", id=str(uuid.uuid4()))
            owner.fails(Code.UNIMPLEMENTED, "ListRobotsForOrg", org_id=org_id)
            robot = owner("NewRobot", name="rover", location=location_id).id
            assert owner("NewRobot", name="rover", location=location_id).id != robot
            fragments = owner("ListFragments", organization_id=org_id, show_public=True).fragments
            assert len(fragments) == 3000
        finally:
            channel.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
