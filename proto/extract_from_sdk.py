"""Write our .proto subset from the descriptors the official viam-sdk ships.

The real service's schema is what viam-sdk was generated from, so reading it
back from viam-sdk's descriptors (instead of typing it from memory) is how we
keep package, message, field names, numbers, types and labels identical.
We keep every RPC listed in proto/rpcs.txt and every message and enum those
RPCs reach, whole. Custom options (tagger tags, google.api.http) are dropped:
they do not travel on the wire.

Run with a Python that has viam-sdk installed (the dev venv):
    python proto/extract_from_sdk.py
Then `make proto` compiles the .proto files into plugins/module_utils/proto.
viam-sdk is never a runtime dependency; this script is only run by hand when
the subset changes.
"""
from __future__ import annotations

import importlib
import os
import sys
from collections import defaultdict
from typing import Dict, List, Set, Tuple

from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import FileDescriptor

HERE = os.path.dirname(os.path.abspath(__file__))

# Files we load from viam-sdk, by the proto path they were compiled from.
SDK_MODULES = {
    "app/v1/app.proto": "viam.gen.app.v1.app_pb2",
    # The device side (viam-server's RobotService: Config, Log, NeedsRestart, Certificate),
    # served by the emulator for the device double (proto/device-rpcs.txt).
    "app/v1/robot.proto": "viam.gen.app.v1.robot_pb2",
    "proto/rpc/v1/auth.proto": "viam.gen.proto.rpc.v1.auth_pb2",
}
WELL_KNOWN = "google/protobuf/"

TYPE_NAMES = {
    descriptor_pb2.FieldDescriptorProto.TYPE_DOUBLE: "double",
    descriptor_pb2.FieldDescriptorProto.TYPE_FLOAT: "float",
    descriptor_pb2.FieldDescriptorProto.TYPE_INT64: "int64",
    descriptor_pb2.FieldDescriptorProto.TYPE_UINT64: "uint64",
    descriptor_pb2.FieldDescriptorProto.TYPE_INT32: "int32",
    descriptor_pb2.FieldDescriptorProto.TYPE_FIXED64: "fixed64",
    descriptor_pb2.FieldDescriptorProto.TYPE_FIXED32: "fixed32",
    descriptor_pb2.FieldDescriptorProto.TYPE_BOOL: "bool",
    descriptor_pb2.FieldDescriptorProto.TYPE_STRING: "string",
    descriptor_pb2.FieldDescriptorProto.TYPE_BYTES: "bytes",
    descriptor_pb2.FieldDescriptorProto.TYPE_UINT32: "uint32",
    descriptor_pb2.FieldDescriptorProto.TYPE_SFIXED32: "sfixed32",
    descriptor_pb2.FieldDescriptorProto.TYPE_SFIXED64: "sfixed64",
    descriptor_pb2.FieldDescriptorProto.TYPE_SINT32: "sint32",
    descriptor_pb2.FieldDescriptorProto.TYPE_SINT64: "sint64",
}
LABEL_REPEATED = descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED


class Schema:
    """Every top-level message, enum and service of the loaded files, by full name."""

    def __init__(self) -> None:
        self.files: Dict[str, descriptor_pb2.FileDescriptorProto] = {}
        # full name of a top-level type -> (file name, proto)
        self.messages: Dict[str, Tuple[str, descriptor_pb2.DescriptorProto]] = {}
        self.enums: Dict[str, Tuple[str, descriptor_pb2.EnumDescriptorProto]] = {}
        # full name of any type, nested ones included -> full name of its top-level ancestor
        self.top_level_of: Dict[str, str] = {}
        self.services: Dict[str, Tuple[str, descriptor_pb2.ServiceDescriptorProto]] = {}

    def load(self, file_descriptor: FileDescriptor) -> None:
        if file_descriptor.name in self.files or file_descriptor.name.startswith(WELL_KNOWN):
            return
        proto = descriptor_pb2.FileDescriptorProto()
        file_descriptor.CopyToProto(proto)
        self.files[proto.name] = proto
        for dependency in file_descriptor.dependencies:
            self.load(dependency)
        prefix = proto.package + "."
        for message in proto.message_type:
            full = prefix + message.name
            self.messages[full] = (proto.name, message)
            self._index_nested(full, full, message)
        for enum in proto.enum_type:
            full = prefix + enum.name
            self.enums[full] = (proto.name, enum)
            self.top_level_of[full] = full
        for service in proto.service:
            self.services[prefix + service.name] = (proto.name, service)

    def _index_nested(self, top: str, full: str, message: descriptor_pb2.DescriptorProto) -> None:
        self.top_level_of[full] = top
        for nested in message.nested_type:
            self._index_nested(top, full + "." + nested.name, nested)
        for enum in message.enum_type:
            self.top_level_of[full + "." + enum.name] = top


