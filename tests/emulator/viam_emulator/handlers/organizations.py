"""Organizations: listing, reading, creating, updating, deleting, namespaces; GetUserIDByEmail.

Behaviours chosen where the public record is unsure (docs/api-assumptions.md §2-3):
- A namespace is a DNS-label-like word: lowercase letters, digits and '-', not
  starting or ending with '-', at most 63 characters. It is unique across all
  organizations (ALREADY_EXISTS when taken).
- UpdateOrganization sets a namespace only once: a different namespace when one
  is set is FAILED_PRECONDITION (rename with UpdateOrganizationNamespace); sending
  the namespace the organization already has is accepted as a no-op.
- DeleteOrganization refuses (FAILED_PRECONDITION) while a location the
  organization owns still has machines; otherwise it removes the organization
  with its own locations, fragments, modules, keys, roles, members and invites,
  and unshares the locations other organizations shared with it.
- New organizations get default_region "us-central" (records.create_organization, which
  bootstrap.py uses too).
"""
from __future__ import annotations

import re
from typing import List

from ..access import require_org_member, visible_organization_ids
from ..errors import already_exists, failed_precondition, invalid, not_found
from ..records import create_location, create_organization, normalize_email, save_location, store_grant
from ..registry import Call, rpc
from ..store import Tx
from ..wire import app_pb2

FIRST_LOCATION_NAME = "First Location"
NAMESPACE_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def save_organization(tx: Tx, org: app_pb2.Organization) -> None:
    tx.put("organization", org.id, org, name=org.name, org=org.id)


def validate_namespace(namespace: str) -> str:
    if not namespace:
        raise invalid("public_namespace must not be empty")
    if not NAMESPACE_RE.match(namespace):
        raise invalid("public_namespace %r may contain only lowercase letters, digits and '-' "
                      "(not at the start or end), at most 63 characters" % namespace)
    return namespace


def namespace_owner(tx: Tx, namespace: str) -> str:
    """The ID of the organization holding this namespace, or ''."""
    for org in tx.list("organization", app_pb2.Organization):
        if org.public_namespace == namespace:
            return org.id
    return ""


def _claim_namespace(tx: Tx, org: app_pb2.Organization, namespace: str) -> None:
    holder = namespace_owner(tx, validate_namespace(namespace))
    if holder and holder != org.id:
        raise already_exists("public namespace %r is taken by another organization" % namespace)
    org.public_namespace = namespace


def _check_default_fragments(tx: Tx, org_id: str, imports: app_pb2.FragmentImportList) -> None:
    for item in imports.fragments:
        fragment = tx.must_get("fragment", item.fragment_id, app_pb2.Fragment, "fragment")
        private = fragment.visibility in (app_pb2.FRAGMENT_VISIBILITY_PRIVATE, app_pb2.FRAGMENT_VISIBILITY_UNSPECIFIED)
        if private and fragment.organization_owner != org_id:
            raise invalid("fragment %r is private to another organization" % item.fragment_id)


def _create_first_location(tx: Tx, org_id: str) -> None:
    """Every new organization gets one location (docs), made as CreateLocation makes one."""
    create_location(tx, org_id, FIRST_LOCATION_NAME)


# -- RPCs -------------------------------------------------------------------------------------

@rpc("ListOrganizations")
def list_organizations(call: Call, request: app_pb2.ListOrganizationsRequest):
    orgs = [call.tx.get("organization", org_id, app_pb2.Organization)
            for org_id in visible_organization_ids(call.tx, call.principal)]
    return app_pb2.ListOrganizationsResponse(organizations=[o for o in orgs if o is not None])


@rpc("GetOrganization")
def get_organization(call: Call, request: app_pb2.GetOrganizationRequest):
    org = require_org_member(call.tx, call.principal, request.organization_id)
    return app_pb2.GetOrganizationResponse(organization=org)


@rpc("CreateOrganization")
def create_organization_rpc(call: Call, request: app_pb2.CreateOrganizationRequest):
    if not request.name.strip():
        raise invalid("name must not be empty")
    org = create_organization(call.tx, request.name)
    # The creator owns what it creates, so it can go on to use the new organization.
    store_grant(call.tx, app_pb2.Authorization(
        authorization_type="role", authorization_id="organization_owner", resource_type="organization",
        resource_id=org.id, identity_id=call.principal.identity_id, organization_id=org.id,
        identity_type=call.principal.identity_type))
    _create_first_location(call.tx, org.id)
    return app_pb2.CreateOrganizationResponse(organization=org)


@rpc("GetOrganizationsWithAccessToLocation")
def get_organizations_with_access_to_location(call: Call,
                                              request: app_pb2.GetOrganizationsWithAccessToLocationRequest):
    if not request.location_id:
        raise invalid("location_id is required")
    location = call.tx.must_get("location", request.location_id, app_pb2.Location, "location")
    call.require("read", "location", location.id)
    response = app_pb2.GetOrganizationsWithAccessToLocationResponse()
    for entry in sorted(location.organizations, key=lambda o: not o.primary):
        org = call.tx.get("organization", entry.organization_id, app_pb2.Organization)
        if org is not None:
            response.organization_identities.add(id=org.id, name=org.name)
    return response


