"""Machines (robots): create, read, rename/move, delete, the list RPCs and ListMachineSummaries.

Storage: kind "robot": id = machine ID, parent = location ID, name = machine name,
org = the primary organization of its location. Online fields are stored (seed.py sets
them) and last_access / seconds_since_online are computed on read.

Behaviours (behaviours.py; docs/api-assumptions.md §7):
- duplicate_machine_name: a machine name another machine of the location has is refused
  ALREADY_EXISTS (default) or INVALID_ARGUMENT, or allowed (NewRobot, UpdateRobot rename/move;
  records.check_unique_machine_name). Part names stay unique per location even when machine
  names repeat: with `allowed` a part that would clash gets the first free name of `<name>`,
  `<name>-2`, `<name>-3`, ... (records.free_part_name): a second machine "rover" gets the main
  part "rover-main-2", and a moved part whose name is taken in the new location is renamed the
  same way.
- list_robots_for_org: ListRobotsForOrg served to every caller as before (present), refused with
  PERMISSION_DENIED to callers without an organization-level role on that organization
  (permission_denied_below_org), or UNIMPLEMENTED (unimplemented).

How a machine is made and stored (create_robot with its main part, save_robot) lives in
records.py, shared with seed.py.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Set, Tuple

from .. import presence
from ..access import ROLE_ACTIONS, allowed, grants_of, require_org_member, role_of, visible_organization_ids
from ..errors import invalid, permission_denied, unimplemented
from ..records import (check_machine_name, check_part_name, check_unique_machine_name, create_robot,
                       delete_part_records, fill_derived, fill_online, free_part_name, get_location,
                       machine_names_may_repeat, micros, now_micros, org_locations, part_fragment_ids, primary_org_id,
                       robot_parts, save_part, save_robot, set_micros, set_names)
from ..registry import Call, rpc
from ..store import Tx
from ..wire import app_pb2

DEFAULT_SUMMARY_LIMIT = 100  # app.proto: "max number of machines to return; default to 100 if unset"


# -- helpers -------------------------------------------------------------------------------

def get_robot(tx: Tx, robot_id: str) -> app_pb2.Robot:
    if not robot_id:
        raise invalid("machine id is required")
    return tx.must_get("robot", robot_id, app_pb2.Robot, "machine")


def robot_for(call: Call, robot_id: str, action: str) -> app_pb2.Robot:
    robot = get_robot(call.tx, robot_id)
    call.require(action, "robot", robot_id, "machine %r" % robot_id)
    return robot


def render_robot(robot: app_pb2.Robot, at: Optional[int] = None) -> app_pb2.Robot:
    """Online fields: from the RobotService calls of the machine's parts if a device ever made one
    (presence.robot_state: online while any part is), else the stored (seeded) state."""
    out = app_pb2.Robot()
    out.CopyFrom(robot)
    at = now_micros() if at is None else at
    if not fill_derived(out, presence.robot_state(out.id, at), at):
        fill_online(out, out.online_state, at=at)
    return out


def delete_robot_records(tx: Tx, robot_id: str) -> None:
    """The machine, its parts and everything kept about them."""
    for part_id in tx.list_ids("part", parent=robot_id):
        delete_part_records(tx, part_id)
    tx.delete("robot", robot_id)
    tx.delete("metadata", "robot:" + robot_id)


def _robot_grants(call: Call, action: str = "read") -> Set[str]:
    """Machines the caller holds a machine-scoped role on that allows `action`."""
    return {g.resource_id for g in grants_of(call.tx, call.principal.identity_id)
            if g.resource_type == "robot" and action in ROLE_ACTIONS.get(role_of(g), ())}


def readable_robots(call: Call, location: app_pb2.Location, full: Optional[bool] = None,
                    grants: Optional[Set[str]] = None) -> List[app_pb2.Robot]:
    """The location's machines the caller may read: all with a location (or wider) role, else its own."""
    robots = call.tx.list("robot", app_pb2.Robot, parent=location.id)
    if full is None:
        full = allowed(call.tx, call.principal, "read", "location", location.id)
    if full:
        return robots
    grants = _robot_grants(call) if grants is None else grants
    return [r for r in robots if r.id in grants]


def org_access(call: Call, org_id: str) -> bool:
    """True with an org-level read role, False with only narrower roles in it; no role at all raises."""
    if not org_id:
        raise invalid("organization id is required")
    if call.tx.get("organization", org_id, app_pb2.Organization) is not None and \
            allowed(call.tx, call.principal, "read", "organization", org_id):
        return True
    if org_id in visible_organization_ids(call.tx, call.principal):
        return False
    require_org_member(call.tx, call.principal, org_id)  # raises NOT_FOUND / PERMISSION_DENIED
    return False


def _location_robots(call: Call, location_id: str) -> List[app_pb2.Robot]:
    location = get_location(call.tx, location_id)
    full = allowed(call.tx, call.principal, "read", "location", location_id)
    robots = readable_robots(call, location, full)
    if not full and not robots:
        raise permission_denied("the caller may not read location %r" % location_id)
    return robots


# -- RPCs ----------------------------------------------------------------------------------

