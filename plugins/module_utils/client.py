# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ViamClient: the one gRPC client of the Viam app API in viam.cloud.

    client = ViamClient(app_url="https://app.viam.com:443", api_key_id=..., api_key=...)
    robot = client.get_robot(id="...", resource="machine 'rover-7'").robot
    resp = client.call("GetRobot", app_pb2.GetRobotRequest(id="..."))
    for chunk in client.tail_robot_part_logs(id=part_id, errors_only=False): ...
    client.upload_module_file(path="module.tar.gz", module_file_info={"module_id": ..., "version": ..., "platform": ...})

- One method per RPC of proto/rpcs.txt, named in snake case, generated from
  RPC_KINDS below. Each takes an optional request message (or dict), keyword
  fields, ``resource=`` (a description for error messages) and ``timeout=``,
  and returns the response message (an iterator of them for server streams).
- One channel, opened lazily; one Authenticate call, made lazily, whose token
  goes in ``authorization: Bearer <token>`` on every AppService call. A call
  that gets UNAUTHENTICATED with a token from an earlier call (expired)
  re-authenticates once and is sent once more.
- Retries of transient failures follow RPC_KINDS (see there), with capped
  exponential backoff and full jitter, bounded by ``retries`` tries and a
  ``retry_budget`` in seconds.
- Every failure is a ViamError (plugins/module_utils/errors.py).

grpc and the generated *_pb2 modules are imported on first use, so importing
this file is cheap and works without grpcio.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import random
import threading
import time
import typing as t
from urllib.parse import urlsplit

from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError, describe
from ansible_collections.viam.cloud.plugins.module_utils.convert import dict_to_message

DEFAULT_APP_URL = "https://app.viam.com:443"
DEFAULT_TIMEOUT = 30.0
USER_AGENT = "viam.cloud-ansible"

# --------------------------------------------------------------------------
# The RPC classification: what may be retried after a transient failure.
#
# READ    no side effect. Retried on UNAVAILABLE, RESOURCE_EXHAUSTED and
#         DEADLINE_EXCEEDED.
# WRITE   idempotent write: sending it twice leaves the same state as once.
#         Retried on UNAVAILABLE and RESOURCE_EXHAUSTED; not on
#         DEADLINE_EXCEEDED (the server may still be applying it): that raises
#         ViamError(maybe_applied=True).
# DELETE  a WRITE that removes something: if an earlier attempt failed
#         ambiguously and the retry answers NOT_FOUND, the first attempt
#         did it, and the call returns the (empty) response.
# CREATE  each call makes something new (an ID, a secret, an email): a
#         repeat could make a duplicate. Retried only when the request
#         certainly never left (connection refused) or was rejected unapplied
#         (RESOURCE_EXHAUSTED); any other UNAVAILABLE/DEADLINE_EXCEEDED raises
#         ViamError(maybe_applied=True) so the module re-checks by name.
# --------------------------------------------------------------------------
READ = "read"
WRITE = "write"
DELETE = "delete"
CREATE = "create"

AUTH_RPC = "Authenticate"
AUTH_SERVICE = "proto.rpc.v1.AuthService"
APP_SERVICE = "viam.app.v1.AppService"

