# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""viam.cloud.rollout against the emulator and one device double per robot (tests/device).

The robots pin fragment "nav" to its tag "stable". A good revision reaches every robot, canary
first then batch by batch, and a second run changes nothing. A revision with a component whose
model is "broken" halts at the canary: the staging tag goes back to stable's revision, the canary
follows stable again, and the other robots never see the broken revision.
"""

from __future__ import annotations

import json
import sys
import time

from conftest import ROOT, report

sys.path.insert(0, str(ROOT / "tests" / "device"))
import device_launcher  # noqa: E402  pylint: disable=wrong-import-position,import-error

ROBOTS = 6
PLAY = """
- name: Roll nav out
  hosts: "canary:fleet"
  serial: [1, 2, "100%%"]
  max_fail_percentage: 0
  gather_facts: false
  roles:
    - role: viam.cloud.rollout
      viam_rollout_fragment: nav
      viam_rollout_settle: %d
      viam_rollout_timeout: 20
"""
SETTLE = 3


def component(name: str, model: str = "fake") -> dict:
    return {"name": name, "api": "rdk:component:movement_sensor", "model": model}


def names(status: dict) -> set:
    return set(c.get("name") for c in status.get("components") or [])


def tags(client, fragment_id: str) -> dict:
    return dict((t.tag, t.revision) for t in client.get_fragment(id=fragment_id).tags)


def test_a_good_revision_reaches_every_robot_and_a_broken_one_halts_at_the_canary(
        emulator_factory, playbook_runner, tmp_path):
    emulator = emulator_factory("--online-window", "3", "--restart-check-interval", "1")
    client = emulator.client()
    org = emulator.organization_id
    location = client.create_location(organization_id=org, name="roll-lab").location
    nav = client.create_fragment(organization_id=org, name="nav", config={"components": [component("imu")]}).fragment
    client.set_fragment_tag(fragment_id=nav.id, tag="stable", revision=client.get_fragment(id=nav.id).fragment.revision)
    doubles, hosts = [], {}
    try:
        for index in range(ROBOTS):
            robot_id = client.new_robot(name="roll-%d" % index, location=location.id).id
            part = next(p for p in client.get_robot_parts(robot_id=robot_id).parts if p.main_part)
            client.update_robot_part(id=part.id, name=part.name, robot_config={
                "fragments": [{"id": nav.id, "version": "stable"}]})
            path = tmp_path / ("robot-%d.json" % index)
            device_launcher.write_cloud_config(str(path), part.id, emulator.app_url, secret=part.secret,
                                               refresh_interval="1s")
            doubles.append(device_launcher.start(str(path), str(tmp_path / "doubles"), name="robot-%d" % index))
            hosts["robot-%d" % index] = dict(viam_part_id=part.id)
        for double in doubles:
            double.wait_for(lambda s: names(s) == {"imu"}, timeout=30, what="the double on revision 1")
        inventory = tmp_path / "inventory.json"
        host_vars = dict(ansible_connection="local", ansible_python_interpreter=sys.executable)
        inventory.write_text(json.dumps({
            "canary": {"hosts": dict((h, dict(v, **host_vars)) for h, v in hosts.items() if h == "robot-0")},
            "fleet": {"hosts": dict((h, dict(v, **host_vars)) for h, v in hosts.items() if h != "robot-0")}}))

        # --- a good revision: every robot, batch by batch; again: nothing
        client.update_fragment(id=nav.id, name="nav", config={"components": [component("imu"), component("lidar")]})
        good = client.get_fragment(id=nav.id).fragment.revision
        started = time.monotonic()
        run = playbook_runner(PLAY % SETTLE, emulator, inventory=inventory, forks=10)
        took = time.monotonic() - started
        assert run.returncode == 0 and not run.failed, run.explain()
        assert tags(client, nav.id) == {"stable": good}, "stable moved, the staging tag is gone"
        pins = dict((host, [f.get("version") for f in json.loads(client.get_robot_part(id=v["viam_part_id"]).config_json)
                             .get("fragments", [])]) for host, v in hosts.items())
        assert pins == dict((host, ["stable"]) for host in hosts), "every part follows the fleet's tag again: %s" % pins
        for double in doubles:
            double.wait_for(lambda s: names(s) == {"imu", "lidar"}, timeout=15, what="the double on the good revision")
        again = playbook_runner(PLAY % SETTLE, emulator, inventory=inventory, forks=10)
        assert again.returncode == 0 and again.total("changed") == 0, again.explain()

        # --- a broken revision: halted at the canary, rolled back, the others untouched
        client.update_fragment(id=nav.id, name="nav", config={"components": [
            component("imu"), component("lidar"), component("gps", model="broken")]})
        started = time.monotonic()
        halted = playbook_runner(PLAY % SETTLE, emulator, inventory=inventory, forks=10)
        halt_took = time.monotonic() - started
        assert halted.returncode != 0 and set(e["host"] for e in halted.failed) == {"robot-0"}, halted.explain()
        assert "halted at robot-0" in halted.failed[-1].get("msg", "")
        assert tags(client, nav.id).get("stable") == good
        assert tags(client, nav.id).get("rollout") == good, "the staging tag is back on stable's revision"
        doubles[0].wait_for(lambda s: names(s) == {"imu", "lidar"}, timeout=15, what="the canary back on stable")
        for double in doubles[1:]:
            assert "gps" not in names(double.status()), "a robot after the canary got the broken revision"
        report("rollout", robots=ROBOTS, batches=3, good_seconds=round(took, 1), halt_seconds=round(halt_took, 1),
               settle=SETTLE)
    finally:
        for double in doubles:
            double.stop()