@rpc("NewRobot")
def new_robot(call: Call, request: app_pb2.NewRobotRequest):
    check_machine_name(request.name)
    if not request.location:
        raise invalid("location is required")
    get_location(call.tx, request.location)
    call.require("write", "location", request.location, "location %r" % request.location)
    robot = create_robot(call.tx, call.settings, request.name, request.location)
    return app_pb2.NewRobotResponse(id=robot.id)


@rpc("GetRobot")
def get_robot_rpc(call: Call, request: app_pb2.GetRobotRequest):
    return app_pb2.GetRobotResponse(robot=render_robot(robot_for(call, request.id, "read")))


def _move_parts(call: Call, robot: app_pb2.Robot, location_id: str, org_id: str) -> None:
    """Parts follow their machine: location_id and both FQDNs change; names must be free there.

    With duplicate_machine_name=allowed a name taken in the new location is not refused: the part
    is renamed to the first free `<name>-2`, `<name>-3`, ... (one part at a time, so the moved
    parts never clash with each other either)."""
    parts = robot_parts(call.tx, robot.id)
    if machine_names_may_repeat(call.settings):
        for part in parts:
            set_names(call.settings, part, free_part_name(call.tx, part.name, location_id, part.id), location_id)
            save_part(call.tx, part, org_id)
        return
    for part in parts:
        check_part_name(call.tx, part.name, location_id, except_part=part.id)
    for part in parts:
        set_names(call.settings, part, part.name, location_id)
        save_part(call.tx, part, org_id)


@rpc("UpdateRobot")
def update_robot(call: Call, request: app_pb2.UpdateRobotRequest):
    """An empty name or location means "unchanged" (the SDK sends "" for no location; the CLI "" for no name).

    Renaming a machine does not rename its main part (unknown in the real service,
    docs/api-assumptions.md §2: the part name is what devices' FQDNs are built from, so keeping it
    is the safe choice). A name another machine of the location has: see duplicate_machine_name.
    """
    robot = robot_for(call, request.id, "write")
    if request.name and not request.name.strip():
        raise invalid("machine name must not be blank")
    name = request.name or robot.name
    location_id = request.location or robot.location
    moving = location_id != robot.location
    if moving:
        get_location(call.tx, location_id)
        call.require("write", "location", location_id, "location %r" % location_id)
    if (name, location_id) != (robot.name, robot.location):
        check_unique_machine_name(call.tx, call.settings, name, location_id, except_robot=robot.id)
    org_id = primary_org_id(get_location(call.tx, location_id))
    if moving:
        _move_parts(call, robot, location_id, org_id)
    robot.name, robot.location = name, location_id
    save_robot(call.tx, robot, org_id)
    return app_pb2.UpdateRobotResponse(robot=render_robot(robot))


@rpc("DeleteRobot")
def delete_robot(call: Call, request: app_pb2.DeleteRobotRequest):
    robot = robot_for(call, request.id, "write")
    delete_robot_records(call.tx, robot.id)
    return app_pb2.DeleteRobotResponse()


@rpc("ListRobots")
def list_robots(call: Call, request: app_pb2.ListRobotsRequest):
    at = now_micros()
    return app_pb2.ListRobotsResponse(robots=[render_robot(r, at) for r in _location_robots(call, request.location_id)])


@rpc("ListRobotsForLocations")
def list_robots_for_locations(call: Call, request: app_pb2.ListRobotsForLocationsRequest):
    if not request.location_ids:
        raise invalid("location_ids must name at least one location")
    at = now_micros()
    robots = [render_robot(r, at) for location_id in dict.fromkeys(request.location_ids)
              for r in _location_robots(call, location_id)]
    return app_pb2.ListRobotsForLocationsResponse(robots=robots)


@rpc("ListRobotsForOrg")
def list_robots_for_org(call: Call, request: app_pb2.ListRobotsForOrgRequest):
    """Behaviour list_robots_for_org: present (org-level roles see every machine, narrower roles
    the machines they can read), permission_denied_below_org (PERMISSION_DENIED without an
    organization-level role on org_id) or unimplemented (UNIMPLEMENTED)."""
    served = call.settings.behaviour("list_robots_for_org")
    if served == "unimplemented":
        raise unimplemented("ListRobotsForOrg is not served (behaviour list_robots_for_org)")
    full = org_access(call, request.org_id)
    if served == "permission_denied_below_org" and not full:
        raise permission_denied("the caller may not list the machines of organization %r: an organization-level "
                                "role is needed" % request.org_id)
    grants = _robot_grants(call)
    at = now_micros()
    robots = [render_robot(r, at) for location in org_locations(call.tx, request.org_id)
              for r in readable_robots(call, location, full or None, grants)]
    return app_pb2.ListRobotsForOrgResponse(robots=robots)


@rpc("GetRoverRentalRobots")
def get_rover_rental_robots(call: Call, request: app_pb2.GetRoverRentalRobotsRequest):
    """Rover rentals exist only if something seeded kind "rover_rental" rows (org = the organization)."""
    require_org_member(call.tx, call.principal, request.org_id)
    rentals = call.tx.list("rover_rental", app_pb2.RoverRentalRobot, org=request.org_id)
    return app_pb2.GetRoverRentalRobotsResponse(robots=rentals)