RPC_KINDS = {
    # AuthService: a new token each time, nothing else changes.
    "Authenticate": READ,
    # organizations, members, invites
    "GetUserIDByEmail": READ,
    "CreateOrganization": CREATE,
    "ListOrganizations": READ,
    "GetOrganizationsWithAccessToLocation": READ,
    "GetOrganization": READ,
    "GetOrganizationNamespaceAvailability": READ,
    "UpdateOrganization": WRITE,
    "UpdateOrganizationNamespace": WRITE,
    "DeleteOrganization": DELETE,
    "GetOrganizationMetadata": READ,
    "UpdateOrganizationMetadata": WRITE,
    "ListOrganizationMembers": READ,
    "CreateOrganizationInvite": CREATE,
    "UpdateOrganizationInviteAuthorizations": WRITE,
    "DeleteOrganizationMember": DELETE,
    "DeleteOrganizationInvite": DELETE,
    "ResendOrganizationInvite": CREATE,  # sends another email
    # locations
    "CreateLocation": CREATE,
    "GetLocation": READ,
    "UpdateLocation": WRITE,
    "DeleteLocation": DELETE,
    "GetLocationMetadata": READ,
    "UpdateLocationMetadata": WRITE,
    "ListLocations": READ,
    "ShareLocation": WRITE,
    "UnshareLocation": WRITE,
    "LocationAuth": READ,
    "CreateLocationSecret": CREATE,
    "DeleteLocationSecret": DELETE,
    # machines and parts
    "GetRobot": READ,
    "GetRobotMetadata": READ,
    "UpdateRobotMetadata": WRITE,
    "GetRoverRentalRobots": READ,
    "GetRobotParts": READ,
    "GetRobotPart": READ,
    "GetRobotPartByNameAndLocation": READ,
    "GetRobotPartLogs": READ,
    "TailRobotPartLogs": READ,  # server stream: retried only before the first message
    "GetRobotPartHistory": READ,
    "UpdateRobotPart": WRITE,
    "NewRobotPart": CREATE,
    "DeleteRobotPart": DELETE,
    "GetRobotPartMetadata": READ,
    "UpdateRobotPartMetadata": WRITE,
    "GetRobotAPIKeys": READ,
    "MarkPartAsMain": WRITE,
    "MarkPartForRestart": WRITE,
    "CreateRobotPartSecret": CREATE,
    "DeleteRobotPartSecret": DELETE,
    "ListRobots": READ,
    "ListRobotsForLocations": READ,
    "ListRobotsForOrg": READ,
    "NewRobot": CREATE,
    "UpdateRobot": WRITE,
    "DeleteRobot": DELETE,
    "ListMachineSummaries": READ,
    # fragments
    "ListFragments": READ,
    "GetFragment": READ,
    "CreateFragment": CREATE,
    "UpdateFragment": WRITE,
    "DeleteFragment": DELETE,
    "GetFragmentHistory": READ,
    # roles and permissions
    "AddRole": CREATE,
    "RemoveRole": DELETE,
    "ChangeRole": WRITE,
    "ListAuthorizations": READ,
    "CheckPermissions": READ,
    # registry modules
    "CreateModule": CREATE,
    "UpdateModule": WRITE,
    "UploadModuleFile": CREATE,  # client stream
    "GetModule": READ,
    "ListModules": READ,
    # API keys
    "CreateKey": CREATE,
    "DeleteKey": DELETE,
    "ListKeys": READ,
    "RenameKey": WRITE,
    "RotateKey": CREATE,  # a new secret each time
    "CreateKeyFromExistingKeyAuthorizations": CREATE,
}

