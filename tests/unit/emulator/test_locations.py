"""Locations: IDs, nesting, rename/move, delete rules, robot_count, listing by scope, sharing, secrets."""
from __future__ import annotations

import re

import grpc
import pytest

from viam_emulator.wire import app_pb2

Code = grpc.StatusCode


def create(call, org_id, name, parent=None):
    request = app_pb2.CreateLocationRequest(organization_id=org_id, name=name)
    if parent is not None:
        request.parent_location_id = parent
    return call("CreateLocation", request).location


def get(call, location_id):
    return call("GetLocation", location_id=location_id).location


def second_org(call):
    """A second organization the owner key owns (CreateOrganization grants its creator the owner role)."""
    return call("CreateOrganization", name="Second Org").organization.id


# -- creating ---------------------------------------------------------------------------------

def test_create_returns_a_complete_location(call, org_id):
    location = create(call, org_id, "Lab")
    assert re.fullmatch(r"[a-z0-9]{10}", location.id)
    assert location.name == "Lab" and location.parent_location_id == ""
    assert [(o.organization_id, o.primary) for o in location.organizations] == [(org_id, True)]
    assert location.HasField("created_on") and location.robot_count == 0
    assert location.auth.location_id == location.id
    assert len(location.auth.secrets) == 1
    assert location.auth.secret == location.auth.secrets[0].secret and len(location.auth.secret) >= 32
    assert location.auth.secrets[0].state == app_pb2.SharedSecret.STATE_ENABLED
    assert location.primary_org_identity.id == org_id
    assert get(call, location.id) == location


def test_location_names_need_not_be_unique(call, org_id):
    first, second = create(call, org_id, "same"), create(call, org_id, "same")
    assert first.id != second.id


@pytest.mark.parametrize("name", ["", "   "])
def test_create_rejects_an_empty_name(call, org_id, name):
    call.fails(Code.INVALID_ARGUMENT, "CreateLocation", organization_id=org_id, name=name)


def test_create_in_an_unknown_org_or_under_an_unknown_parent(call, org_id):
    call.fails(Code.PERMISSION_DENIED, "CreateLocation", organization_id="00000000-0000-4000-8000-000000000000",
               name="x")
    call.fails(Code.INVALID_ARGUMENT, "CreateLocation", organization_id="", name="x")
    error = call.fails(Code.NOT_FOUND, "CreateLocation", app_pb2.CreateLocationRequest(
        organization_id=org_id, name="x", parent_location_id="nosuchloc0"))
    assert "nosuchloc0" in error.details()


def test_locations_nest_at_most_three_levels(call, org_id):
    top = create(call, org_id, "top")
    middle = create(call, org_id, "middle", top.id)
    bottom = create(call, org_id, "bottom", middle.id)
    assert bottom.parent_location_id == middle.id
    error = call.fails(Code.INVALID_ARGUMENT, "CreateLocation", app_pb2.CreateLocationRequest(
        organization_id=org_id, name="too-deep", parent_location_id=bottom.id))
    assert "3 levels" in error.details()


# -- updating ---------------------------------------------------------------------------------

def test_update_empty_name_keeps_it_and_absent_parent_keeps_it(call, org_id):
    top = create(call, org_id, "top")
    child = create(call, org_id, "child", top.id)
    updated = call("UpdateLocation", app_pb2.UpdateLocationRequest(location_id=child.id, name="")).location
    assert (updated.name, updated.parent_location_id) == ("child", top.id)
    updated = call("UpdateLocation", location_id=child.id, name="renamed").location
    assert (updated.name, updated.parent_location_id) == ("renamed", top.id)


def test_update_moves_under_a_parent_and_back_to_the_top_level(call, org_id):
    top, other = create(call, org_id, "top"), create(call, org_id, "other")
    moved = call("UpdateLocation", location_id=other.id, name="", parent_location_id=top.id).location
    assert moved.parent_location_id == top.id
    # An explicitly empty parent means "top level" (the SDK docstring's example).
    back = call("UpdateLocation", location_id=other.id, name="", parent_location_id="").location
    assert back.parent_location_id == "" and back.name == "other"


