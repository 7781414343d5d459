"""Property-based tests (hypothesis) of the emulator's handling of malformed requests.

Through a raw grpc channel (generic calls, identity serializers: the bytes go as they are):
- arbitrary bytes to every unary and server-streaming RPC, and to Authenticate;
- well-formed but invalid messages (empty IDs, huge strings, bad UUIDs, IDs of another kind,
  unicode, undefined enum numbers, negative numbers) to every RPC but DeleteOrganization;
- the same without a token and with a forged one.
Properties: the answer is never UNKNOWN or INTERNAL (the emulator's handler bug marker); a
refused call (any error status) leaves the store byte for byte as it was; afterwards every
List/Get of the fixture resources still answers.

Deterministic (derandomize=True); VIAM_FUZZ_SCALE=10 runs ten times as many examples.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Tuple

import grpc
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from viam_emulator.registry import APP_SERVICE, HANDLERS, STREAMING  # conftest.py puts tests/emulator on sys.path
from viam_emulator.wire import app_pb2

EmulatorHandle = Any  # conftest.EmulatorHandle (the `emulator` fixture)
SERVICE = app_pb2.DESCRIPTOR.services_by_name["AppService"]

SCALE = max(1, int(os.environ.get("VIAM_FUZZ_SCALE", "1")))
FUZZ = settings(max_examples=100 * SCALE, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
TIMEOUT = 10.0
NEVER = {grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL}
# Every RPC with a handler, but those whose success would end the test's organization.
RPCS = sorted(name for name in HANDLERS if STREAMING.get(name) != "client" and name != "DeleteOrganization")

# FieldDescriptor.TYPE_* numbers
STRING, BYTES, BOOL, ENUM, MESSAGE = 9, 12, 8, 14, 11
INT_TYPES = {3: 64, 4: 64, 5: 32, 6: 64, 7: 32, 13: 32, 15: 32, 16: 64, 17: 32, 18: 64}
UNSIGNED = {4, 6, 7, 13}


def snapshot(emulator: EmulatorHandle) -> List[Tuple[Any, ...]]:
    with emulator.tx() as tx:
        return tx._db.execute("SELECT kind, id, parent, name, org, data FROM resources ORDER BY kind, id").fetchall()


def raw_call(emulator: EmulatorHandle, rpc: str, payload: bytes, metadata: Any) -> grpc.StatusCode:
    """Send bytes as the request of /AppService/rpc; the status code of the answer."""
    path = "/%s/%s" % (APP_SERVICE, rpc)
    try:
        if SERVICE.methods_by_name[rpc].server_streaming:
            list(emulator.channel.unary_stream(path)(payload, metadata=metadata, timeout=TIMEOUT))
        else:
            emulator.channel.unary_unary(path)(payload, metadata=metadata, timeout=TIMEOUT)
    except grpc.RpcError as err:
        return err.code()
    return grpc.StatusCode.OK


class World:
    """One emulator per test, with a location, a machine, its part and a fragment to aim at."""

    def __init__(self, emulator: EmulatorHandle) -> None:
        call = emulator.owner
        self.emulator = emulator
        self.org_id = emulator.org_id
        self.location_id = call("CreateLocation", organization_id=self.org_id, name="fuzz-lab").location.id
        self.robot_id = call("NewRobot", name="fuzz-rover", location=self.location_id).id
        self.part_id = call("GetRobotParts", robot_id=self.robot_id).parts[0].id
        self.fragment_id = call("CreateFragment", organization_id=self.org_id, name="fuzz-fragment").fragment.id
        self.ids = [self.org_id, self.location_id, self.robot_id, self.part_id, self.fragment_id,
                    emulator.owner_key.id]

    def health(self) -> None:
        """Every read of the fixture resources still answers (no record the handlers cannot read)."""
        call = self.emulator.owner
        call("ListLocations", organization_id=self.org_id)
        call("ListRobots", location_id=self.location_id)
        call("GetRobotParts", robot_id=self.robot_id)
        call("ListFragments", organization_id=self.org_id)
        call("ListKeys", org_id=self.org_id)
        call("ListAuthorizations", organization_id=self.org_id)
        call("GetOrganizationMetadata", organization_id=self.org_id)
        call("ListOrganizationMembers", organization_id=self.org_id)


@pytest.fixture
def world(emulator: EmulatorHandle) -> World:
    return World(emulator)


def strings(world: World) -> st.SearchStrategy:
    return st.one_of(
        st.sampled_from(["", " ", "not-a-uuid", "00000000-0000-0000-0000-000000000000",
                         "ffffffff-ffff-4fff-bfff-ffffffffffff", "abcdefghij", "ABCDEFGHIJ", "../..", "%s", "'; --",
                         "x" * 100000, "\u00e9\u4e2d\U0001f916", "\x00", "-1"]),
        st.sampled_from(world.ids),  # real IDs, often of another kind than the field wants
        st.text(max_size=30),
    )


def scalar(field: Any, world: World) -> st.SearchStrategy:
    if field.type == STRING:
        return strings(world)
    if field.type == BYTES:
        return st.binary(max_size=64)
    if field.type == BOOL:
        return st.booleans()
    if field.type == ENUM:
        return st.integers(-5, 40)  # defined numbers and undefined ones (open enums keep them)
    if field.type in INT_TYPES:
        bits = INT_TYPES[field.type]
        if field.type in UNSIGNED:
            return st.sampled_from([0, 1, 2 ** bits - 1])
        return st.sampled_from([0, 1, -1, -(2 ** (bits - 1)), 2 ** (bits - 1) - 1])
    return st.sampled_from([0.0, -1.0, 1e308, float("inf"), float("nan")])


def fill(message: Any, choices: Dict[str, Any], depth: int = 0) -> None:
    """Set the drawn values on the message (nested messages: one level, from their own draws)."""
    for name, value in choices.items():
        field = message.DESCRIPTOR.fields_by_name[name]
        target = getattr(message, name)
        if field.type == MESSAGE:
            if field.message_type.GetOptions().map_entry:
                continue
            sub = target.add() if _repeated(field) else target
            if isinstance(value, dict):
                fill(sub, value, depth + 1)
            else:
                sub.SetInParent()
        elif _repeated(field):
            target.append(value)
        else:
            setattr(message, name, value)


def _repeated(field: Any) -> bool:
    value = getattr(field, "is_repeated", None)
    if value is None:
        return field.label == 3
    return value() if callable(value) else bool(value)


def field_choices(descriptor: Any, world: World, depth: int = 0) -> st.SearchStrategy:
    options = []
    for field in descriptor.fields:
        if field.type == MESSAGE:
            if depth >= 1 or field.message_type.full_name.startswith("google.protobuf."):
                options.append(st.tuples(st.just(field.name), st.just(None)))
            else:
                options.append(st.tuples(st.just(field.name), field_choices(field.message_type, world, depth + 1)))
        else:
            options.append(st.tuples(st.just(field.name), scalar(field, world)))
    if not options:
        return st.just({})
    return st.lists(st.one_of(options), max_size=5).map(dict)


@st.composite
def invalid_messages(draw: Any, world: World) -> Tuple[str, bytes]:
    rpc = draw(st.sampled_from(RPCS))
    method = SERVICE.methods_by_name[rpc]
    request = getattr(app_pb2, method.input_type.name)()
    fill(request, draw(field_choices(request.DESCRIPTOR, world)))
    return rpc, request.SerializeToString()


def check(world: World, rpc: str, payload: bytes, metadata: Any) -> grpc.StatusCode:
    before = snapshot(world.emulator)
    code = raw_call(world.emulator, rpc, payload, metadata)
    event("%s" % code.name)
    assert code not in NEVER, "%s answered %s to %r" % (rpc, code.name, payload[:200])
    if code != grpc.StatusCode.OK:
        assert snapshot(world.emulator) == before, "%s answered %s and changed the store" % (rpc, code.name)
    return code


@FUZZ
@given(data=st.data())
def test_arbitrary_bytes(world: World, data: Any) -> None:
    rpc = data.draw(st.sampled_from(RPCS + ["Authenticate"]))
    payload = data.draw(st.one_of(st.binary(max_size=200), st.sampled_from([b"\xff" * 10, b"\x0a\xff\xff\xff\xff\x0f",
                                                                           b"\x08" + b"\xff" * 11, b"\x12\x05ab"])))
    if rpc == "Authenticate":
        try:
            world.emulator.channel.unary_unary("/proto.rpc.v1.AuthService/Authenticate")(payload, timeout=TIMEOUT)
            code = grpc.StatusCode.OK
        except grpc.RpcError as err:
            code = err.code()
        event(code.name)
        assert code not in NEVER
        return
    check(world, rpc, payload, world.emulator.owner.metadata)
    world.health()


@FUZZ
@given(data=st.data())
def test_invalid_messages(world: World, data: Any) -> None:
    rpc, payload = data.draw(invalid_messages(world))
    check(world, rpc, payload, world.emulator.owner.metadata)
    world.health()


@FUZZ
@given(data=st.data(), auth=st.sampled_from([None, [("authorization", "Bearer forged")],
                                             [("authorization", "Basic x")], [("authorization", "")]]))
def test_unauthenticated(world: World, data: Any, auth: Any) -> None:
    rpc, payload = data.draw(invalid_messages(world))
    code = check(world, rpc, payload, auth)
    assert code == grpc.StatusCode.UNAUTHENTICATED
