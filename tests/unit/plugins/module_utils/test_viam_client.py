# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ViamClient against the in-process FakeApp of conftest.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys
import threading
from concurrent import futures

import pytest

grpc = pytest.importorskip("grpc")

from ansible_collections.viam.cloud.plugins.module_utils import client as client_mod  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils import transport  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient, ViamError  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1 import app_pb2  # noqa: E402

from ansible_collections.viam.cloud.tests.unit.plugins.module_utils.viam_fake_app import FAST, KEY, KEY_ID, FakeApp  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


def _abort(code, details):
    def handler(request, context):
        context.abort(getattr(grpc.StatusCode, code), details)
    return handler


# ------------------------------------------------------------------ table

def test_rpc_table_matches_rpcs_txt_and_descriptors():
    with open(os.path.join(REPO, "proto", "rpcs.txt")) as handle:
        listed = [line.strip().rsplit("/", 1)[1] for line in handle if line.strip() and not line.startswith("#")]
    assert sorted(listed) == sorted(client_mod.RPC_KINDS)
    assert len(listed) == 82
    for rpc in listed:
        spec = client_mod.rpc_spec(rpc)
        assert spec.request_class.DESCRIPTOR.name.endswith("Request")
        if rpc != "Authenticate":
            assert callable(getattr(ViamClient, client_mod.snake_case(rpc)))
        # the method keywords must not shadow a request field
        assert not {"request", "resource", "timeout"} & set(spec.request_class.DESCRIPTOR.fields_by_name), rpc
    assert client_mod.rpc_spec("TailRobotPartLogs").server_streaming
    assert client_mod.rpc_spec("UploadModuleFile").client_streaming
    with pytest.raises(ViamError, match="unknown RPC"):
        client_mod.rpc_spec("GetNothing")


@pytest.mark.parametrize("rpc, name", [
    ("GetRobotAPIKeys", "get_robot_api_keys"),
    ("GetUserIDByEmail", "get_user_id_by_email"),
    ("ListMachineSummaries", "list_machine_summaries"),
    ("CreateKeyFromExistingKeyAuthorizations", "create_key_from_existing_key_authorizations"),
    ("LocationAuth", "location_auth"),
])
def test_snake_case(rpc, name):
    assert client_mod.snake_case(rpc) == name


# Without ansible_collections on the path (pytest run from the checkout, where
# tests/emulator/viam_emulator/wire.py maps the package), map it onto REPO the same way.
MAP_COLLECTION = """
import sys, types
try:
    import ansible_collections.viam.cloud
except ImportError:
    for name in [m for m in sys.modules if m == "ansible_collections" or m.startswith("ansible_collections.")]:
        del sys.modules[name]
    parent = None
    for name, path in (("ansible_collections", []), ("ansible_collections.viam", []),
                       ("ansible_collections.viam.cloud", [sys.argv[1]])):
        module = sys.modules[name] = types.ModuleType(name)
        module.__path__ = path
        if parent is not None:
            setattr(parent, name.rsplit(".", 1)[1], module)
        parent = module
"""


@pytest.mark.parametrize("name, protobuf_too", [("client", True), ("rpc", True), ("retry", True), ("transport", True),
                                                ("common", False), ("module", False)])
def test_import_is_lazy(name, protobuf_too):
    """Importing the client (and common, module: what every module task imports) imports no grpc:
    the first call does (transport.load_libs). common imports google.protobuf's __init__ for its version."""
    forbidden = ("grpc", "google.protobuf") if protobuf_too else ("grpc",)
    code = (MAP_COLLECTION + "import sys\nfrom ansible_collections.viam.cloud.plugins.module_utils import %s\n"
            "assert not [m for m in %r if m in sys.modules], sorted(sys.modules)\n" % (name, forbidden))
    subprocess.run([sys.executable, "-c", code, REPO], check=True, env=dict(os.environ))


