"""Our wire definitions are the real ones: descriptor parity with viam-sdk.

Every message and enum in our generated files (nested ones included) must exist
under the same full name in viam-sdk's descriptors, and every field we keep must
match there: name, number, type, label, type_name, proto3 optional, oneof
membership, map-ness, json_name. Enums match value for value; every RPC of ours
exists in the SDK's service with the same request/response types and streaming.

Also: the generated modules import under the installed protobuf into a private
pool, they are what protoc makes of proto/*.proto, and proto/*.proto is what
proto/extract_from_sdk.py writes from the installed viam-sdk today.
"""
from __future__ import annotations

import filecmp
import importlib
import os
import shutil
import subprocess
import sys
from typing import Dict, Iterator, List, Tuple

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool

from conformance_support import OUR_MODULES, REPO_ROOT

SDK_MODULES = ("viam.gen.app.v1.app_pb2", "viam.gen.proto.rpc.v1.auth_pb2", "viam.gen.common.v1.common_pb2",
               "viam.gen.app.v1.robot_pb2")
try:
    for _name in SDK_MODULES:
        importlib.import_module(_name)
    HAVE_SDK = True
except ImportError:  # the compat venv: only the checks that need no viam-sdk run
    HAVE_SDK = False
needs_sdk = pytest.mark.skipif(not HAVE_SDK, reason="viam-sdk is a test dependency (requirements-dev.txt)")
SDK_POOL = descriptor_pool.Default()

TYPE_NAMES = {v: k[len("TYPE_"):].lower() for k, v in descriptor_pb2.FieldDescriptorProto.Type.items()}
LABEL_NAMES = {v: k[len("LABEL_"):].lower() for k, v in descriptor_pb2.FieldDescriptorProto.Label.items()}


# --------------------------------------------------------------------------- walking our files


def _nested_messages(message) -> Iterator:
    yield message
    for nested in message.nested_types:
        yield from _nested_messages(nested)


def our_messages() -> Dict[str, object]:
    found = {}
    for module in OUR_MODULES.values():
        for message in module.DESCRIPTOR.message_types_by_name.values():
            for each in _nested_messages(message):
                found[each.full_name] = each
    return found


def our_enums() -> Dict[str, object]:
    found = {}
    for module in OUR_MODULES.values():
        for enum in module.DESCRIPTOR.enum_types_by_name.values():
            found[enum.full_name] = enum
    for message in our_messages().values():
        for enum in message.enum_types:
            found[enum.full_name] = enum
    return found


def our_methods() -> Dict[str, object]:
    found = {}
    for module in OUR_MODULES.values():
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                found[method.full_name] = method
    return found


OUR_MESSAGES = our_messages()
OUR_ENUMS = our_enums()
OUR_METHODS = our_methods()


def test_we_have_something_to_compare():
    assert OUR_MESSAGES and OUR_ENUMS and OUR_METHODS
    assert "viam.app.v1.RobotPart" in OUR_MESSAGES
    assert "viam.app.v1.AppService.GetRobotPart" in OUR_METHODS
    assert "proto.rpc.v1.AuthService.Authenticate" in OUR_METHODS
    # the device side (proto/device-rpcs.txt)
    assert "viam.app.v1.RobotConfig" in OUR_MESSAGES and "viam.app.v1.RobotService.Config" in OUR_METHODS
    assert {"Config", "Log", "NeedsRestart", "Certificate"} <= {
        m.rsplit(".", 1)[1] for m in OUR_METHODS if m.startswith("viam.app.v1.RobotService.")}


def test_our_messages_live_in_the_private_pool():
    """viam-sdk owns the default pool; ours must not be registered there (duplicate symbols)."""
    for name, module in OUR_MODULES.items():
        assert module.DESCRIPTOR.pool is not SDK_POOL, "%s is registered in protobuf's default pool" % name


# --------------------------------------------------------------------------- field-by-field


def _field_facts(message, field_proto: descriptor_pb2.FieldDescriptorProto, message_proto) -> Dict[str, object]:
    descriptor = message.fields_by_name[field_proto.name]
    is_map = bool(descriptor.message_type is not None and descriptor.message_type.GetOptions().map_entry)
    oneof = ""
    if field_proto.HasField("oneof_index"):
        oneof = message_proto.oneof_decl[field_proto.oneof_index].name
    return {
        "number": field_proto.number,
        "type": TYPE_NAMES[field_proto.type],
        "label": LABEL_NAMES[field_proto.label],
        "type_name": field_proto.type_name,
        "proto3_optional": field_proto.proto3_optional,
        "oneof": oneof if not field_proto.proto3_optional else "",
        "map": is_map,
        # The effective JSON name: python gencode drops default json_name values from
        # the serialized descriptor, the runtime recomputes them.
        "json_name": descriptor.json_name,
    }


def _as_proto(message) -> descriptor_pb2.DescriptorProto:
    proto = descriptor_pb2.DescriptorProto()
    message.CopyToProto(proto)
    return proto


