# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""common.py (argument spec, client_from_module, fail_from_error) and the doc fragment."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys
import textwrap
import types

import pytest
import yaml

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.viam.cloud.plugins.doc_fragments.viam import ModuleDocFragment
from ansible_collections.viam.cloud.plugins.module_utils import common
from ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    patch_module_args = None

ENV = ("VIAM_APP_URL", "VIAM_API_KEY_ID", "VIAM_API_KEY", "VIAM_ORG_ID")


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, **params):
        self.params = dict(app_url="https://app.viam.com:443", api_key_id="kid", api_key="k", organization_id=None,
                           validate_certs=True, ca_path=None, timeout=30.0)
        self.params.update(params)
        self.warnings = []
        self.failed = None

    def warn(self, msg):
        self.warnings.append(msg)

    def fail_json(self, **kwargs):
        self.failed = kwargs
        raise Failed(kwargs["msg"])


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def _module(args):
    if patch_module_args is None:
        pytest.skip("needs ansible-core >= 2.19")
    with patch_module_args(args):
        return AnsibleModule(argument_spec=common.viam_argument_spec())


def test_argument_spec_from_environment(monkeypatch):
    monkeypatch.setenv("VIAM_APP_URL", "http://localhost:8080")
    monkeypatch.setenv("VIAM_API_KEY_ID", "env-id")
    monkeypatch.setenv("VIAM_API_KEY", "env-key")
    monkeypatch.setenv("VIAM_ORG_ID", "env-org")
    params = _module({}).params
    assert (params["app_url"], params["api_key_id"], params["api_key"], params["organization_id"]) == \
        ("http://localhost:8080", "env-id", "env-key", "env-org")
    assert params["timeout"] == 30 and params["validate_certs"] is True


def test_argument_spec_defaults_and_options_win():
    params = _module({"api_key_id": "a", "api_key": "b", "timeout": "2.5"}).params
    assert params["app_url"] == "https://app.viam.com:443"
    assert params["timeout"] == 2.5
    assert params["organization_id"] is None


def test_api_key_is_no_log():
    spec = common.viam_argument_spec()
    assert spec["api_key"]["no_log"] is True
    assert spec is not common.viam_argument_spec()  # a fresh dict each call


def test_doc_fragment_matches_argument_spec():
    doc = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)
    spec = common.viam_argument_spec()
    assert sorted(doc["options"]) == sorted(spec)
    for name, option in doc["options"].items():
        assert option["type"] == spec[name]["type"], name
        assert option.get("default") == spec[name].get("default"), name
        assert not option.get("required") and not spec[name].get("required"), name
    assert "protobuf >= 6.33.5" in doc["requirements"]


def test_client_from_module():
    module = FakeModule(organization_id="o1", timeout=7.0)
    client = common.client_from_module(module, retries=2)
    assert isinstance(client, ViamClient)
    assert (client.host, client.port, client.tls, client.organization_id, client.timeout, client.retries) == \
        ("app.viam.com", 443, True, "o1", 7.0, 2)
    assert module.warnings == []


def test_client_from_module_missing_key():
    module = FakeModule(api_key=None)
    with pytest.raises(Failed, match="api_key .or the environment variable VIAM_API_KEY."):
        common.client_from_module(module)
    assert "api_key_id" not in module.failed["msg"]


def test_client_from_module_refuses_remote_plaintext_unless_allowed():
    module = FakeModule(app_url="http://robots.example.com:8080")
    with pytest.raises(Failed, match="allow_plaintext"):
        common.client_from_module(module)
    module = FakeModule(app_url="http://robots.example.com:8080", allow_plaintext=True)
    common.client_from_module(module)
    assert len(module.warnings) == 1 and "unencrypted" in module.warnings[0]


def test_client_from_module_bad_url():
    module = FakeModule(app_url="ftp://x")
    with pytest.raises(Failed, match="scheme must be https"):
        common.client_from_module(module)
    assert module.failed["viam_error"]["code"] is None


