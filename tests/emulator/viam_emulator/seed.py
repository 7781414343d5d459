"""--seed-fleet L:M:P: a large, realistic fleet created at start-up, quickly.

Names: locations `site-01`, machines `site-01-m001`, parts `site-01-m001-main` and
`site-01-m001-p1`...; P counts the main part. The same create_* functions as the RPCs make
everything, so seeded data obeys the same rules. Online state is a deterministic mix:
most machines online, the rest offline since a few minutes to a few days ago, and a few
that never connected (no last_access), so inventories and summaries have all cases.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from .records import (create_location, create_part, create_robot, now_micros, robot_parts, save_part, save_robot,
                      set_micros)
from .registry import Settings
from .store import Tx
from .wire import app_pb2

ONLINE, OFFLINE = app_pb2.ONLINE_STATE_ONLINE, app_pb2.ONLINE_STATE_OFFLINE
SERVER_VERSION = "v0.96.0"
AGENT_VERSION = "v0.20.1"


def machine_state(index: int) -> Tuple[int, Optional[int]]:
    """(state, seconds offline or None for never connected) for the index-th machine, deterministically."""
    bucket = (index * 37) % 20
    if bucket < 14:  # 70 % online
        return ONLINE, 0
    if bucket < 19:  # 25 % offline, from minutes to days
        return OFFLINE, 300 * (1 + (index * 7919) % 1500)
    return OFFLINE, None  # 5 % created but never connected


def _main_config() -> Dict:
    """A small, plausible config, so GetRobotPart and config-reading features have something to show."""
    return {"components": [{"name": "camera-1", "api": "rdk:component:camera", "model": "rdk:builtin:fake",
                            "attributes": {}}],
            "services": [],
            "modules": [],
            "agent": {"viam-server": {"release_channel": "stable"}}}


def _host_facts(part: app_pb2.RobotPart, index: int) -> Dict:
    """What a connected viam-server would have reported about its host."""
    arm = index % 3 != 0
    private_ip = "10.%d.%d.%d" % (index // 65536 % 256, index // 256 % 256, index % 256 or 1)
    return {"host": part.dns_name, "os": "linux", "arch": "arm64" if arm else "amd64",
            "platform": "linux/arm64" if arm else "linux/amd64", "version": SERVER_VERSION,
            "agent_version": AGENT_VERSION, "ips": [private_ip], "public_ip": "203.0.113.%d" % (index % 254 + 1)}


def _apply_state(tx: Tx, robot: app_pb2.Robot, parts: List[app_pb2.RobotPart], index: int, org_id: str,
                 at: int) -> None:
    state, offline_for = machine_state(index)
    if offline_for is None:
        return  # created offline and never seen: the defaults already say so
    robot.online_state = state
    set_micros(robot.last_access, at - offline_for * 1_000_000)
    save_robot(tx, robot, org_id)
    for part in parts:
        part.online_state = state
        part.last_access.CopyFrom(robot.last_access)
        part.user_supplied_info.update(_host_facts(part, index))
        save_part(tx, part, org_id)


def seed_fleet(tx: Tx, settings: Settings, org_id: str, locations: int, machines_per_location: int,
               parts_per_machine: int) -> List[str]:
    """Create the fleet in `org_id`; returns the new location IDs. 10:100:3 takes about a second."""
    location_ids: List[str] = []
    at = now_micros()
    index = 0
    for l_number in range(1, locations + 1):
        location_name = "site-%02d" % l_number
        location = create_location(tx, org_id, location_name)
        location_ids.append(location.id)
        for m_number in range(1, machines_per_location + 1):
            index += 1
            robot = create_robot(tx, settings, "%s-m%03d" % (location_name, m_number), location.id,
                                 main_config=_main_config())
            parts = robot_parts(tx, robot.id) + [
                create_part(tx, settings, robot, "%s-p%d" % (robot.name, p_number), org_id=org_id)
                for p_number in range(1, parts_per_machine)]
            _apply_state(tx, robot, parts, index, org_id, at)
    return location_ids