def message_differences(ours) -> List[str]:
    try:
        theirs = SDK_POOL.FindMessageTypeByName(ours.full_name)
    except KeyError:
        return ["message %s: not in viam-sdk's descriptors" % ours.full_name]
    problems = []
    if theirs.file.package != ours.file.package:
        problems.append("message %s: package ours=%s theirs=%s"
                        % (ours.full_name, ours.file.package, theirs.file.package))
    if theirs.GetOptions().map_entry != ours.GetOptions().map_entry:
        problems.append("message %s: map_entry ours=%s theirs=%s" % (
            ours.full_name, ours.GetOptions().map_entry, theirs.GetOptions().map_entry))
    ours_proto, theirs_proto = _as_proto(ours), _as_proto(theirs)
    theirs_fields = {f.name: f for f in theirs_proto.field}
    theirs_by_number = {f.number: f.name for f in theirs_proto.field}
    for field in ours_proto.field:
        where = "%s.%s" % (ours.full_name, field.name)
        other = theirs_fields.get(field.name)
        if other is None:
            taken = theirs_by_number.get(field.number)
            problems.append("field %s (#%d): not in viam-sdk%s" % (
                where, field.number, "; their #%d is %r" % (field.number, taken) if taken else ""))
            continue
        mine = _field_facts(ours, field, ours_proto)
        real = _field_facts(theirs, other, theirs_proto)
        for key in mine:
            if mine[key] != real[key]:
                problems.append("field %s: %s ours=%r theirs=%r" % (where, key, mine[key], real[key]))
    return problems


@needs_sdk
@pytest.mark.parametrize("full_name", sorted(OUR_MESSAGES))
def test_message_matches_sdk(full_name):
    problems = message_differences(OUR_MESSAGES[full_name])
    assert not problems, "\n".join(problems)


def enum_differences(ours) -> List[str]:
    try:
        theirs = SDK_POOL.FindEnumTypeByName(ours.full_name)
    except KeyError:
        return ["enum %s: not in viam-sdk's descriptors" % ours.full_name]
    mine = {v.name: v.number for v in ours.values}
    real = {v.name: v.number for v in theirs.values}
    problems = []
    for name in sorted(set(mine) | set(real)):
        if mine.get(name) != real.get(name):
            problems.append("enum %s value %s: ours=%s theirs=%s" % (ours.full_name, name, mine.get(name),
                                                                     real.get(name)))
    return problems


@needs_sdk
@pytest.mark.parametrize("full_name", sorted(OUR_ENUMS))
def test_enum_matches_sdk(full_name):
    problems = enum_differences(OUR_ENUMS[full_name])
    assert not problems, "\n".join(problems)


@needs_sdk
@pytest.mark.parametrize("full_name", sorted(OUR_METHODS))
def test_rpc_matches_sdk(full_name):
    ours = OUR_METHODS[full_name]
    try:
        service = SDK_POOL.FindServiceByName(ours.containing_service.full_name)
    except KeyError:
        pytest.fail("service %s: not in viam-sdk's descriptors" % ours.containing_service.full_name)
    theirs = service.methods_by_name.get(ours.name)
    assert theirs is not None, "rpc %s: not in viam-sdk's %s" % (full_name, service.full_name)
    mine = (ours.input_type.full_name, ours.output_type.full_name, ours.client_streaming, ours.server_streaming)
    real = (theirs.input_type.full_name, theirs.output_type.full_name, theirs.client_streaming,
            theirs.server_streaming)
    labels = ("request", "response", "client_streaming", "server_streaming")
    problems = ["rpc %s: %s ours=%r theirs=%r" % (full_name, label, a, b)
                for label, a, b in zip(labels, mine, real) if a != b]
    assert not problems, "\n".join(problems)


RPC_LISTS = ("rpcs.txt", "device-rpcs.txt")  # the client's RPCs; the device side's (emulator and double only)


def test_rpcs_txt_lists_exactly_our_rpcs():
    """proto/rpcs.txt and proto/device-rpcs.txt are the subset's source; the generated services must
    carry exactly those RPCs, and the device list only RobotService ones (the client never calls them)."""
    listed = set()
    for list_name in RPC_LISTS:
        with open(REPO_ROOT / "proto" / list_name, encoding="utf-8") as handle:
            for line in handle:
                line = line.strip()
                if line and not line.startswith("#"):
                    listed.add(line.replace("/", "."))
                    if list_name == "device-rpcs.txt":
                        assert line.startswith("viam.app.v1.RobotService/"), line
    assert listed == set(OUR_METHODS), "only in rpcs.txt: %s; only generated: %s" % (
        sorted(listed - set(OUR_METHODS)), sorted(set(OUR_METHODS) - listed))


# --------------------------------------------------------------------------- generated code


GENERATED = {
    "app/v1/app.proto": "plugins/module_utils/proto/app/v1/app_pb2.py",
    "common/v1/common.proto": "plugins/module_utils/proto/common/v1/common_pb2.py",
    "proto/rpc/v1/auth.proto": "plugins/module_utils/proto/proto/rpc/v1/auth_pb2.py",
    "app/v1/robot.proto": "plugins/module_utils/proto/app/v1/robot_pb2.py",
}