def test_grpc_loaded_by_the_first_call_only(app, make_client):
    code = (MAP_COLLECTION + "import sys\nfrom ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient\n"
            "client = ViamClient(sys.argv[2], api_key_id=%r, api_key=%r)\n"
            "assert 'grpc' not in sys.modules\n"
            "client.list_organizations()\n"
            "assert 'grpc' in sys.modules\n" % (KEY_ID, KEY))
    subprocess.run([sys.executable, "-c", code, REPO, "http://127.0.0.1:%d" % app.port], check=True, env=dict(os.environ))


# ------------------------------------------------------------------ app_url

@pytest.mark.parametrize("url, expected", [
    ("https://app.viam.com:443", (True, "app.viam.com", 443)),
    ("https://app.viam.com", (True, "app.viam.com", 443)),
    ("app.viam.com", (True, "app.viam.com", 443)),
    ("app.viam.com:8443", (True, "app.viam.com", 8443)),
    ("http://localhost", (False, "localhost", 8080)),
    ("http://127.0.0.1:9000/", (False, "127.0.0.1", 9000)),
    ("HTTPS://[::1]:8443", (True, "::1", 8443)),
])
def test_parse_app_url(url, expected):
    assert client_mod.parse_app_url(url) == expected


@pytest.mark.parametrize("url", ["ftp://x", "https://x:99999", "https://x/path", "", "https://"])
def test_parse_app_url_rejects(url):
    with pytest.raises(ViamError, match="app_url"):
        client_mod.parse_app_url(url)


def test_plaintext_refused_for_remote_hosts_unless_allowed():
    seen = []
    assert ViamClient("http://localhost:8080", warn=seen.append).warnings == []
    assert ViamClient("http://127.0.0.1:8080").warnings == []
    assert ViamClient("http://[::1]:8080").warnings == []
    with pytest.raises(ViamError, match="allow_plaintext"):
        ViamClient("http://robots.example.com:8080", warn=seen.append)
    assert seen == []
    ViamClient("http://robots.example.com:8080", warn=seen.append, allow_plaintext=True)
    assert len(seen) == 1 and "unencrypted" in seen[0]


# ------------------------------------------------------------------ auth

def test_authenticates_once_and_sends_bearer(app, make_client):
    client = make_client()
    assert app.calls == []  # lazy: nothing before the first call
    client.list_organizations()
    client.get_robot(id="r1")
    client.call("GetLocation", app_pb2.GetLocationRequest(location_id="l1"))
    auths = app.calls_of("Authenticate")
    assert len(auths) == 1 and client.auth_count == 1
    assert "authorization" not in auths[0].metadata
    assert auths[0].request.entity == KEY_ID
    assert auths[0].request.credentials.type == "api-key"
    assert auths[0].request.credentials.payload == KEY
    app_calls = [c for c in app.calls if c.rpc != "Authenticate"]
    assert [c.rpc for c in app_calls] == ["ListOrganizations", "GetRobot", "GetLocation"]
    assert all(c.metadata["authorization"] == "Bearer token-1" for c in app_calls)
    assert app_calls[1].request.id == "r1"
    assert app_calls[2].request.location_id == "l1"


def test_concurrent_calls_authenticate_once(app, make_client):
    client = make_client()
    with futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: client.get_robot(id=str(i)), range(16)))
    assert len(app.calls_of("Authenticate")) == 1
    assert len(app.calls_of("GetRobot")) == 16


def test_wrong_key(app, make_client):
    client = make_client(api_key="wrong")
    with pytest.raises(ViamError) as info:
        client.get_robot(id="r1")
    err = info.value
    assert err.code == "UNAUTHENTICATED" and err.rpc == "Authenticate"
    assert "authentication failed: check api_key_id and api_key" in str(err)
    assert len(app.calls_of("Authenticate")) == 1  # not retried
    assert app.calls_of("GetRobot") == []