def test_client_from_module_missing_libraries(monkeypatch):
    monkeypatch.setattr(common, "HAS_GRPC", False)
    monkeypatch.setattr(common, "GRPC_IMPORT_ERROR", "Traceback: no grpc")
    module = FakeModule()
    with pytest.raises(Failed, match="grpcio"):
        common.client_from_module(module)
    assert module.failed["exception"] == "Traceback: no grpc"


def test_grpc_is_found_without_being_imported(monkeypatch):
    """HAS_GRPC comes from importlib.util.find_spec: importing common costs no grpc import (test_viam_client.py
    test_import_is_lazy checks sys.modules in a fresh interpreter)."""
    assert common._installed("os") and not common._installed("no_such_module_for_viam_tests")
    assert not common._installed("no_such_package_for_viam_tests.sub")
    monkeypatch.setitem(sys.modules, "grpc", None)  # how a test (or python -X) blocks a module
    assert not common._installed("grpc")
    monkeypatch.setitem(sys.modules, "grpc", types.ModuleType("grpc"))  # a stub without __spec__
    assert common._installed("grpc")
    assert not hasattr(common, "GRPC_VERSION")


def test_module_without_grpc_fails_with_missing_required_lib():
    """In a fresh interpreter where grpc cannot be imported, client_from_module fails the module with
    missing_required_lib("grpcio") before any call."""
    code = textwrap.dedent("""
        import sys
        sys.modules["grpc"] = None
        from ansible_collections.viam.cloud.plugins.module_utils import common

        class Failed(Exception):
            pass

        class Module:
            params = dict(app_url="https://app.viam.com:443", api_key_id="kid", api_key="k", organization_id=None,
                          validate_certs=True, ca_path=None, timeout=30.0, allow_plaintext=False)

            def warn(self, msg):
                pass

            def fail_json(self, **kwargs):
                raise Failed(kwargs)

        assert common.HAS_GRPC is False
        try:
            common.client_from_module(Module())
        except Failed as failed:
            print(failed.args[0]["msg"])
            print(failed.args[0]["exception"])
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    for name in ("VIAM_APP_URL", "VIAM_API_KEY_ID", "VIAM_API_KEY", "VIAM_ORG_ID"):
        env.pop(name, None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert missing_required_lib("grpcio") in out
    assert "No module named 'grpc'" in out


def test_client_from_module_old_protobuf(monkeypatch):
    monkeypatch.setattr(common, "PROTOBUF_VERSION", "5.29.3")
    with pytest.raises(Failed, match=r"protobuf >= 6\.33\.5.*Found protobuf 5\.29\.3"):
        common.client_from_module(FakeModule())


def test_fail_from_error():
    module = FakeModule()
    err = ViamError(code="NOT_FOUND", rpc="GetRobot", details="gone", resource="machine 'rover-7'")
    with pytest.raises(Failed):
        common.fail_from_error(module, err, changed=False)
    assert module.failed["msg"] == "GetRobot failed for machine 'rover-7': not found (NOT_FOUND): gone"
    assert module.failed["viam_error"]["code"] == "NOT_FOUND"
    assert module.failed["changed"] is False
    with pytest.raises(Failed):
        common.fail_from_error(module, err, msg="robot part 'arm' not found in machine 'rover-7'")
    assert module.failed["msg"] == "robot part 'arm' not found in machine 'rover-7'"


def test_ansible_core_too_old_is_refused_with_a_clear_message():
    """docs/security.md, 1: before 2.19 ansible-core templates API text; the collection refuses to run there."""
    from ansible_collections.viam.cloud.plugins.module_utils.guards import ansible_core_problem, version_tuple

    assert ansible_core_problem("2.19.0") is None
    assert ansible_core_problem("2.21.5") is None
    message = ansible_core_problem("2.18.9", "the viam.cloud modules")
    assert message and "ansible-core >= 2.19.0" in message and "2.18.9" in message and "pip install" in message
    assert ansible_core_problem(None)
    assert version_tuple("2.19.0rc1") == (2, 19, 0) and version_tuple("2") == (2, 0, 0)
