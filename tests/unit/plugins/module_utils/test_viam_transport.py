# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""transport.py: app_url parsing, the plaintext rule, channel credentials and options, transport failures.

A fake ``grpc`` stands in for grpcio where only the arguments matter; the real TLS handshakes are in
test_viam_client.py (tls_app).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.viam.cloud.plugins.module_utils import transport
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError

PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


@pytest.mark.parametrize("url, expected", [
    ("https://app.viam.com:443", (True, "app.viam.com", 443)),
    ("https://app.viam.com", (True, "app.viam.com", 443)),
    ("app.viam.com", (True, "app.viam.com", 443)),
    ("  app.viam.com:8443  ", (True, "app.viam.com", 8443)),
    ("http://localhost", (False, "localhost", 8080)),
    ("http://127.0.0.1:9000/", (False, "127.0.0.1", 9000)),
    ("HTTPS://[::1]:8443", (True, "::1", 8443)),
    ("http://[::1]", (False, "::1", 8080)),
    ("HTTP://App.Viam.COM:80", (False, "app.viam.com", 80)),
])
def test_parse_app_url(url, expected):
    assert transport.parse_app_url(url) == expected


@pytest.mark.parametrize("url, message", [
    ("", "app_url is empty"),
    ("   ", "app_url is empty"),
    (None, "app_url is empty"),
    ("ftp://x", "the scheme must be https:// .TLS. or http:// .plaintext."),
    ("grpc://x:1", "the scheme must be"),
    ("https://x:99999", "is not a valid URL"),
    ("https://x:port", "is not a valid URL"),
    ("https://", "has no host name"),
    ("https://x/path", "no path"),
    ("https://x?q=1", "no path"),
    ("https://x#f", "no path"),
])
def test_parse_app_url_rejects(url, message):
    with pytest.raises(ViamError, match=message):
        transport.parse_app_url(url)


@pytest.mark.parametrize("host, port, expected", [
    ("app.viam.com", 443, "app.viam.com:443"), ("127.0.0.1", 8080, "127.0.0.1:8080"), ("::1", 8443, "[::1]:8443")])
def test_target(host, port, expected):
    assert transport.target(host, port) == expected


@pytest.mark.parametrize("host, expected", [
    ("localhost", True), ("LOCALHOST", True), ("emu.localhost", True), ("127.0.0.1", True), ("127.9.9.9", True),
    ("::1", True), ("[::1]", True), ("app.viam.com", False), ("10.0.0.1", False), ("localhost.example.com", False),
    ("::2", False)])
def test_is_loopback(host, expected):
    assert transport.is_loopback(host) is expected


def test_plaintext_rule():
    for url in ("https://app.viam.com", "http://localhost:8080", "http://127.0.0.1:1", "http://[::1]:8080", "ftp://x"):
        assert transport.plaintext_warning(url, False) is None
        assert transport.plaintext_warning(url, True) is None
    with pytest.raises(ViamError, match="plaintext http:// to a host that is not this machine.*allow_plaintext: true"):
        transport.plaintext_warning("http://robots.example.com:8080", False)
    warning = transport.plaintext_warning("http://robots.example.com:8080", True)
    assert "unencrypted" in warning and "allow_plaintext is true" in warning


# ------------------------------------------------------------------ channel (fake grpc)

class FakeGrpc:
    def __init__(self):
        self.made = []

    def ssl_channel_credentials(self, root_certificates=None):
        return ("creds", root_certificates)

    def secure_channel(self, where, creds, options=None):
        self.made.append(("secure", where, creds, dict(options)))
        return self.made[-1]

    def insecure_channel(self, where, options=None):
        self.made.append(("insecure", where, None, dict(options)))
        return self.made[-1]


def test_plaintext_channel():
    grpc = FakeGrpc()
    kind, where, creds, options = transport.open_channel(grpc, False, "127.0.0.1", 8080, user_agent="ua/1")
    assert (kind, where, creds) == ("insecure", "127.0.0.1:8080", None)
    assert options == {"grpc.primary_user_agent": "ua/1", "grpc.max_receive_message_length": 64 * 1024 * 1024,
                       "grpc.max_send_message_length": 64 * 1024 * 1024}


def test_tls_channel_with_system_roots():
    kind, where, creds, options = transport.open_channel(FakeGrpc(), True, "::1", 443)
    assert (kind, where, creds) == ("secure", "[::1]:443", ("creds", None))
    assert options["grpc.primary_user_agent"] == transport.USER_AGENT
    assert "grpc.ssl_target_name_override" not in options