# -- ListMachineSummaries ------------------------------------------------------------------

class _FragmentNames:
    """Fragment names looked up once per call (many parts share few fragments)."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx
        self._names: Dict[str, str] = {}

    def __call__(self, fragment_id: str) -> str:
        if fragment_id not in self._names:
            fragment = self._tx.get("fragment", fragment_id, app_pb2.Fragment)
            self._names[fragment_id] = fragment.name if fragment else ""
        return self._names[fragment_id]


def part_summary(part: app_pb2.RobotPart, fragment_ids: List[str], names: _FragmentNames,
                 at: int) -> app_pb2.PartSummary:
    summary = app_pb2.PartSummary(
        part_id=part.id, part_name=part.name, is_main_part=part.main_part, online_state=part.online_state,
        dns_name=part.dns_name, fragments=[app_pb2.FragmentSummary(id=f, name=names(f)) for f in fragment_ids])
    derived = presence.part_state(part.id, at)
    if derived is not None:  # a device called: its last call is both last_access and last_online
        fill_derived(summary, derived, at)
        set_micros(summary.last_online, derived[1])
    elif part.online_state == app_pb2.ONLINE_STATE_ONLINE:
        set_micros(summary.last_access, at)
        set_micros(summary.last_online, at)
    elif part.HasField("last_access"):
        summary.last_access.CopyFrom(part.last_access)
        summary.last_online.CopyFrom(part.last_access)
        summary.seconds_since_online = max(0, (at - micros(part.last_access)) // 1_000_000)
    _device_facts(summary, part)
    return summary


def _device_facts(summary: app_pb2.PartSummary, part: app_pb2.RobotPart) -> None:
    """What a connected viam-server reported about its host (user_supplied_info; seeded fleets only)."""
    info = part.user_supplied_info.fields  # read directly: no conversion of the whole Struct per part
    for key, target in (("os", "os"), ("platform", "platform"), ("public_ip", "public_ip_address")):
        if key in info and info[key].string_value:
            setattr(summary, target, info[key].string_value)
    if "version" in info and info["version"].string_value:
        summary.viam_server_version.major = info["version"].string_value
    if "agent_version" in info and info["agent_version"].string_value:
        summary.viam_agent_version.major = info["agent_version"].string_value


def _summary_limit(request: app_pb2.ListMachineSummariesRequest) -> int:
    """Unset means 100 (app.proto). The Go SDK always sets the field, 0 when the user gave none: 0 means 100 too."""
    if not request.HasField("limit") or request.limit == 0:
        return DEFAULT_SUMMARY_LIMIT
    if request.limit < 0:
        raise invalid("limit must not be negative")
    return request.limit


def _summary_orgs(call: Call, org_id: str) -> List[Tuple[str, bool]]:
    if org_id:
        return [(org_id, org_access(call, org_id))]
    # No organization: every organization the caller can reach (app.proto comment).
    return [(o, allowed(call.tx, call.principal, "read", "organization", o))
            for o in visible_organization_ids(call.tx, call.principal)]


@rpc("ListMachineSummaries")
def list_machine_summaries(call: Call, request: app_pb2.ListMachineSummariesRequest):
    """Machines with their parts, grouped by location, in one response of at most `limit` machines.

    Cost: one query per location and one per machine; no per-part queries.
    """
    remaining = _summary_limit(request)
    location_filter = set(request.location_ids)
    fragment_filter = set(request.fragment_ids)
    names = _FragmentNames(call.tx)
    grants = _robot_grants(call)
    at = now_micros()
    summaries: List[app_pb2.LocationSummary] = []
    seen: Set[str] = set()
    for org_id, full in _summary_orgs(call, request.organization_id):
        for location in org_locations(call.tx, org_id):
            if remaining <= 0:
                break
            if location.id in seen or (location_filter and location.id not in location_filter):
                continue
            seen.add(location.id)
            machines = _machine_summaries(call, location, full or None, grants, fragment_filter, names, at, remaining)
            remaining -= len(machines)
            if machines:
                summaries.append(app_pb2.LocationSummary(location_id=location.id, location_name=location.name,
                                                         machine_summaries=machines))
    return app_pb2.ListMachineSummariesResponse(location_summaries=summaries)


def _machine_summaries(call: Call, location: app_pb2.Location, full: Optional[bool], grants: Set[str],
                       fragment_filter: Set[str], names: _FragmentNames, at: int,
                       limit: int) -> List[app_pb2.MachineSummary]:
    machines: List[app_pb2.MachineSummary] = []
    for robot in readable_robots(call, location, full, grants):
        if len(machines) >= limit:
            break
        parts = robot_parts(call.tx, robot.id)
        fragments = [part_fragment_ids(p) for p in parts]
        if fragment_filter and not any(fragment_filter.intersection(f) for f in fragments):
            continue
        machines.append(app_pb2.MachineSummary(
            machine_id=robot.id, machine_name=robot.name,
            part_summaries=[part_summary(p, f, names, at) for p, f in zip(parts, fragments)]))
    return machines
