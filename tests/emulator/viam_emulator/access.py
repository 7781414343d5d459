"""Who may do what: API keys, their role authorizations, and the checks handlers call.

The permission model follows Viam's RBAC (docs rbac.md): an owner may read,
control and write; an operator may read and control (restart parts, read
logs) but not change configuration. A role on an organization covers all of
its locations, machines, parts and fragments; a role on a location covers its
sub-locations, their machines and parts; a role on a machine covers its parts.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Set, Tuple

from .errors import invalid, permission_denied, unknown_id
from .store import Tx
from .wire import app_pb2

ROLES = ("owner", "operator")
RESOURCE_TYPES = ("organization", "location", "robot")
ROLE_ACTIONS = {"owner": {"read", "control", "write"}, "operator": {"read", "control"}}

Scope = Tuple[str, str]


@dataclass(frozen=True)
class Principal:
    """The caller, as its bearer token identifies it."""

    identity_id: str
    identity_type: str = "api-key"
    # A part that authenticated with `robot-secret` (identity_type "robot-secret", identity_id = the
    # part ID): the ID of the part secret it used, so a deleted or disabled secret stops working
    # (handlers/device.py). Empty for API keys.
    credential_id: str = ""


def authorization_key(auth: app_pb2.Authorization) -> str:
    return "|".join((auth.identity_id, auth.authorization_id, auth.resource_type, auth.resource_id))


def role_of(auth) -> str:
    """The role word; the Go SDK puts it in authorization_type, Python in authorization_id
    (docs/api-assumptions.md §3)."""
    for candidate in (auth.authorization_id.rsplit("_", 1)[-1], auth.authorization_type):
        if candidate in ROLES:
            return candidate
    return ""


def validate_authorization(auth) -> None:
    role = role_of(auth)
    if not role:
        raise invalid("authorization %r has no role: use '<resource_type>_owner' or '<resource_type>_operator'"
                      % auth.authorization_id)
    if auth.resource_type not in RESOURCE_TYPES:
        raise invalid("resource_type %r is not one of %s" % (auth.resource_type, ", ".join(RESOURCE_TYPES)))
    if auth.authorization_id and auth.authorization_id != "%s_%s" % (auth.resource_type, role):
        raise invalid("authorization_id %r does not match resource_type %r"
                      % (auth.authorization_id, auth.resource_type))
    if not auth.resource_id:
        raise invalid("authorization for %s has no resource_id" % auth.resource_type)


def grants_of(tx: Tx, identity_id: str) -> List[app_pb2.Authorization]:
    return tx.list("authorization", app_pb2.Authorization, parent=identity_id)


def location_chain(tx: Tx, location_id: str) -> List[app_pb2.Location]:
    """The location and its ancestors, nearest first."""
    chain = []
    seen: Set[str] = set()
    current = location_id
    while current and current not in seen:
        seen.add(current)
        location = tx.get("location", current, app_pb2.Location)
        if location is None:
            break
        chain.append(location)
        current = location.parent_location_id
    return chain


def scopes_of(tx: Tx, resource_type: str, resource_id: str) -> List[Scope]:
    """Every (type, id) whose role would cover this resource."""
    if resource_type == "organization":
        return [("organization", resource_id)]
    if resource_type == "location":
        scopes: List[Scope] = []
        orgs: Set[str] = set()
        for location in location_chain(tx, resource_id):
            scopes.append(("location", location.id))
            orgs.update(o.organization_id for o in location.organizations)
        return scopes + [("organization", org) for org in sorted(orgs)]
    if resource_type == "robot":
        robot = tx.get("robot", resource_id, app_pb2.Robot)
        if robot is None:
            return [("robot", resource_id)]
        return [("robot", resource_id)] + scopes_of(tx, "location", robot.location)
    if resource_type == "part":
        part = tx.get("part", resource_id, app_pb2.RobotPart)
        return scopes_of(tx, "robot", part.robot) if part else []
    if resource_type == "fragment":
        fragment = tx.get("fragment", resource_id, app_pb2.Fragment)
        return scopes_of(tx, "organization", fragment.organization_owner) if fragment else []
    raise ValueError("unknown resource type %r" % resource_type)


def allowed(tx: Tx, principal: Principal, action: str, resource_type: str, resource_id: str) -> bool:
    scopes = set(scopes_of(tx, resource_type, resource_id))
    for grant in grants_of(tx, principal.identity_id):
        if (grant.resource_type, grant.resource_id) in scopes and action in ROLE_ACTIONS.get(role_of(grant), ()):
            return True
    return False


def require(tx: Tx, principal: Principal, action: str, resource_type: str, resource_id: str, what: str = "") -> None:
    if not allowed(tx, principal, action, resource_type, resource_id):
        raise permission_denied("the caller may not %s %s" % (action, what or "%s %r" % (resource_type, resource_id)))


def visible_organization_ids(tx: Tx, principal: Principal) -> List[str]:
    """Organizations the caller holds a role in, directly or through a location or machine."""
    found: List[str] = []
    for grant in grants_of(tx, principal.identity_id):
        org_ids: Iterable[str]
        if grant.resource_type == "organization":
            org_ids = [grant.resource_id]
        else:
            org_ids = [grant.organization_id] if grant.organization_id else []
        for org_id in org_ids:
            if org_id not in found and tx.get("organization", org_id, app_pb2.Organization) is not None:
                found.append(org_id)
    return found


def require_org_member(tx: Tx, principal: Principal, org_id: str, action: str = "read") -> app_pb2.Organization:
    """The organization, if the caller may act on it; an org-wide action needs an org-level role."""
    if not org_id:
        raise invalid("organization_id is required")
    org = tx.get("organization", org_id, app_pb2.Organization)
    if org is None:
        # Same answer for "does not exist" and "not yours", as the real service gives no oracle.
        if org_id in visible_organization_ids(tx, principal):
            raise unknown_id("organization %r" % org_id)
        raise permission_denied("the caller may not %s organization %r" % (action, org_id))
    require(tx, principal, action, "organization", org_id)
    return org
