"""Locations: create, read, rename/move, delete, list, share/unshare, and location secrets.

Storage (store.py's one table):
- kind "location": id = location ID, parent = parent location ID ("" at top level),
  name = location name, org = primary organization ID. The stored Location leaves
  robot_count and primary_org_identity empty: they are computed on every read so they
  can never go stale (the CLI skips locations whose robot_count is 0, docs/api-assumptions.md §3).
- kind "location_share": id = "<org>|<location>", parent = location ID, org = the
  organization the location is shared with; an index so ListLocations of a sharing
  organization needs no scan. The Location's `organizations` list is the truth.

How a location is made, read and stored, and the secret rules locations share with parts,
live in records.py (create_location, render_location, save_location, add_secret ...).
"""
from __future__ import annotations

from ..access import allowed, location_chain, require_org_member, visible_organization_ids
from ..errors import already_exists, failed_precondition, invalid, not_found, permission_denied, unknown_id
from ..records import (add_secret, check_location_name, check_parent_location, create_location, get_location,
                       newest_secret, org_locations, primary_org_id, remove_secret, render_location, save_location)
from ..registry import Call, rpc
from ..store import Tx
from ..wire import app_pb2


# -- creating -----------------------------------------------------------------------------

@rpc("CreateLocation")
def create_location_rpc(call: Call, request: app_pb2.CreateLocationRequest):
    check_location_name(request.name)
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

def subtree_height(tx: Tx, location_id: str) -> int:
    """1 for a location without sub-locations."""
    children = tx.list_ids("location", parent=location_id)
    return 1 + max((subtree_height(tx, child) for child in children), default=0)


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
    check_parent_location(tx, new_parent_id, org_id, height=subtree_height(tx, location.id))
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
        location.name = check_location_name(request.name)
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
