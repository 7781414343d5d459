"""The table of RPC handlers: each handler module registers its RPCs with @rpc."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Sequence, Tuple

import grpc

from .access import Principal, require
from .store import Tx

APP_SERVICE = "viam.app.v1.AppService"
# The service a device (viam-server) calls: Config, Log, NeedsRestart, Certificate (handlers/device.py).
ROBOT_SERVICE = "viam.app.v1.RobotService"


@dataclass
class Call:
    """What a handler gets besides its request: the transaction, the caller and the server's settings."""

    tx: Tx
    principal: Principal
    settings: "Settings"
    metadata: Sequence[Tuple[str, str]] = ()

    def require(self, action: str, resource_type: str, resource_id: str, what: str = "") -> None:
        require(self.tx, self.principal, action, resource_type, resource_id, what)


@dataclass
class Settings:
    """Server-wide configuration handlers may read (FQDN domain, limits)."""

    fqdn_domain: str = "viam.cloud"
    extra: Dict[str, Any] = field(default_factory=dict)
    # behaviours.py key -> value in force (--behaviour / --behaviours)
    behaviours: Dict[str, str] = field(default_factory=dict)

    def behaviour(self, key: str) -> str:
        from .behaviours import value_of
        return value_of(self.behaviours, key)


Handler = Callable[[Call, Any], Any]
HANDLERS: Dict[str, Handler] = {}
# RPCs whose handler is a generator (server streaming) or takes an iterator (client streaming).
STREAMING: Dict[str, str] = {}


def rpc(name: str, streaming: str = "") -> Callable[[Handler], Handler]:
    """Register a handler for /viam.app.v1.AppService/<name>; streaming is '', 'server' or 'client'."""

    def register(handler: Handler) -> Handler:
        if name in HANDLERS:
            raise RuntimeError("two handlers for %s" % name)
        HANDLERS[name] = handler
        if streaming:
            STREAMING[name] = streaming
        return handler

    return register


# RobotService handlers, by RPC name (a separate table: "Config" and "Log" are not AppService RPCs).
DEVICE_HANDLERS: Dict[str, Handler] = {}


def device_rpc(name: str) -> Callable[[Handler], Handler]:
    """Register a handler for /viam.app.v1.RobotService/<name> (unary only, as all four are)."""

    def register(handler: Handler) -> Handler:
        if name in DEVICE_HANDLERS:
            raise RuntimeError("two handlers for RobotService/%s" % name)
        DEVICE_HANDLERS[name] = handler
        return handler

    return register


def status_name(code: grpc.StatusCode) -> str:
    return code.name
