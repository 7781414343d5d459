# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A connection that cannot be made fails at once, naming app_url; one that worked is retried.

transport.connect_timeout / connect_problem / connect_error / proxy_for as pure functions, then
ViamClient against a closed port, a listener that never speaks, a server that hangs up, and a
FakeApp that was reachable and then went away (retried, as retry.py documents).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import threading
import time

import pytest

grpc = pytest.importorskip("grpc")

from ansible_collections.viam.cloud.plugins.module_utils import transport  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError  # noqa: E402
from ansible_collections.viam.cloud.tests.unit.plugins.module_utils.viam_fake_app import FAST, KEY, KEY_ID, FakeApp  # noqa: E402

# Texts grpcio 1.85 gives (measured), one per way a first connection fails.
REFUSED = ("failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:1: Failed to connect to remote host: "
           "Connection refused")
DNS = ("errors resolving no-such-host.invalid:443: [field:hostname lookup error:address lookup failed for "
       "no-such-host.invalid:443: Domain name not found]")
NOT_TLS = ("failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:43375: Tls handshake failed "
           "(TSI_PROTOCOL_FAILURE): SSL_ERROR_SSL: error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER")
CERT = ("failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:43355: Tls handshake failed "
        "(TSI_PROTOCOL_FAILURE): SSL_ERROR_SSL: error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED")
CLOSED_PLAIN = "failed to connect to all addresses; last error: UNAVAILABLE: ipv4:127.0.0.1:43355: Socket closed"
CLOSED_TLS = "failed to connect to all addresses; last error: UNAVAILABLE: ipv4:127.0.0.1:1: Handshake read failed (Socket closed)"
SETTINGS = ("failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:45349: connection attempt timed out "
            "before receiving SETTINGS frame")
FAIL_WITHIN = 5.0  # seconds: the promise of issue 15, item 5


# ------------------------------------------------------------------ pure functions

def test_connect_timeout_default_env_and_bound():
    assert transport.connect_timeout(30, environ={}) == transport.DEFAULT_CONNECT_TIMEOUT == 2.0
    assert transport.connect_timeout(30, environ={"VIAM_CONNECT_TIMEOUT": "7.5"}) == 7.5
    assert transport.connect_timeout(0.5, environ={}) == 0.5  # never longer than the call's own timeout
    assert transport.connect_timeout(None, environ={"VIAM_CONNECT_TIMEOUT": " "}) == 2.0
    for bad in ("soon", "0", "-1"):
        with pytest.raises(ViamError, match="VIAM_CONNECT_TIMEOUT"):
            transport.connect_timeout(30, environ={"VIAM_CONNECT_TIMEOUT": bad})


@pytest.mark.parametrize("code, details, problem", [
    ("UNAVAILABLE", REFUSED, "refused"),
    ("UNAVAILABLE", DNS, "dns"),
    ("UNAVAILABLE", "DNS resolution failed for x", "dns"),
    ("UNAVAILABLE", NOT_TLS, "not_tls"),
    ("UNAVAILABLE", CERT, "cert"),
    ("UNAVAILABLE", CLOSED_PLAIN, "closed"),
    ("UNAVAILABLE", CLOSED_TLS, "closed"),
    ("UNAVAILABLE", SETTINGS, "timeout"),
    ("DEADLINE_EXCEEDED", "no connection within 2 s (still CONNECTING)", "timeout"),
    ("UNAVAILABLE", "something new", "other"),
])
def test_connect_problem(code, details, problem):
    assert transport.connect_problem(code, details) == problem


@pytest.mark.parametrize("code, details, tls, words", [
    ("UNAVAILABLE", REFUSED, False, ["connection refused by no-such-host.invalid:443", "allow_plaintext"]),
    ("UNAVAILABLE", DNS, True, ["no-such-host.invalid was not resolved (DNS)", "spelling"]),
    ("UNAVAILABLE", CERT, True, ["TLS certificate verification failed for", "ca_path"]),
    ("UNAVAILABLE", NOT_TLS, True, ["TLS handshake with", "use an http:// app_url"]),
    ("UNAVAILABLE", CLOSED_PLAIN, False, ["closed the connection", "use an https:// app_url"]),
    ("UNAVAILABLE", CLOSED_TLS, True, ["closed the connection", "may not speak TLS"]),
    ("DEADLINE_EXCEEDED", "no connection within 2 s", True, ["no answer from", "within 2 s (timed out)",
                                                             "VIAM_CONNECT_TIMEOUT", "firewall"]),
])
def test_connect_error_names_app_url_what_happened_and_what_to_check(code, details, tls, words):
    url = ("https://" if tls else "http://") + "no-such-host.invalid:443"
    host = "no-such-host.invalid"
    err = transport.connect_error(code, details, url, tls, host, 443, 2.0)
    text = str(err)
    assert text.startswith("cannot connect to app_url %s: " % url), text
    for word in words + ["Check app_url", "proxy", "network"]:
        assert word in text, (word, text)
    assert ("allow_plaintext" in text) is (not tls)
    assert err.attempts == 1 and not err.maybe_applied and err.rpc is None
    assert err.code == ("DEADLINE_EXCEEDED" if "timed out" in text else "UNAVAILABLE")


def test_proxy_for_hides_credentials_and_honours_no_proxy():
    env = {"https_proxy": "http://user:s3cret@proxy.corp:3128"}
    assert transport.proxy_for("app.viam.com", env) == "http://proxy.corp:3128"
    assert transport.proxy_for("app.viam.com", dict(env, no_proxy="localhost,.viam.com")) is None
    assert transport.proxy_for("app.viam.com", dict(env, no_proxy="*")) is None
    assert transport.proxy_for("app.viam.com", {}) is None
    err = transport.connect_error("UNAVAILABLE", REFUSED, "https://app.viam.com", True, "app.viam.com", 443, 2.0,
                                  proxy=transport.proxy_for("app.viam.com", env))
    assert "the proxy http://proxy.corp:3128" in str(err) and "s3cret" not in str(err)


