# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How ViamClient reaches the Viam app: app_url, TLS, the channel, and what a transport failure means.

- parse_app_url(app_url) -> (tls, host, port), as the Viam CLI reads it; target(host, port).
- plaintext_warning(app_url, allow_plaintext): the plaintext rule (http:// to another machine is
  refused unless allowed, then warned about; loopback is exempt).
- load_libs(): grpc and the generated *_pb2 modules, imported on first use.
- open_channel(grpc, ...): the channel for an app_url, with its credentials (ca_path,
  validate_certs) and options.
- transport_problem(code, details) and explain(...): grpcio's transport failures (all
  UNAVAILABLE) told apart by their text, and the sentence and hint a person can act on.
- connect_timeout(timeout), wait_connected(grpc, channel, seconds) and connect_error(...): the
  first call of a client waits (briefly) for the connection itself, so that a connection that
  cannot be made at all (refused, DNS, TLS, nothing answering) fails at once with a sentence that
  names app_url and what to check, instead of being retried as if the service were merely busy.

Importing this file imports neither grpc nor protobuf.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import threading
import time
import typing as t
from urllib.parse import urlsplit

from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError, seconds_text

DEFAULT_APP_URL = "https://app.viam.com:443"
DEFAULT_TIMEOUT = 30.0
# Seconds the first call of a client waits for the connection (TCP, TLS and the server's first
# HTTP/2 frame). A reachable server does all of it in a few round trips (well under a second from
# anywhere on the Internet); waiting longer only delays the message for a wrong app_url, a firewall
# that drops packets or a server that accepts and never speaks. VIAM_CONNECT_TIMEOUT overrides it
# for a very slow link; it is never longer than the call's own timeout.
DEFAULT_CONNECT_TIMEOUT = 2.0
CONNECT_TIMEOUT_ENV = "VIAM_CONNECT_TIMEOUT"
USER_AGENT = "viam.cloud-ansible"
MAX_MESSAGE_BYTES = 64 * 1024 * 1024

CERT_HINT = ("The TLS certificate of %s could not be verified: set ca_path to the PEM file of the CA that signed it, "
             "or (for a test server only) validate_certs: false")
NOT_TLS_HINT = "The server at %s does not speak TLS: for a plaintext server (such as the local emulator) use an http:// app_url"
NOT_PLAIN_HINT = "The server at %s did not answer plaintext gRPC: if it serves TLS, use an https:// app_url"

_LIBS: t.Dict[str, t.Any] = {}


# ------------------------------------------------------------------ app_url

def parse_app_url(app_url: str) -> t.Tuple[bool, str, int]:
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


def target(host: str, port: int) -> str:
    """The gRPC target of host and port ("[::1]:8080" for an IPv6 address)."""
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


def plaintext_warning(app_url: str, allow_plaintext: bool) -> t.Optional[str]:
    """The warning for a plaintext http:// app_url to another machine when ``allow_plaintext``, else None.

    Without ``allow_plaintext`` such an app_url raises ViamError: anyone on the path would read the
    key of the first Authenticate call, so a warning printed after the fact would protect nothing.
    Loopback hosts are exempt (guards.plaintext_problem).
    """
    from ansible_collections.viam.cloud.plugins.module_utils.guards import plaintext_problem

    plaintext = plaintext_problem(app_url)
    if plaintext and not allow_plaintext:
        raise ViamError(summary="%s. Use https://; if the network to that host is trusted (a lab, a VPN), "
                                "set allow_plaintext: true to send it anyway" % plaintext)
    if plaintext:
        return "%s (allow_plaintext is true). Use https:// outside a trusted network." % plaintext
    return None


# ------------------------------------------------------------------ grpc and the generated code

def load_libs() -> t.Dict[str, t.Any]:
    """grpc and the generated modules (app_pb2, auth_pb2), imported on first use; ViamError without them."""
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


# ------------------------------------------------------------------ TLS and the channel

def cert_names(pem: str) -> t.List[str]:
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