def test_missing_credentials(make_client):
    with pytest.raises(ViamError, match="api_key_id and api_key are required"):
        make_client(api_key=None).list_organizations()


def test_reauthenticates_once_after_token_expiry(app, make_client):
    client = make_client()
    client.list_organizations()
    app.expire_tokens()
    client.get_robot(id="r1")
    assert len(app.calls_of("Authenticate")) == 2
    get_calls = app.calls_of("GetRobot")
    assert [c.metadata["authorization"] for c in get_calls] == ["Bearer token-1", "Bearer token-2"]


def test_reauthenticates_only_once(app, make_client):
    client = make_client()
    client.list_organizations()
    app.handlers["GetRobot"] = _abort("UNAUTHENTICATED", "token revoked")
    with pytest.raises(ViamError) as info:
        client.get_robot(id="r1")
    assert info.value.code == "UNAUTHENTICATED"
    assert len(app.calls_of("Authenticate")) == 2
    assert len(app.calls_of("GetRobot")) == 2


def test_no_reauth_with_a_fresh_token(app, make_client):
    app.handlers["GetRobot"] = _abort("UNAUTHENTICATED", "nope")
    with pytest.raises(ViamError):
        make_client().get_robot(id="r1")
    assert len(app.calls_of("Authenticate")) == 1
    assert len(app.calls_of("GetRobot")) == 1


# ------------------------------------------------------------------ retries

def test_read_retried_on_unavailable(app, make_client):
    app.fail("GetRobot", "UNAVAILABLE", times=2)
    app.handlers["GetRobot"] = lambda req, ctx: app_pb2.GetRobotResponse(robot=app_pb2.Robot(id=req.id, name="rover-7"))
    assert make_client().get_robot(id="r1").robot.name == "rover-7"
    assert len(app.calls_of("GetRobot")) == 3


def test_retries_are_bounded(app, make_client):
    app.fail("GetRobot", "UNAVAILABLE", "backend down", times=10)
    with pytest.raises(ViamError) as info:
        make_client(retries=3).get_robot(id="r1", resource="machine 'rover-7'")
    err = info.value
    assert len(app.calls_of("GetRobot")) == 3
    assert err.code == "UNAVAILABLE" and err.attempts == 3 and not err.maybe_applied
    assert str(err) == ("GetRobot failed for machine 'rover-7': the Viam app at http://127.0.0.1:%d is unavailable "
                        "(UNAVAILABLE): backend down [after 3 attempts]" % app.port)


def test_retry_budget_stops_retries(app, make_client):
    app.fail("GetRobot", "UNAVAILABLE", times=10)
    with pytest.raises(ViamError):
        make_client(retry_budget=0.0).get_robot(id="r1")
    assert len(app.calls_of("GetRobot")) == 1


def test_resource_exhausted_retried(app, make_client):
    app.fail("NewRobot", "RESOURCE_EXHAUSTED", "slow down", times=2)
    make_client().new_robot(name="rover-7", location="l1")
    assert len(app.calls_of("NewRobot")) == 3


def test_create_not_retried_and_maybe_applied(app, make_client):
    app.fail("NewRobot", "UNAVAILABLE", "connection reset", times=1)
    with pytest.raises(ViamError) as info:
        make_client().new_robot(name="rover-7", location="l1", resource="machine 'rover-7'")
    err = info.value
    assert len(app.calls_of("NewRobot")) == 1
    assert err.maybe_applied and err.code == "UNAVAILABLE" and err.rpc == "NewRobot"
    assert "may have been applied" in str(err)


def test_idempotent_write_retried(app, make_client):
    app.fail("UpdateRobot", "UNAVAILABLE", times=1)
    make_client().update_robot(id="r1", name="rover-8", location="l1")
    assert len(app.calls_of("UpdateRobot")) == 2