def test_update_refuses_cycles_and_too_deep_moves(call, org_id):
    top = create(call, org_id, "top")
    middle = create(call, org_id, "middle", top.id)
    create(call, org_id, "bottom", middle.id)
    call.fails(Code.INVALID_ARGUMENT, "UpdateLocation", location_id=top.id, parent_location_id=middle.id)
    call.fails(Code.INVALID_ARGUMENT, "UpdateLocation", location_id=top.id, parent_location_id=top.id)
    other = create(call, org_id, "other")
    # middle has a child: under other it would reach level 4 (other > middle > bottom is fine, one more is not).
    deep_parent = create(call, org_id, "deep", other.id)
    call.fails(Code.INVALID_ARGUMENT, "UpdateLocation", location_id=middle.id, parent_location_id=deep_parent.id)
    call.fails(Code.NOT_FOUND, "UpdateLocation", location_id=middle.id, parent_location_id="nosuchloc0")
    call.fails(Code.NOT_FOUND, "UpdateLocation", location_id="nosuchloc0", name="x")


def test_a_shared_nested_location_cannot_be_moved(call, org_id):
    top = create(call, org_id, "top")
    child = create(call, org_id, "child", top.id)
    call("ShareLocation", location_id=child.id, organization_id=second_org(call))
    error = call.fails(Code.FAILED_PRECONDITION, "UpdateLocation", location_id=child.id, parent_location_id="")
    assert "shared" in error.details()
    assert call("UpdateLocation", location_id=child.id, name="still-renamable").location.name == "still-renamable"


# -- deleting ---------------------------------------------------------------------------------

def test_delete_refuses_a_location_with_machines_and_says_how_many(call, org_id):
    location = create(call, org_id, "busy")
    for name in ("a", "b"):
        call("NewRobot", name=name, location=location.id)
    error = call.fails(Code.FAILED_PRECONDITION, "DeleteLocation", location_id=location.id)
    assert "2 machines" in error.details()


def test_delete_refuses_a_location_with_sub_locations(call, org_id):
    top = create(call, org_id, "top")
    create(call, org_id, "child", top.id)
    assert "sub-location" in call.fails(Code.FAILED_PRECONDITION, "DeleteLocation", location_id=top.id).details()


def test_delete_an_empty_location(call, org_id):
    location = create(call, org_id, "empty")
    call("UpdateLocationMetadata", location_id=location.id, data={"k": "v"})
    call("DeleteLocation", location_id=location.id)
    call.fails(Code.NOT_FOUND, "GetLocation", location_id=location.id)
    call.fails(Code.NOT_FOUND, "DeleteLocation", location_id=location.id)
    assert location.id not in [loc.id for loc in call("ListLocations", organization_id=org_id).locations]


# -- robot_count and listing ------------------------------------------------------------------

def test_robot_count_is_accurate_everywhere(call, org_id):
    first, second = create(call, org_id, "first"), create(call, org_id, "second")
    robots = [call("NewRobot", name="m%d" % i, location=first.id).id for i in range(3)]
    assert get(call, first.id).robot_count == 3
    call("UpdateRobot", id=robots[0], name="", location=second.id)
    call("DeleteRobot", id=robots[1])
    counts = {loc.id: loc.robot_count for loc in call("ListLocations", organization_id=org_id).locations}
    assert counts == {first.id: 1, second.id: 1}


def test_list_locations_is_scoped_to_what_the_caller_can_read(emulator, call, org_id):
    top = create(call, org_id, "top")
    child = create(call, org_id, "child", top.id)
    other = create(call, org_id, "other")
    assert [loc.id for loc in call("ListLocations", organization_id=org_id).locations] == [top.id, child.id, other.id]
    scoped = emulator.make_key("operator", "location", top.id)
    assert [loc.id for loc in scoped("ListLocations", organization_id=org_id).locations] == [top.id, child.id]
    scoped.fails(Code.PERMISSION_DENIED, "GetLocation", location_id=other.id)
    assert get(scoped, child.id).id == child.id
    nobody = emulator.make_keyless_client()
    nobody.fails(Code.PERMISSION_DENIED, "ListLocations", organization_id=org_id)
    call.fails(Code.INVALID_ARGUMENT, "ListLocations", organization_id="")


