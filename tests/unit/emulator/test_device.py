"""RobotService (the device side, handlers/device.py): part authentication, Config with fragments
resolved at their pins, Log, NeedsRestart, Certificate, and online state derived from the calls."""
from __future__ import annotations

import json
from typing import Any, List, Tuple

import grpc
import pytest

from viam_emulator import presence
from viam_emulator.handlers.device import last_served
from viam_emulator.records import now_micros
from viam_emulator.wire import app_pb2, auth_pb2, common_pb2, robot_pb2

TIMEOUT = 10.0
ONLINE, OFFLINE = app_pb2.ONLINE_STATE_ONLINE, app_pb2.ONLINE_STATE_OFFLINE


class Device:
    """Calls RobotService as a device would: one token from Authenticate, then bearer calls."""

    def __init__(self, channel: grpc.Channel, entity: str, payload: str, kind: str = "robot-secret") -> None:
        self.channel = channel
        authenticate = channel.unary_unary("/proto.rpc.v1.AuthService/Authenticate",
                                           request_serializer=auth_pb2.AuthenticateRequest.SerializeToString,
                                           response_deserializer=auth_pb2.AuthenticateResponse.FromString)
        token = authenticate(auth_pb2.AuthenticateRequest(
            entity=entity, credentials=auth_pb2.Credentials(type=kind, payload=payload)), timeout=TIMEOUT).access_token
        self.metadata = [("authorization", "Bearer " + token)]

    def __call__(self, rpc_name: str, **fields: Any) -> Any:
        method = robot_pb2.DESCRIPTOR.services_by_name["RobotService"].methods_by_name[rpc_name]
        request_cls = getattr(robot_pb2, method.input_type.name)
        response_cls = getattr(robot_pb2, method.output_type.name)
        stub = self.channel.unary_unary("/viam.app.v1.RobotService/" + rpc_name,
                                        request_serializer=request_cls.SerializeToString,
                                        response_deserializer=response_cls.FromString)
        return stub(request_cls(**fields), metadata=self.metadata, timeout=TIMEOUT)

    def fails(self, code: grpc.StatusCode, rpc_name: str, **fields: Any) -> grpc.RpcError:
        with pytest.raises(grpc.RpcError) as caught:
            self(rpc_name, **fields)
        assert caught.value.code() == code, caught.value.details()
        return caught.value


@pytest.fixture
def part(call, robot_id) -> app_pb2.RobotPart:
    return call("GetRobotParts", robot_id=robot_id).parts[0]


@pytest.fixture
def device(emulator, part) -> Device:
    return Device(emulator.channel, part.id, part.secret)


def set_config(call, part_id: str, config: dict) -> None:
    current = call("GetRobotPart", id=part_id).part
    call("UpdateRobotPart", id=part_id, name=current.name, robot_config_json=json.dumps(config))


def make_fragment(call, org_id: str, name: str, config: dict) -> str:
    request = app_pb2.CreateFragmentRequest(name=name, organization_id=org_id)
    request.config.update(config)
    return call("CreateFragment", request).fragment.id


def update_fragment(call, fragment_id: str, name: str, config: dict) -> None:
    call("UpdateFragment", id=fragment_id, name=name, fragment_config_json=json.dumps(config))


def components(response: robot_pb2.ConfigResponse) -> List[Tuple[str, str]]:
    return [(c.name, c.model) for c in response.config.components]


# -- authentication ------------------------------------------------------------------------------

def test_part_secret_authenticates_and_config_has_the_cloud_section(call, device, part, location_id):
    set_config(call, part.id, {"components": [{"name": "cam", "api": "rdk:component:camera",
                                               "model": "rdk:builtin:fake", "attributes": {"width": 640}}]})
    agent = robot_pb2.AgentInfo(host="pi", os="linux", version="0.96.0", platform="linux/arm64")
    response = device("Config", id=part.id, agent_info=agent)
    cloud = response.config.cloud
    assert (cloud.id, cloud.fqdn, cloud.local_fqdn) == (part.id, part.fqdn, part.local_fqdn)
    assert cloud.location_id == location_id
    assert cloud.machine_id == part.robot and cloud.primary_org_id and cloud.location_secrets
    assert cloud.signaling_insecure and not cloud.signaling_address
    assert components(response) == [("cam", "rdk:builtin:fake")]
    assert response.config.components[0].attributes["width"] == 640
    assert response.config.revision
    info = call("GetRobotPart", id=part.id).part.user_supplied_info
    assert info["host"] == "pi" and info["platform"] == "linux/arm64" and info["version"] == "0.96.0"


