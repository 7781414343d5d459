"""Machines: the main part, name rules, rename/move, delete, the list RPCs, ListMachineSummaries."""
from __future__ import annotations

import uuid

import grpc
import pytest

from viam_emulator.seed import seed_fleet
from viam_emulator.wire import app_pb2

Code = grpc.StatusCode


def parts_of(call, robot_id):
    return list(call("GetRobotParts", robot_id=robot_id).parts)


def new_location(call, org_id, name="other"):
    return call("CreateLocation", organization_id=org_id, name=name).location.id


# -- creating ---------------------------------------------------------------------------------

def test_new_robot_creates_its_main_part(call, location_id):
    robot_id = call("NewRobot", name="rover", location=location_id).id
    assert uuid.UUID(robot_id)
    robot = call("GetRobot", id=robot_id).robot
    assert (robot.name, robot.location) == ("rover", location_id)
    assert robot.HasField("created_on") and robot.online_state == app_pb2.ONLINE_STATE_OFFLINE
    (main,) = parts_of(call, robot_id)
    assert (main.name, main.main_part, main.robot, main.location_id) == ("rover-main", True, robot_id, location_id)
    assert main.dns_name == "rover-main"
    assert main.fqdn == "rover-main.%s.viam.cloud" % location_id
    assert main.local_fqdn == "rover-main.%s.local.viam.cloud" % location_id


@pytest.mark.parametrize("fields, code", [
    ({"name": "", "location": "x"}, Code.INVALID_ARGUMENT),
    ({"name": "rover", "location": ""}, Code.INVALID_ARGUMENT),
    ({"name": "rover", "location": "nosuchloc0"}, Code.NOT_FOUND),
])
def test_new_robot_bad_input(call, fields, code):
    call.fails(code, "NewRobot", **fields)


def test_machine_names_are_unique_within_a_location(call, org_id, location_id):
    call("NewRobot", name="rover", location=location_id)
    error = call.fails(Code.ALREADY_EXISTS, "NewRobot", name="rover", location=location_id)
    assert "rover" in error.details()
    call("NewRobot", name="rover", location=new_location(call, org_id))  # another location: fine


def test_unknown_machine_is_not_found(call):
    error = call.fails(Code.NOT_FOUND, "GetRobot", id="xyz")
    assert error.details() == "machine 'xyz' not found"
    call.fails(Code.INVALID_ARGUMENT, "GetRobot", id="")
    call.fails(Code.NOT_FOUND, "DeleteRobot", id="xyz")
    call.fails(Code.NOT_FOUND, "GetRobotParts", robot_id="xyz")


# -- updating ---------------------------------------------------------------------------------

def test_rename_keeps_location_and_main_part(call, robot_id, location_id):
    robot = call("UpdateRobot", id=robot_id, name="renamed", location="").robot
    assert (robot.name, robot.location) == ("renamed", location_id)
    assert [p.name for p in parts_of(call, robot_id)] == ["rover-main"]


def test_move_keeps_parts_in_sync(call, org_id, robot_id):
    call("NewRobotPart", robot_id=robot_id, part_name="arm")
    destination = new_location(call, org_id)
    robot = call("UpdateRobot", id=robot_id, name="", location=destination).robot
    assert (robot.name, robot.location) == ("rover", destination)
    for part in parts_of(call, robot_id):
        assert part.location_id == destination
        assert part.fqdn == "%s.%s.viam.cloud" % (part.dns_name, destination)
        assert part.local_fqdn == "%s.%s.local.viam.cloud" % (part.dns_name, destination)
    found = call("GetRobotPartByNameAndLocation", name="arm", location_id=destination).part
    assert found.robot == robot_id


