"""The generated messages the emulator speaks, shared with the collection.

The emulator imports the collection's own generated code (so both always
speak the same wire), from this checkout, without an installed collection:
the `ansible_collections.viam.cloud` package is mapped onto the repo root.
"""
from __future__ import annotations

import os
import sys
import types

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _map_collection_to_checkout() -> None:
    if "ansible_collections.viam.cloud" in sys.modules:
        return
    parent = ""
    for label, path in (("ansible_collections", []), ("viam", []), ("cloud", [REPO_ROOT])):
        name = parent + label
        module = sys.modules.get(name)
        if module is None:
            module = types.ModuleType(name)
            module.__path__ = list(path)  # type: ignore[attr-defined]
            sys.modules[name] = module
            if parent:
                setattr(sys.modules[parent.rstrip(".")], label, module)
        parent = name + "."


_map_collection_to_checkout()

from ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1 import app_pb2  # noqa: E402
# The device side (RobotService: Config, Log, NeedsRestart, Certificate), proto/device-rpcs.txt.
from ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1 import robot_pb2  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.proto.common.v1 import common_pb2  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.proto.proto.rpc.v1 import auth_pb2  # noqa: E402

__all__ = ["app_pb2", "auth_pb2", "common_pb2", "robot_pb2", "REPO_ROOT"]
