# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-process fake of the Viam app API for the client's unit tests (fixtures: conftest.py).

FakeApp is a grpcio server with one generic handler: it answers any RPC of
client.RPC_KINDS, checks the Bearer token like the real service, records
every call, and lets a test script failures (``app.fail("GetRobot", "UNAVAILABLE")``),
delays and per-RPC handlers.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import threading
import time
from concurrent import futures

import pytest

grpc = pytest.importorskip("grpc")

from ansible_collections.viam.cloud.plugins.module_utils import client as client_mod  # noqa: E402

KEY_ID = "11111111-2222-3333-4444-555555555555"
KEY = "super-secret-key"

Call = collections.namedtuple("Call", "rpc metadata request")


class FakeApp(grpc.GenericRpcHandler):
    def __init__(self):
        self.calls = []  # type: list[Call]
        self.handlers = {}  # rpc -> fn(request, context) -> response (or iterator / takes iterator)
        self.failures = collections.defaultdict(collections.deque)  # rpc -> deque of (code, details)
        self.delays = {}  # rpc -> seconds
        self.tokens = set()
        self.token_count = 0
        self.lock = threading.Lock()
        self.server = None
        self.port = None

    # ---------------------------------------------------------- scripting

    def fail(self, rpc, code, details="scripted failure", times=1):
        for _count in range(times):
            self.failures[rpc].append((getattr(grpc.StatusCode, code), details))

    def expire_tokens(self):
        with self.lock:
            self.tokens.clear()

    def calls_of(self, rpc):
        return [c for c in self.calls if c.rpc == rpc]

    # ---------------------------------------------------------- grpc

    def service(self, handler_call_details):
        rpc = handler_call_details.method.rsplit("/", 1)[-1]
        if rpc not in client_mod.RPC_KINDS:
            return None
        spec = client_mod.rpc_spec(rpc)
        kwargs = dict(request_deserializer=spec.request_class.FromString,
                      response_serializer=spec.response_class.SerializeToString)
        if spec.client_streaming:
            return grpc.stream_unary_rpc_method_handler(lambda it, ctx: self._dispatch(spec, it, ctx), **kwargs)
        if spec.server_streaming:
            return grpc.unary_stream_rpc_method_handler(lambda req, ctx: self._dispatch(spec, req, ctx), **kwargs)
        return grpc.unary_unary_rpc_method_handler(lambda req, ctx: self._dispatch(spec, req, ctx), **kwargs)

    def _dispatch(self, spec, request, context):
        metadata = dict(context.invocation_metadata())
        if spec.client_streaming:
            request = list(request)
        with self.lock:
            self.calls.append(Call(spec.name, metadata, request))
            failure = self.failures[spec.name].popleft() if self.failures[spec.name] else None
        if spec.name in self.delays:
            time.sleep(self.delays[spec.name])
        if failure:
            context.abort(failure[0], failure[1])
        if spec.name == "Authenticate":
            return self._authenticate(request, metadata, context)
        auth = metadata.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[len("Bearer "):] not in self.tokens:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "invalid or expired token")
        handler = self.handlers.get(spec.name)
        if handler is None:
            return iter(()) if spec.server_streaming else spec.response_class()
        return handler(request, context)

    def _authenticate(self, request, metadata, context):
        if "authorization" in metadata:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "already authenticated")
        if request.credentials.type != "api-key":
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "do not know how to handle credential type")
        if request.entity != KEY_ID or request.credentials.payload != KEY:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "invalid credentials")
        with self.lock:
            self.token_count += 1
            token = "token-%d" % self.token_count
            self.tokens.add(token)
        return client_mod.rpc_spec("Authenticate").response_class(access_token=token)

    def start(self, server_credentials=None):
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), handlers=[self])
        if server_credentials is None:
            self.port = self.server.add_insecure_port("127.0.0.1:0")
        else:
            self.port = self.server.add_secure_port("127.0.0.1:0", server_credentials)
        self.server.start()
        return self

    def stop(self):
        self.server.stop(grace=None)


FAST = dict(backoff_base=0.001, backoff_max=0.005, timeout=5)
