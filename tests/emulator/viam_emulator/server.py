"""The gRPC server: authentication, injected latency and faults, the call log, dispatch."""
from __future__ import annotations

import json
import logging
import random
import secrets
import sys
import threading
import time
import traceback
from concurrent import futures
from typing import Any, Callable, Dict, Iterable, Optional, Tuple

import grpc

from . import handlers  # noqa: F401  # pylint: disable=unused-import  # registers every RPC handler
from .access import Principal
from .errors import RpcError, UnknownId, invalid, unauthenticated
from .ids import SECRETS_LOG
from .handlers.device import ROBOT_SECRET, part_principal
from .registry import APP_SERVICE, DEVICE_HANDLERS, HANDLERS, ROBOT_SERVICE, STREAMING, Call, Settings
from .store import Store
from .wire import app_pb2, auth_pb2, robot_pb2

AUTH_SERVICE = "proto.rpc.v1.AuthService"
LOG = logging.getLogger("viam_emulator")


class CallLog:
    """One JSON line per call: method, status code, milliseconds (for tests and benchmarks);
    an injected fault also has "injected": "fail" (--fail-rate) or "lose" (--lose-rate)."""

    def __init__(self, path: Optional[str]) -> None:
        self._lock = threading.Lock()
        self._file = open(path, "a", buffering=1, encoding="utf-8") if path else None

    def record(self, method: str, code: str, started: float, identity: str = "", injected: str = "") -> None:
        if self._file is None:
            return
        entry = {"method": method, "code": code, "ms": round((time.monotonic() - started) * 1000, 3),
                 "identity": identity, "time": time.time()}
        if injected:  # "fail" (--fail-rate: not processed) or "lose" (--lose-rate: applied, answer lost)
            entry["injected"] = injected
        line = json.dumps(entry)
        with self._lock:
            self._file.write(line + "\n")


