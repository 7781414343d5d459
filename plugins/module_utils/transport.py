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

Importing this file imports neither grpc nor protobuf.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import typing as t
from urllib.parse import urlsplit

from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError

DEFAULT_APP_URL = "https://app.viam.com:443"
DEFAULT_TIMEOUT = 30.0
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
                    timeout: float = DEFAULT_TIMEOUT,
                    warn: t.Optional[t.Callable[[str], None]] = None) -> t.Tuple[t.Any, t.List[t.Tuple[str, str]]]:
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
        import ssl

        where = target(host, port)
        try:
            pem = ssl.get_server_certificate((host, port), timeout=timeout)
        except (OSError, ssl.SSLError) as exc:
            raise ViamError(code="UNAVAILABLE", rpc=None, details=str(exc),
                            summary="cannot fetch the TLS certificate of %s (validate_certs: false)" % where)
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
                 warn: t.Optional[t.Callable[[str], None]] = None) -> t.Any:
    """A grpc channel to host:port: TLS (credentials from ca_path/validate_certs) or plaintext."""
    options = [
        ("grpc.primary_user_agent", user_agent),
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ]
    if tls:
        creds, extra = tls_credentials(grpc, host, port, ca_path=ca_path, validate_certs=validate_certs,
                                       timeout=timeout, warn=warn)
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