def test_delete_not_found_after_ambiguous_failure_is_success(app, make_client):
    app.fail("DeleteRobot", "UNAVAILABLE", times=1)
    app.handlers["DeleteRobot"] = _abort("NOT_FOUND", "no such robot")
    response = make_client().delete_robot(id="r1")
    assert isinstance(response, app_pb2.DeleteRobotResponse)
    assert len(app.calls_of("DeleteRobot")) == 2


def test_delete_not_found_plain(app, make_client):
    app.handlers["DeleteRobot"] = _abort("NOT_FOUND", "no such robot")
    with pytest.raises(ViamError) as info:
        make_client().delete_robot(id="r1", resource="machine 'rover-7'")
    assert info.value.not_found and not info.value.maybe_applied


def test_deadline_exceeded_read(app, make_client):
    app.delays["GetRobot"] = 0.3
    with pytest.raises(ViamError) as info:
        make_client(timeout=0.05, retries=2).get_robot(id="r1", resource="machine 'rover-7'")
    err = info.value
    assert err.code == "DEADLINE_EXCEEDED" and err.attempts == 2
    assert "GetRobot failed for machine 'rover-7': timed out after 0.05 s (DEADLINE_EXCEEDED)" in str(err)
    assert len(app.calls_of("GetRobot")) == 2


def test_deadline_exceeded_write_not_retried(app, make_client):
    app.delays["UpdateRobot"] = 0.3
    with pytest.raises(ViamError) as info:
        make_client().update_robot(id="r1", name="x", timeout=0.05)
    assert info.value.code == "DEADLINE_EXCEEDED" and info.value.maybe_applied
    assert "timed out after 0.05 s" in str(info.value)
    assert len(app.calls_of("UpdateRobot")) == 1


def test_connection_refused_is_not_retried_and_explained():
    # Never connected: a wrong app_url or network, not a busy service (test_connect_fast.py has the rest).
    client = ViamClient("http://127.0.0.1:1", api_key_id=KEY_ID, api_key=KEY, retries=2, **FAST)
    with pytest.raises(ViamError) as info:
        client.list_organizations()
    err = info.value
    assert err.code == "UNAVAILABLE" and err.rpc is None and err.attempts == 1
    assert str(err).startswith("cannot connect to app_url http://127.0.0.1:1: connection refused")


# ------------------------------------------------------------------ errors

def test_error_message_not_found(app, make_client):
    app.handlers["GetRobot"] = _abort("NOT_FOUND", "no robot with id r1")
    with pytest.raises(ViamError) as info:
        make_client().get_robot(id="r1", resource="machine 'rover-7'")
    err = info.value
    assert (err.code, err.rpc, err.resource, err.details) == ("NOT_FOUND", "GetRobot", "machine 'rover-7'", "no robot with id r1")
    assert str(err) == "GetRobot failed for machine 'rover-7': not found (NOT_FOUND): no robot with id r1"
    assert err.to_dict()["code"] == "NOT_FOUND"


def test_error_message_permission_denied(app, make_client):
    app.handlers["DeleteLocation"] = _abort("PERMISSION_DENIED", "key lacks location_owner")
    with pytest.raises(ViamError) as info:
        make_client().delete_location(location_id="l1", resource="location 'lab'")
    assert str(info.value) == ("DeleteLocation failed for location 'lab': permission denied: the API key cannot do this "
                               "(PERMISSION_DENIED): key lacks location_owner")


def test_bad_request_fields(make_client):
    client = make_client()
    with pytest.raises(ViamError, match="has no field 'nope'"):
        client.get_robot(nope=1)
    with pytest.raises(ViamError, match="must be a GetRobotRequest"):
        client.call("GetRobot", app_pb2.GetLocationRequest())


def test_request_as_dict_and_nested_fields(app, make_client):
    client = make_client()
    client.call("GetRobot", {"id": "r9"})
    client.update_robot_part(id="p1", name="main", robot_config={"components": [{"name": "arm", "x": 1}]},
                             last_known_update="2024-05-01T12:00:00Z")
    assert app.calls_of("GetRobot")[0].request.id == "r9"
    req = app.calls_of("UpdateRobotPart")[0].request
    assert req.robot_config["components"][0]["name"] == "arm"
    assert req.last_known_update.ToJsonString() == "2024-05-01T12:00:00Z"


