"""Members and invites: ListOrganizationMembers, CreateOrganizationInvite,
UpdateOrganizationInviteAuthorizations, DeleteOrganizationMember,
DeleteOrganizationInvite, ResendOrganizationInvite.

The emulator sends no email, so nobody can click an invite link. Two honest ways
turn an invite into a member, both documented here:

1. `accept_invite(tx, org_id, email)`: a Python function for tests and seeding,
   doing what the real service does when the invitee accepts: the user is
   created if new (kind "user"), joins the organization (kind "member") and
   receives the invite's authorizations as roles; the invite disappears.
2. Reserved addresses: an invite to an address at `@accepted.example` (the
   reserved .example TLD, never a real mailbox) is accepted at once, as if the
   invitee had clicked the link straight away. Black-box tests (playbooks,
   viam-sdk) use this to get a member and a user ID. Any other address stays a
   pending invite, as with the real service.

Records: kind "user" (OrganizationMember: user_id, emails, date_added = account
creation; name = email); kind "member" (OrganizationMember; id = "<org>|<user>",
parent = user_id, org = org_id); kind "invite" (OrganizationInvite; id =
"<org>|<email>", name = email, org = org_id). Invite authorizations are stored
normalized with empty identity_id.

Choices where docs/api-assumptions.md is unsure: inviting an existing member, or an email with
a pending invite, is ALREADY_EXISTS; "one authorization per resource level" is
read as one role per resource (not both owner and operator of one location).
"""
from __future__ import annotations

from typing import List

from ..access import authorization_key, require_org_member
from ..errors import already_exists, invalid, not_found, unknown_id
from ..ids import new_uuid, now
from ..records import member_key, normalize_authorization, normalize_email, store_grant
from ..registry import Call, rpc
from ..store import Tx
from ..wire import app_pb2

AUTO_ACCEPT_DOMAIN = "accepted.example"


def _invite_key(org_id: str, email: str) -> str:
    return "%s|%s" % (org_id, email)


def user_by_email(tx: Tx, email: str):
    found = tx.list("user", app_pb2.OrganizationMember, name=email)
    return found[0] if found else None


def _member_user_ids(tx: Tx, org_id: str) -> List[str]:
    return [m.user_id for m in tx.list("member", app_pb2.OrganizationMember, org=org_id)]


def _invite_authorizations(tx: Tx, org_id: str, requested) -> List[app_pb2.Authorization]:
    """Normalized authorizations, all in this organization, at most one per resource."""
    result: List[app_pb2.Authorization] = []
    for auth in requested:
        grant = normalize_authorization(tx, auth, organization_id=org_id)
        _add_one(result, grant)
    return result


def _add_one(authorizations: List[app_pb2.Authorization], grant: app_pb2.Authorization) -> None:
    for existing in authorizations:
        if (existing.resource_type, existing.resource_id) == (grant.resource_type, grant.resource_id):
            raise invalid("an invite holds one authorization per resource: %s %r already has %s"
                          % (grant.resource_type, grant.resource_id, existing.authorization_id))
    authorizations.append(grant)


def _same(a: app_pb2.Authorization, b: app_pb2.Authorization) -> bool:
    return (a.resource_type, a.resource_id, a.authorization_id) == (b.resource_type, b.resource_id, b.authorization_id)


def _must_get_invite(tx: Tx, org_id: str, email: str) -> app_pb2.OrganizationInvite:
    invite = tx.get("invite", _invite_key(org_id, email), app_pb2.OrganizationInvite)
    if invite is None:
        raise not_found("pending invite for %r in organization %r" % (email, org_id))
    return invite


def _save_invite(tx: Tx, invite: app_pb2.OrganizationInvite) -> None:
    tx.put("invite", _invite_key(invite.organization_id, invite.email), invite, name=invite.email,
           org=invite.organization_id)


def accept_invite(tx: Tx, org_id: str, email: str) -> str:
    """The invitee accepts: returns their user ID (new or existing). NOT_FOUND without a pending invite."""
    email = normalize_email(email)
    invite = _must_get_invite(tx, org_id, email)
    user = user_by_email(tx, email)
    if user is None:
        user = app_pb2.OrganizationMember(user_id=new_uuid(), emails=[email])
        user.date_added.FromDatetime(now())
        tx.put("user", user.user_id, user, name=email)
    if tx.get("member", member_key(org_id, user.user_id), app_pb2.OrganizationMember) is None:
        member = app_pb2.OrganizationMember(user_id=user.user_id, emails=list(user.emails))
        member.date_added.FromDatetime(now())
        tx.put("member", member_key(org_id, user.user_id), member, parent=user.user_id, name=email, org=org_id)
    for auth in invite.authorizations:
        grant = app_pb2.Authorization()
        grant.CopyFrom(auth)
        grant.identity_id, grant.identity_type = user.user_id, "user"
        store_grant(tx, grant)
    tx.delete("invite", _invite_key(org_id, email))
    return user.user_id