def test_wrong_secret_is_unauthenticated(emulator, part):
    with pytest.raises(grpc.RpcError) as caught:
        Device(emulator.channel, part.id, "not-the-secret")
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as caught:
        Device(emulator.channel, "no-such-part", part.secret)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_part_token_speaks_only_for_its_part(call, emulator, device, part, robot_id):
    other = call("NewRobotPart", robot_id=robot_id, part_name="arm").part_id
    device.fails(grpc.StatusCode.PERMISSION_DENIED, "Config", id=other)
    device.fails(grpc.StatusCode.PERMISSION_DENIED, "Log", id=other)
    # ... and holds no role for the AppService
    get_robot = emulator.channel.unary_unary("/viam.app.v1.AppService/GetRobot",
                                             request_serializer=app_pb2.GetRobotRequest.SerializeToString,
                                             response_deserializer=app_pb2.GetRobotResponse.FromString)
    with pytest.raises(grpc.RpcError) as caught:
        get_robot(app_pb2.GetRobotRequest(id=robot_id), metadata=device.metadata, timeout=TIMEOUT)
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_a_deleted_secret_stops_the_token_and_a_second_one_works(call, emulator, device, part):
    new_part = call("CreateRobotPartSecret", part_id=part.id).part
    newest = [s for s in new_part.secrets if s.secret != part.secret][0]
    second = Device(emulator.channel, part.id, newest.secret)
    old_id = [s.id for s in new_part.secrets if s.secret == part.secret][0]
    device("NeedsRestart", id=part.id)
    call("DeleteRobotPartSecret", part_id=part.id, secret_id=old_id)
    device.fails(grpc.StatusCode.UNAUTHENTICATED, "NeedsRestart", id=part.id)
    assert second("NeedsRestart", id=part.id).id == part.id
    with pytest.raises(grpc.RpcError):
        Device(emulator.channel, part.id, part.secret)


def test_api_key_with_a_role_on_the_machine_may_act_for_its_parts(emulator, make_key, part, robot_id, call, org_id):
    key = make_key("operator", "robot", robot_id)
    device = Device(emulator.channel, key.key_id, key.key, kind="api-key")
    assert device("NeedsRestart", id=part.id).id == part.id
    elsewhere = call("CreateLocation", organization_id=org_id, name="elsewhere").location.id
    stranger = make_key("owner", "location", elsewhere)
    Device(emulator.channel, stranger.key_id, stranger.key, kind="api-key").fails(
        grpc.StatusCode.PERMISSION_DENIED, "Config", id=part.id)


# -- Log, NeedsRestart, Certificate --------------------------------------------------------------

def test_logs_sent_by_the_device_are_read_back(call, device, part):
    entries = [common_pb2.LogEntry(host="pi", level="error", logger_name="rdk.resource_manager",
                                   message="device-double: broken component %d" % i) for i in range(3)]
    device("Log", id=part.id, logs=entries)
    logs = call("GetRobotPartLogs", id=part.id, filter="device-double").logs
    assert sorted(e.message for e in logs) == ["device-double: broken component %d" % i for i in range(3)]
    assert all(e.HasField("time") for e in logs)
    tailed = [e.message for r in call("TailRobotPartLogs", id=part.id, errors_only=True) for e in r.logs]
    assert "device-double: broken component 2" in tailed


def test_more_than_1000_entries_in_one_log_call_are_refused(device, part):
    entries = [common_pb2.LogEntry(level="info", message="x")] * 1001
    device.fails(grpc.StatusCode.INVALID_ARGUMENT, "Log", id=part.id, logs=entries)


def test_needs_restart_answers_each_mark_once(call, device, part, monkeypatch):
    monkeypatch.setattr(presence.OPTIONS, "restart_check_interval", 2.5)
    first = device("NeedsRestart", id=part.id)
    assert not first.must_restart and first.restart_check_interval.ToNanoseconds() == 2_500_000_000
    call("MarkPartForRestart", part_id=part.id)
    call("MarkPartForRestart", part_id=part.id)  # "Calling this multiple times ... has no affect"
    assert device("NeedsRestart", id=part.id).must_restart
    assert not device("NeedsRestart", id=part.id).must_restart
    call("MarkPartForRestart", part_id=part.id)
    assert device("NeedsRestart", id=part.id).must_restart