def test_tls_channel_with_ca_path(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_bytes(PEM)
    warned = []
    creds, options = transport.tls_credentials(FakeGrpc(), "app.example.com", 443, ca_path=str(ca), warn=warned.append)
    assert creds == ("creds", PEM) and options == [] and warned == []


def test_ca_path_unreadable_or_not_pem(tmp_path):
    with pytest.raises(ViamError, match="cannot read ca_path .*missing.pem"):
        transport.tls_credentials(FakeGrpc(), "h", 443, ca_path=str(tmp_path / "missing.pem"))
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"not a certificate")
    with pytest.raises(ViamError, match="is not a PEM certificate file"):
        transport.tls_credentials(FakeGrpc(), "h", 443, ca_path=str(junk))


def test_validate_certs_false_unreachable_server():
    warned = []
    with pytest.raises(ViamError) as info:
        transport.tls_credentials(FakeGrpc(), "127.0.0.1", 1, validate_certs=False, timeout=2, warn=warned.append)
    assert info.value.code == "UNAVAILABLE"
    # the same sentence as any first connection that cannot be made (test_connect_fast.py)
    assert str(info.value).startswith("cannot connect to app_url https://127.0.0.1:1: connection refused by 127.0.0.1:1 "
                                      "(nothing listens on that port, or a firewall rejects it) (fetching its "
                                      "certificate for validate_certs: false)"), str(info.value)
    assert warned == []


# ------------------------------------------------------------------ failures

@pytest.mark.parametrize("code, details, expected", [
    ("UNAVAILABLE", "Peer name 127.0.0.1 is not in peer certificate", "hostname"),
    ("UNAVAILABLE", "Hostname verification failed", "hostname"),
    ("UNAVAILABLE", "Handshake failed: CERTIFICATE_VERIFY_FAILED", "cert"),
    ("UNAVAILABLE", "ssl: certificate verify failed", "cert"),
    ("UNAVAILABLE", "SSL_ERROR_SSL: WRONG_VERSION_NUMBER", "not_tls"),
    ("UNAVAILABLE", "PACKET_LENGTH_TOO_LONG", "not_tls"),
    ("UNAVAILABLE", "DNS resolution failed for nowhere.invalid", "dns"),
    ("UNAVAILABLE", "failed to connect to all addresses; last error: UNKNOWN: Connection refused", "connect"),
    ("UNAVAILABLE", "Failed to connect to remote host", "connect"),
    ("UNAVAILABLE", "Socket closed", None),
    ("UNAVAILABLE", "", None),
    ("DEADLINE_EXCEEDED", "connection refused", None),  # only UNAVAILABLE is classified
    ("NOT_FOUND", "certificate verify failed", None),
])
def test_transport_problem(code, details, expected):
    assert transport.transport_problem(code, details) == expected


def explain(code, details, tls=True, timeout=None):
    return transport.explain(code, details, "https://h:443" if tls else "http://h:80", tls, "h", 443 if tls else 80, timeout)


def test_explain():
    summary, hint = explain("UNAVAILABLE", "CERTIFICATE_VERIFY_FAILED")
    assert summary == "TLS certificate verification failed for h:443" and "set ca_path" in hint and "validate_certs" in hint
    summary, hint = explain("UNAVAILABLE", "not in peer certificate")
    assert summary == "the TLS certificate of h:443 is not valid for the host name h" and "validate_certs: false" in hint
    summary, hint = explain("UNAVAILABLE", "WRONG_VERSION_NUMBER")
    assert summary == "TLS handshake with h:443 failed" and "use an http:// app_url" in hint
    assert explain("UNAVAILABLE", "DNS resolution failed") == ("cannot resolve the host name of app_url https://h:443", None)
    assert explain("UNAVAILABLE", "Socket closed", tls=False) == (None, transport.NOT_PLAIN_HINT % "h:80")
    assert explain("UNAVAILABLE", "Socket closed", tls=True) == (None, None)
    summary, hint = explain("DEADLINE_EXCEEDED", "", timeout=2.5)
    assert summary is None and "within the timeout option (2.5 s)" in hint
    assert explain("DEADLINE_EXCEEDED", "") == (None, None)
    assert explain("NOT_FOUND", "gone") == (None, None)
    assert explain("UNAVAILABLE", "connection refused") == (None, None)


def test_load_libs():
    pytest.importorskip("grpc")
    libs = transport.load_libs()
    assert libs is transport.load_libs()
    assert sorted(libs) == ["app_pb2", "auth_pb2", "grpc"]
    assert libs["app_pb2"].GetRobotRequest.DESCRIPTOR.full_name == "viam.app.v1.GetRobotRequest"
