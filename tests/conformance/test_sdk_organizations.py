"""viam-sdk's AppClient against the emulator: organizations, members and invites."""
from __future__ import annotations

import uuid

import pytest

pytest.importorskip("viam", reason="viam-sdk is a test dependency (requirements-dev.txt)")
from grpclib.const import Status  # noqa: E402

from conformance_support import UUID_RE, unique  # noqa: E402

from viam.proto.app import Authorization  # noqa: E402


def test_list_organizations_shows_the_key_organization(run, app, org_id):
    orgs = run(app.list_organizations())
    assert org_id in [o.id for o in orgs]
    org = next(o for o in orgs if o.id == org_id)
    assert UUID_RE.match(org.id)
    assert org.name
    assert org.HasField("created_on")


def test_get_organization(run, app, org_id):
    org = run(app.get_organization(org_id))
    assert org.id == org_id
    assert org.name
    assert org.HasField("created_on")


def test_get_organization_errors(app, expect_status):
    expect_status(app.get_organization(""), Status.INVALID_ARGUMENT)
    # An organization the key is not in cannot be told apart from a missing one (no oracle).
    expect_status(app.get_organization(str(uuid.uuid4())), Status.NOT_FOUND, Status.PERMISSION_DENIED)


def test_organizations_read_back_by_our_client(run, app, org_id, ours, to_dict):
    theirs = run(app.get_organization(org_id))
    mine = to_dict(ours.get_organization(organization_id=org_id).organization)
    assert (mine["id"], mine["name"], mine["public_namespace"]) == (theirs.id, theirs.name, theirs.public_namespace)
    assert mine["created_on"] == theirs.created_on.ToJsonString()
    listed = [o.organization.id if hasattr(o, "organization") else o.id
              for o in ours.list_organizations().organizations]
    assert org_id in listed


def test_update_organization_name(run, app, org_id):
    before = run(app.get_organization(org_id))
    new_name = unique("Conformance Org")
    try:
        updated = run(app.update_organization(org_id, name=new_name))
        assert updated.id == org_id and updated.name == new_name
        assert run(app.get_organization(org_id)).name == new_name
        # Fields left out are unchanged (proto3 optional: absent means "keep").
        assert updated.public_namespace == before.public_namespace
    finally:
        run(app.update_organization(org_id, name=before.name))
    assert run(app.get_organization(org_id)).name == before.name


def test_update_organization_errors(app, expect_status):
    expect_status(app.update_organization(str(uuid.uuid4()), name="x"), Status.NOT_FOUND, Status.PERMISSION_DENIED)


def test_namespace_availability_and_claim(run, app, new_org, expect_status):
    org = new_org()  # a namespace cannot be unset: claim it on an organization of this test's own
    assert org.public_namespace == ""
    namespace = unique("conf-ns")
    assert run(app.get_organization_namespace_availability(namespace)) is True
    updated = run(app.update_organization(org.id, public_namespace=namespace))
    assert updated.public_namespace == namespace
    assert run(app.get_organization(org.id)).public_namespace == namespace
    assert run(app.get_organization_namespace_availability(namespace)) is False
    # docs/api-assumptions.md §3: setting a namespace when one is already set is an error (UpdateOrganizationNamespace renames)...
    expect_status(app.update_organization(org.id, public_namespace=unique("conf-ns2")),
                  Status.FAILED_PRECONDITION, Status.ALREADY_EXISTS)
    # ... and so is taking a namespace another organization holds.
    expect_status(app.update_organization(new_org().id, public_namespace=namespace), Status.ALREADY_EXISTS)


def test_namespace_availability_errors(app, expect_status):
    expect_status(app.get_organization_namespace_availability(""), Status.INVALID_ARGUMENT)
    expect_status(app.get_organization_namespace_availability("Not A Namespace!"), Status.INVALID_ARGUMENT)


# --------------------------------------------------------------------------- members and invites


