"""Our generated code and viam-sdk's load in one process, in either import order,
and speak the same bytes: a RobotPart built with ours parses with theirs and back,
and the well-known-type helpers (Timestamp.ToDatetime, json_format) work on ours.

Each order runs in a fresh interpreter, so the import order is real (this pytest
process has long imported both).
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from conformance_support import REPO_ROOT

pytest.importorskip("viam", reason="viam-sdk is a test dependency (requirements-dev.txt)")

PRELUDE = """
import sys
sys.path.insert(0, {emulator_dir!r})
"""

IMPORT_OURS = "from viam_emulator.wire import app_pb2 as ours\n"
IMPORT_THEIRS = "from viam.gen.app.v1 import app_pb2 as theirs\n"

CHECKS = r"""
import datetime
from google.protobuf import descriptor_pool, json_format

assert ours.DESCRIPTOR.pool is not descriptor_pool.Default()
assert theirs.DESCRIPTOR.pool is descriptor_pool.Default()

when = datetime.datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=datetime.timezone.utc)
config = {"components": [{"name": "m1", "type": "motor", "attributes": {"pins": {"a": "11"}, "max_rpm": 500}}],
          "fragments": [{"id": "0b7d0ffe-6c52-4fa6-9b44-7b0e0a3d1a2b"}], "debug": True, "note": None}

# ours -> bytes -> theirs
part = ours.RobotPart(id="5b0bf0a3-0000-4000-8000-000000000001", name="rover-main", dns_name="rover-main",
                      robot="5b0bf0a3-0000-4000-8000-000000000002", location_id="ab1c2d3e45", main_part=True,
                      fqdn="rover-main.ab1c2d3e45.viam.cloud", local_fqdn="rover-main.ab1c2d3e45.local.viam.cloud",
                      online_state=ours.ONLINE_STATE_ONLINE, robot_config_json='{"a": 1}')
part.robot_config.update(config)
part.created_on.FromDatetime(when)
part.last_updated.FromDatetime(when)
part.secrets.add(id="5b0bf0a3-0000-4000-8000-000000000003", secret="s3cr3t", state=ours.SharedSecret.STATE_ENABLED)
part.secrets[0].created_on.FromDatetime(when)
data = part.SerializeToString()
parsed = theirs.RobotPart.FromString(data)
assert parsed.name == "rover-main" and parsed.main_part and parsed.fqdn == part.fqdn
assert parsed.online_state == theirs.ONLINE_STATE_ONLINE
assert parsed.HasField("robot_config_json") and parsed.robot_config_json == '{"a": 1}'
assert parsed.secrets[0].state == theirs.SharedSecret.STATE_ENABLED
assert parsed.created_on.ToDatetime(tzinfo=datetime.timezone.utc) == when
assert json_format.MessageToDict(parsed) == json_format.MessageToDict(part), "JSON of the two sides differs"
assert parsed.SerializeToString(deterministic=True) == part.SerializeToString(deterministic=True)

# theirs -> bytes -> ours
robot = theirs.Robot(id="5b0bf0a3-0000-4000-8000-000000000002", name="rover", location="ab1c2d3e45",
                     online_state=theirs.ONLINE_STATE_AWAITING_SETUP, seconds_since_online=42)
robot.created_on.FromDatetime(when)
back = ours.Robot.FromString(robot.SerializeToString())
assert (back.id, back.name, back.location, back.seconds_since_online) == (robot.id, "rover", "ab1c2d3e45", 42)
assert back.online_state == ours.ONLINE_STATE_AWAITING_SETUP
again = ours.RobotPart.FromString(theirs.RobotPart.FromString(data).SerializeToString())
assert again == part

# well-known types on ours (they live in our private pool, not the default one)
assert part.created_on.ToDatetime(tzinfo=datetime.timezone.utc) == when
assert part.created_on.ToDatetime() == when.replace(tzinfo=None)
assert part.created_on.ToJsonString() == "2024-05-01T12:30:15.250Z"
as_dict = json_format.MessageToDict(part, preserving_proto_field_name=True)
assert as_dict["created_on"] == "2024-05-01T12:30:15.250Z"
assert as_dict["robot_config"]["components"][0]["attributes"]["pins"] == {"a": "11"}
assert as_dict["robot_config"]["note"] is None
assert as_dict["online_state"] == "ONLINE_STATE_ONLINE"
assert json_format.Parse(json_format.MessageToJson(part), ours.RobotPart()) == part
assert dict(part.robot_config)["debug"] is True
print("ok")
"""


@pytest.mark.parametrize("order", ["ours_first", "theirs_first"])
def test_both_load_in_one_process_and_share_bytes(order):
    imports = IMPORT_OURS + IMPORT_THEIRS if order == "ours_first" else IMPORT_THEIRS + IMPORT_OURS
    script = PRELUDE.format(emulator_dir=str(REPO_ROOT / "tests" / "emulator")) + imports + CHECKS
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout + done.stderr
