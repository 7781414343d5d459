"""The device side: viam.app.v1.RobotService (Config, Log, NeedsRestart, Certificate).

What viam-server calls on the app (docs/api-assumptions.md §9), served to the device double
(tests/device) or to a real viam-server pointed at the emulator.

Who may call (why: the token must speak for exactly one part):
- a part token: Authenticate with credentials type `robot-secret`, entity = the part ID,
  payload = one of its enabled secrets (part_principal). It may act only for that part: a
  request for another part ID is PERMISSION_DENIED; once the secret it was issued for is
  deleted or disabled the token is UNAUTHENTICATED, so the device re-authenticates and, with a
  stale secret, stays out (the rotation the app's design implies: the old secret stops working
  when it is deleted);
- an API key (`cloud.api_key` in /etc/viam.json) holding any role (owner or operator) that
  covers the part: the role a device key needs is not public; both work here.
A part token has no role, so every AppService call with it is PERMISSION_DENIED.

Effects:
- every call is a check-in (presence.py): the part and its machine are online while the
  device keeps calling, and `last_access` / `seconds_since_online` follow its calls;
- Config also stores the AgentInfo the device reports in the part's user_supplied_info
  (host, os, platform, version, ips...), the part's last_access (so a restarted emulator with --db
  shows it offline since then), and what it served (kind "part_served", a Struct:
  revision, fragments with the version pinned and the revision served) when that changed;
- Log appends the entries to kind "log" (parent = part ID), which GetRobotPartLogs and
  TailRobotPartLogs read;
- NeedsRestart answers must_restart once per MarkPartForRestart (kind "part_restart"; the
  mark answered is kept as kind "part_restart_served"): "Once the robot part checks-in with the
  app the flag is reset" (app.proto). restart_check_interval: --restart-check-interval.

Config answers signaling_insecure=true and an empty signaling_address: the emulator serves no
SignalingService, and rdk skips Certificate for "local dev app instances [that] are insecure"
(config/reader.go), so a real viam-server neither dials signaling nor needs a certificate.
"""
from __future__ import annotations

import secrets as secrets_module
from typing import Any, Dict, List, Optional, Tuple

from google.protobuf import json_format, struct_pb2, timestamp_pb2

from .. import presence
from ..access import Principal, allowed
from ..errors import invalid, permission_denied, unauthenticated, unknown_id
from ..ids import SECRETS_LOG, new_uuid
from ..records import micros, now_micros, part_config, primary_org_id, save_part, set_micros
from ..registry import Call, device_rpc
from ..resolve import Resolved, resolve
from ..store import Tx
from ..wire import app_pb2, common_pb2, robot_pb2

ROBOT_SECRET = "robot-secret"
MAX_LOG_ENTRIES = 1000  # LogRequest: "Allows up to 1000 entries to be added in one request" (robot.proto)
DISABLED = app_pb2.SharedSecret.STATE_DISABLED

# RobotConfig's list sections and the message of each entry.
SECTIONS = {
    "components": robot_pb2.ComponentConfig,
    "services": robot_pb2.ServiceConfig,
    "modules": robot_pb2.ModuleConfig,
    "packages": robot_pb2.PackageConfig,
    "processes": robot_pb2.ProcessConfig,
    "remotes": robot_pb2.RemoteConfig,
    "jobs": robot_pb2.JobConfig,
}
# Top-level keys of a machine config that RobotConfig carries as such.
SINGLE_KEYS = ("network", "auth", "debug", "disable_partial_start", "enable_web_profile", "log", "maintenance",
               "disable_log_deduplication", "tracing")


# -- authentication -----------------------------------------------------------------------------

def part_principal(tx: Tx, part_id: str, payload: str) -> Optional[Principal]:
    """The principal of a part that proved one of its enabled secrets, or None."""
    if not part_id or not payload:
        return None
    part = tx.get("part", part_id, app_pb2.RobotPart)
    if part is None:
        return None
    for secret in part.secrets:
        if secret.state != DISABLED and secrets_module.compare_digest(secret.secret, payload):
            return Principal(part.id, ROBOT_SECRET, secret.id)
    return None


