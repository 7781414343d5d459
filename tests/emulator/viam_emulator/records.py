"""Where the handlers share records: the reads, writes and derived fields more than one module needs.

A handler module (handlers/*.py) serves the RPCs of one area of the API and keeps the helpers
only it uses; whatever another handler, the start-up code (bootstrap.py, seed.py) or
resolve.py also needs lives here, so no handler imports another. How each kind of record is
stored is described in the docstring of the handler that serves it (handlers/locations.py,
handlers/parts.py, ...). This module imports no handler.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Tuple

from google.protobuf import struct_pb2, timestamp_pb2

from . import presence
from .access import RESOURCE_TYPES, allowed, authorization_key, location_chain, role_of, validate_authorization
from .errors import already_exists, failed_precondition, invalid, unknown_id
from .ids import dns_name, new_location_id, new_secret, new_uuid, now
from .registry import Call, Settings
from .store import Tx
from .wire import app_pb2, common_pb2


# -- time: microseconds, the precision a Python client keeps ---------------------------------

def micros(ts: timestamp_pb2.Timestamp) -> int:
    """Microseconds: the precision a Python client keeps when it echoes a timestamp back (datetime)."""
    return ts.seconds * 1_000_000 + ts.nanos // 1000


def set_micros(ts: timestamp_pb2.Timestamp, value: int) -> None:
    ts.seconds, ts.nanos = divmod(value, 1_000_000)
    ts.nanos *= 1000


def now_micros() -> int:
    moment = now()
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


# -- configs: Struct <-> JSON data -------------------------------------------------------------

def value_to_python(value: struct_pb2.Value, whole_as_int: bool = True) -> Any:
    """A Struct value as JSON data; whole numbers become ints, as Go's encoding/json prints them
    (with whole_as_int=False every number stays a double, as a Struct-only service keeps it)."""
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return struct_to_python(value.struct_value, whole_as_int)
    if kind == "list_value":
        return [value_to_python(v, whole_as_int) for v in value.list_value.values]
    if kind == "number_value":
        number = value.number_value
        if not whole_as_int:
            return number
        return int(number) if number.is_integer() and abs(number) < 2 ** 63 else number
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    return None


def struct_to_python(struct: struct_pb2.Struct, whole_as_int: bool = True) -> Dict[str, Any]:
    return {key: value_to_python(value, whole_as_int) for key, value in struct.fields.items()}


# -- organizations -------------------------------------------------------------------------------

DEFAULT_REGION = "us-central"
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def create_organization(tx: Tx, name: str) -> app_pb2.Organization:
    org = app_pb2.Organization(id=new_uuid(), name=name, default_region=DEFAULT_REGION)
    org.created_on.FromDatetime(now())
    tx.put("organization", org.id, org, name=name, org=org.id)
    return org


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise invalid("%r is not a valid email address" % email)
    return email


# -- roles (kind "authorization") and memberships (kind "member") --------------------------------

def _location_org_ids(location: app_pb2.Location) -> List[str]:
    """Primary organization first, then the organizations it is shared with."""
    ordered = sorted(location.organizations, key=lambda o: not o.primary)
    return [o.organization_id for o in ordered]


def resource_org_ids(tx: Tx, resource_type: str, resource_id: str) -> List[str]:
    """The organizations a resource belongs to (more than one for a shared location); NOT_FOUND if none."""
    if resource_type == "organization":
        tx.must_get("organization", resource_id, app_pb2.Organization, "organization")
        return [resource_id]
    if resource_type == "location":
        location = tx.must_get("location", resource_id, app_pb2.Location, "location")
        return _location_org_ids(location)
    if resource_type == "robot":
        robot = tx.must_get("robot", resource_id, app_pb2.Robot, "machine")
        location = tx.must_get("location", robot.location, app_pb2.Location, "location of machine %r" % robot.id)
        return _location_org_ids(location)
    raise invalid("resource_type %r is not one of %s" % (resource_type, ", ".join(RESOURCE_TYPES)))


def resource_org(tx: Tx, resource_type: str, resource_id: str, organization_id: str = "") -> str:
    """The one organization an authorization on this resource belongs to.

    An empty organization_id is filled in when the resource belongs to exactly one
    organization; a shared location needs it spelled out (the CLI's "multiple orgs" case).
    """
    org_ids = resource_org_ids(tx, resource_type, resource_id)
    if organization_id:
        if organization_id not in org_ids:
            raise invalid("%s %r does not belong to organization %r" % (resource_type, resource_id, organization_id))
        return organization_id
    if len(org_ids) == 1:
        return org_ids[0]
    raise invalid("%s %r belongs to multiple orgs (%s): set organization_id"
                  % (resource_type, resource_id, ", ".join(org_ids)))


def normalize_authorization(tx: Tx, auth: app_pb2.Authorization, identity_id: str = "", identity_type: str = "",
                            organization_id: Optional[str] = None) -> app_pb2.Authorization:
    """The stored form of a client's authorization; INVALID_ARGUMENT / NOT_FOUND for bad ones."""
    validate_authorization(auth)
    org_id = resource_org(tx, auth.resource_type, auth.resource_id,
                          auth.organization_id if organization_id is None else organization_id)
    return app_pb2.Authorization(
        authorization_type="role", authorization_id="%s_%s" % (auth.resource_type, role_of(auth)),
        resource_type=auth.resource_type, resource_id=auth.resource_id, identity_id=identity_id,
        organization_id=org_id, identity_type=identity_type)


def store_grant(tx: Tx, auth: app_pb2.Authorization) -> None:
    tx.put("authorization", authorization_key(auth), auth, parent=auth.identity_id, name=auth.resource_id,
           org=auth.organization_id)


def member_key(org_id: str, user_id: str) -> str:
    """The id of a membership record (kind "member"); handlers/members.py writes those records."""
    return "%s|%s" % (org_id, user_id)


# -- shared secrets (locations and parts follow the same rules) ---------------------------------

MAX_ACTIVE_SECRETS = 2  # app.proto: a create succeeds only if <= 2 active secrets exist after it


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


# -- locations (kind "location") ------------------------------------------------------------------

MAX_DEPTH = 3  # "locations nest at most 3 levels deep" (docs locations.md, docs/api-assumptions.md §2)


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


def location_depth(tx: Tx, location_id: str) -> int:
    """1 for a top-level location."""
    return len(location_chain(tx, location_id))


def check_location_name(name: str) -> str:
    if not name or not name.strip():
        raise invalid("location name must not be empty")
    return name


def check_parent_location(tx: Tx, parent_id: str, org_id: str, height: int = 1) -> app_pb2.Location:
    parent = tx.get("location", parent_id, app_pb2.Location)
    if parent is None:
        raise unknown_id("parent location %r" % parent_id)
    if primary_org_id(parent) != org_id:
        raise invalid("parent location %r belongs to another organization" % parent_id)
    if location_depth(tx, parent_id) + height > MAX_DEPTH:
        raise invalid("locations nest at most %d levels deep: %r is already at level %d"
                      % (MAX_DEPTH, parent_id, location_depth(tx, parent_id)))
    return parent


def _unused_location_id(tx: Tx) -> str:
    while True:  # 36^10 IDs: a collision is rare, but would silently overwrite a location
        candidate = new_location_id()
        if tx.get("location", candidate, app_pb2.Location) is None:
            return candidate


def create_location(tx: Tx, org_id: str, name: str, parent_location_id: str = "") -> app_pb2.Location:
    """Create a location (with one initial secret) in an organization; returns it as the API shows it."""
    check_location_name(name)
    org = tx.must_get("organization", org_id, app_pb2.Organization, "organization")
    if parent_location_id:
        check_parent_location(tx, parent_location_id, org_id)
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


# -- machines (kind "robot") ---------------------------------------------------------------------

def save_robot(tx: Tx, robot: app_pb2.Robot, org_id: str) -> None:
    tx.put("robot", robot.id, robot, parent=robot.location, name=robot.name, org=org_id)


def check_machine_name(name: str) -> str:
    if not name or not name.strip():
        raise invalid("machine name must not be empty")
    return name


def machine_names_may_repeat(settings: Settings) -> bool:
    return settings.behaviour("duplicate_machine_name") == "allowed"


def check_unique_machine_name(tx: Tx, settings: Settings, name: str, location_id: str,
                              except_robot: str = "") -> None:
    """Machine names are unique within a location (their main parts `<name>-main` must be,
    docs/api-assumptions.md §2), unless behaviour duplicate_machine_name says otherwise."""
    answer = settings.behaviour("duplicate_machine_name")
    if answer == "allowed":
        return
    if any(other != except_robot for other in tx.list_ids("robot", parent=location_id, name=name)):
        message = "a machine named %r already exists in location %r" % (name, location_id)
        raise invalid(message) if answer == "invalid_argument" else already_exists(message)


def free_part_name(tx: Tx, base: str, location_id: str, except_part: str = "") -> str:
    """`base` if no other part of the location has it, else the first free `base-2`, `base-3`, ..."""
    name, n = base, 1
    while name_taken(tx, name, location_id, except_part):
        n += 1
        name = "%s-%d" % (base, n)
    return name


def create_robot(tx: Tx, settings: Settings, name: str, location_id: str,
                 main_config: Optional[Dict[str, Any]] = None) -> app_pb2.Robot:
    """A new machine with its main part `<name>-main` (created automatically, as the real service does).

    With duplicate_machine_name=allowed the main part is `<name>-main` when that is free in the
    location, else `<name>-main-2`, `<name>-main-3`, ... (free_part_name)."""
    check_machine_name(name)
    location = get_location(tx, location_id)
    check_unique_machine_name(tx, settings, name, location_id)
    robot = app_pb2.Robot(id=new_uuid(), name=name, location=location_id, online_state=app_pb2.ONLINE_STATE_OFFLINE)
    set_micros(robot.created_on, now_micros())
    org_id = primary_org_id(location)
    save_robot(tx, robot, org_id)
    main_name = name + "-main"
    if machine_names_may_repeat(settings):
        main_name = free_part_name(tx, main_name, location_id)
    create_part(tx, settings, robot, main_name, main=True, config=main_config, org_id=org_id)
    return robot


# -- online state (parts and machines) -----------------------------------------------------------

def fill_online(message, state: int, last_access_field: str = "last_access", at: Optional[int] = None) -> None:
    """Online parts and machines were seen just now; offline ones count the seconds since they were."""
    at = now_micros() if at is None else at
    if state == app_pb2.ONLINE_STATE_ONLINE:
        set_micros(getattr(message, last_access_field), at)
        message.seconds_since_online = 0
    elif message.HasField(last_access_field):
        message.seconds_since_online = max(0, (at - micros(getattr(message, last_access_field))) // 1_000_000)


def fill_derived(message, state: Optional[Tuple[bool, int]], at: int, last_access_field: str = "last_access") -> bool:
    """The online fields from a device's RobotService calls (presence.py); False if no device ever
    called, so the stored (seeded) state stays. Online: last_access is the last call (not "now")."""
    if state is None:
        return False
    is_online, last = state
    message.online_state = app_pb2.ONLINE_STATE_ONLINE if is_online else app_pb2.ONLINE_STATE_OFFLINE
    set_micros(getattr(message, last_access_field), last)
    message.seconds_since_online = 0 if is_online else max(0, (at - last) // 1_000_000)
    return True


# -- parts (kind "part"; "log" and the other records kept about a part) --------------------------

def part_config(part: app_pb2.RobotPart) -> Dict[str, Any]:
    if part.HasField("robot_config_json") and part.robot_config_json:
        return json.loads(part.robot_config_json)
    return struct_to_python(part.robot_config)


def part_fragment_ids(part: app_pb2.RobotPart) -> List[str]:
    """Fragment IDs a part's config uses: `"fragments": [{"id": ...}]` (CLI) or the older list of strings."""
    found = []
    for entry in part_config(part).get("fragments") or []:
        fragment_id = entry.get("id") if isinstance(entry, dict) else entry
        if isinstance(fragment_id, str) and fragment_id and fragment_id not in found:
            found.append(fragment_id)
    return found


def set_config(part: app_pb2.RobotPart, config: Dict[str, Any], struct_only: bool = False) -> None:
    """Store a config. struct_only (robot_config_json=ignored): the canonical text is what a
    Struct-only service prints, every number a double (1.0) and the keys sorted."""
    part.robot_config.Clear()
    part.robot_config.SetInParent()  # present even when empty: clients test HasField
    part.robot_config.update(config)
    if struct_only:
        part.robot_config_json = json.dumps(struct_to_python(part.robot_config, whole_as_int=False), sort_keys=True)
    else:
        part.robot_config_json = json.dumps(config)


def fqdns(settings: Settings, part_dns_name: str, location_id: str) -> Tuple[str, str]:
    """`<dns_name>.<location_id>.viam.cloud` and `<dns_name>.<location_id>.local.viam.cloud`
    (docs/api-assumptions.md §2)."""
    return ("%s.%s.%s" % (part_dns_name, location_id, settings.fqdn_domain),
            "%s.%s.local.%s" % (part_dns_name, location_id, settings.fqdn_domain))


def set_names(settings: Settings, part: app_pb2.RobotPart, name: str, location_id: str) -> None:
    """Name, location and everything derived from them; dns_name is regenerated on every rename (app.proto)."""
    part.name = name
    part.location_id = location_id
    part.dns_name = dns_name(name)
    part.fqdn, part.local_fqdn = fqdns(settings, part.dns_name, location_id)


def save_part(tx: Tx, part: app_pb2.RobotPart, org_id: Optional[str] = None) -> None:
    if org_id is None:
        location = tx.get("location", part.location_id, app_pb2.Location)
        org_id = _primary_org(location)
    tx.put("part", part.id, part, parent=part.robot, name=part.name, org=org_id)


def _primary_org(location: Optional[app_pb2.Location]) -> str:
    """save_part's org column: the primary organization, "" without one (unlike primary_org_id,
    no fallback to the first organization listed)."""
    if location is None:
        return ""
    for org in location.organizations:
        if org.primary:
            return org.organization_id
    return ""


def robot_parts(tx: Tx, robot_id: str) -> List[app_pb2.RobotPart]:
    return tx.list("part", app_pb2.RobotPart, parent=robot_id)


def name_taken(tx: Tx, name: str, location_id: str, except_part: str = "") -> bool:
    """Part names are unique per location (app.proto: a unique index on name + location_id)."""
    return any(p.location_id == location_id and p.id != except_part
               for p in tx.list("part", app_pb2.RobotPart, name=name))


def check_part_name(tx: Tx, name: str, location_id: str, except_part: str = "") -> str:
    if not name or not name.strip():
        raise invalid("part name must not be empty")
    if name_taken(tx, name, location_id, except_part):
        raise already_exists("a part named %r already exists in location %r" % (name, location_id))
    return name


# (minutes before the part was created, level, logger, message, caller file, line, fields)
LOG_TEMPLATES = (
    (57, "info", "rdk", "Starting viam-server", "web/server/entrypoint.go", 190, {"version": "v0.96.0"}),
    (50, "info", "rdk.networking", "serving", "robot/web/web.go", 432, {"url": "http://0.0.0.0:8080"}),
    (41, "info", "rdk.resource_manager", "Now configuring resource", "robot/impl/resource_manager.go", 610,
     {"resource": "rdk:component:camera/camera-1", "model": "rdk:builtin:webcam"}),
    (33, "warn", "rdk.modmanager", "Module process exited unexpectedly; restarting", "module/modmanager/manager.go",
     1042, {"module": "viam:tflite_cpu", "exit_code": 1}),
    (22, "error", "rdk.resource_manager", "error building resource", "robot/impl/resource_manager.go", 642,
     {"resource": "rdk:component:camera/camera-1", "error": "no video device found at /dev/video0"}),
    (9, "info", "rdk.networking.webrtc", "Connected to signaling server", "robot/web/web.go", 512,
     {"signaling_address": "app.viam.com:443"}),
)


def seed_logs(tx: Tx, part: app_pb2.RobotPart, created: Optional[int] = None) -> None:
    """A few realistic entries over the hour before `created`, so log features have something to show."""
    created = now_micros() if created is None else created
    for minutes, level, logger, message, file, line, fields in LOG_TEMPLATES:
        entry = common_pb2.LogEntry(host=part.dns_name, level=level, logger_name=logger, message=message)
        set_micros(entry.time, created - minutes * 60_000_000)
        entry.caller.update({"Defined": True, "File": file, "Line": line})
        entry.fields.add().update(fields)
        tx.put("log", new_uuid(), entry, parent=part.id)


def create_part(tx: Tx, settings: Settings, robot: app_pb2.Robot, name: str, main: bool = False,
                config: Optional[Dict[str, Any]] = None, org_id: Optional[str] = None,
                with_logs: bool = True) -> app_pb2.RobotPart:
    """A new part of `robot` (offline, one secret, seeded logs); names are unique per location."""
    check_part_name(tx, name, robot.location)
    part = app_pb2.RobotPart(id=new_uuid(), robot=robot.id, main_part=main,
                             online_state=app_pb2.ONLINE_STATE_OFFLINE)
    set_names(settings, part, name, robot.location)
    set_config(part, config or {})
    stamp = now_micros()
    set_micros(part.created_on, stamp)
    set_micros(part.last_updated, stamp)
    add_secret(part.secrets, "part %r" % part.id)
    part.secret = newest_secret(part.secrets)
    save_part(tx, part, org_id)
    if with_logs:
        seed_logs(tx, part, stamp)
    return part


def delete_part_records(tx: Tx, part_id: str) -> None:
    """The part and everything kept about it (history, logs, restart mark, metadata)."""
    tx.delete("part", part_id)
    presence.PRESENCE.forget(part_id)
    tx.delete("part_restart_served", part_id)
    tx.delete("part_cert", part_id)
    tx.delete_where("part_history", parent=part_id)
    tx.delete_where("log", parent=part_id)
    tx.delete("part_restart", part_id)
    tx.delete("metadata", "part:" + part_id)


# -- fragments (kinds "fragment", "fragment_history", "fragment_tag") ----------------------------

class PartOrgs:
    """The primary organization of a part, through its location; cached for one call."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx
        self._by_location: Dict[str, str] = {}

    def of(self, part: app_pb2.RobotPart) -> str:
        location_id = part.location_id
        if not location_id:
            robot = self._tx.get("robot", part.robot, app_pb2.Robot)
            location_id = robot.location if robot else ""
        if location_id not in self._by_location:
            location = self._tx.get("location", location_id, app_pb2.Location) if location_id else None
            orgs = sorted(location.organizations, key=lambda o: not o.primary) if location else []
            self._by_location[location_id] = orgs[0].organization_id if orgs else ""
        return self._by_location[location_id]


def fragment_history(tx: Tx, fragment_id: str) -> List[app_pb2.FragmentHistoryEntry]:
    """Newest first."""
    return list(reversed(tx.list("fragment_history", app_pb2.FragmentHistoryEntry, parent=fragment_id)))


def fragment_tag_key(fragment_id: str, tag: str) -> str:
    return "%s|%s" % (fragment_id, tag)


def revision_config(tx: Tx, fragment: app_pb2.Fragment, revision: str) -> Optional[dict]:
    """The fragment's config as of `revision` (the current one, or one its history recorded)."""
    if revision == fragment.revision:
        return struct_to_python(fragment.fragment)
    for entry in fragment_history(tx, fragment.id):
        if entry.revision == revision:
            return struct_to_python(entry.config)
        if entry.old.revision == revision:
            return struct_to_python(entry.old.fragment)
    return None


def revision_of(tx: Tx, fragment: app_pb2.Fragment, version: str) -> Optional[str]:
    """The revision a version names: "" = the latest, digits = that revision, else a tag's revision."""
    if not version:
        return fragment.revision
    if version.isdigit():
        return version if revision_config(tx, fragment, version) is not None else None
    tag = tx.get("fragment_tag", fragment_tag_key(fragment.id, version), app_pb2.FragmentTag)
    return tag.revision if tag is not None else None


def resolve_version(tx: Tx, fragment: app_pb2.Fragment, version: str) -> Optional[Tuple[dict, str]]:
    """(config, revision) of the fragment at a pinned version, or None if the version names nothing."""
    revision = revision_of(tx, fragment, version)
    if revision is None:
        return None
    config = revision_config(tx, fragment, revision)
    return (config, revision) if config is not None else None
