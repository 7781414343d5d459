"""Members and invites, and the two documented ways an invite becomes a member."""
from __future__ import annotations

import grpc

from _fixtures_orgs import Emu, auth, expect_error, pb
from viam_emulator.handlers.members import accept_invite

NOT_FOUND = grpc.StatusCode.NOT_FOUND
INVALID = grpc.StatusCode.INVALID_ARGUMENT
DENIED = grpc.StatusCode.PERMISSION_DENIED
EXISTS = grpc.StatusCode.ALREADY_EXISTS


def invite(emu: Emu, email: str, *authorizations: pb.Authorization, as_=None) -> pb.OrganizationInvite:
    return emu.call("CreateOrganizationInvite", pb.CreateOrganizationInviteRequest(
        organization_id=emu.org_id, email=email, authorizations=authorizations, send_email_invite=False),
        as_=as_).invite


def members(emu: Emu):
    response = emu.call("ListOrganizationMembers", pb.ListOrganizationMembersRequest(organization_id=emu.org_id))
    assert response.organization_id == emu.org_id
    return list(response.members), list(response.invites)


def change(emu: Emu, email: str, add=(), remove=()) -> pb.OrganizationInvite:
    return emu.call("UpdateOrganizationInviteAuthorizations", pb.UpdateOrganizationInviteAuthorizationsRequest(
        organization_id=emu.org_id, email=email, add_authorizations=add, remove_authorizations=remove)).invite


def test_invite_without_authorizations_makes_an_owner(emu: Emu) -> None:
    created = invite(emu, "Grace@Example.com")
    assert created.email == "grace@example.com" and created.HasField("created_on")
    assert [(a.authorization_id, a.resource_id, a.organization_id) for a in created.authorizations] == [
        ("organization_owner", emu.org_id, emu.org_id)]
    assert members(emu) == ([], [created])


def test_invite_validation(emu: Emu) -> None:
    for bad in ("", "no-at-sign", "two@@example.com", "space @example.com", "x@nodot"):
        expect_error(INVALID, invite, emu, bad)
    invite(emu, "grace@example.com")
    expect_error(EXISTS, invite, emu, "grace@example.com")
    expect_error(NOT_FOUND, invite, emu, "alan@example.com", auth("operator", "location", "zzzzzzzzzz"))
    expect_error(INVALID, invite, emu, "alan@example.com", auth("admin", "organization", emu.org_id))
    other = emu.call("CreateOrganization", pb.CreateOrganizationRequest(name="other")).organization
    expect_error(INVALID, invite, emu, "alan@example.com", auth("owner", "organization", other.id))
    location_id = emu.location()
    expect_error(INVALID, invite, emu, "alan@example.com", auth("owner", "location", location_id),
                 auth("operator", "location", location_id))
    operator = emu.key("operator", "organization", emu.org_id)
    expect_error(DENIED, invite, emu, "alan@example.com", as_=operator)


def test_accepting_makes_a_member_with_the_invited_roles(emu: Emu) -> None:
    location_id = emu.location()
    invite(emu, "grace@example.com", auth("operator", "location", location_id))
    with emu.tx() as tx:
        user_id = accept_invite(tx, emu.org_id, "grace@example.com")
    listed, invites = members(emu)
    assert invites == []
    assert [(m.user_id, list(m.emails)) for m in listed] == [(user_id, ["grace@example.com"])]
    assert listed[0].HasField("date_added")
    grants = emu.call("ListAuthorizations", pb.ListAuthorizationsRequest(
        organization_id=emu.org_id, resource_ids=[location_id])).authorizations
    assert [(g.identity_id, g.identity_type, g.authorization_id) for g in grants] == [
        (user_id, "user", "location_operator")]
    expect_error(EXISTS, invite, emu, "grace@example.com")  # already a member


def test_reserved_domain_is_accepted_at_once(emu: Emu) -> None:
    invite(emu, "robot-tester@accepted.example")
    listed, invites = members(emu)
    assert invites == [] and [list(m.emails) for m in listed] == [["robot-tester@accepted.example"]]
    user_id = emu.call("GetUserIDByEmail", pb.GetUserIDByEmailRequest(email="robot-tester@accepted.example")).user_id
    assert listed[0].user_id == user_id