def test_certificate_is_a_pem_pair_kept_per_part(device, part):
    first = device("Certificate", id=part.id)
    assert first.tls_certificate.startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE KEY" in first.tls_private_key
    assert device("Certificate", id=part.id).tls_certificate == first.tls_certificate


# -- online state --------------------------------------------------------------------------------

def test_online_state_follows_the_device(call, device, part, robot_id, location_id, monkeypatch):
    before = call("GetRobotPart", id=part.id).part
    assert before.online_state == OFFLINE and not before.HasField("last_access")  # never seen: as stored
    device("Config", id=part.id)
    seen = call("GetRobotPart", id=part.id).part
    assert seen.online_state == ONLINE and seen.seconds_since_online == 0 and seen.HasField("last_access")
    assert call("GetRobot", id=robot_id).robot.online_state == ONLINE
    assert [r.online_state for r in call("ListRobots", location_id=location_id).robots] == [ONLINE]
    summary = call("ListMachineSummaries").location_summaries[0].machine_summaries[0].part_summaries[0]
    assert summary.online_state == ONLINE and summary.HasField("last_online")
    # The device went quiet two minutes ago (the window is 30 s): offline, counting.
    presence.PRESENCE.check_in(part.id, robot_id, now_micros() - 120_000_000)
    quiet = call("GetRobotPart", id=part.id).part
    assert quiet.online_state == OFFLINE and quiet.seconds_since_online >= 120
    assert call("GetRobot", id=robot_id).robot.online_state == OFFLINE
    summary = call("ListMachineSummaries").location_summaries[0].machine_summaries[0].part_summaries[0]
    assert summary.online_state == OFFLINE and summary.seconds_since_online >= 120
    # A wider window makes the same silence online again.
    monkeypatch.setattr(presence.OPTIONS, "online_window", 600.0)
    assert call("GetRobotPart", id=part.id).part.online_state == ONLINE


def test_a_part_no_device_talked_to_keeps_its_stored_state(emulator, call, part):
    with emulator.tx() as tx:
        stored = tx.get("part", part.id, app_pb2.RobotPart)
        stored.online_state = ONLINE
        tx.put("part", stored.id, stored, parent=stored.robot, name=stored.name)
    assert call("GetRobotPart", id=part.id).part.online_state == ONLINE


# -- fragments in Config -------------------------------------------------------------------------

def test_config_merges_fragments_with_prefix_variables_and_mods(call, device, part, org_id):
    fragment_id = make_fragment(call, org_id, "sensors", {
        "components": [{"name": "sonar", "api": "rdk:component:sensor", "model": "rdk:builtin:fake",
                        "attributes": {"port": {"$variable": {"name": "port"}}, "rate": 5}}],
        "modules": [{"name": "mod-a", "type": "registry", "module_id": "acme:mod-a", "version": "1.0.0"}]})
    set_config(call, part.id, {
        "components": [{"name": "base", "api": "rdk:component:base", "model": "rdk:builtin:fake"}],
        "fragments": [{"id": fragment_id, "prefix": "front", "variables": {"port": "/dev/ttyUSB0"}}],
        "fragment_mods": [{"fragment_id": fragment_id,
                           "mods": [{"$set": {"components.front-sonar.attributes.rate": 10}}]}]})
    config = device("Config", id=part.id).config
    assert components(device("Config", id=part.id)) == [("base", "rdk:builtin:fake"), ("front-sonar", "rdk:builtin:fake")]
    sonar = config.components[1]
    assert sonar.attributes["port"] == "/dev/ttyUSB0" and sonar.attributes["rate"] == 10
    assert [m.name for m in config.modules] == ["mod-a"]
    assert not config.overwrite_fragment_status


