"""viam-sdk's own RobotService stub (viam.gen.app.v1.robot_grpc, the device side) against the emulator.

A part authenticates the way viam-server does (credentials type `robot-secret`, entity = the part
ID, through the SDK's own dial), then Config, Log and NeedsRestart go over the SDK's generated
messages; what they did is read back through the SDK's AppClient: the part online, the logs,
MarkPartForRestart answered once. Another part's ID is refused.
"""
from __future__ import annotations

import pytest

pytest.importorskip("viam", reason="viam-sdk is a test dependency (requirements-dev.txt)")
from grpclib.const import Status  # noqa: E402

from conformance_support import unique  # noqa: E402

from viam.gen.app.v1.robot_grpc import RobotServiceStub  # noqa: E402
from viam.gen.app.v1.robot_pb2 import (AgentInfo, CertificateRequest, ConfigRequest, LogRequest,  # noqa: E402
                                       NeedsRestartRequest)
from viam.gen.common.v1.common_pb2 import LogEntry  # noqa: E402
from viam.proto.app import RobotPart  # noqa: E402
from viam.rpc.dial import AuthenticatedChannel, Credentials, DialOptions, _get_access_token  # noqa: E402

ONLINE = 1  # viam.app.v1.OnlineState.ONLINE_STATE_ONLINE


@pytest.fixture
def part(run, app, org_id):
    """The main part of a new machine in a location of this test's own (removed at the end)."""
    location = run(app.create_location(org_id, unique("devices")))
    robot_id = run(app.new_robot(unique("rover"), location.id))
    found = [p for p in run(app.get_robot_parts(robot_id)) if p.main_part][0]
    yield found
    run(app.delete_robot(robot_id))
    run(app.delete_location(location.id))


def part_channel(run, emulator, entity: str, secret: str) -> AuthenticatedChannel:
    """The SDK's authenticated channel, authenticated the SDK's way as a part (robot-secret).

    Not through rpc.dial's _dial_direct: for a plaintext address with robot-secret credentials it
    passes server_hostname without TLS, which asyncio refuses (viam-sdk 0.85.1); the channel and
    the Authenticate call below are the SDK's own."""
    host, port = emulator.address.rsplit(":", 1)

    async def make() -> AuthenticatedChannel:  # made on the session loop, which grpclib binds it to
        return AuthenticatedChannel(host, int(port), ssl=None, server_hostname=None)

    channel = run(make())
    options = DialOptions(credentials=Credentials(type="robot-secret", payload=secret), auth_entity=entity,
                          insecure=True)
    try:
        token = run(_get_access_token(channel, emulator.address, options))
    except Exception:
        channel.close()
        raise
    channel._metadata = {"authorization": "Bearer " + token}  # what _dial_direct sets
    return channel


@pytest.fixture
def device(run, emulator, part):
    """The SDK's RobotServiceStub on a channel authenticated with the part's secret."""
    channel = part_channel(run, emulator, part.id, part.secret)
    yield RobotServiceStub(channel)
    channel.close()


def test_config_through_the_sdk_stub(run, app, device, part):
    config = {"components": [{"name": "left", "api": "rdk:component:motor", "model": "rdk:builtin:fake",
                              "attributes": {"max_rpm": 500}}]}
    run(app.update_robot_part(part.id, part.name, config))
    agent = AgentInfo(host="pi", os="linux", version="0.96.0")
    response = run(device.Config(ConfigRequest(id=part.id, agent_info=agent)))
    assert response.config.cloud.id == part.id and response.config.cloud.fqdn == part.fqdn
    assert response.config.cloud.location_secrets
    assert [(c.name, c.model) for c in response.config.components] == [("left", "rdk:builtin:fake")]
    assert response.config.components[0].attributes["max_rpm"] == 500
    assert response.config.revision
    read: RobotPart = run(app.get_robot_part(part.id))  # the SDK's RobotPart has no online_state
    assert read.last_access is not None and read.user_supplied_info["host"] == "pi"
    robot = run(app.get_robot(part.robot))
    assert robot.online_state == ONLINE and robot.seconds_since_online == 0


def test_log_through_the_sdk_stub_reads_back(run, app, device, part):
    marker = unique("double-log")
    entry = LogEntry(host="pi", level="error", logger_name="rdk", message=marker)
    run(device.Log(LogRequest(id=part.id, logs=[entry])))
    logs = run(app.get_robot_part_logs(part.id, filter=marker))
    assert [entry.message for entry in logs] == [marker]


def test_needs_restart_through_the_sdk_stub(run, app, device, part):
    assert not run(device.NeedsRestart(NeedsRestartRequest(id=part.id))).must_restart
    run(app.mark_part_for_restart(part.id))
    answered = run(device.NeedsRestart(NeedsRestartRequest(id=part.id)))
    assert answered.must_restart and answered.restart_check_interval.ToNanoseconds() > 0
    assert not run(device.NeedsRestart(NeedsRestartRequest(id=part.id))).must_restart


def test_certificate_through_the_sdk_stub(run, device, part):
    response = run(device.Certificate(CertificateRequest(id=part.id)))
    assert response.id == part.id and "BEGIN CERTIFICATE" in response.tls_certificate


def test_another_parts_id_is_refused(run, app, device, part, expect_status):
    other = run(app.new_robot_part(part.robot, unique("arm")))
    expect_status(device.Config(ConfigRequest(id=other)), Status.PERMISSION_DENIED)


def test_a_wrong_secret_is_unauthenticated(run, emulator, part):
    from grpclib.exceptions import GRPCError

    with pytest.raises(GRPCError) as caught:
        part_channel(run, emulator, part.id, "wrong")
    assert caught.value.status == Status.UNAUTHENTICATED
