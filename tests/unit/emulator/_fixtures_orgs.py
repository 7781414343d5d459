"""Helpers for the organization-side tests (orgs, members, roles, keys, fragments, modules).

A thin layer over the shared conftest: its `emu` fixture is an Emu wrapping the `emulator`
fixture (a real in-process gRPC server), so every call goes over the wire as a client's would.
`emu.call(rpc, request, as_=client)` calls as the owner key or as a scoped key made
with `emu.key(role, resource_type, resource_id)`; `expect_error` checks a status
code from either a gRPC call or a direct Python call (such as accept_invite).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Optional

import grpc
import pytest

from viam_emulator.access import Principal
from viam_emulator.errors import RpcError
from viam_emulator.store import Tx
from viam_emulator.wire import app_pb2

__all__ = ["Emu", "Failure", "auth", "expect_error", "pb", "principal"]

pb = app_pb2


class Emu:
    """The shared emulator fixture, with the few shortcuts these tests repeat."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.org_id: str = handle.org_id
        self.owner = handle.owner  # conftest.Client for the bootstrap owner key
        self.address: str = handle.address

    @contextmanager
    def tx(self) -> Iterator[Tx]:
        with self.handle.tx() as tx:
            yield tx

    def call(self, rpc_name: str, request: Any, as_: Any = None) -> Any:
        return (as_ or self.owner)(rpc_name, request)

    def key(self, role: str, resource_type: str, resource_id: str, org_id: Optional[str] = None) -> Any:
        """A client for a second API key holding exactly one role."""
        return self.handle.make_key(role, resource_type, resource_id, org_id)

    # -- a little fleet, through the locations/robots/parts RPCs --------------------------------
    def location(self, name: str = "lab", org_id: Optional[str] = None) -> str:
        return self.call("CreateLocation", pb.CreateLocationRequest(
            organization_id=org_id or self.org_id, name=name)).location.id

    def robot(self, location_id: str, name: str = "rover") -> str:
        return self.call("NewRobot", pb.NewRobotRequest(name=name, location=location_id)).id

    def main_part(self, robot_id: str) -> pb.RobotPart:
        parts = self.call("GetRobotParts", pb.GetRobotPartsRequest(robot_id=robot_id)).parts
        return next(p for p in parts if p.main_part)

    def use_fragments(self, part: pb.RobotPart, *fragment_ids: str) -> None:
        config = pb.RobotPart().robot_config
        config.update({"fragments": [{"id": f} for f in fragment_ids]})
        self.call("UpdateRobotPart", pb.UpdateRobotPartRequest(id=part.id, name=part.name, robot_config=config))


def principal(client: Any) -> Principal:
    """The caller a key's bearer token stands for, for direct access checks."""
    return Principal(client.key_id)


def auth(role: str, resource_type: str, resource_id: str, identity_id: str = "", org_id: str = "",
         identity_type: str = "") -> pb.Authorization:
    """An Authorization as the Python SDK builds it."""
    return pb.Authorization(authorization_type="role", authorization_id="%s_%s" % (resource_type, role),
                            resource_type=resource_type, resource_id=resource_id, identity_id=identity_id,
                            organization_id=org_id, identity_type=identity_type)


@dataclass
class Failure:
    code: grpc.StatusCode
    message: str


def expect_error(code: grpc.StatusCode, fn, *args, **kwargs) -> Failure:
    failure: Optional[Failure] = None
    try:
        fn(*args, **kwargs)
    except grpc.RpcError as err:
        failure = Failure(err.code(), err.details())
    except RpcError as err:
        failure = Failure(err.code, err.message)
    if failure is None:
        pytest.fail("expected %s, but the call succeeded" % code.name)
    assert failure.code == code, "expected %s, got %s: %s" % (code.name, failure.code.name, failure.message)
    return failure
