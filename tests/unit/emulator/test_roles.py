"""Roles: AddRole, RemoveRole, ChangeRole, ListAuthorizations, CheckPermissions."""
from __future__ import annotations

import grpc

from _fixtures_orgs import Emu, auth, expect_error, pb, principal
from viam_emulator.access import allowed
from viam_emulator.handlers.roles import permission_action

NOT_FOUND = grpc.StatusCode.NOT_FOUND
INVALID = grpc.StatusCode.INVALID_ARGUMENT
DENIED = grpc.StatusCode.PERMISSION_DENIED
EXISTS = grpc.StatusCode.ALREADY_EXISTS


def add(emu: Emu, authorization: pb.Authorization, as_=None) -> None:
    emu.call("AddRole", pb.AddRoleRequest(authorization=authorization), as_=as_)


def remove(emu: Emu, authorization: pb.Authorization, as_=None) -> None:
    emu.call("RemoveRole", pb.RemoveRoleRequest(authorization=authorization), as_=as_)


def may(emu: Emu, client, action: str, resource_type: str, resource_id: str) -> bool:
    with emu.tx() as tx:
        return allowed(tx, principal(client), action, resource_type, resource_id)


def grants(emu: Emu, *resource_ids: str):
    return emu.call("ListAuthorizations", pb.ListAuthorizationsRequest(
        organization_id=emu.org_id, resource_ids=resource_ids)).authorizations


def test_add_role_grants_access_and_refuses_duplicates(emu: Emu) -> None:
    location_id = emu.location()
    robot_id = emu.robot(location_id)
    key = emu.key("operator", "robot", emu.robot(emu.location("other")))
    assert not may(emu, key, "read", "robot", robot_id)
    role = auth("owner", "location", location_id, key.key_id, emu.org_id)
    add(emu, role)
    assert may(emu, key, "write", "robot", robot_id)
    expect_error(EXISTS, add, emu, role)
    listed = grants(emu, location_id)
    assert [(g.identity_id, g.identity_type, g.authorization_type, g.authorization_id) for g in listed] == [
        (key.key_id, "api-key", "role", "location_owner")]


def test_add_role_accepts_the_go_sdk_form_and_an_empty_org(emu: Emu) -> None:
    location_id = emu.location()
    key = emu.key("operator", "location", location_id)
    go_form = pb.Authorization(authorization_type="owner", resource_type="location", resource_id=location_id,
                               identity_id=key.key_id)
    add(emu, go_form)
    assert [g.authorization_id for g in grants(emu, location_id) if g.identity_id == key.key_id] == [
        "location_operator", "location_owner"]


def test_add_role_validates_identity_and_resource(emu: Emu) -> None:
    location_id = emu.location()
    key_id = emu.owner.key_id
    expect_error(NOT_FOUND, add, emu, auth("owner", "location", location_id, "7f1f5bb4-47b6-4c1e-9c5d-1f2e3a4b5c6d"))
    expect_error(INVALID, add, emu, auth("owner", "location", location_id, ""))
    expect_error(INVALID, add, emu, auth("admin", "location", location_id, key_id))
    expect_error(INVALID, add, emu, auth("owner", "galaxy", location_id, key_id))
    expect_error(NOT_FOUND, add, emu, auth("owner", "location", "zzzzzzzzzz", key_id))
    expect_error(NOT_FOUND, add, emu, auth("owner", "robot", "7f1f5bb4-47b6-4c1e-9c5d-1f2e3a4b5c6d", key_id))
    mismatched = auth("owner", "location", location_id, key_id)
    mismatched.authorization_id = "robot_owner"
    expect_error(INVALID, add, emu, mismatched)
    other = emu.call("CreateOrganization", pb.CreateOrganizationRequest(name="other")).organization
    expect_error(INVALID, add, emu, auth("owner", "location", location_id, key_id, other.id))
    expect_error(INVALID, emu.call, "AddRole", pb.AddRoleRequest())


def test_users_need_membership(emu: Emu) -> None:
    emu.call("CreateOrganizationInvite", pb.CreateOrganizationInviteRequest(
        organization_id=emu.org_id, email="grace@accepted.example",
        authorizations=[auth("operator", "organization", emu.org_id)]))
    user_id = emu.call("GetUserIDByEmail", pb.GetUserIDByEmailRequest(email="grace@accepted.example")).user_id
    location_id = emu.location()
    add(emu, auth("owner", "location", location_id, user_id, emu.org_id))
    assert [g.identity_type for g in grants(emu, location_id)] == ["user"]
    other = emu.call("CreateOrganization", pb.CreateOrganizationRequest(name="other")).organization
    expect_error(INVALID, add, emu, auth("owner", "organization", other.id, user_id, other.id))


