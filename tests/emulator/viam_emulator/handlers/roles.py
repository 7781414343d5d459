"""Roles: AddRole, RemoveRole, ChangeRole, ListAuthorizations, CheckPermissions.

Turning a client's Authorization into the one stored form (normalize_authorization), finding
the organization a resource belongs to (resource_org) and storing a grant (store_grant) are
shared with keys.py, members.py and organizations.py: they live in records.py.

Stored form (the convention bootstrap.grant set): kind "authorization",
id = access.authorization_key(auth), parent = identity_id, name = resource_id,
org = organization_id, with authorization_type "role" and authorization_id
"<resource_type>_<role>" whatever the client sent (the Go SDK puts the role word
in authorization_type; docs/api-assumptions.md §3).
"""
from __future__ import annotations

from typing import Dict

from ..access import allowed, authorization_key, require_org_member, validate_authorization
from ..errors import already_exists, invalid, not_found, unknown_id
from ..records import member_key, normalize_authorization, resource_org, store_grant
from ..registry import Call, rpc
from ..store import Tx
from ..wire import app_pb2

# -- which action a CheckPermissions permission string needs ----------------------------------
# The strings are the ones the Viam docs list for CheckPermissions; the action is the emulator's
# owner/operator model (access.py). Reading a secret is an owner's business: the RBAC docs keep
# operators out of the security tab.
PERMISSION_ACTIONS: Dict[str, str] = {
    "read_organization": "read", "write_organization": "write",
    "read_fragment": "read", "write_fragment": "write",
    "read_location": "read", "write_location": "write",
    "read_location_secret": "write", "read_robot_secret": "write",
    "read_robot": "read", "read_robot_config": "read", "read_robot_logs": "read",
    "read_robot_history": "read", "write_robot": "write", "control_robot": "control",
    "configure_robot": "write",
    "read_organization_data_management": "read", "read_location_data_management": "read",
    "read_robot_data_management": "read", "write_organization_data_management": "write",
    "write_location_data_management": "write", "write_robot_data_management": "write",
    "read_mapping_sessions": "read", "create_maps": "write",
    "write_private_registry_item": "write", "write_public_registry_item": "write",
    "read_private_registry_item": "read", "train_models": "write",
    "read_packages": "read", "write_packages": "write", "delete_packages": "write",
    "configure_database_user": "write", "get_database_connection": "read",
    "create_dataset": "write", "list_dataset": "read", "rename_dataset": "write", "delete_dataset": "write",
}
CHECKABLE_RESOURCE_TYPES = ("organization", "location", "robot", "part", "fragment")


def permission_action(permission: str) -> str:
    """The action a permission needs; strings the table lacks are judged by their verb."""
    if permission in PERMISSION_ACTIONS:
        return PERMISSION_ACTIONS[permission]
    verb = permission.split("_", 1)[0]
    if verb in ("read", "list", "get"):
        return "read"
    if verb == "control":
        return "control"
    return "write"  # configure_, update_, create_, delete_, write_ and anything unknown: owners only


# -- roles a caller asks for ---------------------------------------------------------------

def identity_type_of(tx: Tx, identity_id: str, org_id: str) -> str:
    """'api-key' or 'user' for an identity that may hold roles in org_id; NOT_FOUND otherwise."""
    if not identity_id:
        raise invalid("identity_id is required")
    if tx.get("api_key", identity_id, app_pb2.APIKey) is not None:
        return "api-key"
    if tx.get("member", member_key(org_id, identity_id), app_pb2.OrganizationMember) is not None:
        return "user"
    if tx.get("user", identity_id, app_pb2.OrganizationMember) is not None:
        raise invalid("user %r is not a member of organization %r: invite them first" % (identity_id, org_id))
    raise unknown_id("identity %r (an API key ID or a member's user ID)" % identity_id)


