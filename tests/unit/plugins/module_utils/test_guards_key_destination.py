# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""guards.py key_destination_problem and plaintext_problem, and how ViamClient and client_from_module apply them.

No test here opens a connection: the rules are decided before any channel exists, and
test_client_construction_opens_no_connection makes sure of that.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.viam.cloud.plugins.module_utils import client as client_mod
from ansible_collections.viam.cloud.plugins.module_utils import common
from ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.guards import key_destination_problem, plaintext_problem

KEY = "env-secret-env-secret-env-secret"
KEY_ID = "00000000-0000-4000-8000-000000000000"


# ------------------------------------------------------------------ key_destination_problem

@pytest.mark.parametrize("app_url, env_url", [
    ("https://app.viam.com:443", None),
    ("https://app.viam.com", None),
    ("app.viam.com", ""),
    ("", None),
    (None, None),
    ("HTTPS://APP.Viam.com:443/", None),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("HTTP://LocalHost:8080/", "http://localhost"),
    ("https://viam.internal", "viam.internal:443"),
])
def test_env_key_to_the_configured_url_is_fine(app_url, env_url):
    environ = {"VIAM_API_KEY": KEY}
    if env_url is not None:
        environ["VIAM_APP_URL"] = env_url
    assert key_destination_problem(app_url, KEY, environ) is None


@pytest.mark.parametrize("app_url, env_url", [
    ("http://127.0.0.2:8080", "http://127.0.0.1:8080"),
    ("http://127.0.0.1:9090", "http://127.0.0.1:8080"),
    ("http://app.viam.com", None),           # plaintext is another URL than the TLS default
    ("https://app.viam.com:8443", None),
    ("https://collector.example.com", None),
    ("https://localhost:8080", "http://localhost:8080"),
    ("https://app.viam.com", "https://other.example.com"),
])
def test_env_key_to_another_url_is_refused(app_url, env_url):
    environ = {"VIAM_API_KEY": KEY}
    if env_url is not None:
        environ["VIAM_APP_URL"] = env_url
    msg = key_destination_problem(app_url, KEY, environ)
    assert msg is not None
    assert app_url in msg and "VIAM_APP_URL" in msg and "VIAM_API_KEY" in msg
    assert "api_key_id and api_key" in msg and "module_defaults" in msg
    assert KEY not in msg
    if env_url is None:
        assert "https://app.viam.com:443" in msg and "not set" in msg
    else:
        assert env_url in msg


def test_explicit_key_may_go_anywhere():
    environ = {"VIAM_API_KEY": KEY, "VIAM_APP_URL": "http://127.0.0.1:8080"}
    assert key_destination_problem("https://elsewhere.example.com", "another-key", environ) is None
    assert key_destination_problem("https://elsewhere.example.com", KEY, {}) is None
    assert key_destination_problem("https://elsewhere.example.com", KEY, {"VIAM_API_KEY": ""}) is None
    assert key_destination_problem("https://elsewhere.example.com", None, environ) is None


def test_unparseable_app_url_is_left_to_the_client():
    # The client refuses it with its own message, before any connection.
    assert key_destination_problem("ftp://x", KEY, {"VIAM_API_KEY": KEY}) is None
    with pytest.raises(ViamError, match="scheme"):
        ViamClient("ftp://x", api_key_id=KEY_ID, api_key=KEY)


def test_unparseable_env_url_protects_too():
    msg = key_destination_problem("https://app.viam.com", KEY, {"VIAM_API_KEY": KEY, "VIAM_APP_URL": "ftp://x"})
    assert msg and "ftp://x" in msg


def test_the_caller_says_where_explicit_keys_go():
    msg = key_destination_problem("https://x.example.com", KEY, {"VIAM_API_KEY": KEY},
                                  explicit="api_key_id and api_key in /srv/prod.viam.yml")
    assert "/srv/prod.viam.yml" in msg


# ------------------------------------------------------------------ plaintext_problem