def test_move_and_rename_respect_uniqueness(call, org_id, robot_id, location_id):
    destination = new_location(call, org_id)
    call("NewRobot", name="rover", location=destination)
    call.fails(Code.ALREADY_EXISTS, "UpdateRobot", id=robot_id, name="", location=destination)
    call("NewRobot", name="other", location=location_id)
    call.fails(Code.ALREADY_EXISTS, "UpdateRobot", id=robot_id, name="other", location="")
    call.fails(Code.NOT_FOUND, "UpdateRobot", id=robot_id, name="", location="nosuchloc0")
    # A part name already used in the destination blocks the move too (part names are unique per location).
    third = new_location(call, org_id, "third")
    call("NewRobot", name="rover-main-holder", location=third)
    holder = call("ListRobots", location_id=third).robots[0].id
    call("NewRobotPart", robot_id=holder, part_name="rover-main")
    call.fails(Code.ALREADY_EXISTS, "UpdateRobot", id=robot_id, name="", location=third)


def test_delete_robot_deletes_its_parts(call, robot_id):
    extra = call("NewRobotPart", robot_id=robot_id, part_name="extra").part_id
    part_ids = [p.id for p in parts_of(call, robot_id)]
    assert extra in part_ids and len(part_ids) == 2
    call("DeleteRobot", id=robot_id)
    call.fails(Code.NOT_FOUND, "GetRobot", id=robot_id)
    for part_id in part_ids:
        call.fails(Code.NOT_FOUND, "GetRobotPart", id=part_id)


# -- listing ----------------------------------------------------------------------------------

def test_list_robots_variants(call, org_id, location_id):
    other = new_location(call, org_id)
    a = call("NewRobot", name="a", location=location_id).id
    b = call("NewRobot", name="b", location=other).id
    assert [r.id for r in call("ListRobots", location_id=location_id).robots] == [a]
    assert [r.id for r in call("ListRobotsForLocations", location_ids=[location_id, other]).robots] == [a, b]
    assert [r.id for r in call("ListRobotsForOrg", org_id=org_id).robots] == [a, b]
    call.fails(Code.INVALID_ARGUMENT, "ListRobotsForLocations", location_ids=[])
    call.fails(Code.NOT_FOUND, "ListRobots", location_id="nosuchloc0")


def test_scoped_keys(emulator, call, org_id, location_id, robot_id):
    other_robot = call("NewRobot", name="other", location=location_id).id
    machine_key = emulator.make_key("owner", "robot", robot_id)
    assert [r.id for r in machine_key("ListRobots", location_id=location_id).robots] == [robot_id]
    assert [r.id for r in machine_key("ListRobotsForOrg", org_id=org_id).robots] == [robot_id]
    machine_key.fails(Code.PERMISSION_DENIED, "GetRobot", id=other_robot)
    machine_key.fails(Code.PERMISSION_DENIED, "NewRobot", name="new", location=location_id)
    assert machine_key("UpdateRobot", id=robot_id, name="mine", location="").robot.name == "mine"

    operator = emulator.make_key("operator", "location", location_id)
    assert len(operator("ListRobots", location_id=location_id).robots) == 2
    operator.fails(Code.PERMISSION_DENIED, "NewRobot", name="new", location=location_id)
    operator.fails(Code.PERMISSION_DENIED, "DeleteRobot", id=robot_id)

    elsewhere = new_location(call, org_id)
    location_key = emulator.make_key("owner", "location", location_id)
    location_key.fails(Code.PERMISSION_DENIED, "ListRobots", location_id=elsewhere)
    location_key.fails(Code.PERMISSION_DENIED, "NewRobot", name="x", location=elsewhere)
    location_key.fails(Code.PERMISSION_DENIED, "UpdateRobot", id=robot_id, name="", location=elsewhere)

    nobody = emulator.make_keyless_client()
    nobody.fails(Code.PERMISSION_DENIED, "GetRobot", id=robot_id)
    nobody.fails(Code.PERMISSION_DENIED, "ListRobotsForOrg", org_id=org_id)