def referenced_types(message: descriptor_pb2.DescriptorProto) -> List[str]:
    names = []
    for field in message.field:
        if field.type_name:
            names.append(field.type_name.lstrip("."))
    for nested in message.nested_type:
        names.extend(referenced_types(nested))
    return names


def closure(schema: Schema, rpcs: List[str]) -> Tuple[Set[str], Dict[str, List[str]]]:
    """Top-level types reachable from the RPCs, and the RPC names kept per service."""
    methods_by_service: Dict[str, List[str]] = defaultdict(list)
    pending: List[str] = []
    for rpc in rpcs:
        service_name, method_name = rpc.split("/")
        _file_name, service = schema.services[service_name]
        method = next((m for m in service.method if m.name == method_name), None)
        if method is None:
            raise SystemExit("no RPC %s in viam-sdk" % rpc)
        methods_by_service[service_name].append(method_name)
        pending += [method.input_type.lstrip("."), method.output_type.lstrip(".")]
    kept: Set[str] = set()
    while pending:
        name = pending.pop()
        if name.startswith("google.protobuf."):
            continue
        top = schema.top_level_of[name]
        if top in kept:
            continue
        kept.add(top)
        if top in schema.messages:
            pending.extend(referenced_types(schema.messages[top][1]))
    return kept, methods_by_service


def relative_type(type_name: str, package: str) -> str:
    """Spell a type as protoc resolves it from inside `package`: short within it, full outside."""
    name = type_name.lstrip(".")
    if name.startswith(package + "."):
        return name[len(package) + 1:]
    return "." + name if not name.startswith("google.protobuf.") else name


class Writer:
    def __init__(self, package: str) -> None:
        self.package = package
        self.lines: List[str] = []

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("  " * depth + text if text else "")

    def enum(self, depth: int, enum: descriptor_pb2.EnumDescriptorProto) -> None:
        self.emit(depth, "enum %s {" % enum.name)
        if enum.options.allow_alias:
            self.emit(depth + 1, "option allow_alias = true;")
        for value in enum.value:
            self.emit(depth + 1, "%s = %d;" % (value.name, value.number))
        self.emit(depth, "}")

    def field_type(self, field: descriptor_pb2.FieldDescriptorProto) -> str:
        if field.type in TYPE_NAMES:
            return TYPE_NAMES[field.type]
        return relative_type(field.type_name, self.package)

    def field(self, depth: int, field: descriptor_pb2.FieldDescriptorProto,
              map_entries: Dict[str, descriptor_pb2.DescriptorProto], in_oneof: bool) -> None:
        options = []
        if field.options.deprecated:
            options.append("deprecated = true")
        if field.HasField("json_name") and field.json_name != default_json_name(field.name):
            options.append('json_name = "%s"' % field.json_name)
        suffix = " [%s]" % ", ".join(options) if options else ""
        entry = map_entries.get(field.type_name.lstrip("."))
        if entry is not None:
            key, value = entry.field
            text = "map<%s, %s> %s = %d" % (self.field_type(key), self.field_type(value), field.name, field.number)
        else:
            label = ""
            if field.label == LABEL_REPEATED:
                label = "repeated "
            elif field.proto3_optional:
                label = "optional "
            text = "%s%s %s = %d" % (label, self.field_type(field), field.name, field.number)
        del in_oneof
        self.emit(depth, text + suffix + ";")

    def message(self, depth: int, message: descriptor_pb2.DescriptorProto, full_name: str) -> None:
        self.emit(depth, "message %s {" % message.name)
        map_entries = {
            full_name + "." + nested.name: nested
            for nested in message.nested_type if nested.options.map_entry
        }
        for nested in message.nested_type:
            if not nested.options.map_entry:
                self.message(depth + 1, nested, full_name + "." + nested.name)
        for enum in message.enum_type:
            self.enum(depth + 1, enum)
        for reserved in message.reserved_range:
            end = reserved.end - 1
            self.emit(depth + 1, "reserved %d;" % reserved.start if end == reserved.start
                      else "reserved %d to %d;" % (reserved.start, end))
        for name in message.reserved_name:
            self.emit(depth + 1, 'reserved "%s";' % name)
        real_oneofs = {
            field.oneof_index for field in message.field
            if field.HasField("oneof_index") and not field.proto3_optional
        }
        written_oneofs: Set[int] = set()
        for field in message.field:
            if field.HasField("oneof_index") and field.oneof_index in real_oneofs:
                index = field.oneof_index
                if index in written_oneofs:
                    continue
                written_oneofs.add(index)
                self.emit(depth + 1, "oneof %s {" % message.oneof_decl[index].name)
                for member in message.field:
                    if member.HasField("oneof_index") and member.oneof_index == index:
                        self.field(depth + 2, member, map_entries, in_oneof=True)
                self.emit(depth + 1, "}")
            else:
                self.field(depth + 1, field, map_entries, in_oneof=False)
        self.emit(depth, "}")


