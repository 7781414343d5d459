"""Plain helpers the conformance tests import (fixtures live in conftest.py)."""
from __future__ import annotations

import re
import sys
import uuid
from pathlib import Path
from typing import Any, Iterable, Optional

REPO_ROOT = Path(__file__).resolve().parents[2]
EMULATOR_DIR = REPO_ROOT / "tests" / "emulator"
if str(EMULATOR_DIR) not in sys.path:
    sys.path.insert(0, str(EMULATOR_DIR))

from viam_emulator.wire import app_pb2, auth_pb2, common_pb2, robot_pb2  # noqa: E402  (maps ansible_collections.viam.cloud)

# robot_pb2: the device side (RobotService, proto/device-rpcs.txt), served to the device double.
OUR_MODULES = {"app_pb2": app_pb2, "auth_pb2": auth_pb2, "common_pb2": common_pb2, "robot_pb2": robot_pb2}
OUR_CLIENT_FILE = REPO_ROOT / "plugins" / "module_utils" / "client.py"
OUR_CLIENT_MISSING = ("our client is missing: plugins/module_utils/client.py (ViamClient) does not exist yet, "
                      "so the read-back through our collection cannot run")

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
LOCATION_ID_RE = re.compile(r"^[a-z0-9]{10}$")


def unique(prefix: str) -> str:
    """A name no other test uses (all tests share one emulator)."""
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def ids_of(items: Iterable[Any]) -> list:
    return [getattr(item, "id") for item in items]


def sdk_struct(value: Optional[Any]) -> Any:
    """A Struct dict as viam-sdk returns it, with integral floats back to ints (as ours does)."""
    if isinstance(value, dict):
        return {k: sdk_struct(v) for k, v in value.items()}
    if isinstance(value, list):
        return [sdk_struct(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def connect_sdk(run, emulator, key_id: str, key: str):
    from viam.app.viam_client import ViamClient
    from viam.rpc.dial import Credentials, DialOptions

    options = DialOptions(credentials=Credentials(type="api-key", payload=key), auth_entity=key_id, insecure=True)
    return run(ViamClient.create_from_dial_options(options, app_url=emulator.address))


def scoped_client(run, app, sdk_clients, org_id: str, role: str, location_id: str):
    """A viam-sdk client whose key (made with the SDK's create_key) holds one role on one location."""
    from viam.app.app_client import APIKeyAuthorization

    key, key_id = run(app.create_key(org_id, [APIKeyAuthorization(role, "location", location_id)],
                                     unique("conformance-%s" % role)))
    client = sdk_clients(key_id, key)
    client.key_id = key_id  # type: ignore[attr-defined]
    return client