def _auth(org_id: str, resource_type: str, resource_id: str, role: str) -> Authorization:
    return Authorization(authorization_type="role", authorization_id="%s_%s" % (resource_type, role),
                         resource_type=resource_type, resource_id=resource_id, organization_id=org_id)


def _invite_auths(invite):
    return sorted((a.authorization_id, a.resource_type, a.resource_id) for a in invite.authorizations)


def test_list_organization_members(run, app, org_id):
    members, invites = run(app.list_organization_members(org_id))
    assert isinstance(members, list) and isinstance(invites, list)
    for member in members:
        assert member.user_id and list(member.emails)


def test_list_organization_members_errors(app, expect_status):
    expect_status(app.list_organization_members(str(uuid.uuid4())), Status.NOT_FOUND, Status.PERMISSION_DENIED)


def test_invite_lifecycle(run, app, org_id, fleet, expect_status):
    email = "%s@example.com" % unique("invitee")
    invite = run(app.create_organization_invite(org_id, email, send_email_invite=False))
    assert invite.email == email and invite.organization_id == org_id
    assert invite.HasField("created_on")
    # docs/api-assumptions.md §3: no authorizations means organization owner.
    assert _invite_auths(invite) == [("organization_owner", "organization", org_id)]

    _members, invites = run(app.list_organization_members(org_id))
    assert email in [i.email for i in invites]

    updated = run(app.update_organization_invite_authorizations(
        org_id, email, add_authorizations=[_auth(org_id, "location", fleet.inside, "operator")],
        remove_authorizations=[_auth(org_id, "organization", org_id, "owner")]))
    assert updated.email == email
    assert _invite_auths(updated) == [("location_operator", "location", fleet.inside)]
    _members, invites = run(app.list_organization_members(org_id))
    listed = next(i for i in invites if i.email == email)
    assert _invite_auths(listed) == [("location_operator", "location", fleet.inside)]

    # An invite must keep at least one authorization.
    expect_status(app.update_organization_invite_authorizations(
        org_id, email, remove_authorizations=[_auth(org_id, "location", fleet.inside, "operator")]),
        Status.INVALID_ARGUMENT)

    resent = run(app.resend_organization_invite(org_id, email))
    assert resent.email == email

    run(app.delete_organization_invite(org_id, email))
    _members, invites = run(app.list_organization_members(org_id))
    assert email not in [i.email for i in invites]
    # docs/api-assumptions.md §3: delete and resend error when no pending invite exists.
    expect_status(app.delete_organization_invite(org_id, email), Status.NOT_FOUND)
    expect_status(app.resend_organization_invite(org_id, email), Status.NOT_FOUND)


def test_invite_errors(run, app, org_id, expect_status):
    expect_status(app.create_organization_invite(org_id, "not-an-email", send_email_invite=False),
                  Status.INVALID_ARGUMENT)
    missing = "%s@example.com" % unique("nobody")
    expect_status(app.update_organization_invite_authorizations(
        org_id, missing, add_authorizations=[_auth(org_id, "organization", org_id, "operator")]), Status.NOT_FOUND)
    expect_status(app.create_organization_invite(str(uuid.uuid4()), missing, send_email_invite=False),
                  Status.NOT_FOUND, Status.PERMISSION_DENIED)


def test_invites_read_back_by_our_client(run, app, org_id, ours):
    email = "%s@example.com" % unique("invitee")
    run(app.create_organization_invite(org_id, email, send_email_invite=False))
    try:
        response = ours.list_organization_members(organization_id=org_id)
        assert email in [i.email for i in response.invites]
    finally:
        run(app.delete_organization_invite(org_id, email))


def test_delete_organization_member_errors(app, org_id, expect_status):
    """Members are people who accepted an invite: API keys cannot make one, so only the error path is testable."""
    expect_status(app.delete_organization_member(org_id, str(uuid.uuid4())), Status.NOT_FOUND)