def test_only_organization_owners_manage_roles(emu: Emu) -> None:
    location_id = emu.location()
    location_owner = emu.key("owner", "location", location_id)
    org_operator = emu.key("operator", "organization", emu.org_id)
    for caller in (location_owner, org_operator):
        expect_error(DENIED, add, emu, auth("operator", "location", location_id, caller.key_id), as_=caller)
    expect_error(DENIED, remove, emu, auth("owner", "location", location_id, location_owner.key_id),
                 as_=org_operator)


def test_remove_role(emu: Emu) -> None:
    location_id = emu.location()
    key = emu.key("owner", "location", location_id)
    role = auth("owner", "location", location_id, key.key_id)
    remove(emu, role)
    assert not may(emu, key, "read", "location", location_id)
    expect_error(NOT_FOUND, remove, emu, role)


def test_change_role_swaps_in_one_step(emu: Emu) -> None:
    location_id = emu.location()
    key = emu.key("operator", "location", location_id)
    old = auth("operator", "location", location_id, key.key_id, emu.org_id)
    new = auth("owner", "organization", emu.org_id, key.key_id, emu.org_id)
    emu.call("ChangeRole", pb.ChangeRoleRequest(old_authorization=old, new_authorization=new))
    assert [g.authorization_id for g in grants(emu) if g.identity_id == key.key_id] == ["organization_owner"]
    expect_error(NOT_FOUND, emu.call, "ChangeRole", pb.ChangeRoleRequest(old_authorization=old, new_authorization=new))
    owner_role = auth("owner", "organization", emu.org_id, emu.owner.key_id, emu.org_id)
    expect_error(EXISTS, emu.call, "ChangeRole", pb.ChangeRoleRequest(old_authorization=new,
                                                                      new_authorization=owner_role))
    expect_error(INVALID, emu.call, "ChangeRole", pb.ChangeRoleRequest(old_authorization=new))


def test_list_authorizations_filters_by_resource(emu: Emu) -> None:
    first, second = emu.location("a"), emu.location("b")
    emu.key("owner", "location", first)
    emu.key("operator", "location", second)
    assert {g.resource_id for g in grants(emu)} == {emu.org_id, first, second}
    assert [g.resource_id for g in grants(emu, second)] == [second]
    assert list(grants(emu, "unknown")) == []
    outsider = emu.key("owner", "location", first)
    expect_error(DENIED, emu.call, "ListAuthorizations",
                 pb.ListAuthorizationsRequest(organization_id=emu.org_id), as_=outsider)


def check(emu: Emu, as_, *entries: pb.AuthorizedPermissions):
    return emu.call("CheckPermissions", pb.CheckPermissionsRequest(permissions=entries), as_=as_).authorized_permissions


def test_check_permissions_returns_the_authorized_subset(emu: Emu) -> None:
    location_id = emu.location()
    robot_id = emu.robot(location_id)
    wanted = ["control_robot", "read_robot_logs", "write_robot", "read_robot_secret", "configure_robot"]
    operator = emu.key("operator", "location", location_id)
    entry = pb.AuthorizedPermissions(resource_type="robot", resource_id=robot_id, permissions=wanted)
    org_entry = pb.AuthorizedPermissions(resource_type="organization", resource_id=emu.org_id,
                                         permissions=["read_organization", "control_robot"])
    result = check(emu, operator, entry, org_entry)
    assert [(r.resource_type, r.resource_id, list(r.permissions)) for r in result] == [
        ("robot", robot_id, ["control_robot", "read_robot_logs"]), ("organization", emu.org_id, [])]
    assert list(check(emu, None, entry)[0].permissions) == wanted


def test_check_permissions_rejects_bad_input(emu: Emu) -> None:
    expect_error(INVALID, check, emu, None)
    expect_error(INVALID, check, emu, None, pb.AuthorizedPermissions(resource_type="galaxy", resource_id="x",
                                                                     permissions=["read_robot"]))
    expect_error(INVALID, check, emu, None, pb.AuthorizedPermissions(resource_type="robot", permissions=["x"]))
    expect_error(INVALID, check, emu, None, pb.AuthorizedPermissions(resource_type="robot", resource_id="r",
                                                                     permissions=[""]))


def test_permission_actions() -> None:
    assert [permission_action(p) for p in ("read_robot", "control_robot", "write_fragment", "read_location_secret",
                                           "list_dataset", "update_anything", "delete_packages")] == [
        "read", "control", "write", "write", "read", "write", "write"]
