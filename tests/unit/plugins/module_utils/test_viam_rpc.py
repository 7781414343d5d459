# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rpc.py, the RPC surface: every RPC of the services the client uses is a real ``def`` with a docstring
line, whose keyword arguments are the fields of its request message, typed, and reach call() by name."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import inspect
import os
import re
import subprocess
import sys

import pytest

pytest.importorskip("google.protobuf")

from ansible_collections.viam.cloud.plugins.module_utils import client as client_mod  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils import rpc  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1 import app_pb2  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.proto.proto.rpc.v1 import auth_pb2  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.retry import RPC_KINDS  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
HAND_WRITTEN = {"Authenticate": "authenticate", "UploadModuleFile": "upload_module_file"}
POSITIONAL = ["self", "request", "resource", "timeout"]

# FieldDescriptor.TYPE_* -> the annotation rpc.py gives a singular field of that type
SCALARS = {1: "float", 2: "float", 3: "int", 4: "int", 5: "int", 6: "int", 7: "int", 8: "bool", 9: "str",
           12: "t.Union[bytes, str]", 13: "int", 14: "t.Union[str, int]", 15: "int", 16: "int", 17: "int", 18: "int"}


def _methods():
    """(service full name, MethodDescriptor) of every RPC of the services the client calls."""
    for module, service in ((auth_pb2, client_mod.AUTH_SERVICE), (app_pb2, client_mod.APP_SERVICE)):
        descriptor = module.DESCRIPTOR.services_by_name[service.rsplit(".", 1)[1]]
        assert descriptor.full_name == service
        for method in descriptor.methods:
            yield service, method


METHODS = list(_methods())
GENERATED = [(s, m) for s, m in METHODS if m.name not in HAND_WRITTEN]


def _repeated(field):
    value = getattr(field, "is_repeated", None)
    if value is None:
        return field.label == 3
    return value() if callable(value) else bool(value)


def expected_annotation(field):
    if field.message_type is not None:
        message = field.message_type
        if message.GetOptions().map_entry:
            key, value = message.fields_by_name["key"], message.fields_by_name["value"]
            inner = "t.Mapping[%s, %s]" % (expected_annotation(key)[len("t.Optional["):-1],
                                           expected_annotation(value)[len("t.Optional["):-1])
            return "t.Optional[%s]" % inner
        name = {"google.protobuf.Timestamp": "Timestamp", "google.protobuf.Struct": "Struct"}.get(message.full_name)
        if name is None:
            name = "t.Union[%s_pb2.%s, Fields]" % (message.file.name.rsplit("/", 1)[1][:-len(".proto")],
                                                   message.full_name[len(message.file.package) + 1:])
    else:
        name = SCALARS[field.type]
    return "t.Optional[%s]" % ("t.Sequence[%s]" % name if _repeated(field) else name)


def test_the_services_are_the_rpcs_the_client_knows():
    assert sorted(m.name for _s, m in METHODS) == sorted(RPC_KINDS)


@pytest.mark.parametrize("service, method", GENERATED, ids=[m.name for _s, m in GENERATED])
def test_every_rpc_is_a_def_with_a_docstring(service, method):
    name = client_mod.snake_case(method.name)
    function = rpc.RpcMethods.__dict__.get(name)
    assert inspect.isfunction(function), name
    assert function.__module__ == rpc.__name__ and function.__qualname__ == "RpcMethods." + name
    assert getattr(ViamClient, name) is function  # not shadowed, not made at run time
    doc = function.__doc__
    assert "\n" not in doc.strip()
    response = ("a stream of " if method.server_streaming else "") + method.output_type.name
    assert doc == "%s/%s (%s) -> %s." % (service.rsplit(".", 1)[1], method.name, RPC_KINDS[method.name], response), doc


@pytest.mark.parametrize("service, method", GENERATED, ids=[m.name for _s, m in GENERATED])
def test_signature_matches_the_request_message(service, method):
    function = getattr(rpc.RpcMethods, client_mod.snake_case(method.name))
    parameters = list(inspect.signature(function).parameters.values())
    positional = [p for p in parameters if p.kind == p.POSITIONAL_OR_KEYWORD]
    keywords = [p for p in parameters if p.kind == p.KEYWORD_ONLY]
    rest = [p for p in parameters if p.kind == p.VAR_KEYWORD]
    assert len(positional) + len(keywords) + len(rest) == len(parameters)
    assert [p.name for p in positional] == POSITIONAL
    assert all(p.default is None for p in positional[1:])
    fields = list(method.input_type.fields)
    assert [p.name for p in keywords] == [f.name for f in fields]
    for parameter, field in zip(keywords, fields):
        assert parameter.default is None, parameter.name
        assert parameter.annotation == expected_annotation(field), (method.name, field.name)
    assert [p.name for p in rest] == ["unknown"]  # unknown names reach call(), which says ViamError


class Recorder(rpc.RpcMethods):
    __slots__ = ("calls",)

    def __init__(self):
        self.calls = []

    def call(self, rpc, request=None, resource=None, timeout=None, **fields):  # pylint: disable=redefined-outer-name
        self.calls.append((rpc, request, resource, timeout, fields))
        return "response of %s" % rpc


@pytest.mark.parametrize("service, method", GENERATED, ids=[m.name for _s, m in GENERATED])
def test_every_field_reaches_call_by_name(service, method):
    recorder = Recorder()
    function = getattr(recorder, client_mod.snake_case(method.name))
    values = dict((f.name, "value of %s" % f.name) for f in method.input_type.fields)
    assert function("req", "res", 7.0, **values) == "response of %s" % method.name
    assert recorder.calls[-1] == (method.name, "req", "res", 7.0, values)
    function(nope=1)
    expected = dict((name, None) for name in values)
    expected["nope"] = 1
    assert recorder.calls[-1] == (method.name, None, None, None, expected)


def test_hand_written_methods():
    assert callable(ViamClient.authenticate) and callable(ViamClient.upload_module_file)
    for name in HAND_WRITTEN.values():
        assert name not in rpc.RpcMethods.__dict__


def test_no_method_is_made_at_run_time():
    with open(os.path.join(REPO, "plugins", "module_utils", "client.py")) as handle:
        source = handle.read()
    assert "setattr(" not in source
    with open(os.path.join(REPO, "plugins", "module_utils", "rpc.py")) as handle:
        text = handle.read()
    (cls,) = [node for node in ast.parse(text).body if isinstance(node, ast.ClassDef)]
    defs = [node.name for node in cls.body if isinstance(node, ast.FunctionDef)]
    assert sorted(defs) == sorted(["call", "_send"] + [client_mod.snake_case(m.name) for _s, m in GENERATED])
    for name in defs:  # grep finds each
        assert re.search(r"^    def %s\(self, " % name, text, flags=re.M), name


def test_rpc_py_is_what_the_generator_writes():
    """make proto regenerates rpc.py; the committed file must be its output (needs grpcio-tools)."""
    pytest.importorskip("grpc_tools")
    generator = os.path.join(REPO, "proto", "generate.py")
    if not os.path.exists(generator):
        pytest.skip("no proto/generate.py in this tree")
    proc = subprocess.run([sys.executable, generator, "--check"], capture_output=True, text=True, check=False)
    if "needs grpcio-tools==" in proc.stderr:
        pytest.skip(proc.stderr.strip())
    assert proc.returncode == 0, proc.stderr
