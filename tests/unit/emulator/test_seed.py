"""--seed-fleet: speed, names, counts, and a deterministic mix of online and offline machines."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from viam_emulator.seed import machine_state, seed_fleet
from viam_emulator.wire import app_pb2

HERE = os.path.dirname(os.path.abspath(__file__))
LAUNCHER = os.path.join(os.path.dirname(os.path.dirname(HERE)), "emulator", "viam-app-emulator")


def test_a_thousand_machines(emulator, call, org_id):
    # How fast seeding is belongs to make bench (the inventory bench seeds 30,000 parts), not here.
    with emulator.tx() as tx:
        location_ids = seed_fleet(tx, emulator.settings, org_id, 10, 100, 3)
    assert len(location_ids) == 10
    with emulator.tx() as tx:
        assert (tx.count("robot"), tx.count("part")) == (1000, 3000)
    locations = call("ListLocations", organization_id=org_id).locations
    assert [(loc.name, loc.robot_count) for loc in locations] == [("site-%02d" % i, 100) for i in range(1, 11)]


def test_names_parts_and_states(emulator, call, org_id):
    with emulator.tx() as tx:
        (location_id,) = seed_fleet(tx, emulator.settings, org_id, 1, 20, 3)
    robots = call("ListRobots", location_id=location_id).robots
    assert [r.name for r in robots] == ["site-01-m%03d" % i for i in range(1, 21)]
    parts = call("GetRobotParts", robot_id=robots[0].id).parts
    assert [(p.name, p.main_part) for p in parts] == [
        ("site-01-m001-main", True), ("site-01-m001-p1", False), ("site-01-m001-p2", False)]
    assert call("GetRobotPartLogs", id=parts[1].id).logs  # seeded parts have logs too
    states = [r.online_state for r in robots]
    assert app_pb2.ONLINE_STATE_ONLINE in states and app_pb2.ONLINE_STATE_OFFLINE in states
    for index, robot in enumerate(robots, start=1):
        state, offline_for = machine_state(index)
        assert robot.online_state == state
        if state == app_pb2.ONLINE_STATE_ONLINE:
            assert robot.seconds_since_online == 0 and robot.HasField("last_access")
        elif offline_for is None:
            assert not robot.HasField("last_access")
        else:
            assert abs(robot.seconds_since_online - offline_for) <= 5
    summary = call("ListMachineSummaries", organization_id=org_id).location_summaries[0]
    online = [p for m in summary.machine_summaries for p in m.part_summaries
              if p.online_state == app_pb2.ONLINE_STATE_ONLINE]
    assert online and all(p.os == "linux" and p.platform and p.HasField("last_online") for p in online)


def test_the_command_line_seeds_the_fleet(connect):
    env = dict(os.environ, VIAM_EMULATOR_PYTHON=sys.executable)
    process = subprocess.Popen([LAUNCHER, "--port", "0", "--seed-fleet", "2:3:2"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = json.loads(process.stdout.readline())
        client = connect(info["address"], info["api_key_id"], info["api_key"])
        response = client("ListMachineSummaries", organization_id=info["organization_id"])
        machines = [m for s in response.location_summaries for m in s.machine_summaries]
        assert len(machines) == 6 and all(len(m.part_summaries) == 2 for m in machines)
    finally:
        process.terminate()
        process.wait(timeout=5)
