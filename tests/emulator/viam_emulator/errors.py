"""The one exception handlers raise: it becomes the RPC's gRPC status."""
from __future__ import annotations

import grpc


class RpcError(Exception):
    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class UnknownId(RpcError):
    """A read, update or delete by an ID that names nothing ("<what> not found").

    Raised as NOT_FOUND; the dispatcher (server.Emulator.status_of) answers it with the code of the
    `unknown_id_code` behaviour in force, so every unknown-ID path shares that one switch. A missing
    thing that is not named by an ID (a fragment revision, a pending invite by e-mail, a role that
    is not held) stays a plain not_found()."""

    def __init__(self, what: str) -> None:
        super().__init__(grpc.StatusCode.NOT_FOUND, "%s not found" % what)


def not_found(what: str) -> RpcError:
    return RpcError(grpc.StatusCode.NOT_FOUND, "%s not found" % what)


def unknown_id(what: str) -> UnknownId:
    """`what` (e.g. "machine 'x'") does not exist: NOT_FOUND, or the unknown_id_code behaviour's code."""
    return UnknownId(what)


def invalid(message: str) -> RpcError:
    return RpcError(grpc.StatusCode.INVALID_ARGUMENT, message)


def already_exists(message: str) -> RpcError:
    return RpcError(grpc.StatusCode.ALREADY_EXISTS, message)


def failed_precondition(message: str) -> RpcError:
    return RpcError(grpc.StatusCode.FAILED_PRECONDITION, message)


def unimplemented(message: str) -> RpcError:
    return RpcError(grpc.StatusCode.UNIMPLEMENTED, message)


def with_code(code_name: str, message: str) -> RpcError:
    """An error whose code a behaviour names (e.g. update_conflict_code=ABORTED)."""
    return RpcError(grpc.StatusCode[code_name], message)


def permission_denied(message: str) -> RpcError:
    return RpcError(grpc.StatusCode.PERMISSION_DENIED, message)


def unauthenticated(message: str) -> RpcError:
    return RpcError(grpc.StatusCode.UNAUTHENTICATED, message)