# ------------------------------------------------------------------ org defaulting

def _orgs(*pairs):
    return lambda req, ctx: app_pb2.ListOrganizationsResponse(
        organizations=[app_pb2.Organization(id=i, name=n) for n, i in pairs])


def test_org_given_needs_no_call(app, make_client):
    assert make_client(organization_id="o-given").resolve_organization_id() == "o-given"
    assert app.calls == []


def test_org_defaults_to_the_only_one_and_is_cached(app, make_client):
    app.handlers["ListOrganizations"] = _orgs(("acme", "o-1"))
    client = make_client()
    assert client.resolve_organization_id() == "o-1"
    assert client.resolve_organization_id() == "o-1"
    assert len(app.calls_of("ListOrganizations")) == 1


def test_org_none(app, make_client):
    app.handlers["ListOrganizations"] = _orgs()
    with pytest.raises(ViamError, match="sees no organization; set organization_id"):
        make_client().resolve_organization_id()


def test_org_several(app, make_client):
    app.handlers["ListOrganizations"] = _orgs(("acme", "o-1"), ("beta", "o-2"))
    with pytest.raises(ViamError) as info:
        make_client().resolve_organization_id()
    assert str(info.value) == ("the API key sees 2 organizations: acme (id o-1), beta (id o-2); "
                               "set organization_id (or VIAM_ORG_ID)")


# ------------------------------------------------------------------ streams

def test_server_stream(app, make_client):
    from ansible_collections.viam.cloud.plugins.module_utils.proto.common.v1 import common_pb2

    def tail(request, context):
        for i in range(3):
            yield app_pb2.TailRobotPartLogsResponse(logs=[common_pb2.LogEntry(message="%s-%d" % (request.id, i))])

    app.handlers["TailRobotPartLogs"] = tail
    app.fail("TailRobotPartLogs", "UNAVAILABLE", times=1)
    stream = make_client().tail_robot_part_logs(id="p1", errors_only=False)
    assert [r.logs[0].message for r in stream] == ["p1-0", "p1-1", "p1-2"]
    assert len(app.calls_of("TailRobotPartLogs")) == 2


def test_server_stream_error_mid_stream(app, make_client):
    def tail(request, context):
        yield app_pb2.TailRobotPartLogsResponse()
        context.abort(grpc.StatusCode.INTERNAL, "boom")

    app.handlers["TailRobotPartLogs"] = tail
    stream = make_client().tail_robot_part_logs(id="p1")
    next(stream)
    with pytest.raises(ViamError, match="boom"):
        next(stream)


def test_upload_module_file_from_path(app, make_client, tmp_path):
    data = os.urandom(10000)
    path = tmp_path / "module.tar.gz"
    path.write_bytes(data)
    app.handlers["UploadModuleFile"] = lambda reqs, ctx: app_pb2.UploadModuleFileResponse(url="https://x/%d" % len(reqs))
    info = {"module_id": "acme:mod", "version": "1.0.0", "platform": "linux/amd64"}
    response = make_client().upload_module_file(path=str(path), module_file_info=info, chunk_size=4096)
    requests = app.calls_of("UploadModuleFile")[0].request
    assert response.url == "https://x/4"
    assert requests[0].module_file_info.module_id == "acme:mod"
    assert b"".join(r.file for r in requests[1:]) == data


def test_upload_module_file_from_requests(app, make_client):
    client = make_client()
    client.upload_module_file(requests=[{"module_file_info": {"module_id": "m"}}, app_pb2.UploadModuleFileRequest(file=b"abc")])
    requests = app.calls_of("UploadModuleFile")[0].request
    assert requests[0].module_file_info.module_id == "m" and requests[1].file == b"abc"