def device_part(call: Call, part_id: str) -> app_pb2.RobotPart:
    """The part a RobotService request names, if the caller may act for it."""
    if not part_id:
        raise invalid("id (the part ID) is required")
    principal = call.principal
    if principal.identity_type == ROBOT_SECRET:
        if part_id != principal.identity_id:
            raise permission_denied("this token speaks for part %r, not part %r" % (principal.identity_id, part_id))
        part = call.tx.get("part", part_id, app_pb2.RobotPart)
        if part is None:
            raise unauthenticated("the part this token was issued to no longer exists")
        if not any(s.id == principal.credential_id and s.state != DISABLED for s in part.secrets):
            raise unauthenticated("the part secret this token was issued for was deleted or disabled")
        return part
    part = call.tx.get("part", part_id, app_pb2.RobotPart)
    if part is None:
        raise unknown_id("part %r" % part_id)
    if not allowed(call.tx, principal, "read", "part", part_id):
        raise permission_denied("the caller may not act as part %r" % part_id)
    return part


def check_in(call: Call, part: app_pb2.RobotPart) -> int:
    at = now_micros()
    presence.PRESENCE.check_in(part.id, part.robot, at)
    return at


# -- Config -------------------------------------------------------------------------------------

def _parse_into(message: Any, key: str, value: Any) -> bool:
    """Set one JSON key of a config entry on its message; False if its shape is not the proto's
    (e.g. rdk's JSON `frame` orientation): that key is left out, as the device would not read it."""
    scratch = type(message)()
    try:
        json_format.ParseDict({key: value}, scratch, ignore_unknown_fields=True)
    except (json_format.ParseError, TypeError, ValueError, AttributeError):
        return False
    message.MergeFrom(scratch)
    return True


def robot_config(config: Dict[str, Any]) -> robot_pb2.RobotConfig:
    """The merged JSON config as RobotConfig (keys RobotConfig does not carry, e.g. `agent`, stay out)."""
    out = robot_pb2.RobotConfig()
    for section, cls in SECTIONS.items():
        for item in config.get(section) or []:
            if not isinstance(item, dict):
                continue
            entry = cls()
            for key, value in item.items():
                _parse_into(entry, key, value)
            getattr(out, section).append(entry)
    for key in SINGLE_KEYS:
        if key in config:
            _parse_into(out, key, config[key])
    return out


def cloud_config(tx: Tx, part: app_pb2.RobotPart, org_id: str) -> robot_pb2.CloudConfig:
    """What viam-server requires of `cloud` (id, fqdn, local_fqdn, location_secrets: rdk Cloud.Validate)."""
    cloud = robot_pb2.CloudConfig(id=part.id, fqdn=part.fqdn, local_fqdn=part.local_fqdn, signaling_address="",
                                  signaling_insecure=True, secret=part.secret, primary_org_id=org_id,
                                  location_id=part.location_id, machine_id=part.robot)
    location = tx.get("location", part.location_id, app_pb2.Location)
    if location is not None:
        for secret in location.auth.secrets:
            if secret.state != DISABLED:
                cloud.location_secrets.add(id=secret.id, secret=secret.secret)
        if not cloud.location_secrets and location.auth.secret:
            cloud.location_secrets.add(id="", secret=location.auth.secret)
    return cloud


def _remember_agent(part: app_pb2.RobotPart, request: robot_pb2.ConfigRequest) -> bool:
    """AgentInfo into user_supplied_info (what the app shows as host, OS, version, IPs); True if changed."""
    if not request.HasField("agent_info"):
        return False
    info = request.agent_info
    facts: Dict[str, Any] = {"host": info.host, "os": info.os, "ips": list(info.ips), "version": info.version,
                             "git_revision": info.git_revision}
    if info.HasField("platform"):
        facts["platform"] = info.platform
        facts["arch"] = info.platform.partition("/")[2]
    if info.platform_tags:
        facts["platform_tags"] = list(info.platform_tags)
    current = json_format.MessageToDict(part.user_supplied_info) if part.HasField("user_supplied_info") else {}
    if current == facts:
        return False
    part.user_supplied_info.Clear()
    part.user_supplied_info.update(facts)
    return True


def served_record(resolved: Resolved, revision: str) -> struct_pb2.Struct:
    record = struct_pb2.Struct()
    record.update({"revision": revision,
                   "fragments": [{"id": f.fragment_id, "version": f.version, "revision": f.revision}
                                 for f in resolved.fragments]})
    return record


def last_served(tx: Tx, part_id: str) -> Optional[Dict[str, Any]]:
    """What Config last served the part: {"revision", "fragments": [{"id", "version", "revision"}]}."""
    record = tx.get("part_served", part_id, struct_pb2.Struct)
    return json_format.MessageToDict(record) if record is not None else None