def tls_credentials(grpc: t.Any, host: str, port: int, ca_path: t.Optional[str] = None, validate_certs: bool = True,
                    timeout: float = DEFAULT_TIMEOUT, warn: t.Optional[t.Callable[[str], None]] = None,
                    app_url: t.Optional[str] = None) -> t.Tuple[t.Any, t.List[t.Tuple[str, str]]]:
    """(channel credentials, extra channel options) for an https:// app_url."""
    options = []
    if ca_path:
        try:
            with open(os.path.expanduser(ca_path), "rb") as handle:
                root = handle.read()
        except OSError as exc:
            raise ViamError(summary="cannot read ca_path %s: %s" % (ca_path, exc.strerror or exc))
        if b"-----BEGIN CERTIFICATE-----" not in root:
            raise ViamError(summary="ca_path %s is not a PEM certificate file" % ca_path)
    else:
        root = None
    if not validate_certs:
        # grpcio cannot switch certificate verification off. Instead we
        # fetch the certificate the server presents (without verifying it)
        # and trust exactly that one; the host name check is pointed at a
        # name the certificate carries. This works for self-signed server
        # certificates (test servers, the emulator's --tls); for a
        # certificate issued by a private CA, set ca_path to that CA.
        import socket
        import ssl

        where = target(host, port)
        seconds = connect_timeout(timeout)
        try:
            pem = ssl.get_server_certificate((host, port), timeout=seconds)
        except (OSError, ssl.SSLError) as exc:
            # The connection itself failed: the same message as for any first connection
            # (connect_error), in words grpcio would use, so that connect_problem sorts it.
            if isinstance(exc, ConnectionRefusedError):
                details = "Connection refused"
            elif isinstance(exc, socket.gaierror):
                details = "DNS resolution failed: %s" % exc
            elif isinstance(exc, socket.timeout):
                details = "timed out"
            elif isinstance(exc, ssl.SSLError):
                details = "TLS handshake failed: WRONG_VERSION_NUMBER %s" % exc
            else:
                details = str(exc)
            raise connect_error("UNAVAILABLE", details, app_url or "https://" + where, True, host, port, seconds,
                                during="fetching its certificate for validate_certs: false")
        root = pem.encode("ascii")
        names = cert_names(pem)
        if names and host.lower() not in [n.lower() for n in names]:
            name = names[0].replace("*", "viam", 1) if names[0].startswith("*.") else names[0]
            options.append(("grpc.ssl_target_name_override", name))
        if warn is not None:
            warn("validate_certs is false: trusting whatever certificate %s presents; anyone on the network "
                 "path could impersonate the Viam app and read the API key. Prefer ca_path." % where)
    return grpc.ssl_channel_credentials(root_certificates=root), options


def open_channel(grpc: t.Any, tls: bool, host: str, port: int, user_agent: str = USER_AGENT,
                 ca_path: t.Optional[str] = None, validate_certs: bool = True, timeout: float = DEFAULT_TIMEOUT,
                 warn: t.Optional[t.Callable[[str], None]] = None, app_url: t.Optional[str] = None) -> t.Any:
    """A grpc channel to host:port: TLS (credentials from ca_path/validate_certs) or plaintext."""
    options = [
        ("grpc.primary_user_agent", user_agent),
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ]
    if tls:
        creds, extra = tls_credentials(grpc, host, port, ca_path=ca_path, validate_certs=validate_certs,
                                       timeout=timeout, warn=warn, app_url=app_url)
        return grpc.secure_channel(target(host, port), creds, options=options + extra)
    return grpc.insecure_channel(target(host, port), options=options)


# ------------------------------------------------------------------ transport failures

def transport_problem(code: str, details: str) -> t.Optional[str]:
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


def explain(code: str, details: str, app_url: str, tls: bool, host: str, port: int,
            timeout: t.Optional[float]) -> t.Tuple[t.Optional[str], t.Optional[str]]:
    """(summary, hint) for a failure whose cause is the connection, either None when it says nothing more."""
    where = target(host, port)
    problem = transport_problem(code, details)
    if problem == "cert":
        return "TLS certificate verification failed for %s" % where, CERT_HINT % where
    if problem == "hostname":
        return ("the TLS certificate of %s is not valid for the host name %s" % (where, host),
                "Use the host name the certificate was issued for in app_url, or (for a test server only) validate_certs: false")
    if problem == "not_tls":
        return "TLS handshake with %s failed" % where, NOT_TLS_HINT % where
    if problem == "dns":
        return "cannot resolve the host name of app_url %s" % app_url, None
    if not tls and code == "UNAVAILABLE" and "socket closed" in details.lower():
        return None, NOT_PLAIN_HINT % where
    if code == "DEADLINE_EXCEEDED" and timeout is not None:
        return None, ("The Viam app did not answer within the timeout option (%s s): raise it if the app is slow to "
                      "answer from here" % ("%g" % timeout))
    return None, None