_TRANSIENT = frozenset(("UNAVAILABLE", "RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED"))
# A read that timed out this many times in a row is not tried again: the
# timeout is too short for the server (retrying would only make the user wait).
DEADLINE_TRIES = 3
# Codes after which a write may or may not have been applied.
_AMBIGUOUS = frozenset(("UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "CANCELLED"))

_CERT_HINT = ("The TLS certificate of %s could not be verified: set ca_path to the PEM file of the CA that signed it, "
              "or (for a test server only) validate_certs: false")
_NOT_TLS_HINT = "The server at %s does not speak TLS: for a plaintext server (such as the local emulator) use an http:// app_url"
_NOT_PLAIN_HINT = "The server at %s did not answer plaintext gRPC: if it serves TLS, use an https:// app_url"


def snake_case(rpc: str) -> str:
    """GetRobotAPIKeys -> get_robot_api_keys, GetUserIDByEmail -> get_user_id_by_email."""
    out = []
    for i, char in enumerate(rpc):
        if char.isupper() and i:
            prev, nxt = rpc[i - 1], rpc[i + 1:i + 2]
            if prev.islower() or prev.isdigit() or (prev.isupper() and nxt.islower()):
                out.append("_")
        out.append(char.lower())
    return "".join(out)


# ------------------------------------------------------------------ app_url

def parse_app_url(app_url: str) -> tuple[bool, str, int]:
    """app_url -> (tls, host, port), as the Viam CLI reads it.

    https://host[:port] or host[:port] -> TLS, default port 443;
    http://host[:port] -> plaintext, default port 8080.
    """
    text = (app_url or "").strip()
    if not text:
        raise ViamError(summary="app_url is empty")
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ViamError(summary="app_url %r is not a valid URL: %s" % (app_url, exc))
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise ViamError(summary="app_url %r: the scheme must be https:// (TLS) or http:// (plaintext)" % app_url)
    if not parts.hostname:
        raise ViamError(summary="app_url %r has no host name" % app_url)
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ViamError(summary="app_url %r: give only scheme, host and port (no path)" % app_url)
    tls = scheme == "https"
    return tls, parts.hostname, port or (443 if tls else 8080)


def is_loopback(host: str) -> bool:
    """True for localhost, *.localhost and loopback IP addresses."""
    import ipaddress

    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _target(host: str, port: int) -> str:
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


def _cert_names(pem: str) -> list[str]:
    """The DNS/IP subject alternative names and common name of a PEM certificate."""
    try:
        from cryptography import x509
        from cryptography.x509.oid import NameOID
    except ImportError:
        x509 = None
    if x509 is not None:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
        names = []
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            names.extend(san.get_values_for_type(x509.DNSName))
            names.extend(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
        except x509.ExtensionNotFound:
            pass
        names.extend(str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME))
        return names
    # Without cryptography: CPython's own decoder (private, but present in 3.x).
    import ssl
    import tempfile

    decode = getattr(getattr(ssl, "_ssl", None), "_test_decode_cert", None)
    if decode is None:
        return []
    fd, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(pem)
        info = decode(path)
    except Exception:  # pragma: no cover - best effort only
        return []
    finally:
        os.unlink(path)
    names = [value for kind, value in info.get("subjectAltName", ()) if kind in ("DNS", "IP Address")]
    names.extend(value for rdn in info.get("subject", ()) for key, value in rdn if key == "commonName")
    return names


def _transport_problem(code: str, details: str) -> t.Optional[str]:
    """Classify grpcio's transport-level failures (all UNAVAILABLE) by their text.

    "cert": the certificate is not trusted; "hostname": it is trusted but not
    for this host name; "not_tls": TLS handshake with a plaintext server;
    "dns": the host name does not resolve; "connect": the connection was
    never made, so the request was certainly not sent.
    """
    if code != "UNAVAILABLE":
        return None
    text = details.lower()
    if "hostname verification" in text or "not in peer certificate" in text:
        return "hostname"
    if "certificate_verify_failed" in text or "certificate verify failed" in text:
        return "cert"
    if "wrong_version_number" in text or "packet_length_too_long" in text or "http_request" in text:
        return "not_tls"
    if "dns resolution failed" in text or "errors resolving" in text or "name or service not known" in text:
        return "dns"
    if "failed to connect to all addresses" in text or "connection refused" in text or "failed to connect to remote host" in text:
        return "connect"
    return None


# ------------------------------------------------------------------ RPC specs

class _Spec:
    """What the client needs to know about one RPC (resolved on first use)."""

    __slots__ = ("name", "path", "kind", "request_class", "response_class", "client_streaming", "server_streaming", "authed")

    def __init__(self, name, path, kind, request_class, response_class, client_streaming, server_streaming, authed):
        self.name = name
        self.path = path
        self.kind = kind
        self.request_class = request_class
        self.response_class = response_class
        self.client_streaming = client_streaming
        self.server_streaming = server_streaming
        self.authed = authed


_SPECS: dict[str, _Spec] = {}
_LIBS: dict[str, object] = {}


def _libs() -> dict:
    """Import grpc and the generated modules on first use."""
    if not _LIBS:
        # grpc core logs TLS handshake failures on stderr; we report them ourselves.
        os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
        try:
            import grpc
            from ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1 import app_pb2
            from ansible_collections.viam.cloud.plugins.module_utils.proto.proto.rpc.v1 import auth_pb2
        except ImportError as exc:
            raise ViamError(summary="the Python libraries grpcio and protobuf are required on the controller (%s)" % exc)
        except Exception as exc:  # protobuf's runtime VersionError and friends
            raise ViamError(summary="the installed protobuf cannot load viam.cloud's generated code (need protobuf >= 6.33.5): %s" % exc)
        _LIBS.update(grpc=grpc, app_pb2=app_pb2, auth_pb2=auth_pb2)
    return _LIBS


def rpc_spec(rpc: str) -> _Spec:
    """The _Spec of an RPC name ("GetRobot"); ViamError if we do not know it."""
    spec = _SPECS.get(rpc)
    if spec is not None:
        return spec
    if rpc not in RPC_KINDS:
        raise ViamError(summary="unknown RPC %r (not in proto/rpcs.txt)" % rpc)
    libs = _libs()
    module = libs["auth_pb2"] if rpc == AUTH_RPC else libs["app_pb2"]
    service = AUTH_SERVICE if rpc == AUTH_RPC else APP_SERVICE
    method = module.DESCRIPTOR.services_by_name[service.rsplit(".", 1)[1]].methods_by_name[rpc]
    spec = _Spec(
        name=rpc,
        path="/%s/%s" % (service, rpc),
        kind=RPC_KINDS[rpc],
        request_class=getattr(module, method.input_type.name),
        response_class=getattr(module, method.output_type.name),
        client_streaming=method.client_streaming,
        server_streaming=method.server_streaming,
        authed=rpc != AUTH_RPC,
    )
    _SPECS[rpc] = spec
    return spec


# ------------------------------------------------------------------ client

class ViamClient:
    """A client of the Viam app API (see the module docstring).

    Constructor options are the collection's common options (app_url,
    api_key_id, api_key, organization_id, validate_certs, ca_path, timeout)
    plus tuning knobs that are not module options: retries (tries in total),
    retry_budget (seconds for all tries of one call), backoff_base and
    backoff_max (seconds), and warn (a callable taking a message, such as
    module.warn; warnings are also kept in .warnings).

    Plaintext http:// to a host that is not this machine raises ViamError
    unless allow_plaintext is true (then it warns). The constructor opens no
    connection: the channel and the Authenticate call wait for the first RPC.
    """

    def __init__(self, app_url: str = DEFAULT_APP_URL, api_key_id: t.Optional[str] = None, api_key: t.Optional[str] = None,
                 organization_id: t.Optional[str] = None, validate_certs: bool = True, ca_path: t.Optional[str] = None,
                 timeout: float = DEFAULT_TIMEOUT, retries: int = 10, retry_budget: float = 60.0,
                 backoff_base: float = 0.25, backoff_max: float = 8.0, warn=None, user_agent: t.Optional[str] = None,
                 allow_plaintext: bool = False):
        self.app_url = app_url or DEFAULT_APP_URL
        self.tls, self.host, self.port = parse_app_url(self.app_url)
        self.target = _target(self.host, self.port)
        self.api_key_id = api_key_id
        self.api_key = api_key
        self.organization_id = organization_id or None
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.timeout = float(timeout if timeout is not None else DEFAULT_TIMEOUT)
        self.retries = max(1, int(retries))
        self.retry_budget = float(retry_budget)
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self.user_agent = user_agent or USER_AGENT
        self.warnings: list[str] = []
        self._warn_cb = warn
        self._lock = threading.RLock()
        self._channel = None
        self._stubs: dict[str, object] = {}
        self._token: t.Optional[str] = None
        self._resolved_org: t.Optional[str] = None
        self.auth_count = 0  # Authenticate calls made (for tests and benchmarks)
        from ansible_collections.viam.cloud.plugins.module_utils.guards import plaintext_problem

        plaintext = plaintext_problem(self.app_url)
        if plaintext and not allow_plaintext:
            # Refused here, before any channel exists: anyone on the path would read the key of the
            # first Authenticate call, so a warning printed after the fact protects nothing.
            raise ViamError(summary="%s. Use https://; if the network to that host is trusted (a lab, a VPN), "
                                    "set allow_plaintext: true to send it anyway" % plaintext)
        if plaintext:
            self._warn("%s (allow_plaintext is true). Use https:// outside a trusted network." % plaintext)

    # -------------------------------------------------------------- helpers

    def _warn(self, msg: str) -> None:
        self.warnings.append(msg)
        if self._warn_cb is not None:
            self._warn_cb(msg)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self) -> None:
        """Close the channel (a later call opens a new one)."""
        with self._lock:
            if self._channel is not None:
                self._channel.close()
            self._channel = None
            self._stubs = {}

    def _tls_credentials(self, grpc):
        """(channel credentials, extra channel options) for an https:// app_url."""
        options = []
        if self.ca_path:
            try:
                with open(os.path.expanduser(self.ca_path), "rb") as handle:
                    root = handle.read()
            except OSError as exc:
                raise ViamError(summary="cannot read ca_path %s: %s" % (self.ca_path, exc.strerror or exc))
            if b"-----BEGIN CERTIFICATE-----" not in root:
                raise ViamError(summary="ca_path %s is not a PEM certificate file" % self.ca_path)
        else:
            root = None
        if not self.validate_certs:
            # grpcio cannot switch certificate verification off. Instead we
            # fetch the certificate the server presents (without verifying it)
            # and trust exactly that one; the host name check is pointed at a
            # name the certificate carries. This works for self-signed server
            # certificates (test servers, the emulator's --tls); for a
            # certificate issued by a private CA, set ca_path to that CA.
            import ssl

            try:
                pem = ssl.get_server_certificate((self.host, self.port), timeout=self.timeout)
            except (OSError, ssl.SSLError) as exc:
                raise ViamError(code="UNAVAILABLE", rpc=None, details=str(exc),
                                summary="cannot fetch the TLS certificate of %s (validate_certs: false)" % self.target)
            root = pem.encode("ascii")
            names = _cert_names(pem)
            if names and self.host.lower() not in [n.lower() for n in names]:
                name = names[0].replace("*", "viam", 1) if names[0].startswith("*.") else names[0]
                options.append(("grpc.ssl_target_name_override", name))
            self._warn("validate_certs is false: trusting whatever certificate %s presents; anyone on the network "
                       "path could impersonate the Viam app and read the API key. Prefer ca_path." % self.target)
        return grpc.ssl_channel_credentials(root_certificates=root), options

    def _get_channel(self):
        with self._lock:
            if self._channel is None:
                grpc = _libs()["grpc"]
                options = [
                    ("grpc.primary_user_agent", self.user_agent),
                    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
                    ("grpc.max_send_message_length", 64 * 1024 * 1024),
                ]
                if self.tls:
                    creds, extra = self._tls_credentials(grpc)
                    self._channel = grpc.secure_channel(self.target, creds, options=options + extra)
                else:
                    self._channel = grpc.insecure_channel(self.target, options=options)
            return self._channel

    def _stub(self, spec: _Spec):
        with self._lock:
            stub = self._stubs.get(spec.name)
            if stub is None:
                channel = self._get_channel()
                if spec.client_streaming:
                    factory = channel.stream_unary
                elif spec.server_streaming:
                    factory = channel.unary_stream
                else:
                    factory = channel.unary_unary
                stub = factory(spec.path, request_serializer=spec.request_class.SerializeToString,
                               response_deserializer=spec.response_class.FromString)
                self._stubs[spec.name] = stub
            return stub

    # -------------------------------------------------------------- auth

    def authenticate(self) -> str:
        """Authenticate now (if not done yet) and return the access token."""
        with self._lock:
            if self._token is None:
                if not self.api_key_id or not self.api_key:
                    raise ViamError(summary="api_key_id and api_key are required (set the options, or the environment "
                                            "variables VIAM_API_KEY_ID and VIAM_API_KEY)")
                spec = rpc_spec(AUTH_RPC)
                request = spec.request_class(entity=self.api_key_id)
                request.credentials.type = "api-key"
                request.credentials.payload = self.api_key
                response = self._unary(spec, request, "API key id '%s'" % self.api_key_id, None)
                if not response.access_token:
                    raise ViamError(rpc=AUTH_RPC, summary="authentication failed: the server returned no access token")
                self.auth_count += 1
                self._token = response.access_token
            return self._token

    def _drop_token(self, token: t.Optional[str]) -> None:
        with self._lock:
            if self._token == token:
                self._token = None

    # -------------------------------------------------------------- errors

    def _error(self, spec: _Spec, code: str, details: str, resource: t.Optional[str], timeout: t.Optional[float],
               attempts: int, maybe_applied: bool) -> ViamError:
        summary = describe(code, self.app_url, timeout)
        hint = None
        problem = _transport_problem(code, details)
        if problem == "cert":
            summary = "TLS certificate verification failed for %s" % self.target
            hint = _CERT_HINT % self.target
        elif problem == "hostname":
            summary = "the TLS certificate of %s is not valid for the host name %s" % (self.target, self.host)
            hint = "Use the host name the certificate was issued for in app_url, or (for a test server only) validate_certs: false"
        elif problem == "not_tls":
            summary = "TLS handshake with %s failed" % self.target
            hint = _NOT_TLS_HINT % self.target
        elif problem == "dns":
            summary = "cannot resolve the host name of app_url %s" % self.app_url
        elif not self.tls and code == "UNAVAILABLE" and "socket closed" in details.lower():
            hint = _NOT_PLAIN_HINT % self.target
        elif code == "DEADLINE_EXCEEDED" and timeout is not None:
            hint = "The Viam app did not answer within the timeout option (%s s): raise it if the app is slow to " \
                   "answer from here" % ("%g" % timeout)
        if spec.name == AUTH_RPC and code in ("UNAUTHENTICATED", "PERMISSION_DENIED", "INVALID_ARGUMENT"):
            summary = describe("UNAUTHENTICATED")
        return ViamError(code=code, rpc=spec.name, details=details, resource=resource, maybe_applied=maybe_applied,
                         summary=summary, attempts=attempts, hint=hint)

    def _decide(self, spec: _Spec, code: str, details: str) -> tuple[bool, bool]:
        """(retry?, ambiguous?) for a failed attempt of ``spec``."""
        problem = _transport_problem(code, details)
        if problem in ("cert", "hostname", "not_tls", "dns"):
            return False, False
        if code == "RESOURCE_EXHAUSTED" and "message larger than max" in details.lower():
            return False, spec.kind != READ  # grpcio's own limit: the server did answer
        if problem == "connect":
            return True, False  # never sent: safe for every kind
        if code not in _TRANSIENT:
            return False, spec.kind != READ and code in _AMBIGUOUS
        if code == "RESOURCE_EXHAUSTED":
            return True, False  # rejected unapplied (rate limit)
        if code == "DEADLINE_EXCEEDED":
            return spec.kind == READ, spec.kind != READ
        # UNAVAILABLE after the connection was made: the request may have arrived.
        return spec.kind != CREATE, spec.kind != READ

    def _backoff(self, attempt: int) -> float:
        return random.uniform(0, min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1))))

    def _run(self, spec: _Spec, send, resource: t.Optional[str], timeout: t.Optional[float], replayable: bool = True):
        """Send with auth, re-auth and retries. ``send(stub, metadata, timeout)`` does one attempt."""
        grpc = _libs()["grpc"]
        timeout = self.timeout if timeout is None else float(timeout)
        start = time.monotonic()
        attempt = 0
        reauthed = False
        ambiguous = False
        deadlines = 0
        while True:
            attempt += 1
            metadata = None
            token = None
            had_token = self._token is not None
            if spec.authed:
                token = self.authenticate()
                metadata = (("authorization", "Bearer " + token),)
            try:
                return send(self._stub(spec), metadata, timeout)
            except grpc.RpcError as exc:
                code = exc.code().name if exc.code() is not None else "UNKNOWN"
                details = exc.details() or ""
            if code == "UNAUTHENTICATED" and spec.authed and had_token and not reauthed and replayable:
                # The token expired (or was revoked): authenticate again, once.
                reauthed = True
                self._drop_token(token)
                attempt -= 1
                continue
            retry, was_ambiguous = self._decide(spec, code, details)
            deadlines = deadlines + 1 if code == "DEADLINE_EXCEEDED" else 0
            if deadlines >= DEADLINE_TRIES:
                retry = False
            if spec.kind == DELETE and code == "NOT_FOUND" and ambiguous:
                return spec.response_class()  # an earlier attempt did delete it
            ambiguous = ambiguous or was_ambiguous
            if retry and replayable and attempt < self.retries:
                delay = self._backoff(attempt)
                if time.monotonic() - start + delay < self.retry_budget:
                    time.sleep(delay)
                    continue
            raise self._error(spec, code, details, resource, timeout, attempt,
                              maybe_applied=ambiguous and spec.kind != READ)

    def _unary(self, spec: _Spec, request, resource: t.Optional[str], timeout: t.Optional[float]):
        return self._run(spec, lambda stub, md, deadline: stub(request, timeout=deadline, metadata=md), resource, timeout)

    def _server_stream(self, spec: _Spec, request, resource: t.Optional[str], timeout: t.Optional[float]):
        """An iterator of responses; retried (like a read) only until the first one arrives."""
        grpc = _libs()["grpc"]
        state = {"call": None}

        def first(stub, md, deadline):
            call = stub(request, timeout=deadline, metadata=md)
            state["call"] = call
            try:
                return (next(call),)
            except StopIteration:
                return ()

        head = self._run(spec, first, resource, timeout)
        call = state["call"]
        try:
            yield from head
            yield from call
        except grpc.RpcError as exc:
            code = exc.code().name if exc.code() is not None else "UNKNOWN"
            raise self._error(spec, code, exc.details() or "", resource, self.timeout if timeout is None else timeout,
                              1, maybe_applied=False)
        finally:
            call.cancel()

    def _client_stream(self, spec: _Spec, requests, resource: t.Optional[str], timeout: t.Optional[float]):
        """``requests`` is an iterable of messages/dicts, or a callable returning one (then retries can replay it)."""
        replayable = callable(requests)

        def send(stub, md, deadline):
            items = requests() if replayable else requests
            return stub((self._to_request(spec, item) for item in items), timeout=deadline, metadata=md)

        return self._run(spec, send, resource, timeout, replayable=replayable)

    # -------------------------------------------------------------- public

    def _to_request(self, spec: _Spec, request=None, fields=None):
        if request is None:
            request = spec.request_class()
        elif isinstance(request, dict):
            request = dict_to_message(request, spec.request_class())
        elif not isinstance(request, spec.request_class):
            if getattr(getattr(request, "DESCRIPTOR", None), "full_name", None) == spec.request_class.DESCRIPTOR.full_name:
                request = spec.request_class.FromString(request.SerializeToString())
            else:
                raise ViamError(rpc=spec.name, summary="the request must be a %s message or a dict, not %s"
                                % (spec.request_class.DESCRIPTOR.name, type(request).__name__))
        if fields:
            try:
                dict_to_message(fields, request)
            except (TypeError, ValueError) as exc:
                raise ViamError(rpc=spec.name, summary="bad request field: %s" % exc)
        return request

    def call(self, rpc: str, request=None, resource: t.Optional[str] = None, timeout: t.Optional[float] = None, **fields):
        """Call an RPC by name ("GetRobot") and return its response message.

        ``request``: a request message, a dict of fields, or None; keyword
        ``fields`` are set on top. For a server stream this returns an
        iterator of responses; for a client stream ``request`` is an iterable
        of request messages/dicts (or a callable returning one).
        ``resource`` describes the target in error messages ("machine 'rover-7'").
        ``timeout`` overrides the client's per-call timeout (seconds).
        """
        spec = rpc_spec(rpc)
        if spec.client_streaming:
            if fields:
                raise ViamError(rpc=rpc, summary="a client stream takes its requests as an iterable, not keyword fields")
            return self._client_stream(spec, request if request is not None else (), resource, timeout)
        try:
            message = self._to_request(spec, request, fields)
        except (TypeError, ValueError) as exc:
            raise ViamError(rpc=rpc, summary="bad request: %s" % exc)
        if spec.server_streaming:
            return self._server_stream(spec, message, resource, timeout)
        return self._unary(spec, message, resource, timeout)

    def upload_module_file(self, requests=None, path: t.Optional[str] = None, module_file_info=None,
                           chunk_size: int = 64 * 1024, resource: t.Optional[str] = None, timeout: t.Optional[float] = None):
        """UploadModuleFile (client stream); returns the UploadModuleFileResponse.

        Either ``requests`` (an iterable of UploadModuleFileRequest messages or
        dicts: the module_file_info first, then file chunks), or ``path`` and
        ``module_file_info`` (a ModuleFileInfo message or a dict with
        module_id, version, platform, platform_tags): the file is streamed in
        ``chunk_size`` pieces. Without ``timeout`` the deadline grows with the
        file size (the client timeout plus one second per MB).
        """
        spec = rpc_spec("UploadModuleFile")
        if path is None:
            if requests is None:
                raise ViamError(rpc=spec.name, summary="upload_module_file needs requests, or path and module_file_info")
            return self._client_stream(spec, requests, resource, timeout)
        if module_file_info is None:
            raise ViamError(rpc=spec.name, summary="upload_module_file with path needs module_file_info")
        try:
            size = os.path.getsize(path)
        except OSError as exc:
            raise ViamError(rpc=spec.name, resource=resource, summary="cannot read %s: %s" % (path, exc.strerror or exc))
        if timeout is None:
            timeout = self.timeout + size / 1e6
        first = self._to_request(spec, {"module_file_info": module_file_info})

        def chunks():
            yield first
            with open(path, "rb") as handle:
                while True:
                    data = handle.read(chunk_size)
                    if not data:
                        return
                    yield spec.request_class(file=data)

        return self._client_stream(spec, chunks, resource, timeout)

    def resolve_organization_id(self) -> str:
        """organization_id if given, else the only organization the API key sees (cached)."""
        if self.organization_id:
            return self.organization_id
        if self._resolved_org is None:
            orgs = list(self.call("ListOrganizations", resource="organizations of the API key").organizations)
            if not orgs:
                raise ViamError(summary="the API key sees no organization; set organization_id (or VIAM_ORG_ID)")
            if len(orgs) > 1:
                names = ", ".join("%s (id %s)" % (o.name, o.id) for o in orgs)
                raise ViamError(summary="the API key sees %d organizations: %s; set organization_id (or VIAM_ORG_ID)"
                                % (len(orgs), names))
            self._resolved_org = orgs[0].id
        return self._resolved_org


def _make_method(rpc: str):
    def method(self, request=None, resource=None, timeout=None, **fields):
        return self.call(rpc, request, resource=resource, timeout=timeout, **fields)

    method.__name__ = method.__qualname__ = snake_case(rpc)
    method.__doc__ = "Call %s/%s (%s) and return its response. See ViamClient.call." % (
        AUTH_SERVICE if rpc == AUTH_RPC else APP_SERVICE, rpc, RPC_KINDS[rpc])
    return method


for _rpc in RPC_KINDS:
    if _rpc != AUTH_RPC and not hasattr(ViamClient, snake_case(_rpc)):
        setattr(ViamClient, snake_case(_rpc), _make_method(_rpc))
del _rpc