def test_pinned_revision_and_tag_resolve_and_unpinned_follows_latest(call, emulator, device, part, org_id):
    v1 = {"components": [{"name": "cam", "api": "rdk:component:camera", "model": "v1-model"}]}
    v2 = {"components": [{"name": "cam", "api": "rdk:component:camera", "model": "v2-model"}]}
    fragment_id = make_fragment(call, org_id, "cams", v1)
    update_fragment(call, fragment_id, "cams", v2)
    set_config(call, part.id, {"fragments": [{"id": fragment_id}]})
    assert components(device("Config", id=part.id)) == [("cam", "v2-model")]
    set_config(call, part.id, {"fragments": [{"id": fragment_id, "version": "1"}]})
    assert components(device("Config", id=part.id)) == [("cam", "v1-model")]
    with emulator.tx() as tx:
        assert last_served(tx, part.id)["fragments"] == [{"id": fragment_id, "version": "1", "revision": "1"}]
        tx.put("fragment_tag", "%s|stable" % fragment_id, app_pb2.FragmentTag(tag="stable", revision="1"),
               parent=fragment_id)
    set_config(call, part.id, {"fragments": [{"id": fragment_id, "version": "stable"}]})
    first = device("Config", id=part.id)
    assert components(first) == [("cam", "v1-model")]
    with emulator.tx() as tx:  # moving the tag moves every part pinned to it, on its next Config
        tx.put("fragment_tag", "%s|stable" % fragment_id, app_pb2.FragmentTag(tag="stable", revision="2"),
               parent=fragment_id)
    moved = device("Config", id=part.id)
    assert components(moved) == [("cam", "v2-model")] and moved.config.revision != first.config.revision
    assert [t.tag for t in call("GetFragment", id=fragment_id).tags] == ["stable"]
    assert call("GetFragment", id=fragment_id, version="stable").fragment.revision == "2"


def test_a_pin_that_names_nothing_is_reported_and_the_rest_is_served(call, device, part, org_id):
    fragment_id = make_fragment(call, org_id, "pinned", {"components": [{"name": "x", "model": "m"}]})
    set_config(call, part.id, {"components": [{"name": "own", "model": "fake"}],
                               "fragments": [{"id": fragment_id, "version": "no-such-tag"}, "missing-fragment"]})
    config = device("Config", id=part.id).config
    assert [c.name for c in config.components] == ["own"]
    errors = [s.error for s in config.overwrite_fragment_status]
    assert any("no-such-tag" in e for e in errors) and any("missing-fragment" in e for e in errors)


def test_nested_fragments_and_cycles(call, device, part, org_id):
    inner = make_fragment(call, org_id, "inner", {"components": [{"name": "inner-c", "model": "m"}]})
    outer = make_fragment(call, org_id, "outer", {"components": [{"name": "outer-c", "model": "m"}],
                                                  "fragments": [{"id": inner}]})
    set_config(call, part.id, {"fragments": [{"id": outer}]})
    assert [c.name for c in device("Config", id=part.id).config.components] == ["outer-c", "inner-c"]
    update_fragment(call, inner, "inner", {"fragments": [{"id": outer}]})  # inner -> outer -> inner
    config = device("Config", id=part.id).config
    assert any("cycle" in s.error for s in config.overwrite_fragment_status)


def test_disabled_import_loads_nothing(call, device, part, org_id):
    fragment_id = make_fragment(call, org_id, "off", {"components": [{"name": "x", "model": "m"}]})
    set_config(call, part.id, {"fragments": [{"id": fragment_id, "disabled": True}]})
    assert not device("Config", id=part.id).config.components


# -- fragment tags (SetFragmentTag / DeleteFragmentTag: served once proto/rpcs.txt lists them) -------

TAGS_SERVED = "SetFragmentTag" in app_pb2.DESCRIPTOR.services_by_name["AppService"].methods_by_name
needs_tags = pytest.mark.skipif(
    not TAGS_SERVED, reason="SetFragmentTag/DeleteFragmentTag are not in proto/rpcs.txt yet (they need retry.RPC_KINDS entries first)")