# ------------------------------------------------------------------ the first connection

def connect_timeout(timeout: t.Optional[float] = None, environ: t.Optional[t.Mapping[str, str]] = None) -> float:
    """Seconds to wait for the first connection: VIAM_CONNECT_TIMEOUT or 2, at most ``timeout``."""
    environ = os.environ if environ is None else environ
    seconds = DEFAULT_CONNECT_TIMEOUT
    text = (environ.get(CONNECT_TIMEOUT_ENV) or "").strip()
    if text:
        try:
            seconds = float(text)
        except ValueError:
            raise ViamError(summary="%s=%r is not a number of seconds" % (CONNECT_TIMEOUT_ENV, text))
        if not seconds > 0:
            raise ViamError(summary="%s=%r must be more than 0 seconds" % (CONNECT_TIMEOUT_ENV, text))
    if timeout is not None and timeout > 0:
        seconds = min(seconds, float(timeout))
    return seconds


def wait_connected(grpc: t.Any, channel: t.Any, seconds: float) -> t.Optional[t.Tuple[str, str]]:
    """None once ``channel`` is connected (READY); else (code, details) of why it is not, within ``seconds``.

    grpcio's connectivity states tell "never connected" apart from "connected, then a call
    failed", which status codes do not (both are UNAVAILABLE). A channel that reports
    TRANSIENT_FAILURE (refused, DNS, TLS) ends the wait at once; its reason is then read from a
    call made with wait_for_ready=False, which the channel fails at once with the text of its
    last connection error (nothing is sent: there is no connection). A channel still CONNECTING
    at the end (nothing answers) is ("DEADLINE_EXCEEDED", ...).
    """
    state = _wait_state(grpc, channel, seconds)
    if state == "READY":
        return None
    if state != "TRANSIENT_FAILURE":
        return "DEADLINE_EXCEEDED", "no connection within %s s (still %s)" % (seconds_text(seconds), state)
    # A path no server implements: should the channel have connected meanwhile, the server
    # answers UNIMPLEMENTED and nothing happens there.
    probe = channel.unary_unary("/viam.cloud.ansible.ConnectionCheck/Probe")
    try:
        probe(b"", timeout=1.0, wait_for_ready=False)
    except grpc.RpcError as exc:
        code = exc.code()
        name = code.name if code is not None else "UNKNOWN"
        if name in ("UNAVAILABLE", "DEADLINE_EXCEEDED"):
            return name, exc.details() or ""
    return None


_STATE_NAMES = ("IDLE", "CONNECTING", "READY", "TRANSIENT_FAILURE", "SHUTDOWN")  # grpc core's numbering


def _wait_state(grpc: t.Any, channel: t.Any, seconds: float) -> str:
    """The channel's connectivity state once it is READY, TRANSIENT_FAILURE or SHUTDOWN, or at ``seconds``.

    Asks grpc core directly (check/watch_connectivity_state of grpcio's channel): the public
    channel.subscribe() starts a polling thread that lives until the channel is closed and keeps
    the interpreter from exiting (a module that never closes its client would hang at its end).
    Other channels (a future grpcio) fall back to subscribe(), closing the channel at exit.
    """
    deadline = time.monotonic() + seconds
    core = getattr(channel, "_channel", None)
    check = getattr(core, "check_connectivity_state", None)
    watch = getattr(core, "watch_connectivity_state", None)
    if check is not None and watch is not None:
        state = check(True)
        while state not in (2, 3, 4):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            watch(state, time.time() + min(0.25, left))
            state = check(True)
        return _STATE_NAMES[state] if 0 <= state < len(_STATE_NAMES) else str(state)
    import atexit

    done = threading.Event()
    seen: t.List[str] = []

    def note(value: t.Any) -> None:
        seen.append(getattr(value, "name", str(value)))
        if seen[-1] in ("READY", "TRANSIENT_FAILURE", "SHUTDOWN"):
            done.set()

    atexit.register(channel.close)
    channel.subscribe(note, try_to_connect=True)
    try:
        done.wait(max(0.0, deadline - time.monotonic()))
    finally:
        channel.unsubscribe(note)
    return seen[-1] if seen else "IDLE"


