# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The private descriptor pool our generated *_pb2 modules register in, and their lazy members.

viam-sdk's generated code registers the same symbols (viam.app.v1.Robot, ...)
in protobuf's default pool; two registrations of one symbol there fail with
"duplicate symbol". A pool of our own lets both load in one process.

lazy_members(): a module task uses a handful of the ~200 messages of app.proto,
so (with protobuf's C descriptors, the upb default) a generated module makes its
message classes, enum wrappers and descriptor globals on first access through a
module ``__getattr__`` instead of all at import. The objects are the ones protoc's
eager code makes (protobuf's own builder makes them, one name at a time), and
upb hands out one class per descriptor whichever way it was made first.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import typing as t

try:
    from google.protobuf import descriptor_pool, duration_pb2, struct_pb2, timestamp_pb2
except ImportError:
    # The modules report a missing protobuf themselves (module_utils/common.py HAS_PROTOBUF).
    POOL = None
else:
    POOL = descriptor_pool.DescriptorPool()
    # Our files import these (duration: RobotService, the device side); a fresh pool does not know the
    # well-known types.
    for _well_known in (duration_pb2, struct_pb2, timestamp_pb2):
        POOL.AddSerializedFile(_well_known.DESCRIPTOR.serialized_pb)


class _Only:
    """A FileDescriptor look-alike holding one message or enum, for protobuf's builder."""

    def __init__(self, messages: t.Optional[dict] = None, enums: t.Optional[dict] = None) -> None:
        self.message_types_by_name = messages or {}
        self.enum_types_by_name = enums or {}
        self.extensions_by_name: dict = {}
        self.services_by_name: dict = {}


def _own(cls: t.Any, module_name: str, prefix: str) -> None:
    """Name a class as protoc's code would (upb may have made it first, for a sub-message field, unnamed)."""
    if cls.__module__ != module_name:
        cls.__module__ = module_name
        cls.__qualname__ = prefix + cls.DESCRIPTOR.name
    for nested in cls.DESCRIPTOR.nested_types:
        _own(getattr(cls, nested.name), module_name, prefix + cls.DESCRIPTOR.name + ".")


def lazy_members(file_descriptor: t.Any, module_name: str, module_globals: dict) -> t.Callable[[str], t.Any]:
    """The module ``__getattr__`` of a generated module (PEP 562): each name is made once, then kept in its globals."""
    from google.protobuf.internal import builder  # pylint: disable=import-outside-toplevel

    descriptors: dict = {}

    def make(name: str) -> dict:
        message = file_descriptor.message_types_by_name.get(name)
        if message is not None:
            made: dict = {}
            builder.BuildTopDescriptorsAndMessages(_Only(messages={name: message}), module_name, made)
            _own(made[name], module_name, "")
            return made
        enum = file_descriptor.enum_types_by_name.get(name)
        if enum is not None:
            made = {}
            builder.BuildTopDescriptorsAndMessages(_Only(enums={name: enum}), module_name, made)
            return made
        for enum in file_descriptor.enum_types_by_name.values():  # a top-level enum value: FOO_BAR = 1
            for value in enum.values:
                if value.name == name:
                    return {name: value.number}
        if name.startswith("_") and not name.startswith("__"):  # _ROBOT, _ROBOT_NESTED, _APPSERVICE: descriptors
            if not descriptors:
                builder.BuildMessageAndEnumDescriptors(file_descriptor, descriptors)
                for enum_name, enum in file_descriptor.enum_types_by_name.items():
                    descriptors["_" + enum_name.upper()] = enum
                for service_name, service in file_descriptor.services_by_name.items():
                    descriptors["_" + service_name.upper()] = service
            if name in descriptors:
                return {name: descriptors[name]}
        return {}

    def __getattr__(name: str) -> t.Any:
        made = make(name)
        if name not in made:
            raise AttributeError("module %r has no attribute %r" % (module_name, name))
        for key, value in made.items():
            module_globals.setdefault(key, value)
        return module_globals[name]

    return __getattr__


def set_serialized_offsets(module_globals: dict, offsets: str) -> None:
    """For protobuf's pure-Python descriptors: each descriptor's slice of the file ("_NAME start end ...")."""
    words = offsets.split()
    for i in range(0, len(words), 3):
        descriptor = module_globals[words[i]]
        descriptor._serialized_start = int(words[i + 1])  # pylint: disable=protected-access
        descriptor._serialized_end = int(words[i + 2])  # pylint: disable=protected-access