# ------------------------------------------------------------------ a real client

def _client(url, **kwargs):
    options = dict(FAST, api_key_id=KEY_ID, api_key=KEY, retries=10, retry_budget=60)
    options.update(kwargs)
    return ViamClient(url, **options)


class Listener:
    """A TCP listener on 127.0.0.1 that accepts and then never speaks (``close``: hangs up at once)."""

    def __init__(self, close=False):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.close_at_once = close
        self.accepted = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn = self.sock.accept()[0]
            except OSError:
                return
            if self.close_at_once:
                conn.close()
            else:
                self.accepted.append(conn)

    def stop(self):
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def silent():
    listener = Listener()
    yield listener
    listener.stop()


@pytest.fixture
def hangs_up():
    listener = Listener(close=True)
    yield listener
    listener.stop()


def _fails(client):
    started = time.monotonic()
    with pytest.raises(ViamError) as info:
        client.list_organizations()
    elapsed = time.monotonic() - started
    client.close()
    return info.value, elapsed


def _closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    return port


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_closed_port_fails_at_once_without_retries(scheme):
    url = "%s://127.0.0.1:%d" % (scheme, _closed_port())
    err, elapsed = _fails(_client(url))
    assert elapsed < FAIL_WITHIN, elapsed
    assert err.code == "UNAVAILABLE" and err.attempts == 1 and not err.maybe_applied
    assert str(err).startswith("cannot connect to app_url %s: connection refused" % url), str(err)
    assert "Check app_url" in str(err)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_listener_that_never_speaks_fails_within_the_connect_timeout(silent, scheme):
    url = "%s://127.0.0.1:%d" % (scheme, silent.port)
    err, elapsed = _fails(_client(url, timeout=30))
    assert elapsed < FAIL_WITHIN, elapsed
    assert err.code == "DEADLINE_EXCEEDED" and err.attempts == 1
    assert "cannot connect to app_url %s: no answer from 127.0.0.1:%d within 2 s" % (url, silent.port) in str(err)


def test_connect_timeout_option_and_env(silent, monkeypatch):
    url = "http://127.0.0.1:%d" % silent.port
    err, elapsed = _fails(_client(url, connect_timeout=0.3))
    assert elapsed < 2.0 and "within 0.3 s" in str(err), (elapsed, str(err))
    monkeypatch.setenv("VIAM_CONNECT_TIMEOUT", "0.4")
    err, elapsed = _fails(_client(url))
    assert "within 0.4 s" in str(err), str(err)


@pytest.mark.parametrize("scheme, words", [("http", "use an https:// app_url"), ("https", "may not speak TLS")])
def test_server_that_hangs_up(hangs_up, scheme, words):
    url = "%s://127.0.0.1:%d" % (scheme, hangs_up.port)
    err, elapsed = _fails(_client(url))
    assert elapsed < FAIL_WITHIN, elapsed
    assert "closed the connection" in str(err) and words in str(err), str(err)


def test_https_to_a_plaintext_server_is_a_tls_mismatch():
    app = FakeApp().start()
    try:
        err, elapsed = _fails(_client("https://127.0.0.1:%d" % app.port))
    finally:
        app.stop()
    assert elapsed < FAIL_WITHIN
    assert "TLS handshake with 127.0.0.1:%d failed" % app.port in str(err) and "http://" in str(err), str(err)
    assert app.calls == []  # nothing reached it, Authenticate included


def test_validate_certs_false_fails_fast_too(silent):
    url = "https://127.0.0.1:%d" % _closed_port()
    err, elapsed = _fails(_client(url, validate_certs=False))
    assert elapsed < FAIL_WITHIN
    assert str(err).startswith("cannot connect to app_url %s: connection refused" % url), str(err)
    assert "validate_certs: false" in str(err)
    url = "https://127.0.0.1:%d" % silent.port
    err, elapsed = _fails(_client(url, validate_certs=False, timeout=30))
    assert elapsed < FAIL_WITHIN and "timed out" in str(err), (elapsed, str(err))


def test_a_connection_that_worked_is_retried_when_it_fails_later():
    """Connected once, then the server goes away: UNAVAILABLE follows the retry policy (retry.py)."""
    app = FakeApp().start()
    client = _client("http://127.0.0.1:%d" % app.port, retries=3)
    try:
        client.list_organizations()
        app.stop()
        with pytest.raises(ViamError) as info:
            client.list_organizations()
    finally:
        client.close()
    err = info.value
    assert err.code == "UNAVAILABLE" and err.attempts == 3, str(err)
    assert "cannot connect" not in str(err) and "is unavailable" in str(err)


def test_injected_unavailable_from_a_live_server_is_retried(app, make_client):
    app.fail("ListOrganizations", "UNAVAILABLE", "injected", times=2)
    client = make_client()
    client.list_organizations()
    assert len(app.calls_of("ListOrganizations")) == 3


def test_the_connection_is_checked_once_per_client(app, make_client, monkeypatch):
    seen = []
    real = transport.wait_connected

    def counting(*args, **kwargs):
        seen.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr("ansible_collections.viam.cloud.plugins.module_utils.client.wait_connected", counting)
    client = make_client()
    client.list_organizations()
    client.list_organizations()
    assert seen == [1]