def test_rover_rentals_are_empty_but_checked(emulator, call, org_id):
    assert list(call("GetRoverRentalRobots", org_id=org_id).robots) == []
    emulator.make_keyless_client().fails(Code.PERMISSION_DENIED, "GetRoverRentalRobots", org_id=org_id)


# -- ListMachineSummaries ---------------------------------------------------------------------

def machine_count(response):
    return sum(len(loc.machine_summaries) for loc in response.location_summaries)


def test_summaries_limit_defaults_to_100(emulator, call, org_id):
    with emulator.tx() as tx:
        seed_fleet(tx, emulator.settings, org_id, 2, 75, 1)
    assert machine_count(call("ListMachineSummaries", organization_id=org_id)) == 100
    assert machine_count(call("ListMachineSummaries", organization_id=org_id, limit=0)) == 100
    assert machine_count(call("ListMachineSummaries", organization_id=org_id, limit=7)) == 7
    assert machine_count(call("ListMachineSummaries", organization_id=org_id, limit=1000)) == 150
    assert machine_count(call("ListMachineSummaries", organization_id="", limit=1000)) == 150
    call.fails(Code.INVALID_ARGUMENT, "ListMachineSummaries", organization_id=org_id, limit=-1)


def test_summaries_content_and_filters(emulator, call, org_id, location_id, robot_id):
    other = new_location(call, org_id)
    call("NewRobot", name="elsewhere", location=other)
    fragment = app_pb2.Fragment(id=str(uuid.uuid4()), name="base-config", organization_owner=org_id)
    with emulator.tx() as tx:
        tx.put("fragment", fragment.id, fragment, name=fragment.name, org=org_id)
    main = parts_of(call, robot_id)[0]
    call("UpdateRobotPart", id=main.id, name=main.name,
         robot_config_json='{"fragments": [{"id": "%s"}]}' % fragment.id)

    response = call("ListMachineSummaries", organization_id=org_id)
    assert [(s.location_id, s.location_name) for s in response.location_summaries] == [
        (location_id, "lab"), (other, "other")]
    machine = response.location_summaries[0].machine_summaries[0]
    assert (machine.machine_id, machine.machine_name) == (robot_id, "rover")
    (part,) = machine.part_summaries
    assert (part.part_id, part.part_name, part.is_main_part, part.dns_name) == (main.id, "rover-main", True,
                                                                                "rover-main")
    assert part.online_state == app_pb2.ONLINE_STATE_OFFLINE
    assert [(f.id, f.name) for f in part.fragments] == [(fragment.id, "base-config")]

    by_fragment = call("ListMachineSummaries", organization_id=org_id, fragment_ids=[fragment.id])
    assert [m.machine_id for s in by_fragment.location_summaries for m in s.machine_summaries] == [robot_id]
    by_location = call("ListMachineSummaries", organization_id=org_id, location_ids=[other])
    assert [s.location_id for s in by_location.location_summaries] == [other]


def test_summaries_respect_scoped_keys(emulator, call, org_id, location_id, robot_id):
    call("NewRobot", name="other", location=location_id)
    machine_key = emulator.make_key("operator", "robot", robot_id)
    response = machine_key("ListMachineSummaries", organization_id=org_id)
    assert [m.machine_id for s in response.location_summaries for m in s.machine_summaries] == [robot_id]
    emulator.make_keyless_client().fails(Code.PERMISSION_DENIED, "ListMachineSummaries", organization_id=org_id)


def test_summaries_of_a_thousand_machines(emulator, call, org_id):
    # Its speed is measured by make bench-inventory, not asserted here.
    with emulator.tx() as tx:
        seed_fleet(tx, emulator.settings, org_id, 10, 100, 3)
    response = call("ListMachineSummaries", organization_id=org_id, limit=5000)
    assert machine_count(response) == 1000
    assert sum(len(m.part_summaries) for s in response.location_summaries for m in s.machine_summaries) == 3000
