"""Metadata on organizations, locations, machines and parts: replace-all updates, read/write roles."""
from __future__ import annotations

import grpc
import pytest

Code = grpc.StatusCode

# resource -> (Get RPC, Update RPC, ID field)
RPCS = {
    "organization": ("GetOrganizationMetadata", "UpdateOrganizationMetadata", "organization_id"),
    "location": ("GetLocationMetadata", "UpdateLocationMetadata", "location_id"),
    "robot": ("GetRobotMetadata", "UpdateRobotMetadata", "id"),
    "part": ("GetRobotPartMetadata", "UpdateRobotPartMetadata", "id"),
}


@pytest.fixture
def resource_ids(call, org_id, location_id, robot_id):
    part_id = call("GetRobotParts", robot_id=robot_id).parts[0].id
    return {"organization": org_id, "location": location_id, "robot": robot_id, "part": part_id}


@pytest.mark.parametrize("resource", sorted(RPCS))
def test_update_replaces_everything(call, resource_ids, resource):
    get, update, field = RPCS[resource]
    target = {field: resource_ids[resource]}
    assert dict(call(get, **target).data) == {}
    call(update, data={"site": "north", "floor": 2, "tags": ["a", "b"]}, **target)
    data = call(get, **target).data
    assert data["site"] == "north" and data["floor"] == 2 and list(data["tags"]) == ["a", "b"]
    call(update, data={"only": True}, **target)
    assert dict(call(get, **target).data) == {"only": True}
    call(update, **target)  # no data: cleared
    assert dict(call(get, **target).data) == {}


@pytest.mark.parametrize("resource", sorted(RPCS))
def test_unknown_ids(call, resource):
    get, update, field = RPCS[resource]
    # An unknown organization is indistinguishable from someone else's (no existence oracle).
    code = Code.PERMISSION_DENIED if resource == "organization" else Code.NOT_FOUND
    call.fails(code, get, **{field: "00000000-0000-4000-8000-000000000000"})
    call.fails(code, update, data={"a": 1}, **{field: "00000000-0000-4000-8000-000000000000"})
    call.fails(Code.INVALID_ARGUMENT, get, **{field: ""})


@pytest.mark.parametrize("resource", ["location", "robot", "part"])
def test_operators_read_but_do_not_write(emulator, resource_ids, resource):
    get, update, field = RPCS[resource]
    operator = emulator.make_key("operator", "location", resource_ids["location"])
    target = {field: resource_ids[resource]}
    assert dict(operator(get, **target).data) == {}
    operator.fails(Code.PERMISSION_DENIED, update, data={"a": 1}, **target)
    operator.fails(Code.PERMISSION_DENIED, "UpdateOrganizationMetadata", organization_id=resource_ids["organization"],
                   data={"a": 1})
    emulator.make_keyless_client().fails(Code.PERMISSION_DENIED, get, **target)


def test_metadata_goes_with_its_machine(emulator, call, resource_ids):
    call("UpdateRobotMetadata", id=resource_ids["robot"], data={"a": 1})
    call("UpdateRobotPartMetadata", id=resource_ids["part"], data={"a": 1})
    call("DeleteRobot", id=resource_ids["robot"])
    with emulator.tx() as tx:
        assert tx.count("metadata", parent=resource_ids["robot"]) == 0
        assert tx.count("metadata", parent=resource_ids["part"]) == 0