@rpc("GetOrganizationNamespaceAvailability")
def get_organization_namespace_availability(call: Call,
                                            request: app_pb2.GetOrganizationNamespaceAvailabilityRequest):
    holder = namespace_owner(call.tx, validate_namespace(request.public_namespace))
    # An organization asking about its own namespace may keep it.
    available = not holder or (bool(request.organization_id) and holder == request.organization_id)
    return app_pb2.GetOrganizationNamespaceAvailabilityResponse(available=available)


@rpc("UpdateOrganization")
def update_organization(call: Call, request: app_pb2.UpdateOrganizationRequest):
    org = require_org_member(call.tx, call.principal, request.organization_id, "write")
    if request.HasField("name"):
        if not request.name.strip():
            raise invalid("name must not be empty")
        org.name = request.name
    if request.HasField("public_namespace") and request.public_namespace != org.public_namespace:
        if org.public_namespace:
            raise failed_precondition("organization %r already has the public namespace %r: "
                                      "use UpdateOrganizationNamespace to change it" % (org.id, org.public_namespace))
        _claim_namespace(call.tx, org, request.public_namespace)
    if request.HasField("region"):
        if not request.region.strip():
            raise invalid("region must not be empty")
        org.default_region = request.region
    if request.HasField("cid"):
        org.cid = request.cid
    if request.HasField("default_fragments"):
        _check_default_fragments(call.tx, org.id, request.default_fragments)
        org.default_fragments.CopyFrom(request.default_fragments)
    if request.HasField("allowed_login_methods"):
        org.allowed_login_methods.CopyFrom(request.allowed_login_methods)
    save_organization(call.tx, org)
    return app_pb2.UpdateOrganizationResponse(organization=org)


@rpc("UpdateOrganizationNamespace")
def update_organization_namespace(call: Call, request: app_pb2.UpdateOrganizationNamespaceRequest):
    org = require_org_member(call.tx, call.principal, request.organization_id, "write")
    if request.new_public_namespace != org.public_namespace:
        _claim_namespace(call.tx, org, request.new_public_namespace)
        save_organization(call.tx, org)
    return app_pb2.UpdateOrganizationNamespaceResponse(organization=org)


@rpc("DeleteOrganization")
def delete_organization(call: Call, request: app_pb2.DeleteOrganizationRequest):
    org = require_org_member(call.tx, call.principal, request.organization_id, "write")
    owned, shared = _locations_of(call.tx, org.id)
    for location in owned:
        if call.tx.count("robot", parent=location.id):
            raise failed_precondition("organization %r still has machines in location %r (%s): delete them first"
                                      % (org.id, location.name, location.id))
    for location in shared:
        _unshare(call.tx, location, org.id)
    for location in owned:
        _delete_location(call.tx, location)
    _delete_org_records(call.tx, org.id)
    return app_pb2.DeleteOrganizationResponse()


@rpc("GetUserIDByEmail")
def get_user_id_by_email(call: Call, request: app_pb2.GetUserIDByEmailRequest):
    """Users exist in the emulator once they accept an invite (see members.py); none are seeded."""
    email = normalize_email(request.email)
    users = call.tx.list("user", app_pb2.OrganizationMember, name=email)
    if not users:
        raise not_found("user with email %r" % email)
    return app_pb2.GetUserIDByEmailResponse(user_id=users[0].user_id)


# -- deleting an organization -----------------------------------------------------------------

def _locations_of(tx: Tx, org_id: str):
    """(locations the organization owns, locations others share with it)."""
    owned: List[app_pb2.Location] = []
    shared: List[app_pb2.Location] = []
    for location in tx.list("location", app_pb2.Location):
        for entry in location.organizations:
            if entry.organization_id == org_id:
                (owned if entry.primary else shared).append(location)
    return owned, shared


def _unshare(tx: Tx, location: app_pb2.Location, org_id: str) -> None:
    kept = [o for o in location.organizations if o.organization_id != org_id]
    del location.organizations[:]
    location.organizations.extend(kept)
    save_location(tx, location)
    tx.delete("location_share", "%s|%s" % (org_id, location.id))


def _delete_location(tx: Tx, location: app_pb2.Location) -> None:
    tx.delete("location", location.id)
    tx.delete_where("location_share", parent=location.id)
    tx.delete("metadata", "location:" + location.id)


def _delete_org_records(tx: Tx, org_id: str) -> None:
    for key_id in tx.list_ids("api_key", org=org_id):
        tx.delete_where("authorization", parent=key_id)
    for kind in ("authorization", "api_key", "fragment", "fragment_history", "module", "module_file",
                 "member", "invite"):
        tx.delete_where(kind, org=org_id)
    tx.delete("metadata", "organization:" + org_id)
    tx.delete("organization", org_id)
