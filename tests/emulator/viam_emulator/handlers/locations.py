"""Locations: create, read, rename/move, delete, list, share/unshare, and location secrets.

Storage (store.py's one table):
- kind "location": id = location ID, parent = parent location ID ("" at top level),
  name = location name, org = primary organization ID. The stored Location leaves
  robot_count and primary_org_identity empty: they are computed on every read so they
  can never go stale (the CLI skips locations whose robot_count is 0, docs/api-assumptions.md §3).
- kind "location_share": id = "<org>|<location>", parent = location ID, org = the
  organization the location is shared with; an index so ListLocations of a sharing
  organization needs no scan. The Location's `organizations` list is the truth.
"""
from __future__ import annotations

from typing import List, Optional

from ..access import allowed, location_chain, require_org_member, visible_organization_ids
from ..errors import already_exists, failed_precondition, invalid, not_found, permission_denied, unknown_id
from ..ids import new_location_id, new_secret, new_uuid, now
from ..registry import Call, rpc
from ..store import Tx
from ..wire import app_pb2

MAX_DEPTH = 3  # "locations nest at most 3 levels deep" (docs locations.md, docs/api-assumptions.md §2)
MAX_ACTIVE_SECRETS = 2  # app.proto: a create succeeds only if <= 2 active secrets exist after it


# -- shared secrets (locations and parts follow the same rules) -------------------------

def new_shared_secret(kind: str = "shared_secret") -> app_pb2.SharedSecret:
    secret = app_pb2.SharedSecret(id=new_uuid(), secret=new_secret(kind), state=app_pb2.SharedSecret.STATE_ENABLED)
    secret.created_on.FromDatetime(now())
    return secret


def active_secret_count(secrets) -> int:
    return sum(1 for s in secrets if s.state != app_pb2.SharedSecret.STATE_DISABLED)


def add_secret(secrets, what: str) -> app_pb2.SharedSecret:
    """Append a new secret to a repeated SharedSecret field, refusing a third active one."""
    active = active_secret_count(secrets)
    if active >= MAX_ACTIVE_SECRETS:
        raise failed_precondition("%s already has %d active secrets, the most allowed; delete one before creating "
                                  "another" % (what, active))
    secret = new_shared_secret("%s_secret" % what.split(" ")[0])  # location_secret / part_secret
    secrets.append(secret)
    return secret


def remove_secret(secrets, secret_id: str, what: str) -> None:
    if not secret_id:
        raise invalid("secret_id is required")
    for index, secret in enumerate(secrets):
        if secret.id == secret_id:
            del secrets[index]
            return
    raise unknown_id("secret %r of %s" % (secret_id, what))


def redact_secrets(holder) -> None:
    """Blank secret values (ids and dates stay) for a caller without write access.

    Operators may not read secrets (roles.py maps read_location_secret/read_robot_secret to write)."""
    holder.secret = ""
    for secret in holder.secrets:
        secret.secret = ""


def newest_secret(secrets) -> str:
    """The deprecated single `secret` field: still filled (scripts build viam.json from it), with the newest."""
    active = [s for s in secrets if s.state != app_pb2.SharedSecret.STATE_DISABLED]
    return active[-1].secret if active else ""


# -- reading ------------------------------------------------------------------------------

def get_location(tx: Tx, location_id: str) -> app_pb2.Location:
    if not location_id:
        raise invalid("location_id is required")
    return tx.must_get("location", location_id, app_pb2.Location, "location")


def primary_org_id(location: app_pb2.Location) -> str:
    for org in location.organizations:
        if org.primary:
            return org.organization_id
    return location.organizations[0].organization_id if location.organizations else ""


