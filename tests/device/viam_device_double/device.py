"""The device double: what viam-server does toward the app, on the real protocol.

One "session" is one life of a viam-server process: read the cloud config file, open one gRPC
connection to `cloud.app_address`, authenticate lazily on the first call, then:

- Log: startup lines first (as viam-server's NetAppender does), then every queued entry, in
  batches of at most 100 every 100 ms; after a failed Log call, every 5 s until one succeeds;
- Config: at start, again at refresh_interval/5, then every refresh_interval (10 s by default,
  `cloud.refresh_interval`); a new revision is "applied": logged, and its components taken on;
  Certificate once at start when the config says signaling is secure;
- NeedsRestart: first 5 s after start (`--first-restart-check`), then every
  restart_check_interval the app answers (under 1 s means 5 s, as viam-server does); when the
  app says must_restart, the session ends and a new one starts: the file is read again, a new
  connection and a new Authenticate follow (what systemd + viam-server do).

SIGHUP also ends the session and starts a new one (so a rewritten file, e.g. a rotated secret,
is picked up); SIGTERM / SIGINT end the process cleanly (exit 0) after a last flush of the logs.

Failure modes, on purpose:
- a component whose model is `broken` (or `<namespace>:<family>:broken`) makes the double log an
  error for it every `--broken-interval` seconds (3 s), as a resource that fails to build does;
- refused credentials (a wrong or deleted secret) leave the double unauthenticated: it makes no
  successful call, so the part stays offline, and it tries to authenticate again after 1, 2, 4 ...
  seconds up to `--max-backoff` (30 s). viam-server itself never re-reads its file until it
  restarts; neither does the double (SIGHUP or a restart does).

The token is dropped (and the next call authenticates again) after UNAUTHENTICATED or
PERMISSION_DENIED on a call, as goutils' client interceptor does. The status file (`--status-file`)
says what the double knows; it never holds a secret (only a short fingerprint of the credential).
"""
from __future__ import annotations

import collections
import datetime
import json
import os
import platform
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

import grpc

from . import __version__
from .cloud_config import CloudConfig, CloudConfigError, read
from .wire import auth_pb2, common_pb2, robot_pb2

AUTH_METHOD = "/proto.rpc.v1.AuthService/Authenticate"
ROBOT_SERVICE = "/viam.app.v1.RobotService/"
LOG_BATCH = 100  # rdk logging/net_appender.go: batches of at most 100 ...
LOG_FLUSH_SECONDS = 0.1  # ... every 100 ms while entries are queued
LOG_RETRY_SECONDS = 5.0  # after a failed Log call
LOG_QUEUE_MAX = 20000  # the oldest entries are dropped first
LOG_TIMEOUT = 4.0
CALL_TIMEOUT = 15.0  # Config, NeedsRestart, Certificate, Authenticate
MIN_RESTART_CHECK = 1.0  # an interval under 1 s means ...
FALLBACK_RESTART_CHECK = 5.0  # ... 5 s (rdk web/server/restart_checker.go)
# Config errors viam-server treats as "malformed, keep the old config" (rdk config/reader.go).
MALFORMED = (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION)
REFUSED = (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED)
BROKEN_MODEL = "broken"


class AuthRefused(Exception):
    """Authenticate failed; the double backs off before it tries again."""


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")


def is_broken(model: str) -> bool:
    return model == BROKEN_MODEL or model.rsplit(":", 1)[-1] == BROKEN_MODEL


def local_ips() -> List[str]:
    """Non-loopback IPv4 addresses (AgentInfo.ips), best effort."""
    found: List[str] = []
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            address = str(info[4][0])
            if not address.startswith("127.") and address not in found:
                found.append(address)
    except OSError:
        pass
    return found


@dataclass
class Options:
    config_path: str
    status_file: Optional[str] = None
    ca_file: Optional[str] = None  # PEM roots for an https app_address (the emulator's --tls cert)
    broken_interval: float = 3.0
    first_restart_check: float = 5.0
    max_backoff: float = 30.0
    hostname: str = field(default_factory=socket.gethostname)
    version: str = __version__