def _proto_sources() -> List[str]:
    found = []
    for directory, _dirs, files in os.walk(REPO_ROOT / "proto"):
        for name in files:
            if name.endswith(".proto"):
                found.append(os.path.relpath(os.path.join(directory, name), REPO_ROOT / "proto"))
    return sorted(found)


def test_every_proto_has_generated_code():
    generated = sorted(
        os.path.relpath(os.path.join(d, f), REPO_ROOT)
        for d, _dirs, files in os.walk(REPO_ROOT / "plugins" / "module_utils" / "proto")
        for f in files if f.endswith("_pb2.py"))
    assert _proto_sources() == sorted(GENERATED), "proto/ holds %s" % _proto_sources()
    assert generated == sorted(GENERATED.values())


def test_generated_code_imports_under_installed_protobuf():
    """A fresh interpreter (nothing imported before) loads every generated module."""
    script = (
        "import sys; sys.path.insert(0, %r)\n"
        "from google.protobuf import __version__ as v, descriptor_pool\n"
        "from viam_emulator.wire import app_pb2, auth_pb2, common_pb2, robot_pb2\n"
        "for m in (app_pb2, auth_pb2, common_pb2, robot_pb2):\n"
        "    assert m.DESCRIPTOR.pool is not descriptor_pool.Default(), m.__name__\n"
        "    assert m.DESCRIPTOR.message_types_by_name, m.__name__\n"
        "print(v)\n" % str(REPO_ROOT / "tests" / "emulator"))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    from google.protobuf import __version__
    assert done.stdout.strip() == __version__


def test_generated_code_is_what_protoc_makes_of_proto_sources(tmp_path):
    """plugins/module_utils/proto/*_pb2.py carry exactly the descriptors of proto/*.proto (make proto is fresh)."""
    protoc = pytest.importorskip("grpc_tools.protoc", reason="grpcio-tools (make proto) is not installed")
    import grpc_tools

    out = tmp_path / "set.pb"
    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    status = protoc.main(["grpc_tools.protoc", "-I" + str(REPO_ROOT / "proto"), "-I" + well_known,
                          "--descriptor_set_out=" + str(out)] + _proto_sources())
    assert status == 0, "protoc failed on proto/*.proto"
    compiled = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    by_name = {f.name: f for f in compiled.file}
    modules = {"app/v1/app.proto": OUR_MODULES["app_pb2"], "common/v1/common.proto": OUR_MODULES["common_pb2"],
               "proto/rpc/v1/auth.proto": OUR_MODULES["auth_pb2"], "app/v1/robot.proto": OUR_MODULES["robot_pb2"]}
    stale = []
    for name, module in modules.items():
        generated = descriptor_pb2.FileDescriptorProto.FromString(module.DESCRIPTOR.serialized_pb)
        compiled_file = by_name[name]
        # protoc's python plugin leaves out json_name where it is the default; so do we.
        for proto in (generated, compiled_file):
            _drop_default_json_names(proto.message_type)
        if generated != compiled_file:
            stale.append(name)
    assert not stale, "generated code is stale for %s: run `make proto`" % ", ".join(stale)


def _default_json_name(name: str) -> str:
    parts = name.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def _drop_default_json_names(messages) -> None:
    for message in messages:
        for field in message.field:
            if field.json_name == _default_json_name(field.name):
                field.ClearField("json_name")
        _drop_default_json_names(message.nested_type)


def _diff(a: str, b: str) -> str:
    import difflib
    with open(a, encoding="utf-8") as fa, open(b, encoding="utf-8") as fb:
        lines = list(difflib.unified_diff(fa.readlines(), fb.readlines(), "proto/ (checked in)",
                                          "extract_from_sdk.py (now)", n=1))
    return "".join(lines[:60])


@needs_sdk
def test_proto_sources_are_what_extract_from_sdk_writes_now(tmp_path):
    """proto/*.proto == the output of proto/extract_from_sdk.py run against the installed viam-sdk.

    The script writes next to itself (its HERE), so it runs as a copy in a temp dir
    with a copy of rpcs.txt: proto/ in the checkout is never touched.
    """
    work = tmp_path / "proto"
    work.mkdir()
    shutil.copy(REPO_ROOT / "proto" / "extract_from_sdk.py", work)
    for list_name in RPC_LISTS:
        shutil.copy(REPO_ROOT / "proto" / list_name, work)
    done = subprocess.run([sys.executable, str(work / "extract_from_sdk.py")], capture_output=True, text=True, check=False,
                          timeout=120, cwd=str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    written = sorted(os.path.relpath(os.path.join(d, f), work)
                     for d, _dirs, files in os.walk(work) for f in files if f.endswith(".proto"))
    assert written == _proto_sources(), "extract writes %s, proto/ holds %s" % (written, _proto_sources())
    differing: List[Tuple[str, str]] = []
    for name in written:
        ours, fresh = str(REPO_ROOT / "proto" / name), str(work / name)
        if not filecmp.cmp(ours, fresh, shallow=False):
            differing.append((name, _diff(ours, fresh)))
    assert not differing, "proto/ is not what extract_from_sdk.py writes now (run it, then make proto):\n" + \
        "\n".join("%s:\n%s" % d for d in differing)