def render_location(tx: Tx, location: app_pb2.Location, call: Optional[Call] = None) -> app_pb2.Location:
    """The Location as the API returns it: robot_count and the primary org's identity filled in,
    and its secrets blanked if `call`'s caller may not write the location."""
    out = app_pb2.Location()
    out.CopyFrom(location)
    if call is not None and not allowed(call.tx, call.principal, "write", "location", location.id):
        redact_secrets(out.auth)
    out.robot_count = tx.count("robot", parent=location.id)
    org_id = primary_org_id(location)
    org = tx.get("organization", org_id, app_pb2.Organization)
    out.primary_org_identity.CopyFrom(app_pb2.OrganizationIdentity(id=org_id, name=org.name if org else ""))
    return out


def save_location(tx: Tx, location: app_pb2.Location) -> None:
    location.ClearField("robot_count")
    location.ClearField("primary_org_identity")
    tx.put("location", location.id, location, parent=location.parent_location_id, name=location.name,
           org=primary_org_id(location))


def org_locations(tx: Tx, org_id: str) -> List[app_pb2.Location]:
    """The organization's own locations and those shared with it, oldest first."""
    found = tx.list("location", app_pb2.Location, org=org_id)
    for share_id in tx.list_ids("location_share", org=org_id):
        shared = tx.get("location", share_id.split("|", 1)[1], app_pb2.Location)
        if shared is not None:
            found.append(shared)
    found.sort(key=lambda loc: (loc.created_on.seconds, loc.created_on.nanos))
    return found


def depth(tx: Tx, location_id: str) -> int:
    """1 for a top-level location."""
    return len(location_chain(tx, location_id))


def subtree_height(tx: Tx, location_id: str) -> int:
    """1 for a location without sub-locations."""
    children = tx.list_ids("location", parent=location_id)
    return 1 + max((subtree_height(tx, child) for child in children), default=0)


# -- creating -----------------------------------------------------------------------------

def _check_name(name: str) -> str:
    if not name or not name.strip():
        raise invalid("location name must not be empty")
    return name


def _check_parent(tx: Tx, parent_id: str, org_id: str, height: int = 1) -> app_pb2.Location:
    parent = tx.get("location", parent_id, app_pb2.Location)
    if parent is None:
        raise unknown_id("parent location %r" % parent_id)
    if primary_org_id(parent) != org_id:
        raise invalid("parent location %r belongs to another organization" % parent_id)
    if depth(tx, parent_id) + height > MAX_DEPTH:
        raise invalid("locations nest at most %d levels deep: %r is already at level %d"
                      % (MAX_DEPTH, parent_id, depth(tx, parent_id)))
    return parent


def _unused_location_id(tx: Tx) -> str:
    while True:  # 36^10 IDs: a collision is rare, but would silently overwrite a location
        candidate = new_location_id()
        if tx.get("location", candidate, app_pb2.Location) is None:
            return candidate


def create_location(tx: Tx, org_id: str, name: str, parent_location_id: str = "") -> app_pb2.Location:
    """Create a location (with one initial secret) in an organization; returns it as the API shows it."""
    _check_name(name)
    org = tx.must_get("organization", org_id, app_pb2.Organization, "organization")
    if parent_location_id:
        _check_parent(tx, parent_location_id, org_id)
    location = app_pb2.Location(
        id=_unused_location_id(tx), name=name, parent_location_id=parent_location_id,
        organizations=[app_pb2.LocationOrganization(organization_id=org_id, primary=True)],
        config=app_pb2.StorageConfig(region=org.default_region))
    location.created_on.FromDatetime(now())
    location.auth.location_id = location.id
    add_secret(location.auth.secrets, "location %r" % location.id)
    location.auth.secret = newest_secret(location.auth.secrets)
    save_location(tx, location)
    return render_location(tx, location)


@rpc("CreateLocation")
def create_location_rpc(call: Call, request: app_pb2.CreateLocationRequest):
    _check_name(request.name)
    parent_id = request.parent_location_id if request.HasField("parent_location_id") else ""
    if not parent_id:
        require_org_member(call.tx, call.principal, request.organization_id, "write")
    else:
        # An owner of the parent location may add sub-locations without owning the whole organization.
        if not request.organization_id:
            raise invalid("organization_id is required")
        get_location(call.tx, parent_id)
        call.require("write", "location", parent_id, "location %r" % parent_id)
    location = create_location(call.tx, request.organization_id, request.name, parent_id)
    return app_pb2.CreateLocationResponse(location=location)