@dataclass
class Status:
    """What the status file says (no secrets)."""

    pid: int = field(default_factory=os.getpid)
    state: str = "starting"
    part_id: str = ""
    app_address: str = ""
    credential_type: str = ""
    credential_fingerprint: str = ""
    authenticated: bool = False
    auth_refused: bool = False
    config_revision: str = ""
    config_fetches: int = 0
    last_config_at: Optional[str] = None
    components: List[Dict[str, str]] = field(default_factory=list)
    services: List[str] = field(default_factory=list)
    broken_components: List[str] = field(default_factory=list)
    config_errors: List[str] = field(default_factory=list)
    restarts: int = 0
    last_restart_reason: str = ""
    logs_sent: int = 0
    logs_queued: int = 0
    last_error: Optional[str] = None
    started_at: str = field(default_factory=utc_now)
    session_started_at: Optional[str] = None
    updated_at: str = field(default_factory=utc_now)

    def as_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)


class Device:
    """The process: sessions one after another until stopped."""

    def __init__(self, options: Options, err: Callable[[str], None] = lambda line: print(line, file=sys.stderr)) -> None:
        self.options = options
        self.status = Status()
        self._say = err
        self._wake = threading.Event()
        self._stop = False
        self._restart_reason = ""
        self._lock = threading.Lock()

    # -- signals (called from signal handlers: only set flags and wake the loop) --------------

    def request_stop(self) -> None:
        self._stop = True
        self._wake.set()

    def request_restart(self, reason: str = "SIGHUP") -> None:
        self._restart_reason = reason
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stop

    def take_restart(self) -> str:
        reason, self._restart_reason = self._restart_reason, ""
        return reason

    def sleep(self, seconds: float) -> None:
        """Wait, but wake at once for a signal."""
        if seconds > 0:
            self._wake.wait(seconds)
        self._wake.clear()

    # -- status ---------------------------------------------------------------------------------

    def write_status(self, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(self.status, key, value)
            self.status.updated_at = utc_now()
            if not self.options.status_file:
                return
            path = self.options.status_file
            scratch = "%s.%d.tmp" % (path, os.getpid())
            try:
                with open(scratch, "w", encoding="utf-8") as handle:
                    json.dump(self.status.as_dict(), handle, indent=2, sort_keys=True)
                    handle.write("\n")
                os.replace(scratch, path)  # readers never see half a file
            except OSError as err:  # the double keeps behaving as a device; only its report is lost
                self._say("viam-device-double: cannot write the status file %s: %s" % (path, err))

    def say(self, message: str) -> None:
        self._say("viam-device-double[%d] %s %s" % (os.getpid(), utc_now(), message))

    # -- the process ----------------------------------------------------------------------------

    def run(self) -> int:
        backoff = 0.0
        self.write_status()
        while not self._stop:
            try:
                cloud = read(self.options.config_path)
            except CloudConfigError as err:
                # viam-server exits and systemd starts it again; the double waits and reads again.
                backoff = min(max(1.0, backoff * 2), self.options.max_backoff)
                self.say("cloud config: %s (reading it again in %.0f s)" % (err, backoff))
                self.write_status(state="config_error", last_error="cloud config: %s" % err, authenticated=False)
                self.sleep(backoff)
                self.take_restart()
                continue
            try:
                session = Session(self, cloud)
            except OSError as err:  # e.g. an unreadable --ca-file: as a config error, read again later
                backoff = min(max(1.0, backoff * 2), self.options.max_backoff)
                self.say("cannot connect: %s (trying again in %.0f s)" % (err, backoff))
                self.write_status(state="config_error", last_error="connect: %s" % err, authenticated=False)
                self.sleep(backoff)
                self.take_restart()
                continue
            backoff = 0.0
            reason = session.run()
            if reason == "stop":
                break
            self.say("restarting (%s)" % reason)
            self.write_status(restarts=self.status.restarts + 1, last_restart_reason=reason)
        self.write_status(state="stopped", authenticated=False)
        self.say("stopped")
        return 0


class Session:
    """One life of viam-server: one connection, one token, one config."""

    def __init__(self, device: Device, cloud: CloudConfig) -> None:
        self.device = device
        self.cloud = cloud
        self.options = device.options
        self.channel = self._dial()
        self.token: Optional[str] = None
        self.logs: Deque[common_pb2.LogEntry] = collections.deque(maxlen=LOG_QUEUE_MAX)
        self.revision = ""
        self.broken: List[Tuple[str, str, str]] = []  # (name, api, model)
        self.backoff = 0.0
        self.blocked_until = 0.0  # no call before this (after refused credentials)
        self.restart_interval = FALLBACK_RESTART_CHECK
        self.have_certificate = False

    def _dial(self) -> grpc.Channel:
        # viam-server pings every 20 s even with no call in flight (goutils rpc/dialer.go).
        options = [("grpc.keepalive_time_ms", 20000), ("grpc.keepalive_permit_without_calls", 1),
                   ("grpc.max_receive_message_length", 1 << 25)]
        if not self.cloud.secure:
            return grpc.insecure_channel(self.cloud.host, options=options)
        roots = None
        if self.options.ca_file:
            with open(self.options.ca_file, "rb") as handle:
                roots = handle.read()
        return grpc.secure_channel(self.cloud.host, grpc.ssl_channel_credentials(root_certificates=roots),
                                   options=options)

    # -- calls ------------------------------------------------------------------------------------

    def authenticate(self) -> None:
        stub = self.channel.unary_unary(AUTH_METHOD, request_serializer=auth_pb2.AuthenticateRequest.SerializeToString,
                                        response_deserializer=auth_pb2.AuthenticateResponse.FromString)
        request = auth_pb2.AuthenticateRequest(entity=self.cloud.entity, credentials=auth_pb2.Credentials(
            type=self.cloud.credential_type, payload=self.cloud.payload))
        try:
            self.token = stub(request, timeout=CALL_TIMEOUT).access_token
        except grpc.RpcError as err:
            code = err.code()  # type: ignore[attr-defined]
            refused = code in REFUSED or code == grpc.StatusCode.INVALID_ARGUMENT
            self.device.write_status(state="unauthenticated", authenticated=False, auth_refused=refused,
                                     last_error="authenticate: %s: %s" % (code.name, err.details()))  # type: ignore[attr-defined]
            raise AuthRefused(code.name) from err
        self.backoff = 0.0
        self.device.write_status(authenticated=True, auth_refused=False)

    def call(self, method: str, request: Any, response_cls: Any, timeout: float = CALL_TIMEOUT) -> Any:
        if self.token is None:
            self.authenticate()
        stub = self.channel.unary_unary(ROBOT_SERVICE + method, request_serializer=type(request).SerializeToString,
                                        response_deserializer=response_cls.FromString)
        try:
            return stub(request, metadata=[("authorization", "Bearer %s" % self.token)], timeout=timeout)
        except grpc.RpcError as err:
            if err.code() in REFUSED:  # type: ignore[attr-defined]
                self.token = None  # authenticate again on the next call
            raise

    def refused(self) -> None:
        """Credentials refused: back off 1, 2, 4 ... s (at most --max-backoff) before any call."""
        self.backoff = min(max(1.0, self.backoff * 2), self.options.max_backoff)
        self.blocked_until = time.monotonic() + self.backoff

    # -- logs -------------------------------------------------------------------------------------

    def log(self, level: str, logger: str, message: str, **fields: Any) -> None:
        entry = common_pb2.LogEntry(host=self.options.hostname, level=level, logger_name=logger, message=message)
        entry.time.GetCurrentTime()
        entry.caller.update({"Defined": True, "File": "viam_device_double/device.py", "Line": 0,
                             "Function": "viam_device_double.Session.log"})
        for key, value in fields.items():
            # zap.Field as JSON, the way rdk's NetAppender sends fields (logging/proto_conversions.go)
            entry.fields.add().update({"Key": key, "Type": 15, "Integer": 0, "String": str(value), "Interface": None})
        self.logs.append(entry)

    def flush_logs(self) -> bool:
        """Send every queued entry; False if a call failed (the entries stay queued)."""
        while self.logs:
            batch = [self.logs[i] for i in range(min(LOG_BATCH, len(self.logs)))]
            try:
                self.call("Log", robot_pb2.LogRequest(id=self.cloud.part_id, logs=batch), robot_pb2.LogResponse,
                          timeout=LOG_TIMEOUT)
            except AuthRefused:
                self.refused()
                return False
            except grpc.RpcError as err:
                self.device.write_status(last_error="log: %s: %s" % (err.code().name, err.details()))  # type: ignore[attr-defined]
                return False
            for _sent in batch:
                self.logs.popleft()
            self.device.status.logs_sent += len(batch)
        self.device.status.logs_queued = len(self.logs)
        return True

    # -- config -----------------------------------------------------------------------------------

    def agent_info(self) -> robot_pb2.AgentInfo:
        machine = platform.machine().lower()
        arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
        return robot_pb2.AgentInfo(host=self.options.hostname, os=sys.platform,
                                   ips=local_ips(), version=self.options.version, git_revision="0" * 40,
                                   platform="%s/%s" % (sys.platform, arch), platform_tags=["device_double:true"])

    def fetch_config(self) -> None:
        try:
            response = self.call("Config", robot_pb2.ConfigRequest(id=self.cloud.part_id, agent_info=self.agent_info()),
                                 robot_pb2.ConfigResponse)
        except AuthRefused:
            self.refused()
            return
        except grpc.RpcError as err:
            code = err.code()  # type: ignore[attr-defined]
            if code in MALFORMED:  # viam-server logs these at error on every poll and keeps its config
                self.log("error", "rdk.config", "error reading cloud config", error="%s: %s" % (code.name, err.details()))  # type: ignore[attr-defined]
            self.device.write_status(last_error="config: %s: %s" % (code.name, err.details()))  # type: ignore[attr-defined]
            return
        config = response.config
        if not (config.cloud.id and config.cloud.fqdn and config.cloud.local_fqdn):
            self.log("error", "rdk.config", "error reading cloud config", error="cloud section incomplete (id, fqdn, local_fqdn)")
            self.device.write_status(last_error="config: the cloud section lacks id, fqdn or local_fqdn")
            return
        self.device.status.config_fetches += 1
        if config.revision != self.revision:
            self.apply(config)
        if not config.cloud.signaling_insecure and not self.have_certificate:
            self.fetch_certificate()
        self.device.write_status(state="running", last_config_at=utc_now(), last_error=None)

    def apply(self, config: robot_pb2.RobotConfig) -> None:
        """A new revision: take it on (viam-server reconfigures in place)."""
        self.revision = config.revision
        components = [{"name": c.name, "api": c.api, "model": c.model} for c in config.components]
        self.broken = [(c.name, c.api, c.model) for c in config.components if is_broken(c.model)]
        errors = [s.error for s in config.overwrite_fragment_status]
        for error in errors:
            self.log("error", "rdk.config", "error in overwriting fragment", error=error)
        self.log("info", "rdk", "Robot (re)configured", revision=config.revision, components=len(components),
                 services=len(config.services))
        self.device.write_status(config_revision=config.revision, components=components,
                                 services=[s.name for s in config.services],
                                 broken_components=[name for name, _api, _model in self.broken], config_errors=errors)
        self.device.say("config revision %s applied (%d components, %d broken)"
                        % (config.revision, len(components), len(self.broken)))

    def fetch_certificate(self) -> None:
        try:
            response = self.call("Certificate", robot_pb2.CertificateRequest(id=self.cloud.part_id),
                                 robot_pb2.CertificateResponse)
            self.have_certificate = bool(response.tls_certificate and response.tls_private_key)
        except AuthRefused:
            self.refused()
        except grpc.RpcError as err:
            self.device.write_status(last_error="certificate: %s" % err.code().name)  # type: ignore[attr-defined]

    def log_broken(self) -> None:
        for name, api, model in self.broken:
            self.log("error", "rdk.resource_manager", "error building resource", resource="%s/%s" % (api, name),
                     model=model, error="device double: model %r always fails to build" % model)

    def needs_restart(self) -> bool:
        try:
            response = self.call("NeedsRestart", robot_pb2.NeedsRestartRequest(id=self.cloud.part_id),
                                 robot_pb2.NeedsRestartResponse)
        except AuthRefused:
            self.refused()
            return False
        except grpc.RpcError:
            return False  # the previous interval stays (viam-server logs this at debug)
        interval = response.restart_check_interval.ToNanoseconds() / 1e9
        self.restart_interval = interval if interval >= MIN_RESTART_CHECK else FALLBACK_RESTART_CHECK
        return response.must_restart

    # -- the loop ---------------------------------------------------------------------------------

    def run(self) -> str:
        """Until stopped ("stop") or restarted (the reason)."""
        device = self.device
        device.write_status(state="starting", part_id=self.cloud.part_id, app_address=self.cloud.app_address,
                            credential_type=self.cloud.credential_type,
                            credential_fingerprint=self.cloud.fingerprint(), authenticated=False,
                            session_started_at=utc_now(), config_revision="", components=[], broken_components=[])
        device.say("session for part %s at %s (%s)" % (self.cloud.part_id, self.cloud.app_address,
                                                       self.cloud.credential_type))
        self.log("info", "rdk", "viam-server", version=self.options.version, git_rev="0" * 40)
        self.log("info", "rdk.activity", "startup", activity="startup", event="start", pid=os.getpid(),
                 version=self.options.version)
        start = time.monotonic()
        next_config, next_restart, next_flush = start, start + self.options.first_restart_check, start
        next_broken = start
        configs = 0
        try:
            while True:
                if device.stopping:
                    self.log("info", "rdk.activity", "shutdown", activity="shutdown", event="stop", reason="signal")
                    if time.monotonic() >= self.blocked_until:
                        self.flush_logs()
                    return "stop"
                reason = device.take_restart()
                if reason:
                    return reason
                now = time.monotonic()
                if now >= self.blocked_until:
                    if now >= next_config:
                        self.fetch_config()
                        configs += 1
                        # at start, at refresh_interval/5, then every refresh_interval (rdk config/watcher.go)
                        period = self.cloud.refresh_interval / 5 if configs == 1 else self.cloud.refresh_interval
                        next_config = time.monotonic() + period
                    if time.monotonic() >= next_restart and time.monotonic() >= self.blocked_until:
                        if self.needs_restart():
                            self.log("info", "rdk.stack_traces", "backtrace at robot shutdown (reason: app_restart)")
                            self.log("info", "rdk.activity", "shutdown", activity="shutdown", event="stop",
                                     reason="app_restart")
                            self.flush_logs()
                            return "app_restart"
                        next_restart = time.monotonic() + self.restart_interval
                if self.broken and time.monotonic() >= next_broken:
                    self.log_broken()
                    next_broken = time.monotonic() + self.options.broken_interval
                if self.logs and time.monotonic() >= max(next_flush, self.blocked_until):
                    next_flush = time.monotonic() + (LOG_FLUSH_SECONDS if self.flush_logs() else LOG_RETRY_SECONDS)
                device.status.logs_queued = len(self.logs)
                due = [next_config, next_restart] + ([next_broken] if self.broken else [])
                if self.logs:
                    due.append(next_flush)
                wake = max(min(due), self.blocked_until) if time.monotonic() < self.blocked_until else min(due)
                device.sleep(min(max(0.0, wake - time.monotonic()), 1.0))
        finally:
            self.channel.close()
