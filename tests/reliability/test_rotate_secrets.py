# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""viam.cloud.rotate_secrets over 20 robots, each a device double (tests/device) that logs in to the
emulator with the secret of its own cloud config and reads the file again on SIGHUP.

Every robot ends on a new secret and the part keeps only that one; no robot is seen offline by the
app for longer than a restart; one double killed when the role restarts it keeps its old secret
(config put back, new secret deleted) and is reported; a second run after it comes back finishes it;
no output shows a secret.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time

from conftest import ROOT, report, write_inventory

sys.path.insert(0, str(ROOT / "tests" / "device"))
import device_launcher  # noqa: E402  pylint: disable=wrong-import-position,import-error

ROBOTS = 20
VICTIM = 7
ONLINE = 1
PLAY = """
- name: Rotate the part secrets
  hosts: all
  gather_facts: false
  roles:
    - role: viam.cloud.rotate_secrets
      viam_rotate_secrets_timeout: 15
      viam_rotate_secrets_poll: 0.5
"""


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def active_secrets(client, part_id: str):
    part = client.get_robot_part(id=part_id).part
    return [s for s in part.secrets if s.state != 2]  # 2: STATE_DISABLED


class OfflineWatch(threading.Thread):
    """Lists the location's machines every 0.25 s; keeps, per machine, the longest time the app did not list it
    online. One ListRobots a round rather than a GetRobotPart per part: each machine here has one part, and the
    app lists a machine online while its part is (the 19 reads a round cost more CPU than the rotation itself)."""

    def __init__(self, client, location_id, robot_ids):
        super().__init__(daemon=True)
        self.client, self.location_id, self.robot_ids = client, location_id, set(robot_ids)
        self.longest = dict((r, 0.0) for r in self.robot_ids)
        self.since = {}
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            now = time.monotonic()
            for robot in self.client.list_robots(location_id=self.location_id).robots:
                if robot.id not in self.robot_ids:
                    continue
                if robot.online_state == ONLINE:
                    self.since.pop(robot.id, None)
                else:
                    start = self.since.setdefault(robot.id, now)
                    self.longest[robot.id] = max(self.longest[robot.id], now - start)
            time.sleep(0.25)


def test_rotation_over_twenty_robots_with_one_dying(emulator_factory, playbook_runner, tmp_path):
    emulator = emulator_factory("--online-window", "3", "--restart-check-interval", "1")
    client = emulator.client()
    location = client.create_location(organization_id=emulator.organization_id, name="rot-lab").location
    doubles, hosts, parts, robots, old = [], {}, [], [], {}
    try:
        for index in range(ROBOTS):
            robot_id = client.new_robot(name="rot-%02d" % index, location=location.id).id
            robots.append(robot_id)
            part = next(p for p in client.get_robot_parts(robot_id=robot_id).parts if p.main_part)
            root = tmp_path / ("robot-%02d" % index)
            (root / "etc").mkdir(parents=True)
            secret = active_secrets(client, part.id)[0]
            old[part.id] = secret
            device_launcher.write_cloud_config(str(root / "etc" / "viam.json"), part.id, emulator.app_url,
                                               secret=secret.secret, refresh_interval="1s")
            double = device_launcher.start(str(root / "etc" / "viam.json"), str(tmp_path / "doubles"),
                                           name="robot-%02d" % index)
            doubles.append(double)
            parts.append(part.id)
            # The victim dies when the role restarts it (as a robot that loses power mid-rotation).
            signal_name = "KILL" if index == VICTIM else "HUP"
            hosts["robot-%02d" % index] = dict(
                viam_part_id=part.id, viam_rotate_secrets_root=str(root),
                viam_rotate_secrets_restart_command=["kill", "-s", signal_name, "--", "-%d" % double.pid])
        for double in doubles:
            double.wait_for(lambda s: s.get("state") == "running", timeout=30, what="the double running")
        inventory = write_inventory(tmp_path / "inventory.json", hosts)

        watch = OfflineWatch(emulator.client(), location.id, [r for i, r in enumerate(robots) if i != VICTIM])
        watch.start()
        started = time.monotonic()
        run = playbook_runner(PLAY, emulator, inventory=inventory, forks=10)
        took = time.monotonic() - started
        watch.done.set()
        watch.join()

        victim = "robot-%02d" % VICTIM
        assert set(e["host"] for e in run.failed) == {victim}, run.explain()
        assert "keeps its old secret" in run.failed[-1].get("msg", ""), run.explain()
        new = {}
        for index, part_id in enumerate(parts):
            secrets = active_secrets(client, part_id)
            config = json.loads((tmp_path / ("robot-%02d" % index) / "etc" / "viam.json").read_text())
            if index == VICTIM:
                assert [s.id for s in secrets] == [old[part_id].id], "the victim keeps only its old secret"
                assert config["cloud"]["secret"] == old[part_id].secret, "the victim's old config is back"
                continue
            assert len(secrets) == 1 and secrets[0].id != old[part_id].id, "robot %d: one new secret" % index
            new[part_id] = secrets[0]
            assert config["cloud"]["secret"] == secrets[0].secret
            status = doubles[index].wait_for(
                lambda s, fp=fingerprint(secrets[0].secret): s.get("credential_fingerprint") == fp
                and s.get("state") == "running", timeout=10, what="the double on its new secret")
            assert status["authenticated"]
        longest = max(watch.longest.values())
        assert longest < 3.0, "a robot was offline %.1f s (more than a restart)" % longest

        # The victim comes back (with the config the role put back) and a second run finishes it.
        revived = device_launcher.start(str(tmp_path / ("robot-%02d" % VICTIM) / "etc" / "viam.json"),
                                        str(tmp_path / "doubles"), name="robot-revived")
        doubles.append(revived)
        revived.wait_for(lambda s: s.get("state") == "running", timeout=30, what="the revived double running")
        hosts[victim]["viam_rotate_secrets_restart_command"] = ["kill", "-s", "HUP", "--", "-%d" % revived.pid]
        write_inventory(tmp_path / "inventory.json", hosts)
        again = playbook_runner(PLAY, emulator, inventory=inventory, args=["--limit", victim])
        assert not again.failed, again.explain()
        secrets = active_secrets(client, parts[VICTIM])
        assert len(secrets) == 1 and secrets[0].id != old[parts[VICTIM]].id
        new[parts[VICTIM]] = secrets[0]

        every_secret = [s.secret for s in list(old.values()) + list(new.values())]
        output = run.stdout + run.stderr + again.stdout + again.stderr + json.dumps(run.events + again.events)
        assert not [s for s in every_secret if s in output], "a secret appears in the output"
        report("rotate_secrets", robots=ROBOTS, seconds=round(took, 1), longest_offline_s=round(longest, 2),
               failed=[victim], forks=10)
    finally:
        for double in doubles:
            double.stop()