def _grant_from_request(call: Call, auth: app_pb2.Authorization, what: str) -> app_pb2.Authorization:
    """Validate a role request and check the caller owns the organization it is in."""
    if not auth.ByteSize():
        raise invalid("%s is required" % what)
    validate_authorization(auth)
    org_id = resource_org(call.tx, auth.resource_type, auth.resource_id, auth.organization_id)
    # Only an organization owner hands out or takes back roles (PERMISSION_DENIED otherwise).
    require_org_member(call.tx, call.principal, org_id, "write")
    identity_type = identity_type_of(call.tx, auth.identity_id, org_id)
    return normalize_authorization(call.tx, auth, auth.identity_id, identity_type, org_id)


def _must_exist(tx: Tx, grant: app_pb2.Authorization) -> None:
    if tx.get("authorization", authorization_key(grant), app_pb2.Authorization) is None:
        raise not_found("authorization %s on %s %r for identity %r"
                        % (grant.authorization_id, grant.resource_type, grant.resource_id, grant.identity_id))


def _must_not_exist(tx: Tx, grant: app_pb2.Authorization) -> None:
    if tx.get("authorization", authorization_key(grant), app_pb2.Authorization) is not None:
        raise already_exists("identity %r already has %s on %s %r"
                             % (grant.identity_id, grant.authorization_id, grant.resource_type, grant.resource_id))


# -- RPCs -------------------------------------------------------------------------------------

@rpc("AddRole")
def add_role(call: Call, request: app_pb2.AddRoleRequest) -> app_pb2.AddRoleResponse:
    grant = _grant_from_request(call, request.authorization, "authorization")
    _must_not_exist(call.tx, grant)
    store_grant(call.tx, grant)
    return app_pb2.AddRoleResponse()


@rpc("RemoveRole")
def remove_role(call: Call, request: app_pb2.RemoveRoleRequest) -> app_pb2.RemoveRoleResponse:
    grant = _grant_from_request(call, request.authorization, "authorization")
    _must_exist(call.tx, grant)
    call.tx.delete("authorization", authorization_key(grant))
    return app_pb2.RemoveRoleResponse()


@rpc("ChangeRole")
def change_role(call: Call, request: app_pb2.ChangeRoleRequest) -> app_pb2.ChangeRoleResponse:
    old = _grant_from_request(call, request.old_authorization, "old_authorization")
    new = _grant_from_request(call, request.new_authorization, "new_authorization")
    _must_exist(call.tx, old)
    if authorization_key(old) == authorization_key(new):
        return app_pb2.ChangeRoleResponse()
    _must_not_exist(call.tx, new)
    # One transaction: nobody ever sees the identity with both roles or with neither.
    call.tx.delete("authorization", authorization_key(old))
    store_grant(call.tx, new)
    return app_pb2.ChangeRoleResponse()


@rpc("ListAuthorizations")
def list_authorizations(call: Call, request: app_pb2.ListAuthorizationsRequest) -> app_pb2.ListAuthorizationsResponse:
    require_org_member(call.tx, call.principal, request.organization_id)
    wanted = set(request.resource_ids)
    grants = call.tx.list("authorization", app_pb2.Authorization, org=request.organization_id)
    return app_pb2.ListAuthorizationsResponse(
        authorizations=[g for g in grants if not wanted or g.resource_id in wanted])


@rpc("CheckPermissions")
def check_permissions(call: Call, request: app_pb2.CheckPermissionsRequest) -> app_pb2.CheckPermissionsResponse:
    if not request.permissions:
        raise invalid("permissions is empty: name at least one resource and permission to check")
    response = app_pb2.CheckPermissionsResponse()
    for entry in request.permissions:
        if entry.resource_type not in CHECKABLE_RESOURCE_TYPES:
            raise invalid("resource_type %r is not one of %s"
                          % (entry.resource_type, ", ".join(CHECKABLE_RESOURCE_TYPES)))
        if not entry.resource_id:
            raise invalid("resource_id is required for %s permissions" % entry.resource_type)
        if any(not p for p in entry.permissions):
            raise invalid("empty permission string for %s %r" % (entry.resource_type, entry.resource_id))
        # Every entry comes back, with only the permissions the caller holds (possibly none).
        granted = [p for p in entry.permissions
                   if allowed(call.tx, call.principal, permission_action(p), entry.resource_type, entry.resource_id)]
        response.authorized_permissions.add(resource_type=entry.resource_type, resource_id=entry.resource_id,
                                            permissions=granted)
    return response
