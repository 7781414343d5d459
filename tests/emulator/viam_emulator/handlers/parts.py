"""Machine parts: read, create, update (config, rename), delete, main part, restart, secrets, history, logs.

Storage:
- kind "part": id = part ID, parent = machine ID, name = part name, org = the primary
  organization of the part's location. The stored RobotPart keeps, in its
  robot_config_json field, the canonical JSON text of the config (what GetRobotPart
  returns as config_json, with integers kept as integers); that field is cleared before
  a part is returned, and online fields are computed on read (render_part).
- kind "part_history": parent = part ID, a RobotPartHistoryEntry per change, oldest first.
- kind "log": parent = part ID, common.v1.LogEntry in time order. No machine writes logs to
  the emulator, so every new part is seeded with a few realistic entries (records.seed_logs).
- kind "part_restart": id = part ID, the Timestamp of the latest MarkPartForRestart.

Behaviours (behaviours.py; docs/api-assumptions.md §7):
- part_by_name_and_location: GetRobotPartByNameAndLocation is served (a free name answers with
  the unknown_id_code code), answers UNIMPLEMENTED to every caller, or PERMISSION_DENIED to API
  keys (get_robot_part_by_name_and_location).
- update_conflict_code: the code of an UpdateRobotPart whose last_known_update is stale.
- mark_part_for_restart: MarkPartForRestart served, or UNIMPLEMENTED.
- robot_config_json: honoured (the JSON text wins over the Struct and is kept as written), or
  ignored as by a service older than the field: only the robot_config Struct is stored, so the
  config_json read back has whole numbers as doubles (1.0) and its keys sorted; a request with
  robot_config_json alone keeps the stored config (_requested_config, records.set_config).
- part_config_cloud: whether GetRobotPart's config_json carries the cloud section (get_robot_part).

How a part is made, stored and deleted (create_part, save_part, delete_part_records), its config
read (part_config, part_fragment_ids) and its online fields derived (fill_online, fill_derived)
live in records.py, shared with robots.py, device.py, fragments.py, modules.py and seed.py.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from google.protobuf import struct_pb2, timestamp_pb2

from .. import presence
from ..access import allowed
from ..errors import failed_precondition, invalid, permission_denied, unimplemented, unknown_id, with_code
from ..ids import new_uuid
from ..records import (add_secret, check_part_name, create_part, delete_part_records, fill_derived, fill_online, micros,
                       newest_secret, now_micros, redact_secrets, remove_secret, robot_parts, save_part, set_config,
                       set_micros, set_names, struct_to_python)
from ..registry import Call, rpc
from ..store import Tx
from ..wire import app_pb2, common_pb2

DEFAULT_LOG_PAGE = 100  # the SDK never sets `limit`: the server picks the page size (docs/api-assumptions.md §3)
DEFAULT_HISTORY_PAGE = 100
TAIL_LOGS = 100  # how many recent entries TailRobotPartLogs sends before ending the stream
TAIL_CHUNK = 50


# -- config helpers ------------------------------------------------------------------------

def python_to_struct(data: Dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(data)
    return struct


def config_json(part: app_pb2.RobotPart) -> str:
    """The config as JSON text (GetRobotPart's config_json); the stored canonical text when there is one."""
    if part.HasField("robot_config_json") and part.robot_config_json:
        return part.robot_config_json
    return json.dumps(struct_to_python(part.robot_config))


# -- reading -------------------------------------------------------------------------------

def render_part(part: app_pb2.RobotPart, at: Optional[int] = None, redact: bool = False) -> app_pb2.RobotPart:
    """The part as the API returns it; `redact` blanks its secrets (for callers who may not write it)."""
    out = app_pb2.RobotPart()
    out.CopyFrom(part)
    out.ClearField("robot_config_json")
    at = now_micros() if at is None else at
    if not fill_derived(out, presence.part_state(out.id, at), at):
        fill_online(out, out.online_state, at=at)
    if redact:
        redact_secrets(out)
    return out


def may_not_write(call: Call, resource_type: str, resource_id: str) -> bool:
    return not allowed(call.tx, call.principal, "write", resource_type, resource_id)


def get_part(tx: Tx, part_id: str) -> app_pb2.RobotPart:
    if not part_id:
        raise invalid("part id is required")
    return tx.must_get("part", part_id, app_pb2.RobotPart, "part")


def part_for(call: Call, part_id: str, action: str) -> app_pb2.RobotPart:
    part = get_part(call.tx, part_id)
    call.require(action, "part", part_id, "part %r" % part_id)
    return part


# -- creating ------------------------------------------------------------------------------

@rpc("NewRobotPart")
def new_robot_part(call: Call, request: app_pb2.NewRobotPartRequest):
    if not request.robot_id:
        raise invalid("robot_id is required")
    robot = call.tx.must_get("robot", request.robot_id, app_pb2.Robot, "machine")
    call.require("write", "robot", robot.id, "machine %r" % robot.id)
    part = create_part(call.tx, call.settings, robot, request.part_name)
    return app_pb2.NewRobotPartResponse(part_id=part.id)


# -- reading RPCs --------------------------------------------------------------------------

@rpc("GetRobotParts")
def get_robot_parts(call: Call, request: app_pb2.GetRobotPartsRequest):
    if not request.robot_id:
        raise invalid("robot_id is required")
    call.tx.must_get("robot", request.robot_id, app_pb2.Robot, "machine")
    call.require("read", "robot", request.robot_id, "machine %r" % request.robot_id)
    at, redact = now_micros(), may_not_write(call, "robot", request.robot_id)
    parts = [render_part(p, at, redact) for p in robot_parts(call.tx, request.robot_id)]
    return app_pb2.GetRobotPartsResponse(parts=parts)


@rpc("GetRobotPart")
def get_robot_part(call: Call, request: app_pb2.GetRobotPartRequest):
    part = part_for(call, request.id, "read")
    redact = may_not_write(call, "part", part.id)
    text = config_json(part)
    if call.settings.behaviour("part_config_cloud") == "with_secret" and not redact:
        # A device-ready config, as the SDK's get_robot_part(dest=...) file may be (behaviours.py).
        config = json.loads(text)
        config["cloud"] = {"id": part.id, "secret": part.secret, "location_id": part.location_id}
        text = json.dumps(config)
    return app_pb2.GetRobotPartResponse(part=render_part(part, redact=redact), config_json=text)


@rpc("GetRobotPartByNameAndLocation")
def get_robot_part_by_name_and_location(call: Call, request: app_pb2.GetRobotPartByNameAndLocationRequest):
    """Behaviour part_by_name_and_location: present (a free name answers with unknown_id_code's
    code), unimplemented (UNIMPLEMENTED for every caller) or permission_denied (PERMISSION_DENIED
    for API-key callers, before the request is looked at)."""
    served = call.settings.behaviour("part_by_name_and_location")
    if served == "unimplemented":
        raise unimplemented("GetRobotPartByNameAndLocation is not served (behaviour part_by_name_and_location)")
    if served == "permission_denied" and call.principal.identity_type == "api-key":
        raise permission_denied("API keys may not call GetRobotPartByNameAndLocation")
    if not request.name or not request.location_id:
        raise invalid("name and location_id are required")
    matches = [p for p in call.tx.list("part", app_pb2.RobotPart, name=request.name)
               if p.location_id == request.location_id]
    if not matches:
        raise unknown_id("part %r in location %r" % (request.name, request.location_id))
    call.require("read", "part", matches[0].id, "part %r" % matches[0].id)
    redact = may_not_write(call, "part", matches[0].id)
    return app_pb2.GetRobotPartByNameAndLocationResponse(part=render_part(matches[0], redact=redact))


# -- updating ------------------------------------------------------------------------------

def _requested_config(request: app_pb2.UpdateRobotPartRequest, json_honoured: bool = True
                      ) -> Optional[Dict[str, Any]]:
    """robot_config_json wins over robot_config; neither means "keep the stored config"
    (docs/api-assumptions.md §3). With json_honoured=False (robot_config_json=ignored) the JSON
    field is not read at all, as by a service that predates it."""
    if json_honoured and request.HasField("robot_config_json"):
        try:
            config = json.loads(request.robot_config_json)
        except ValueError as err:
            raise invalid("robot_config_json is not valid JSON: %s" % err) from err
        if not isinstance(config, dict):
            raise invalid("robot_config_json must be a JSON object")
        return config
    if request.HasField("robot_config"):
        return struct_to_python(request.robot_config)
    return None


def _editor(call: Call) -> app_pb2.AuthenticatorInfo:
    return app_pb2.AuthenticatorInfo(type=app_pb2.AUTHENTICATION_TYPE_API_KEY, value=call.principal.identity_id)


def record_history(tx: Tx, old: app_pb2.RobotPart, editor: app_pb2.AuthenticatorInfo) -> None:
    entry = app_pb2.RobotPartHistoryEntry(part=old.id, robot=old.robot, old=render_part(old), edited_by=editor)
    set_micros(entry.when, now_micros())
    tx.put("part_history", new_uuid(), entry, parent=old.id)


def touch(part: app_pb2.RobotPart) -> None:
    """Bump last_updated, strictly increasing so last_known_update always detects a concurrent change."""
    set_micros(part.last_updated, max(now_micros(), micros(part.last_updated) + 1))


@rpc("UpdateRobotPart")
def update_robot_part(call: Call, request: app_pb2.UpdateRobotPartRequest):
    part = part_for(call, request.id, "write")
    if request.HasField("last_known_update") and micros(request.last_known_update) != micros(part.last_updated):
        # FAILED_PRECONDITION by default; behaviour update_conflict_code may name another code.
        raise with_code(call.settings.behaviour("update_conflict_code"),
                        "part %r was changed since last_known_update (%s); its last_updated is now %s: read it "
                        "again and retry" % (part.id, request.last_known_update.ToJsonString(),
                                             part.last_updated.ToJsonString()))
    old = app_pb2.RobotPart()
    old.CopyFrom(part)
    # An empty name keeps the name (L: the SDK always sends one; a config-only update needs no rename).
    if request.name and request.name != part.name:
        check_part_name(call.tx, request.name, part.location_id, except_part=part.id)
        set_names(call.settings, part, request.name, part.location_id)
    json_honoured = call.settings.behaviour("robot_config_json") == "honoured"
    config = _requested_config(request, json_honoured)
    if config is not None:
        set_config(part, config, struct_only=not json_honoured)
    if part != old:
        touch(part)
        record_history(call.tx, old, _editor(call))
        save_part(call.tx, part)
    return app_pb2.UpdateRobotPartResponse(part=render_part(part))


@rpc("DeleteRobotPart")
def delete_robot_part(call: Call, request: app_pb2.DeleteRobotPartRequest):
    part = part_for(call, request.part_id, "write")
    if part.main_part:
        raise failed_precondition("part %r is the main part of machine %r and cannot be deleted: mark another part "
                                  "as main first, or delete the machine" % (part.id, part.robot))
    delete_part_records(call.tx, part.id)
    return app_pb2.DeleteRobotPartResponse()


@rpc("MarkPartAsMain")
def mark_part_as_main(call: Call, request: app_pb2.MarkPartAsMainRequest):
    """Exactly one main part per machine afterwards (app.proto comment; clients rely on it)."""
    part = part_for(call, request.part_id, "write")
    for sibling in robot_parts(call.tx, part.robot):
        should_be_main = sibling.id == part.id
        if sibling.main_part != should_be_main:
            sibling.main_part = should_be_main
            save_part(call.tx, sibling)
    return app_pb2.MarkPartAsMainResponse()


@rpc("MarkPartForRestart")
def mark_part_for_restart(call: Call, request: app_pb2.MarkPartForRestartRequest):
    """A control action: operators may restart. Recorded only; no machine runs here to act on it.

    Behaviour mark_part_for_restart=unimplemented: UNIMPLEMENTED, as if the RPC were removed."""
    if call.settings.behaviour("mark_part_for_restart") == "unimplemented":
        raise unimplemented("MarkPartForRestart is not served (behaviour mark_part_for_restart)")
    part = part_for(call, request.part_id, "control")
    marked = timestamp_pb2.Timestamp()
    set_micros(marked, now_micros())
    call.tx.put("part_restart", part.id, marked, parent=part.robot)
    return app_pb2.MarkPartForRestartResponse()


def restart_requested_at(tx: Tx, part_id: str) -> Optional[datetime]:
    marked = tx.get("part_restart", part_id, timestamp_pb2.Timestamp)
    return marked.ToDatetime(tzinfo=timezone.utc) if marked else None


# -- part secrets --------------------------------------------------------------------------

@rpc("CreateRobotPartSecret")
def create_robot_part_secret(call: Call, request: app_pb2.CreateRobotPartSecretRequest):
    part = part_for(call, request.part_id, "write")
    add_secret(part.secrets, "part %r" % part.id)
    part.secret = newest_secret(part.secrets)
    save_part(call.tx, part)
    return app_pb2.CreateRobotPartSecretResponse(part=render_part(part))


@rpc("DeleteRobotPartSecret")
def delete_robot_part_secret(call: Call, request: app_pb2.DeleteRobotPartSecretRequest):
    part = part_for(call, request.part_id, "write")
    remove_secret(part.secrets, request.secret_id, "part %r" % part.id)
    part.secret = newest_secret(part.secrets)
    save_part(call.tx, part)
    return app_pb2.DeleteRobotPartSecretResponse()


# -- history -------------------------------------------------------------------------------

def page_offset(token: str) -> int:
    """Page tokens are opaque to clients; here they are the offset of the next entry."""
    if not token:
        return 0
    if not token.isdigit():
        raise invalid("page_token %r is not a token this server issued" % token)
    return int(token)


def paginate(items: Sequence, token: str, size: int) -> Tuple[List, str]:
    start = page_offset(token)
    page = list(items[start:start + size])
    following = start + len(page)
    return page, (str(following) if following < len(items) else "")


@rpc("GetRobotPartHistory")
def get_robot_part_history(call: Call, request: app_pb2.GetRobotPartHistoryRequest):
    part = part_for(call, request.id, "read")
    entries = call.tx.list("part_history", app_pb2.RobotPartHistoryEntry, parent=part.id)
    entries.reverse()  # newest first
    if request.HasField("start"):
        entries = [e for e in entries if micros(e.when) >= micros(request.start)]
    if request.HasField("end"):
        entries = [e for e in entries if micros(e.when) <= micros(request.end)]
    if request.HasField("page_limit") and request.page_limit < 0:
        raise invalid("page_limit must not be negative")
    size = request.page_limit if request.HasField("page_limit") and request.page_limit > 0 else DEFAULT_HISTORY_PAGE
    page, token = paginate(entries, request.page_token, size)
    if may_not_write(call, "part", part.id):
        for entry in page:
            redact_secrets(entry.old)
    return app_pb2.GetRobotPartHistoryResponse(history=page, next_page_token=token)


# -- logs ----------------------------------------------------------------------------------

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """Go-style durations ("10m", "1h30m") plus days ("10d"), as the `range` field takes them."""
    position, seconds = 0, 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            break
        seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if not text or position != len(text):
        raise invalid("range %r is not a duration such as \"10m\", \"2h\" or \"10d\"" % text)
    return timedelta(seconds=seconds)


def _level_set(levels: Iterable[str], errors_only: bool) -> set:
    chosen = {level.lower() for level in levels if level}
    if not chosen and errors_only:
        chosen = {"error"}
    return chosen


def matching_logs(tx: Tx, part_id: str, levels: Iterable[str] = (), errors_only: bool = False, text: str = "",
                  start: Optional[int] = None, end: Optional[int] = None) -> List[common_pb2.LogEntry]:
    """A part's log entries that pass the filters, oldest first."""
    wanted = _level_set(levels, errors_only)
    needle = text.lower()
    found = []
    for entry in tx.list("log", common_pb2.LogEntry, parent=part_id):
        at = micros(entry.time)
        if wanted and entry.level.lower() not in wanted:
            continue
        if needle and needle not in entry.message.lower():
            continue
        if (start is not None and at < start) or (end is not None and at > end):
            continue
        found.append(entry)
    found.sort(key=lambda e: micros(e.time))
    return found


@rpc("GetRobotPartLogs")
def get_robot_part_logs(call: Call, request: app_pb2.GetRobotPartLogsRequest):
    part = part_for(call, request.id, "read")
    start = micros(request.start) if request.HasField("start") else None
    end = micros(request.end) if request.HasField("end") else None
    if request.HasField("range"):
        # Explicit presence matters: app rejects an empty range (rdk CLI comment, docs/api-assumptions.md §3).
        if not request.range:
            raise invalid("range must not be empty: leave it unset, or give a duration such as \"10m\"")
        since = now_micros() - int(parse_duration(request.range).total_seconds() * 1_000_000)
        start = since if start is None else max(start, since)
    if request.HasField("limit") and request.limit < 0:
        raise invalid("limit must not be negative")
    logs = matching_logs(call.tx, part.id, request.levels, request.errors_only,
                         request.filter if request.HasField("filter") else "", start, end)
    if not (request.HasField("order") and request.order == app_pb2.LOG_ORDER_ASCENDING):
        logs.reverse()  # newest first unless asked otherwise
    size = request.limit if request.HasField("limit") and request.limit > 0 else DEFAULT_LOG_PAGE
    page, token = paginate(logs, request.page_token if request.HasField("page_token") else "", size)
    return app_pb2.GetRobotPartLogsResponse(logs=page, next_page_token=token)


@rpc("TailRobotPartLogs", streaming="server")
def tail_robot_part_logs(call: Call, request: app_pb2.TailRobotPartLogsRequest):
    """The most recent entries, oldest first, then the stream ends (nothing is live in the emulator).

    viam-sdk stops reading at the first message without logs, so no empty message is ever sent.
    """
    part = part_for(call, request.id, "read")
    logs = matching_logs(call.tx, part.id, errors_only=request.errors_only,
                         text=request.filter if request.HasField("filter") else "")[-TAIL_LOGS:]
    return [app_pb2.TailRobotPartLogsResponse(logs=logs[i:i + TAIL_CHUNK]) for i in range(0, len(logs), TAIL_CHUNK)]