@needs_tags
def test_tags_are_set_moved_and_deleted_and_pins_follow_them(call, device, part, org_id):
    fragment_id = make_fragment(call, org_id, "tagged", {"components": [{"name": "cam", "model": "one"}]})
    update_fragment(call, fragment_id, "tagged", {"components": [{"name": "cam", "model": "two"}]})
    tags = call("SetFragmentTag", fragment_id=fragment_id, tag="stable", revision="1").tags
    assert [(t.tag, t.revision) for t in tags] == [("stable", "1")]
    set_config(call, part.id, {"fragments": [{"id": fragment_id, "version": "stable"}]})
    assert components(device("Config", id=part.id)) == [("cam", "one")]
    call("SetFragmentTag", fragment_id=fragment_id, tag="beta", revision="2")
    moved = call("SetFragmentTag", fragment_id=fragment_id, tag="stable", revision="2").tags
    assert [(t.tag, t.revision) for t in moved] == [("beta", "2"), ("stable", "2")]
    assert components(device("Config", id=part.id)) == [("cam", "two")]
    left = call("DeleteFragmentTag", fragment_id=fragment_id, tag="stable").tags
    assert [t.tag for t in left] == ["beta"]
    config = device("Config", id=part.id).config
    assert not config.components and any("stable" in s.error for s in config.overwrite_fragment_status)


@needs_tags
def test_tag_names_and_revisions_are_checked(call, make_key, org_id, location_id):
    fragment_id = make_fragment(call, org_id, "checked", {})
    for bad in ("1abc", "v2", "Stable", "a b", "x" * 61, ""):
        call.fails(grpc.StatusCode.INVALID_ARGUMENT, "SetFragmentTag", fragment_id=fragment_id, tag=bad, revision="1")
    call.fails(grpc.StatusCode.NOT_FOUND, "SetFragmentTag", fragment_id=fragment_id, tag="stable", revision="9")
    call.fails(grpc.StatusCode.NOT_FOUND, "DeleteFragmentTag", fragment_id=fragment_id, tag="nope")
    operator = make_key("operator", "organization", org_id)
    operator.fails(grpc.StatusCode.PERMISSION_DENIED, "SetFragmentTag", fragment_id=fragment_id, tag="ok",
                   revision="1")


@pytest.mark.skipif("GetFragmentUsage" not in app_pb2.DESCRIPTOR.services_by_name["AppService"].methods_by_name,
                    reason="GetFragmentUsage is not in proto/rpcs.txt yet (it needs a retry.RPC_KINDS entry first)")
def test_fragment_usage_counts_the_revision_each_part_was_served(call, emulator, device, part, robot_id, org_id):
    fragment_id = make_fragment(call, org_id, "used", {"components": [{"name": "cam", "model": "one"}]})
    update_fragment(call, fragment_id, "used", {"components": [{"name": "cam", "model": "two"}]})
    set_config(call, part.id, {"fragments": [{"id": fragment_id, "version": "1"}]})
    assert not call("GetFragmentUsage", fragment_id=fragment_id).version_usages  # nothing fetched yet
    device("Config", id=part.id)
    other = call("NewRobot", name="other", location=call("GetRobot", id=robot_id).robot.location).id
    other_part = call("GetRobotParts", robot_id=other).parts[0]
    set_config(call, other_part.id, {"fragments": [{"id": fragment_id}]})
    Device(emulator.channel, other_part.id, other_part.secret)("Config", id=other_part.id)
    usages = call("GetFragmentUsage", fragment_id=fragment_id).version_usages
    assert [(u.version, u.machines, u.machines_in_current_org) for u in usages] == [("1", 1, 1), ("2", 1, 1)]


# -- robustness: bad bytes never make the emulator fail -------------------------------------------

@pytest.mark.parametrize("method", ["Config", "Log", "NeedsRestart", "Certificate"])
@pytest.mark.parametrize("payload", [b"", b"\xff\xff\xff", b"\x0a\x05hello", b"\x12\x03\x0a\x01x" * 50,
                                     bytes(range(256))])
def test_undecodable_or_odd_requests_get_a_clean_code(emulator, device, method, payload):
    stub = emulator.channel.unary_unary("/viam.app.v1.RobotService/" + method)
    try:
        stub(payload, metadata=device.metadata, timeout=TIMEOUT)
    except grpc.RpcError as err:
        assert err.code() not in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL), err.details()


def test_robot_service_needs_a_token(emulator, part):
    stub = emulator.channel.unary_unary("/viam.app.v1.RobotService/Config",
                                        request_serializer=robot_pb2.ConfigRequest.SerializeToString,
                                        response_deserializer=robot_pb2.ConfigResponse.FromString)
    with pytest.raises(grpc.RpcError) as caught:
        stub(robot_pb2.ConfigRequest(id=part.id), timeout=TIMEOUT)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