def default_json_name(name: str) -> str:
    parts = name.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def write_file(schema: Schema, file_name: str, kept: Set[str], methods: Dict[str, List[str]]) -> List[str]:
    """Write one .proto file; return the files it imports."""
    source = schema.files[file_name]
    writer = Writer(source.package)
    prefix = source.package + "."
    messages = [m for m in source.message_type if prefix + m.name in kept]
    enums = [e for e in source.enum_type if prefix + e.name in kept]
    services = [s for s in source.service if prefix + s.name in methods]

    used_types: Set[str] = set()
    for message in messages:
        used_types.update(referenced_types(message))
    for service in services:
        for method in service.method:
            if method.name in methods[prefix + service.name]:
                used_types.update([method.input_type.lstrip("."), method.output_type.lstrip(".")])
    imports = set()
    for dependency in source.dependency:
        if dependency.startswith(WELL_KNOWN):
            dep_package = "google.protobuf."
            stem = dependency[len(WELL_KNOWN):-len(".proto")]
            wanted = {"struct": ["Struct", "Value", "ListValue", "NullValue"],
                      "timestamp": ["Timestamp"], "duration": ["Duration"],
                      "any": ["Any"], "field_mask": ["FieldMask"], "wrappers": []}.get(stem, [])
            if any(dep_package + w in used_types for w in wanted):
                imports.add(dependency)
        else:
            dep_file = schema.files.get(dependency)
            if dep_file is not None and any(
                schema.top_level_of.get(t, "").startswith(dep_file.package + ".")
                and t.startswith(dep_file.package + ".") for t in used_types
            ):
                imports.add(dependency)

    writer.emit(0, "// Generated by proto/extract_from_sdk.py from the descriptors in viam-sdk.")
    writer.emit(0, "// A subset of the real %s: the RPCs in proto/rpcs.txt and proto/device-rpcs.txt and what they reach." % file_name)
    writer.emit(0, "// Do not edit by hand; edit the lists and run the script again.")
    writer.emit(0, 'syntax = "proto3";')
    writer.emit(0, "")
    writer.emit(0, "package %s;" % source.package)
    writer.emit(0, "")
    for dependency in sorted(imports):
        writer.emit(0, 'import "%s";' % dependency)
    if imports:
        writer.emit(0, "")
    for service in services:
        writer.emit(0, "service %s {" % service.name)
        for method in service.method:
            if method.name not in methods[prefix + service.name]:
                continue
            request = relative_type(method.input_type, source.package)
            response = relative_type(method.output_type, source.package)
            writer.emit(1, "rpc %s(%s%s) returns (%s%s);" % (
                method.name, "stream " if method.client_streaming else "", request,
                "stream " if method.server_streaming else "", response))
        writer.emit(0, "}")
        writer.emit(0, "")
    for enum in enums:
        writer.enum(0, enum)
        writer.emit(0, "")
    for message in messages:
        writer.message(0, message, prefix + message.name)
        writer.emit(0, "")

    path = os.path.join(HERE, file_name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(writer.lines).rstrip() + "\n")
    return sorted(i for i in imports if not i.startswith(WELL_KNOWN))


# rpcs.txt: the RPCs the collection's client calls (plugins/module_utils/rpc.py, retry.RPC_KINDS);
# device-rpcs.txt: the RPCs a device (viam-server) calls, which only the emulator and the device
# double (tests/device) speak. Both go into the .proto subset; only the first into rpc.py.
RPC_LISTS = ("rpcs.txt", "device-rpcs.txt")


def read_rpcs() -> List[str]:
    found: List[str] = []
    for list_name in RPC_LISTS:
        path = os.path.join(HERE, list_name)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as handle:
            found += [line.strip() for line in handle if line.strip() and not line.startswith("#")]
    return found


def main() -> int:
    schema = Schema()
    for module_name in SDK_MODULES.values():
        schema.load(importlib.import_module(module_name).DESCRIPTOR)
    kept, methods = closure(schema, read_rpcs())
    files_with_kept = sorted({
        (schema.messages.get(name) or schema.enums.get(name))[0] for name in kept
    } | {schema.services[s][0] for s in methods})
    for file_name in files_with_kept:
        imports = write_file(schema, file_name, kept, methods)
        print("wrote proto/%s (imports: %s)" % (file_name, ", ".join(imports) or "none"))
    print("%d messages and enums, %d RPCs" % (len(kept), sum(len(m) for m in methods.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