@pytest.mark.parametrize("app_url, refused", [
    ("http://viam.example.com:8080", True),
    ("http://10.20.30.40", True),
    ("http://[2001:db8::1]:8080", True),
    ("http://127.0.0.1:8080", False),
    ("http://127.0.0.2:8080", False),
    ("http://localhost", False),
    ("http://robot.localhost:8080", False),
    ("http://[::1]:8080", False),
    ("https://viam.example.com", False),
    ("viam.example.com:8443", False),
    ("ftp://viam.example.com", False),  # refused by the client's parser instead
])
def test_plaintext_problem(app_url, refused):
    msg = plaintext_problem(app_url)
    assert bool(msg) == refused, msg
    if refused:
        assert app_url in msg and "unencrypted" in msg


def test_client_refuses_remote_plaintext_without_opt_in():
    seen = []
    with pytest.raises(ViamError) as caught:
        ViamClient(app_url="http://viam.example.com:8080", api_key_id=KEY_ID, api_key=KEY, warn=seen.append)
    text = str(caught.value)
    assert "http://viam.example.com:8080" in text and "allow_plaintext" in text and "https://" in text
    assert KEY not in text
    assert seen == []


def test_client_warns_for_remote_plaintext_with_opt_in():
    seen = []
    client = ViamClient(app_url="http://viam.example.com:8080", api_key_id=KEY_ID, api_key=KEY, warn=seen.append,
                        allow_plaintext=True)
    assert len(seen) == 1 and "unencrypted" in seen[0] and "API key" in seen[0]
    assert client.warnings == seen


def test_client_construction_opens_no_connection(monkeypatch):
    # The refusal must come before anything could reach the host: nothing of grpc is touched.
    def no_grpc():
        raise AssertionError("the constructor loaded grpc")

    monkeypatch.setattr(client_mod, "_libs", no_grpc)
    client = ViamClient(app_url="http://viam.example.com:8080", api_key_id=KEY_ID, api_key=KEY, allow_plaintext=True)
    assert client._channel is None and client.auth_count == 0
    with pytest.raises(ViamError, match="allow_plaintext"):
        ViamClient(app_url="http://viam.example.com:8080", api_key_id=KEY_ID, api_key=KEY)


# ------------------------------------------------------------------ client_from_module

class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, **params):
        self.params = dict(app_url="https://app.viam.com:443", api_key_id=KEY_ID, api_key=KEY, organization_id=None,
                           validate_certs=True, ca_path=None, timeout=30.0, allow_plaintext=False)
        self.params.update(params)
        self.warnings = []
        self.failed = None

    def warn(self, msg):
        self.warnings.append(msg)

    def fail_json(self, **kwargs):
        self.failed = kwargs
        raise Failed(kwargs["msg"])


@pytest.fixture
def env_key(monkeypatch):
    for name in ("VIAM_APP_URL", "VIAM_API_KEY_ID", "VIAM_API_KEY", "VIAM_ORG_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VIAM_API_KEY", KEY)
    monkeypatch.setenv("VIAM_APP_URL", "http://127.0.0.1:8080")


def test_module_refuses_env_key_to_another_url(env_key):
    module = FakeModule(app_url="http://127.0.0.2:8080")
    with pytest.raises(Failed, match="VIAM_APP_URL"):
        common.client_from_module(module)
    assert "http://127.0.0.2:8080" in module.failed["msg"]


def test_module_env_key_to_its_url(env_key):
    client = common.client_from_module(FakeModule(app_url="HTTP://127.0.0.1:8080/"))
    assert (client.host, client.port) == ("127.0.0.1", 8080)


def test_module_explicit_key_to_another_url(env_key):
    client = common.client_from_module(FakeModule(app_url="https://other.example.com", api_key="explicit-key"))
    assert client.host == "other.example.com"


def test_module_plaintext_needs_opt_in(monkeypatch):
    monkeypatch.delenv("VIAM_API_KEY", raising=False)
    module = FakeModule(app_url="http://viam.example.com:8080")
    with pytest.raises(Failed, match="allow_plaintext"):
        common.client_from_module(module)
    module = FakeModule(app_url="http://viam.example.com:8080", allow_plaintext=True)
    common.client_from_module(module)
    assert len(module.warnings) == 1 and "unencrypted" in module.warnings[0]


def test_allow_plaintext_option():
    spec = common.viam_argument_spec()["allow_plaintext"]
    assert spec == dict(type="bool", default=False)  # no env fallback: a per-task decision