# -- reading RPCs -------------------------------------------------------------------------

def readable_location(call: Call, location_id: str, action: str = "read") -> app_pb2.Location:
    location = get_location(call.tx, location_id)
    call.require(action, "location", location_id, "location %r" % location_id)
    return location


@rpc("GetLocation")
def get_location_rpc(call: Call, request: app_pb2.GetLocationRequest):
    location = readable_location(call, request.location_id)
    return app_pb2.GetLocationResponse(location=render_location(call.tx, location, call))


@rpc("ListLocations")
def list_locations(call: Call, request: app_pb2.ListLocationsRequest):
    """An org-level role sees every location; a location- or machine-scoped one only those it can read."""
    tx, principal, org_id = call.tx, call.principal, request.organization_id
    if org_id in visible_organization_ids(tx, principal) and not allowed(tx, principal, "read", "organization", org_id):
        locations = [loc for loc in org_locations(tx, org_id) if allowed(tx, principal, "read", "location", loc.id)]
    else:
        require_org_member(tx, principal, org_id)  # INVALID_ARGUMENT / PERMISSION_DENIED as for any org call
        locations = org_locations(tx, org_id)
    return app_pb2.ListLocationsResponse(locations=[render_location(tx, loc, call) for loc in locations])


# -- updating -----------------------------------------------------------------------------

def _move(call: Call, location: app_pb2.Location, new_parent_id: str) -> None:
    tx = call.tx
    if len(location.organizations) > 1 and location.parent_location_id:
        raise failed_precondition("location %r is nested and shared with other organizations: a shared nested "
                                  "location cannot be moved" % location.id)
    org_id = primary_org_id(location)
    if not new_parent_id:
        # Leaving the parent takes the location out of its owners' reach: that is an org owner's decision.
        call.require("write", "organization", org_id, "organization %r (moving a location to the top level)" % org_id)
        location.parent_location_id = ""
        return
    if new_parent_id == location.id or location.id in [loc.id for loc in location_chain(tx, new_parent_id)]:
        raise invalid("location %r cannot be moved under itself or one of its sub-locations" % location.id)
    if tx.get("location", new_parent_id, app_pb2.Location) is None:
        raise unknown_id("parent location %r" % new_parent_id)
    call.require("write", "location", new_parent_id, "location %r" % new_parent_id)
    _check_parent(tx, new_parent_id, org_id, height=subtree_height(tx, location.id))
    location.parent_location_id = new_parent_id


@rpc("UpdateLocation")
def update_location(call: Call, request: app_pb2.UpdateLocationRequest):
    """name "" keeps the name; parent_location_id given as "" moves to the top level, absent keeps the parent.

    viam-sdk's update_location sends only the fields passed (None leaves the optional field unset), and its
    docstring uses name="" for "keep" and parent_location_id="" for "move to the top level"
    (docs/api-assumptions.md §3).
    """
    location = readable_location(call, request.location_id, "write")
    if request.HasField("name") and request.name:
        location.name = _check_name(request.name)
    if request.HasField("parent_location_id") and request.parent_location_id != location.parent_location_id:
        _move(call, location, request.parent_location_id)
    if request.HasField("region") and request.region:
        location.config.region = request.region
    save_location(call.tx, location)
    return app_pb2.UpdateLocationResponse(location=render_location(call.tx, location))