def test_operators_see_no_location_secrets(emulator, call, org_id):
    location = create(call, org_id, "lab")
    operator = emulator.make_key("operator", "location", location.id)
    seen = get(operator, location.id)
    assert seen.auth.secret == "" and seen.auth.secrets[0].secret == ""
    assert seen.auth.secrets[0].id == location.auth.secrets[0].id
    operator.fails(Code.PERMISSION_DENIED, "LocationAuth", location_id=location.id)
    operator.fails(Code.PERMISSION_DENIED, "UpdateLocation", location_id=location.id, name="mine")
    operator.fails(Code.PERMISSION_DENIED, "DeleteLocation", location_id=location.id)


def test_a_location_owner_may_add_sub_locations_but_not_top_level_ones(emulator, call, org_id):
    location = create(call, org_id, "lab")
    owner = emulator.make_key("owner", "location", location.id)
    assert create(owner, org_id, "bench", location.id).parent_location_id == location.id
    owner.fails(Code.PERMISSION_DENIED, "CreateLocation", organization_id=org_id, name="elsewhere")


# -- sharing ----------------------------------------------------------------------------------

def test_share_and_unshare(call, org_id):
    location = create(call, org_id, "shared")
    other_org = second_org(call)
    call("ShareLocation", location_id=location.id, organization_id=other_org)
    assert {(o.organization_id, o.primary) for o in get(call, location.id).organizations} == {
        (org_id, True), (other_org, False)}
    assert location.id in [loc.id for loc in call("ListLocations", organization_id=other_org).locations]
    call.fails(Code.ALREADY_EXISTS, "ShareLocation", location_id=location.id, organization_id=other_org)
    error = call.fails(Code.FAILED_PRECONDITION, "UnshareLocation", location_id=location.id, organization_id=org_id)
    assert "primary" in error.details()
    call("UnshareLocation", location_id=location.id, organization_id=other_org)
    assert [o.organization_id for o in get(call, location.id).organizations] == [org_id]
    assert location.id not in [loc.id for loc in call("ListLocations", organization_id=other_org).locations]
    call.fails(Code.NOT_FOUND, "UnshareLocation", location_id=location.id, organization_id=other_org)


def test_sharing_needs_an_owner_of_both_orgs(emulator, call, org_id):
    location = create(call, org_id, "shared")
    other_org = second_org(call)
    only_first = emulator.make_key("owner", "organization", org_id)
    error = only_first.fails(Code.PERMISSION_DENIED, "ShareLocation", location_id=location.id,
                             organization_id=other_org)
    assert "both" in error.details()


# -- secrets ----------------------------------------------------------------------------------

def test_location_secrets_at_most_two_active(call, org_id):
    location = create(call, org_id, "lab")
    auth = call("CreateLocationSecret", location_id=location.id).auth
    assert len(auth.secrets) == 2 and auth.secret == auth.secrets[1].secret
    error = call.fails(Code.FAILED_PRECONDITION, "CreateLocationSecret", location_id=location.id)
    assert "2 active secrets" in error.details()
    call.fails(Code.NOT_FOUND, "DeleteLocationSecret", location_id=location.id, secret_id="no-such-secret")
    call.fails(Code.INVALID_ARGUMENT, "DeleteLocationSecret", location_id=location.id, secret_id="")
    call("DeleteLocationSecret", location_id=location.id, secret_id=auth.secrets[1].id)
    remaining = call("LocationAuth", location_id=location.id).auth
    assert [s.id for s in remaining.secrets] == [auth.secrets[0].id]
    assert remaining.secret == auth.secrets[0].secret
    assert len(call("CreateLocationSecret", location_id=location.id).auth.secrets) == 2
