"""The emulator's command line is a contract: tests, benchmarks and users start it this way."""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
import uuid

import grpc
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
LAUNCHER = os.path.join(REPO, "tests", "emulator", "viam-app-emulator")
sys.path.insert(0, os.path.join(REPO, "tests", "emulator"))

from viam_emulator.wire import app_pb2, auth_pb2  # noqa: E402

READY_WITHIN_SECONDS = 5.0


def start(*args, cwd="/"):
    """Start the launcher from an unrelated directory; return the process and its JSON line."""
    env = dict(os.environ, VIAM_EMULATOR_PYTHON=sys.executable)
    process = subprocess.Popen([LAUNCHER, "--port", "0", *args], cwd=cwd, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready = select.select([process.stdout], [], [], READY_WITHIN_SECONDS)[0]
    if not ready:
        process.kill()
        pytest.fail("the emulator printed nothing within %.0f s" % READY_WITHIN_SECONDS)
    line = process.stdout.readline()
    if not line:
        process.wait()
        pytest.fail("the emulator exited: %s" % process.stderr.read())
    return process, json.loads(line)


@pytest.fixture
def emulator_process(request):
    started = []

    def _start(*args, **kwargs):
        process, info = start(*args, **kwargs)
        started.append(process)
        return process, info

    yield _start
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


def authenticate(channel, info):
    call = channel.unary_unary("/proto.rpc.v1.AuthService/Authenticate",
                               request_serializer=auth_pb2.AuthenticateRequest.SerializeToString,
                               response_deserializer=auth_pb2.AuthenticateResponse.FromString)
    response = call(auth_pb2.AuthenticateRequest(
        entity=info["api_key_id"], credentials=auth_pb2.Credentials(type="api-key", payload=info["api_key"])),
        timeout=5)
    return [("authorization", "Bearer " + response.access_token)]


def list_organizations(channel, metadata):
    call = channel.unary_unary("/viam.app.v1.AppService/ListOrganizations",
                               request_serializer=app_pb2.ListOrganizationsRequest.SerializeToString,
                               response_deserializer=app_pb2.ListOrganizationsResponse.FromString)
    return call(app_pb2.ListOrganizationsRequest(), metadata=metadata, timeout=5)


def test_prints_one_json_line_with_everything_a_client_needs(emulator_process):
    process, info = emulator_process()
    assert set(info) == {"address", "app_url", "organization_id", "api_key_id", "api_key", "tls_cert", "behaviours"}
    from viam_emulator.behaviours import BEHAVIOURS
    assert info["behaviours"] == {key: b.default for key, b in BEHAVIOURS.items()}
    assert info["app_url"] == "http://" + info["address"]
    assert info["tls_cert"] is None
    uuid.UUID(info["api_key_id"])
    uuid.UUID(info["organization_id"])
    with grpc.insecure_channel(info["address"]) as channel:
        organizations = list_organizations(channel, authenticate(channel, info)).organizations
    assert [o.id for o in organizations] == [info["organization_id"]]


def test_bootstrap_key_is_the_one_given(emulator_process):
    key_id, key = str(uuid.uuid4()), "k" * 32
    process, info = emulator_process("--bootstrap-key-id", key_id, "--bootstrap-key", key)
    assert (info["api_key_id"], info["api_key"]) == (key_id, key)


def test_state_survives_a_restart_with_db(emulator_process, tmp_path):
    db = str(tmp_path / "state.sqlite")
    key_id, key = str(uuid.uuid4()), "s" * 32
    first, info = emulator_process("--db", db, "--bootstrap-key-id", key_id, "--bootstrap-key", key)
    first.terminate()
    first.wait(timeout=5)
    process, again = emulator_process("--db", db, "--bootstrap-key-id", key_id, "--bootstrap-key", key)
    assert again["organization_id"] == info["organization_id"]


def test_fail_rate_one_answers_unavailable_and_logs_every_call(emulator_process, tmp_path):
    log = tmp_path / "calls.jsonl"
    process, info = emulator_process("--fail-rate", "1", "--call-log", str(log))
    with grpc.insecure_channel(info["address"]) as channel:
        with pytest.raises(grpc.RpcError) as raised:
            authenticate(channel, info)
    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["method"], e["code"]) for e in lines] == [("Authenticate", "UNAVAILABLE")]