def test_same_user_in_two_organizations_keeps_one_id(emu: Emu) -> None:
    first = invite(emu, "grace@accepted.example")
    other = emu.call("CreateOrganization", pb.CreateOrganizationRequest(name="other")).organization
    emu.call("CreateOrganizationInvite", pb.CreateOrganizationInviteRequest(
        organization_id=other.id, email="grace@accepted.example"))
    ids = {m.user_id for org_id in (emu.org_id, other.id) for m in emu.call(
        "ListOrganizationMembers", pb.ListOrganizationMembersRequest(organization_id=org_id)).members}
    assert len(ids) == 1 and first.email == "grace@accepted.example"


def test_update_invite_authorizations(emu: Emu) -> None:
    location_id = emu.location()
    robot_id = emu.robot(location_id)
    owner = auth("owner", "organization", emu.org_id)
    invite(emu, "grace@example.com")
    updated = change(emu, "grace@example.com", add=[auth("operator", "location", location_id)])
    assert [a.authorization_id for a in updated.authorizations] == ["organization_owner", "location_operator"]
    # Removals apply first, so one call swaps a role on the same resource.
    updated = change(emu, "grace@example.com", add=[auth("owner", "location", location_id)],
                     remove=[auth("operator", "location", location_id)])
    assert [a.authorization_id for a in updated.authorizations] == ["organization_owner", "location_owner"]
    expect_error(INVALID, change, emu, "grace@example.com", add=[auth("operator", "location", location_id)])
    expect_error(INVALID, change, emu, "grace@example.com", remove=[auth("operator", "robot", robot_id)])
    expect_error(INVALID, change, emu, "grace@example.com")
    change(emu, "grace@example.com", remove=[owner])
    expect_error(INVALID, change, emu, "grace@example.com", remove=[auth("owner", "location", location_id)])
    expect_error(NOT_FOUND, change, emu, "nobody@example.com", add=[owner])
    assert [a.authorization_id for a in members(emu)[1][0].authorizations] == ["location_owner"]


def test_delete_and_resend_need_a_pending_invite(emu: Emu) -> None:
    request = dict(organization_id=emu.org_id, email="grace@example.com")
    expect_error(NOT_FOUND, emu.call, "DeleteOrganizationInvite", pb.DeleteOrganizationInviteRequest(**request))
    expect_error(NOT_FOUND, emu.call, "ResendOrganizationInvite", pb.ResendOrganizationInviteRequest(**request))
    created = invite(emu, "grace@example.com")
    resent = emu.call("ResendOrganizationInvite", pb.ResendOrganizationInviteRequest(**request)).invite
    assert resent == created
    emu.call("DeleteOrganizationInvite", pb.DeleteOrganizationInviteRequest(**request))
    assert members(emu) == ([], [])
    expect_error(NOT_FOUND, emu.call, "DeleteOrganizationInvite", pb.DeleteOrganizationInviteRequest(**request))
    with emu.tx() as tx:
        expect_error(NOT_FOUND, accept_invite, tx, emu.org_id, "grace@example.com")


def test_delete_member_takes_their_roles(emu: Emu) -> None:
    invite(emu, "grace@accepted.example")
    user_id = members(emu)[0][0].user_id
    remove = pb.DeleteOrganizationMemberRequest(organization_id=emu.org_id, user_id=user_id)
    operator = emu.key("operator", "organization", emu.org_id)
    expect_error(DENIED, emu.call, "DeleteOrganizationMember", remove, as_=operator)
    emu.call("DeleteOrganizationMember", remove)
    assert members(emu) == ([], [])
    grants = emu.call("ListAuthorizations", pb.ListAuthorizationsRequest(organization_id=emu.org_id)).authorizations
    assert user_id not in {g.identity_id for g in grants}
    expect_error(NOT_FOUND, emu.call, "DeleteOrganizationMember", remove)
    invite(emu, "grace@example.com")  # no longer a member: may be invited again


def test_operator_lists_members(emu: Emu) -> None:
    invite(emu, "grace@example.com")
    operator = emu.key("operator", "organization", emu.org_id)
    listed = emu.call("ListOrganizationMembers", pb.ListOrganizationMembersRequest(organization_id=emu.org_id),
                      as_=operator)
    assert [i.email for i in listed.invites] == ["grace@example.com"]
    outsider = emu.key("owner", "location", emu.location())
    expect_error(DENIED, emu.call, "ListOrganizationMembers",
                 pb.ListOrganizationMembersRequest(organization_id=emu.org_id), as_=outsider)
