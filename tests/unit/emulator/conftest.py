"""Shared fixtures for the emulator's unit tests.

- `emulator`: a fresh in-process Emulator (server.py) on 127.0.0.1, any free port, with the
  bootstrap organization and its owner key; stopped after the test. See EmulatorHandle.
- `call`: a Client authenticated with the owner key: `call("GetRobot", id=...)` or
  `call("GetRobot", app_pb2.GetRobotRequest(id=...))` returns the response (a list of
  responses for server-streaming RPCs) or raises grpc.RpcError;
  `call.fails(grpc.StatusCode.NOT_FOUND, "GetRobot", id=...)` asserts the code and returns the error.
- `make_key(role, resource_type, resource_id)`: a Client for a new API key holding only that
  role (e.g. ("operator", "location", loc_id)), made with bootstrap.create_api_key and grant.
- `connect(address, key_id, key)`: a Client for another emulator (e.g. one started as a
  subprocess); its channel is closed after the test.
- `org_id`: the bootstrap organization (it has no location: use `location_id`).
- `location_id`, `robot_id`: a location "lab" made with CreateLocation, a machine "rover" in
  it made with NewRobot (so it has the main part "rover-main").
- `emu`: the `emulator` wrapped in _fixtures_orgs.Emu, for the organization-side tests.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional

import grpc
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
EMULATOR_DIR = os.path.join(REPO, "tests", "emulator")
if EMULATOR_DIR not in sys.path:
    sys.path.insert(0, EMULATOR_DIR)

from viam_emulator.bootstrap import bootstrap, create_api_key, grant  # noqa: E402
from viam_emulator.registry import APP_SERVICE, Settings  # noqa: E402
from viam_emulator.server import Emulator  # noqa: E402
from viam_emulator.store import Store, Tx  # noqa: E402
from viam_emulator.wire import app_pb2, auth_pb2  # noqa: E402

from _fixtures_orgs import Emu  # noqa: E402  (it needs tests/emulator on sys.path)

SERVICE = app_pb2.DESCRIPTOR.services_by_name["AppService"]
TIMEOUT = 10.0


class Client:
    """Calls AppService RPCs as one API key."""

    def __init__(self, channel: grpc.Channel, key_id: str, key: str) -> None:
        self.channel = channel
        self.key_id = key_id
        self.key = key
        self.metadata = authenticate(channel, key_id, key)

    def __call__(self, rpc_name: str, request: Any = None, timeout: float = TIMEOUT, **fields: Any) -> Any:
        method = SERVICE.methods_by_name[rpc_name]
        request_cls = getattr(app_pb2, method.input_type.name)
        response_cls = getattr(app_pb2, method.output_type.name)
        path = "/%s/%s" % (APP_SERVICE, rpc_name)
        kwargs = dict(request_serializer=request_cls.SerializeToString, response_deserializer=response_cls.FromString)
        if method.client_streaming:  # `request` is then an iterable of request messages
            return self.channel.stream_unary(path, **kwargs)(iter(request), metadata=self.metadata, timeout=timeout)
        if request is None:
            request = request_cls(**fields)
        if method.server_streaming:
            return list(self.channel.unary_stream(path, **kwargs)(request, metadata=self.metadata, timeout=timeout))
        return self.channel.unary_unary(path, **kwargs)(request, metadata=self.metadata, timeout=timeout)

    def fails(self, code: grpc.StatusCode, rpc_name: str, request: Any = None, **fields: Any) -> grpc.RpcError:
        """Call, expecting the status `code`; returns the error so tests can check its details()."""
        with pytest.raises(grpc.RpcError) as caught:
            self(rpc_name, request, **fields)
        assert caught.value.code() == code, "%s: expected %s, got %s: %s" % (
            rpc_name, code.name, caught.value.code().name, caught.value.details())
        return caught.value


def authenticate(channel: grpc.Channel, key_id: str, key: str) -> List[tuple]:
    call = channel.unary_unary("/proto.rpc.v1.AuthService/Authenticate",
                               request_serializer=auth_pb2.AuthenticateRequest.SerializeToString,
                               response_deserializer=auth_pb2.AuthenticateResponse.FromString)
    response = call(auth_pb2.AuthenticateRequest(
        entity=key_id, credentials=auth_pb2.Credentials(type="api-key", payload=key)), timeout=TIMEOUT)
    return [("authorization", "Bearer " + response.access_token)]


class EmulatorHandle:
    """A running in-process emulator and what tests need to drive it."""

    def __init__(self, **emulator_options: Any) -> None:
        self.store = Store()
        with self.store.transaction() as tx:
            self.org_id, self.owner_key = bootstrap(tx, None, None)
        self.settings = Settings()
        self.emulator = Emulator(self.store, self.settings, **emulator_options)
        self.server, self.port = self.emulator.start("127.0.0.1", 0, max_workers=8)
        self.address = "127.0.0.1:%d" % self.port
        self.channel = grpc.insecure_channel(self.address)
        self.owner = Client(self.channel, self.owner_key.id, self.owner_key.key)

    @contextmanager
    def tx(self) -> Iterator[Tx]:
        """Direct store access, for arranging state the RPCs cannot make (and for checking it)."""
        with self.store.transaction() as tx:
            yield tx

    def client(self, key_id: str, key: str) -> Client:
        return Client(self.channel, key_id, key)

    def make_key(self, role: str, resource_type: str, resource_id: str, org_id: Optional[str] = None,
                 name: str = "scoped-test-key") -> Client:
        """A client for a new API key holding exactly one role, e.g. ("owner", "robot", robot_id)."""
        with self.tx() as tx:
            org = org_id or self.org_id
            api_key = create_api_key(tx, org, name)
            grant(tx, api_key.id, "api-key", role, resource_type, resource_id, org)
        return self.client(api_key.id, api_key.key)

    def make_keyless_client(self, org_id: Optional[str] = None) -> Client:
        """A client for an API key with no role at all."""
        with self.tx() as tx:
            api_key = create_api_key(tx, org_id or self.org_id, "no-role-test-key")
        return self.client(api_key.id, api_key.key)

    def stop(self) -> None:
        self.channel.close()
        self.server.stop(0)


@pytest.fixture
def emulator() -> Iterator[EmulatorHandle]:
    handle = EmulatorHandle()
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def call(emulator: EmulatorHandle) -> Client:
    return emulator.owner


@pytest.fixture
def org_id(emulator: EmulatorHandle) -> str:
    return emulator.org_id


@pytest.fixture
def make_key(emulator: EmulatorHandle):
    return emulator.make_key


@pytest.fixture
def emu(emulator: EmulatorHandle) -> Emu:
    return Emu(emulator)


@pytest.fixture
def location_id(call: Client, org_id: str) -> str:
    return call("CreateLocation", organization_id=org_id, name="lab").location.id


@pytest.fixture
def robot_id(call: Client, location_id: str) -> str:
    return call("NewRobot", name="rover", location=location_id).id


@pytest.fixture
def connect() -> Iterator:
    channels: List[grpc.Channel] = []

    def _connect(address: str, key_id: str, key: str) -> Client:
        channels.append(grpc.insecure_channel(address))
        return Client(channels[-1], key_id, key)

    yield _connect
    for channel in channels:
        channel.close()