def test_latency_delays_every_call(emulator_process, tmp_path):
    log = tmp_path / "calls.jsonl"
    process, info = emulator_process("--latency-ms", "150", "--call-log", str(log))
    with grpc.insecure_channel(info["address"]) as channel:
        started = time.monotonic()
        list_organizations(channel, authenticate(channel, info))
        elapsed = time.monotonic() - started
    assert elapsed >= 0.3
    assert [e["method"] for e in map(json.loads, log.read_text().splitlines())] == ["Authenticate", "ListOrganizations"]


def test_calls_without_a_token_are_unauthenticated(emulator_process):
    process, info = emulator_process()
    with grpc.insecure_channel(info["address"]) as channel:
        for metadata in ([], [("authorization", "Bearer not-a-token")], [("authorization", "Basic x")]):
            with pytest.raises(grpc.RpcError) as raised:
                list_organizations(channel, metadata)
            assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_wrong_key_is_unauthenticated(emulator_process):
    process, info = emulator_process()
    with grpc.insecure_channel(info["address"]) as channel:
        with pytest.raises(grpc.RpcError) as raised:
            authenticate(channel, dict(info, api_key="wrong"))
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_tls_serves_with_the_printed_certificate(emulator_process):
    process, info = emulator_process("--tls")
    assert info["app_url"].startswith("https://") and os.path.isfile(info["tls_cert"])
    with open(info["tls_cert"], "rb") as handle:
        credentials = grpc.ssl_channel_credentials(root_certificates=handle.read())
    with grpc.secure_channel("localhost:" + info["address"].rsplit(":", 1)[1], credentials) as channel:
        organizations = list_organizations(channel, authenticate(channel, info)).organizations
    assert len(organizations) == 1


@pytest.mark.parametrize("args, message", [
    (["--fail-rate", "2"], "--fail-rate must be between 0 and 1"),
    (["--seed-fleet", "10:0:3"], "--seed-fleet takes"),
    (["--bootstrap-key-id", "x"], "go together"),
    (["--bootstrap-key-id", "not-a-uuid", "--bootstrap-key", "k"], "must be a UUID"),
    (["--behaviour", "no_such_key=x"], "--behaviour takes KEY=VALUE"),
    (["--behaviour", "part_config_cloud=maybe"], "--behaviour part_config_cloud takes one of absent, with_secret"),
    (["--behaviour", "part_config_cloud"], "--behaviour takes KEY=VALUE"),
    (["--behaviours", "optimistic"], "invalid choice"),
])
def test_bad_arguments_fail_clearly(args, message):
    env = dict(os.environ, VIAM_EMULATOR_PYTHON=sys.executable)
    result = subprocess.run([LAUNCHER, "--port", "0", *args], env=env, capture_output=True, text=True, timeout=20,
                            check=False)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_list_behaviours_prints_every_key_with_values_default_and_evidence():
    env = dict(os.environ, VIAM_EMULATOR_PYTHON=sys.executable)
    result = subprocess.run([LAUNCHER, "--list-behaviours"], env=env, capture_output=True, text=True, timeout=20,
                            check=True)
    listed = {entry["key"]: entry for entry in json.loads(result.stdout)}
    assert "part_config_cloud" in listed
    for entry in listed.values():
        values = [v["value"] for v in entry["values"]]
        assert entry["default"] in values and entry["pessimistic"] in values
        assert all(v["evidence"].strip() for v in entry["values"])


def test_behaviours_preset_and_override_reach_the_ready_line(emulator_process):
    _process, info = emulator_process("--behaviours", "pessimistic")
    assert info["behaviours"]["part_config_cloud"] == "with_secret"
    _process, info = emulator_process("--behaviours", "pessimistic", "--behaviour", "part_config_cloud=absent")
    assert info["behaviours"]["part_config_cloud"] == "absent"