@device_rpc("Config")
def config(call: Call, request: robot_pb2.ConfigRequest) -> robot_pb2.ConfigResponse:
    part = device_part(call, request.id)
    at = check_in(call, part)
    location = call.tx.get("location", part.location_id, app_pb2.Location)
    org_id = primary_org_id(location) if location is not None else ""
    resolved = resolve(call.tx, part_config(part), org_id)
    out = robot_config(resolved.config)
    out.cloud.CopyFrom(cloud_config(call.tx, part, org_id))
    out.revision = resolved.revision()
    for error in resolved.errors:
        out.overwrite_fragment_status.add(error=error)
    changed = _remember_agent(part, request)
    # Stored last_access only moves every 10 s or so (Config's cadence), so a restarted emulator
    # with --db knows when the part was last seen; the live state is presence.py's.
    if changed or not part.HasField("last_access") or at - micros(part.last_access) > 5_000_000:
        set_micros(part.last_access, at)
        part.online_state = app_pb2.ONLINE_STATE_OFFLINE  # what a restarted emulator should show
        save_part(call.tx, part)
    record = served_record(resolved, out.revision)
    previous = call.tx.get("part_served", part.id, struct_pb2.Struct)
    if previous != record:
        call.tx.put("part_served", part.id, record, parent=part.robot)
    return robot_pb2.ConfigResponse(config=out)


# -- Log ----------------------------------------------------------------------------------------

@device_rpc("Log")
def log(call: Call, request: robot_pb2.LogRequest) -> robot_pb2.LogResponse:
    part = device_part(call, request.id)
    if len(request.logs) > MAX_LOG_ENTRIES:
        raise invalid("at most %d log entries per request, got %d" % (MAX_LOG_ENTRIES, len(request.logs)))
    at = check_in(call, part)
    for entry in request.logs:
        stored = common_pb2.LogEntry()
        stored.CopyFrom(entry)
        if not stored.HasField("time"):
            set_micros(stored.time, at)
        call.tx.put("log", new_uuid(), stored, parent=part.id)
    return robot_pb2.LogResponse()


# -- NeedsRestart -------------------------------------------------------------------------------

@device_rpc("NeedsRestart")
def needs_restart(call: Call, request: robot_pb2.NeedsRestartRequest) -> robot_pb2.NeedsRestartResponse:
    """must_restart once per MarkPartForRestart (with mark_part_for_restart=unimplemented nothing is
    ever marked, so it is always false)."""
    part = device_part(call, request.id)
    check_in(call, part)
    marked = call.tx.get("part_restart", part.id, timestamp_pb2.Timestamp)
    answered = call.tx.get("part_restart_served", part.id, timestamp_pb2.Timestamp)
    must = marked is not None and (answered is None or micros(marked) > micros(answered))
    if must:
        call.tx.put("part_restart_served", part.id, marked, parent=part.robot)
    response = robot_pb2.NeedsRestartResponse(id=part.id, must_restart=must)
    response.restart_check_interval.FromNanoseconds(int(presence.OPTIONS.restart_check_interval * 1e9))
    return response


# -- Certificate --------------------------------------------------------------------------------

def _make_certificate(fqdn: str, local_fqdn: str) -> Tuple[str, str]:
    """A self-signed certificate for the part's FQDNs (the real app's is CA-signed; nothing here checks)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    names: List[x509.GeneralName] = [x509.DNSName(n) for n in dict.fromkeys((fqdn, local_fqdn)) if n]
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, fqdn or "viam-part")])
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(start)
               .not_valid_after(start + datetime.timedelta(days=90)))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    cert = builder.sign(key, hashes.SHA256())
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem.decode()


@device_rpc("Certificate")
def certificate(call: Call, request: robot_pb2.CertificateRequest) -> robot_pb2.CertificateResponse:
    """One certificate per part, made on first request and kept (kind "part_cert", a Struct)."""
    part = device_part(call, request.id)
    check_in(call, part)
    stored = call.tx.get("part_cert", part.id, struct_pb2.Struct)
    if stored is None or stored.fields["fqdn"].string_value != part.fqdn:
        cert_pem, key_pem = _make_certificate(part.fqdn, part.local_fqdn)
        SECRETS_LOG.record("part_tls_key", key_pem)
        stored = struct_pb2.Struct()
        stored.update({"fqdn": part.fqdn, "cert": cert_pem, "key": key_pem})
        call.tx.put("part_cert", part.id, stored, parent=part.robot)
    return robot_pb2.CertificateResponse(id=part.id, tls_certificate=stored.fields["cert"].string_value,
                                         tls_private_key=stored.fields["key"].string_value)