class InjectedFault(RpcError):
    """An UNAVAILABLE answer made up by --fail-rate (kind "fail") or --lose-rate (kind "lose")."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(grpc.StatusCode.UNAVAILABLE, message)
        self.kind = kind


class Undecodable:
    """A request whose bytes do not parse. grpc answers INTERNAL when a deserializer raises; the
    emulator answers INVALID_ARGUMENT instead, as the real service does (see lenient())."""

    def __init__(self, type_name: str, error: str) -> None:
        self.type_name = type_name
        self.error = error


def lenient(request_cls: Any) -> Callable[[bytes], Any]:
    """A request deserializer that never raises: a parse error becomes an Undecodable."""

    def parse(data: bytes) -> Any:
        try:
            return request_cls.FromString(data)
        except Exception as err:  # DecodeError, RecursionError on deep nesting, ...
            return Undecodable(request_cls.DESCRIPTOR.full_name, str(err) or type(err).__name__)

    return parse


def check_decoded(request: Any) -> None:
    """INVALID_ARGUMENT for an Undecodable request (or one in a client stream)."""
    for item in request if isinstance(request, list) else (request,):
        if isinstance(item, Undecodable):
            raise invalid("the request is not a valid %s message: %s" % (item.type_name, item.error))


class Tokens:
    """Bearer tokens issued by Authenticate, with an optional lifetime (--token-ttl)."""

    def __init__(self, ttl_seconds: float = 0) -> None:
        self._ttl = ttl_seconds
        self._lock = threading.Lock()
        self._tokens: Dict[str, Tuple[Principal, float]] = {}

    def issue(self, principal: Principal) -> str:
        token = secrets.token_urlsafe(32)
        SECRETS_LOG.record("access_token", token)
        expires = time.monotonic() + self._ttl if self._ttl > 0 else float("inf")
        with self._lock:
            self._tokens[token] = (principal, expires)
        return token

    def principal(self, token: str) -> Optional[Principal]:
        with self._lock:
            found = self._tokens.get(token)
            if found is None:
                return None
            if found[1] < time.monotonic():
                del self._tokens[token]
                return None
            return found[0]


class Emulator:
    def __init__(self, store: Store, settings: Optional[Settings] = None, latency_ms: float = 0,
                 fail_rate: float = 0.0, call_log: Optional[str] = None, token_ttl: float = 0,
                 lose_rate: float = 0.0) -> None:
        self.store = store
        self.settings = settings or Settings()
        self.latency = latency_ms / 1000.0
        self.fail_rate = fail_rate
        self.lose_rate = lose_rate
        self.call_log = CallLog(call_log)
        self.tokens = Tokens(token_ttl)
        self._random = random.Random()

    # -- the pieces every call goes through -------------------------------------------------

    def _before(self) -> None:
        if self.latency:
            time.sleep(self.latency)
        if self.fail_rate and self._random.random() < self.fail_rate:
            raise InjectedFault("fail", "injected fault (--fail-rate): the call was not processed")

    def _after(self) -> None:
        """--lose-rate: the call WAS applied (its transaction committed); its answer is lost on the way back."""
        if self.lose_rate and self._random.random() < self.lose_rate:
            raise InjectedFault("lose", "injected lost answer (--lose-rate): the call was applied but its answer was lost")

    def _principal(self, context: grpc.ServicerContext) -> Principal:
        header = dict(context.invocation_metadata()).get("authorization", "")
        if not header:
            raise unauthenticated("authorization header missing: call proto.rpc.v1.AuthService/Authenticate first")
        scheme, separator, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise unauthenticated("malformed authorization header: expected 'Bearer <token>'")
        principal = self.tokens.principal(token.strip())
        if principal is None:
            raise unauthenticated("invalid or expired access token")
        return principal

    def _run(self, method: str, context: grpc.ServicerContext, body: Callable[[Principal], Any]) -> Any:
        started = time.monotonic()
        code = "OK"
        identity = ""
        injected = ""
        try:
            self._before()
            principal = self._principal(context) if method != "Authenticate" else Principal("")
            identity = principal.identity_id
            answer = body(principal)
            self._after()
            return answer
        except RpcError as err:
            status = self.status_of(err)
            code = status.name
            injected = getattr(err, "kind", "")
            context.abort(status, err.message)
        except Exception:  # a bug in a handler: say so loudly, answer INTERNAL
            code = "INTERNAL"
            traceback.print_exc(file=sys.stderr)
            context.abort(grpc.StatusCode.INTERNAL, "emulator error in %s (see its stderr)" % method)
        finally:
            self.call_log.record(method, code, started, identity, injected)

    def status_of(self, err: RpcError) -> grpc.StatusCode:
        """The code an error is answered with: an unknown ID takes the unknown_id_code behaviour's."""
        if isinstance(err, UnknownId):
            return grpc.StatusCode[self.settings.behaviour("unknown_id_code")]
        return err.code

    def _call(self, principal: Principal, context: grpc.ServicerContext, handler, request) -> Any:
        check_decoded(request)
        with self.store.transaction() as tx:
            return handler(Call(tx, principal, self.settings, tuple(context.invocation_metadata())), request)

    # -- AuthService ----------------------------------------------------------------------

    def authenticate(self, request: auth_pb2.AuthenticateRequest, context: grpc.ServicerContext):
        def body(caller: Principal):  # Authenticate has no caller yet
            check_decoded(request)
            if not request.HasField("credentials"):
                raise invalid("no credentials provided")
            if request.credentials.type == ROBOT_SECRET:
                # viam-server with `cloud.secret` in /etc/viam.json: entity = the part ID, payload =
                # one of the part's secrets (docs/api-assumptions.md §9).
                with self.store.transaction() as tx:
                    principal = part_principal(tx, request.entity, request.credentials.payload)
                if principal is None:
                    raise unauthenticated("invalid credentials")
                return auth_pb2.AuthenticateResponse(access_token=self.tokens.issue(principal))
            if request.credentials.type != "api-key":
                raise invalid("do not know how to handle credential type %r" % request.credentials.type)
            with self.store.transaction() as tx:
                key = tx.get("api_key", request.entity, app_pb2.APIKey)
            if key is None or not secrets.compare_digest(key.key, request.credentials.payload):
                raise unauthenticated("invalid credentials")
            return auth_pb2.AuthenticateResponse(access_token=self.tokens.issue(Principal(key.id)))

        return self._run("Authenticate", context, body)

    # -- wiring ---------------------------------------------------------------------------

    def generic_handlers(self) -> Iterable[grpc.GenericRpcHandler]:
        service = app_pb2.DESCRIPTOR.services_by_name["AppService"]
        methods: Dict[str, grpc.RpcMethodHandler] = {}
        for method in service.methods:
            handler = HANDLERS.get(method.name)
            if handler is None:
                continue  # grpc answers UNIMPLEMENTED
            request_cls = getattr(app_pb2, method.input_type.name)
            response_cls = getattr(app_pb2, method.output_type.name)
            methods[method.name] = self._method_handler(method.name, handler, request_cls, response_cls)
        auth = {
            "Authenticate": grpc.unary_unary_rpc_method_handler(
                self.authenticate,
                request_deserializer=lenient(auth_pb2.AuthenticateRequest),
                response_serializer=auth_pb2.AuthenticateResponse.SerializeToString,
            )
        }
        # The device side: what viam-server calls (handlers/device.py, proto/device-rpcs.txt).
        robot_service = robot_pb2.DESCRIPTOR.services_by_name["RobotService"]
        device: Dict[str, grpc.RpcMethodHandler] = {}
        for method in robot_service.methods:
            handler = DEVICE_HANDLERS.get(method.name)
            if handler is None:
                continue
            device[method.name] = self._method_handler(
                method.name, handler, getattr(robot_pb2, method.input_type.name),
                getattr(robot_pb2, method.output_type.name), log_name="RobotService/" + method.name)
        return [grpc.method_handlers_generic_handler(APP_SERVICE, methods),
                grpc.method_handlers_generic_handler(ROBOT_SERVICE, device),
                grpc.method_handlers_generic_handler(AUTH_SERVICE, auth)]

    def _method_handler(self, name: str, handler, request_cls, response_cls,
                        log_name: str = "") -> grpc.RpcMethodHandler:
        if log_name:  # a RobotService RPC: unary, logged as "RobotService/<name>"
            def serve_device(request, context):
                return self._run(log_name, context, lambda p: self._call(p, context, handler, request))

            return grpc.unary_unary_rpc_method_handler(
                serve_device, request_deserializer=lenient(request_cls),
                response_serializer=response_cls.SerializeToString)
        streaming = STREAMING.get(name, "")
        if streaming == "server":
            def serve_stream(request, context):
                # Computed in one transaction, then sent: the lock is never held while the client reads.
                responses = self._run(name, context, lambda p: list(self._call(p, context, handler, request)))
                yield from responses or ()

            return grpc.unary_stream_rpc_method_handler(
                serve_stream, request_deserializer=lenient(request_cls),
                response_serializer=response_cls.SerializeToString)
        if streaming == "client":
            def serve_upload(request_iterator, context):
                return self._run(name, context, lambda p: self._call(p, context, handler, list(request_iterator)))

            return grpc.stream_unary_rpc_method_handler(
                serve_upload, request_deserializer=lenient(request_cls),
                response_serializer=response_cls.SerializeToString)

        def serve(request, context):
            return self._run(name, context, lambda p: self._call(p, context, handler, request))

        return grpc.unary_unary_rpc_method_handler(
            serve, request_deserializer=lenient(request_cls), response_serializer=response_cls.SerializeToString)

    def start(self, host: str, port: int, tls: Optional[Tuple[bytes, bytes]] = None,
              max_workers: int = 32) -> Tuple[grpc.Server, int]:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers),
                             options=[("grpc.max_receive_message_length", 64 * 1024 * 1024),
                                      ("grpc.max_send_message_length", 64 * 1024 * 1024),
                                      ("grpc.so_reuseport", 0),
                                      # A device (viam-server, the device double) pings every 20 s even
                                      # with no call in flight (goutils rpc/dialer.go); grpc's default
                                      # answers that with GOAWAY "too_many_pings". goutils' own server
                                      # allows pings 5 s apart.
                                      ("grpc.keepalive_permit_without_calls", 1),
                                      ("grpc.http2.min_ping_interval_without_data_ms", 5000),
                                      ("grpc.http2.max_ping_strikes", 0)])
        server.add_generic_rpc_handlers(tuple(self.generic_handlers()))
        address = "%s:%d" % (host, port)
        if tls:
            key, cert = tls
            bound = server.add_secure_port(address, grpc.ssl_server_credentials([(key, cert)]))
        else:
            bound = server.add_insecure_port(address)
        if not bound:
            raise OSError("could not bind %s" % address)
        server.start()
        return server, bound