# -- RPCs -------------------------------------------------------------------------------------

@rpc("ListOrganizationMembers")
def list_organization_members(call: Call, request: app_pb2.ListOrganizationMembersRequest):
    org = require_org_member(call.tx, call.principal, request.organization_id)
    return app_pb2.ListOrganizationMembersResponse(
        organization_id=org.id,
        members=call.tx.list("member", app_pb2.OrganizationMember, org=org.id),
        invites=call.tx.list("invite", app_pb2.OrganizationInvite, org=org.id))


@rpc("CreateOrganizationInvite")
def create_organization_invite(call: Call, request: app_pb2.CreateOrganizationInviteRequest):
    org = require_org_member(call.tx, call.principal, request.organization_id, "write")
    email = normalize_email(request.email)
    user = user_by_email(call.tx, email)
    if user is not None and user.user_id in _member_user_ids(call.tx, org.id):
        raise already_exists("%r is already a member of organization %r" % (email, org.id))
    if call.tx.get("invite", _invite_key(org.id, email), app_pb2.OrganizationInvite) is not None:
        raise already_exists("%r already has a pending invite to organization %r" % (email, org.id))
    requested = list(request.authorizations) or [app_pb2.Authorization(
        authorization_type="role", authorization_id="organization_owner", resource_type="organization",
        resource_id=org.id, organization_id=org.id)]  # no authorizations: the invitee becomes an owner
    invite = app_pb2.OrganizationInvite(organization_id=org.id, email=email,
                                        authorizations=_invite_authorizations(call.tx, org.id, requested))
    invite.created_on.FromDatetime(now())
    _save_invite(call.tx, invite)
    # send_email_invite only decides whether mail goes out; the emulator sends none either way.
    if email.endswith("@" + AUTO_ACCEPT_DOMAIN):
        accept_invite(call.tx, org.id, email)
    return app_pb2.CreateOrganizationInviteResponse(invite=invite)


@rpc("UpdateOrganizationInviteAuthorizations")
def update_organization_invite_authorizations(call: Call,
                                              request: app_pb2.UpdateOrganizationInviteAuthorizationsRequest):
    org = require_org_member(call.tx, call.principal, request.organization_id, "write")
    if not request.add_authorizations and not request.remove_authorizations:
        raise invalid("nothing to change: give add_authorizations or remove_authorizations")
    invite = _must_get_invite(call.tx, org.id, normalize_email(request.email))
    current = list(invite.authorizations)
    for auth in request.remove_authorizations:
        gone = normalize_authorization(call.tx, auth, organization_id=org.id)
        matching = [a for a in current if _same(a, gone)]
        if not matching:
            raise invalid("the invite has no %s on %s %r to remove"
                          % (gone.authorization_id, gone.resource_type, gone.resource_id))
        current = [a for a in current if not _same(a, gone)]
    for auth in request.add_authorizations:  # removals first, so one call can swap a role
        _add_one(current, normalize_authorization(call.tx, auth, organization_id=org.id))
    if not current:
        raise invalid("an invite must keep at least one authorization")
    del invite.authorizations[:]
    invite.authorizations.extend(current)
    _save_invite(call.tx, invite)
    return app_pb2.UpdateOrganizationInviteAuthorizationsResponse(invite=invite)


@rpc("DeleteOrganizationMember")
def delete_organization_member(call: Call, request: app_pb2.DeleteOrganizationMemberRequest):
    org = require_org_member(call.tx, call.principal, request.organization_id, "write")
    if not request.user_id:
        raise invalid("user_id is required")
    if not call.tx.delete("member", member_key(org.id, request.user_id)):
        raise unknown_id("member %r of organization %r" % (request.user_id, org.id))
    # Leaving the organization takes every role the user held in it.
    for grant in call.tx.list("authorization", app_pb2.Authorization, parent=request.user_id):
        if grant.organization_id == org.id:
            call.tx.delete("authorization", authorization_key(grant))
    return app_pb2.DeleteOrganizationMemberResponse()


@rpc("DeleteOrganizationInvite")
def delete_organization_invite(call: Call, request: app_pb2.DeleteOrganizationInviteRequest):
    org = require_org_member(call.tx, call.principal, request.organization_id, "write")
    email = normalize_email(request.email)
    _must_get_invite(call.tx, org.id, email)
    call.tx.delete("invite", _invite_key(org.id, email))
    return app_pb2.DeleteOrganizationInviteResponse()


@rpc("ResendOrganizationInvite")
def resend_organization_invite(call: Call, request: app_pb2.ResendOrganizationInviteRequest):
    org = require_org_member(call.tx, call.principal, request.organization_id, "write")
    invite = _must_get_invite(call.tx, org.id, normalize_email(request.email))
    return app_pb2.ResendOrganizationInviteResponse(invite=invite)