def connect_problem(code: str, details: str) -> str:
    """What kept a connection from being made: refused, dns, cert, hostname, not_tls, closed, timeout or other."""
    problem = transport_problem(code, details)
    text = details.lower()
    if problem in ("cert", "hostname", "not_tls", "dns"):
        return problem
    if "connection refused" in text:
        return "refused"
    if code == "DEADLINE_EXCEEDED" or "settings frame" in text or "timed out" in text or "timeout" in text:
        return "timeout"
    if "socket closed" in text or "handshake read failed" in text or "endpoint closing" in text or "connection reset" in text:
        return "closed"
    return "other"


def connect_error(code: str, details: str, app_url: str, tls: bool, host: str, port: int, seconds: float,
                  proxy: t.Optional[str] = None, during: t.Optional[str] = None) -> ViamError:
    """The ViamError for a connection to app_url that could not be made at all (never retried).

    The sentence names app_url, what happened and what to check; ``viam_error.code`` is
    UNAVAILABLE (or DEADLINE_EXCEEDED when nothing answered), ``maybe_applied`` false: no request
    left this machine.
    """
    where = target(host, port)
    problem = connect_problem(code, details)
    hint = None
    if problem == "refused":
        what = "connection refused by %s (nothing listens on that port, or a firewall rejects it)" % where
    elif problem == "dns":
        what = "the host name %s was not resolved (DNS)" % host
        hint = "Check the spelling of the host in app_url (or VIAM_APP_URL) and the controller's DNS"
    elif problem == "cert":
        what = "TLS certificate verification failed for %s" % where
        hint = CERT_HINT % where
    elif problem == "hostname":
        what = "the TLS certificate of %s is not valid for the host name %s" % (where, host)
        hint = "Use the host name the certificate was issued for in app_url, or (for a test server only) validate_certs: false"
    elif problem == "not_tls":
        what = "TLS handshake with %s failed" % where
        hint = NOT_TLS_HINT % where
    elif problem == "closed" and tls:
        what = "TLS handshake with %s failed: the server closed the connection" % where
        hint = ("The server at %s may not speak TLS (for a plaintext server use an http:// app_url), or a proxy or "
                "firewall cut the connection" % where)
    elif problem == "closed":
        what = "%s closed the connection without speaking plaintext gRPC" % where
        hint = NOT_PLAIN_HINT % where
    elif problem == "timeout":
        what = "no answer from %s within %s s (timed out)" % (where, seconds_text(seconds))
        hint = ("Packets may be dropped on the way (a firewall, a wrong host or port), or the server accepts "
                "connections without speaking gRPC; on a very slow link raise %s (seconds)" % CONNECT_TIMEOUT_ENV)
    else:
        what = "the connection to %s failed" % where
    checks = ["Check app_url (or VIAM_APP_URL): scheme, host and port"]
    if proxy:
        checks.append("the proxy %s from the environment (https_proxy, no_proxy)" % proxy)
    else:
        checks.append("the network between this controller and %s, and any proxy (https_proxy, no_proxy)" % host)
    if not tls:
        checks.append("an http:// app_url needs a plaintext gRPC server (and allow_plaintext: true unless it is this machine)")
    text = "; ".join(checks)
    hint = (hint.rstrip(". ") + ". " + text) if hint else text
    if during:
        what += " (%s)" % during
    return ViamError(code="UNAVAILABLE" if problem != "timeout" else "DEADLINE_EXCEEDED", details=details,
                     summary="cannot connect to app_url %s: %s" % (app_url, what), hint=hint)


def proxy_for(host: str, environ: t.Optional[t.Mapping[str, str]] = None) -> t.Optional[str]:
    """The proxy grpcio would use for host (grpc_proxy, https_proxy, http_proxy unless no_grpc_proxy/no_proxy
    name it), as scheme://host:port without any user or password, for messages; None without one."""
    environ = os.environ if environ is None else environ
    proxy = None
    for name in ("grpc_proxy", "https_proxy", "http_proxy"):
        proxy = environ.get(name) or environ.get(name.upper())
        if proxy:
            break
    if not proxy:
        return None
    no_proxy = environ.get("no_grpc_proxy") or environ.get("no_proxy") or environ.get("NO_PROXY") or ""
    for entry in no_proxy.split(","):
        entry = entry.strip().lower().lstrip(".")
        if entry == "*" or (entry and (host.lower() == entry or host.lower().endswith("." + entry))):
            return None
    try:
        parts = urlsplit(proxy if "://" in proxy else "http://" + proxy)
        shown = "%s://%s" % (parts.scheme, parts.hostname or "")
        if parts.port:
            shown += ":%d" % parts.port
    except ValueError:
        shown = "(unparsable)"
    return shown
