"""The generated messages the double speaks: the collection's own (plugins/module_utils/proto).

The double runs from a checkout or from an installed collection (tests/device ships in the
tarball beside tests/emulator), without the collection on sys.path and without viam-sdk: the
`ansible_collections.viam.cloud` package is mapped onto the collection root two levels up.
"""
from __future__ import annotations

import os
import sys
import types
from typing import List

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _map_collection() -> None:
    if "ansible_collections.viam.cloud" in sys.modules:
        return
    parent = ""
    paths: List[List[str]] = [[], [], [COLLECTION_ROOT]]
    for label, path in zip(("ansible_collections", "viam", "cloud"), paths):
        name = parent + label
        module = sys.modules.get(name)
        if module is None:
            module = types.ModuleType(name)
            module.__path__ = list(path)  # type: ignore[attr-defined]
            sys.modules[name] = module
            if parent:
                setattr(sys.modules[parent.rstrip(".")], label, module)
        parent = name + "."


_map_collection()

from ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1 import robot_pb2  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.proto.common.v1 import common_pb2  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.proto.proto.rpc.v1 import auth_pb2  # noqa: E402

__all__ = ["auth_pb2", "common_pb2", "robot_pb2", "COLLECTION_ROOT"]