def test_upload_not_retried(app, make_client, tmp_path):
    path = tmp_path / "m.tgz"
    path.write_bytes(b"x")
    app.fail("UploadModuleFile", "UNAVAILABLE", times=1)
    with pytest.raises(ViamError) as info:
        make_client().upload_module_file(path=str(path), module_file_info={"module_id": "m"})
    assert info.value.maybe_applied
    assert len(app.calls_of("UploadModuleFile")) == 1


# ------------------------------------------------------------------ TLS

def _self_signed(tmp_path):
    """(cert_pem, key_pem, cert_path) for CN/SAN localhost, via cryptography or the openssl CLI."""
    try:
        import datetime
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        return _self_signed_openssl(tmp_path)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path = tmp_path / "ca.pem"
    path.write_bytes(cert_pem)
    return cert_pem, key_pem, str(path)


def _self_signed_openssl(tmp_path):
    cert, key = tmp_path / "ca.pem", tmp_path / "key.pem"
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip("neither cryptography nor a working openssl CLI to make a test certificate: %s" % exc)
    return cert.read_bytes(), key.read_bytes(), str(cert)


@pytest.fixture
def tls_app(tmp_path):
    cert_pem, key_pem, cert_path = _self_signed(tmp_path)
    fake = FakeApp().start(grpc.ssl_server_credentials([(key_pem, cert_pem)]))
    fake.ca_path = cert_path
    yield fake
    fake.stop()


def _tls_client(app, host="localhost", **kwargs):
    options = dict(FAST, api_key_id=KEY_ID, api_key=KEY, retries=2)
    options.update(kwargs)
    return ViamClient("https://%s:%d" % (host, app.port), **options)


def test_tls_with_ca_path(tls_app):
    client = _tls_client(tls_app, ca_path=tls_app.ca_path)
    client.list_organizations()
    assert client.warnings == []
    assert len(tls_app.calls_of("ListOrganizations")) == 1


def test_tls_untrusted_certificate(tls_app):
    with pytest.raises(ViamError) as info:
        _tls_client(tls_app).list_organizations()
    err = info.value
    assert err.attempts == 1  # not transient
    assert "TLS certificate verification failed" in str(err)
    assert "set ca_path" in str(err) and "validate_certs" in str(err)


def test_tls_host_name_mismatch(tls_app):
    with pytest.raises(ViamError, match="not valid for the host name 127.0.0.1"):
        _tls_client(tls_app, host="127.0.0.1", ca_path=tls_app.ca_path).list_organizations()


def test_tls_validate_certs_false(tls_app):
    seen = []
    client = _tls_client(tls_app, host="127.0.0.1", validate_certs=False, warn=seen.append)
    client.list_organizations()
    assert len(seen) == 1 and "validate_certs is false" in seen[0]


def test_tls_to_a_plaintext_server(app):
    with pytest.raises(ViamError) as info:
        _tls_client(app, host="127.0.0.1").list_organizations()
    assert "use an http:// app_url" in str(info.value)


def test_bad_ca_path(tls_app, tmp_path):
    with pytest.raises(ViamError, match="cannot read ca_path"):
        _tls_client(tls_app, ca_path=str(tmp_path / "missing.pem")).list_organizations()


def test_close_and_reopen(app, make_client):
    client = make_client()
    client.list_organizations()
    client.close()
    client.list_organizations()
    assert len(app.calls_of("Authenticate")) == 1
    assert threading.active_count() >= 1


@pytest.mark.parametrize("block_cryptography", [False, True])
def test_cert_names(tmp_path, monkeypatch, block_cryptography):
    cert_pem = _self_signed(tmp_path)[0].decode("ascii")
    if block_cryptography:
        monkeypatch.setitem(sys.modules, "cryptography", None)
    assert "localhost" in transport.cert_names(cert_pem)