@rpc("DeleteLocation")
def delete_location(call: Call, request: app_pb2.DeleteLocationRequest):
    tx = call.tx
    location = readable_location(call, request.location_id, "write")
    machines = tx.count("robot", parent=location.id)
    if machines:
        raise failed_precondition("location %r still has %d machine%s: delete or move %s first"
                                  % (location.id, machines, "" if machines == 1 else "s",
                                     "it" if machines == 1 else "them"))
    children = tx.count("location", parent=location.id)
    if children:
        raise failed_precondition("location %r has %d sub-location%s: delete or move %s first"
                                  % (location.id, children, "" if children == 1 else "s",
                                     "it" if children == 1 else "them"))
    tx.delete("location", location.id)
    tx.delete_where("location_share", parent=location.id)
    tx.delete("metadata", "location:" + location.id)
    return app_pb2.DeleteLocationResponse()


# -- sharing ------------------------------------------------------------------------------

def _require_owner_of_both(call: Call, location: app_pb2.Location, org_id: str) -> None:
    """Sharing needs an owner of both organizations (SDK docstring, docs/api-assumptions.md §4)."""
    if not org_id:
        raise invalid("organization_id is required")
    for owner_org in (primary_org_id(location), org_id):
        if call.tx.get("organization", owner_org, app_pb2.Organization) is None or \
                not allowed(call.tx, call.principal, "write", "organization", owner_org):
            raise permission_denied("sharing location %r with organization %r needs an owner of both organizations"
                                    % (location.id, org_id))


@rpc("ShareLocation")
def share_location(call: Call, request: app_pb2.ShareLocationRequest):
    location = get_location(call.tx, request.location_id)
    _require_owner_of_both(call, location, request.organization_id)
    if request.organization_id in [o.organization_id for o in location.organizations]:
        raise already_exists("location %r is already shared with organization %r"
                             % (location.id, request.organization_id))
    location.organizations.append(app_pb2.LocationOrganization(organization_id=request.organization_id))
    save_location(call.tx, location)
    call.tx.put("location_share", "%s|%s" % (request.organization_id, location.id), app_pb2.LocationOrganization(
        organization_id=request.organization_id), parent=location.id, org=request.organization_id)
    return app_pb2.ShareLocationResponse()


@rpc("UnshareLocation")
def unshare_location(call: Call, request: app_pb2.UnshareLocationRequest):
    location = get_location(call.tx, request.location_id)
    _require_owner_of_both(call, location, request.organization_id)
    if request.organization_id == primary_org_id(location):
        raise failed_precondition("organization %r is the primary owner of location %r and cannot be unshared"
                                  % (request.organization_id, location.id))
    remaining = [o for o in location.organizations if o.organization_id != request.organization_id]
    if len(remaining) == len(location.organizations):
        raise not_found("a share of location %r with organization %r" % (location.id, request.organization_id))
    del location.organizations[:]
    location.organizations.extend(remaining)
    save_location(call.tx, location)
    call.tx.delete("location_share", "%s|%s" % (request.organization_id, location.id))
    return app_pb2.UnshareLocationResponse()


# -- location secrets ---------------------------------------------------------------------

@rpc("LocationAuth")
def location_auth(call: Call, request: app_pb2.LocationAuthRequest):
    """Secrets: an owner's business (read_location_secret needs write, as in CheckPermissions)."""
    location = readable_location(call, request.location_id, "write")
    return app_pb2.LocationAuthResponse(auth=location.auth)


@rpc("CreateLocationSecret")
def create_location_secret(call: Call, request: app_pb2.CreateLocationSecretRequest):
    location = readable_location(call, request.location_id, "write")
    add_secret(location.auth.secrets, "location %r" % location.id)
    location.auth.secret = newest_secret(location.auth.secrets)
    save_location(call.tx, location)
    return app_pb2.CreateLocationSecretResponse(auth=location.auth)


@rpc("DeleteLocationSecret")
def delete_location_secret(call: Call, request: app_pb2.DeleteLocationSecretRequest):
    location = readable_location(call, request.location_id, "write")
    remove_secret(location.auth.secrets, request.secret_id, "location %r" % location.id)
    location.auth.secret = newest_secret(location.auth.secrets)
    save_location(call.tx, location)
    return app_pb2.DeleteLocationSecretResponse()
