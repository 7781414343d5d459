# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Races: 20 hosts, forks 20, converging the same names at the same moment.

Each task below runs on all 20 hosts at once; several hosts ask for the same name:
- one location name for all 20 hosts (location names may repeat in Viam: the modules settle
  the race by keeping the oldest copy, see ViamModule.keep_oldest);
- 4 machine names, 5 hosts each (machine names are unique in a location: the loser's
  ALREADY_EXISTS becomes a re-read);
- 2 fragment names, 10 hosts each; 4 API key names, 5 hosts each;
- 12 parts on the 4 machines, 1 or 2 hosts each, all machines at once.
Afterwards each name exists exactly once (counted through the API) and each task reports
exactly one changed=true per name, the other hosts ok.
"""
from __future__ import annotations

import pytest

from conftest import duplicates, fleet_state, report, write_inventory

HOSTS = 20
RACE_PLAY = """
- hosts: all
  gather_facts: false
  vars:
    machine: "race-bot-{{ (idx - 1) % 4 + 1 }}"
  tasks:
    - name: race location
      viam.cloud.viam_location: {name: race-site}
    - name: race machines
      viam.cloud.viam_robot: {name: "{{ machine }}", location: race-site}
    - name: race fragments
      viam.cloud.viam_fragment:
        name: "race-fragment-{{ idx % 2 }}"
        config: {components: [{name: imu, api: "rdk:component:movement_sensor", model: fake}]}
    - name: race keys
      viam.cloud.viam_api_key:
        name: "race-key-{{ idx % 4 }}"
        authorizations: [{role: operator, resource_type: location, resource: race-site}]
    - name: race parts
      viam.cloud.viam_robot_part:
        name: "{{ machine }}-part-{{ (idx - 1) // 8 }}"
        robot: "{{ machine }}"
        location: race-site
"""
# task -> how many distinct names its 20 hosts ask for
NAMES = {"race location": 1, "race machines": 4, "race fragments": 2, "race keys": 4, "race parts": 12}


def test_twenty_forks_racing_for_the_same_names_make_each_once(emulator_factory, playbook_runner, tmp_path):
    emulator = emulator_factory()
    hosts = dict(("race-%02d" % i, {"idx": i}) for i in range(1, HOSTS + 1))
    inventory = write_inventory(tmp_path / "race-hosts.json", hosts)
    run = playbook_runner(RACE_PLAY, emulator, inventory=inventory, forks=HOSTS)
    assert run.returncode == 0 and not run.failed, run.explain()

    changed = {}
    for task, names in NAMES.items():
        events = run.task(task)
        assert len(events) == HOSTS and all(e["status"] == "ok" for e in events), task
        changed[task] = sum(1 for e in events if e["changed"])
    assert changed == NAMES  # exactly one changed=true per name, every other host ok

    with emulator.client() as client:
        state = fleet_state(client, emulator.organization_id)
    assert duplicates(state) == {}
    assert dict(state["locations"]) == {"race-site": 1}
    assert sorted(state["machines"]) == ["race-site/race-bot-%d" % m for m in range(1, 5)]
    assert sorted(state["fragments"]) == ["race-fragment-0", "race-fragment-1"]
    assert sorted(k for k in state["keys"] if k.startswith("race-")) == ["race-key-%d" % k for k in range(4)]
    parts = sorted(p for p in state["parts"] if "-part-" in p)
    assert parts == sorted("race-site/race-bot-%d/race-bot-%d-part-%d" % (m, m, k)
                           for m in range(1, 5) for k in range(3) if (m - 1) + 8 * k < HOSTS)
    calls = emulator.calls()
    report("races", hosts=HOSTS, module_runs=len(run.results), names=sum(NAMES.values()),
           already_exists=sum(1 for c in calls if c["code"] == "ALREADY_EXISTS"),
           duplicate_copies_removed=sum(1 for c in calls if c["method"] in ("DeleteLocation", "DeleteKey")),
           duplicates=0)


# The races of docs/api-assumptions.md §7 (issue 13, item 10): 20 hosts converge the *same* location, machine,
# part (with a config), fragment and key at 20 ms per call. Without faults, a refused guarded UpdateRobotPart must
# re-read (the part is already as wanted) instead of failing; with lost answers, a CreateLocation applied twice
# must still end as one location.
SAME_PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - name: same location
      viam.cloud.viam_location: {name: same-site}
    - name: same machine
      viam.cloud.viam_robot: {name: same-bot, location: same-site}
    - name: same bare part
      viam.cloud.viam_robot_part:
        name: same-bot-arm
        robot: same-bot
        location: same-site
    # Every host reads the bare part at once, then all 20 send the same guarded config write: one lands, the
    # other 19 are refused as stale and must find the part already as they want it. One task per round (not a
    # loop: the linear strategy waits for every host at the end of a task, not of a loop item).
    - name: same part
      viam.cloud.viam_robot_part: &same_part
        name: same-bot-arm
        robot: same-bot
        location: same-site
        config: {components: [{name: arm, api: "rdk:component:arm", model: fake, attributes: {speed: "{{ speeds[0] }}"}}]}
    - name: same part, round 2
      viam.cloud.viam_robot_part:
        <<: *same_part
        config: {components: [{name: arm, api: "rdk:component:arm", model: fake, attributes: {speed: "{{ speeds[1] }}"}}]}
      when: speeds | length > 1
    - name: same part, round 3
      viam.cloud.viam_robot_part:
        <<: *same_part
        config: {components: [{name: arm, api: "rdk:component:arm", model: fake, attributes: {speed: "{{ speeds[2] }}"}}]}
      when: speeds | length > 2
    - name: same fragment
      viam.cloud.viam_fragment:
        name: same-fragment
        config: {components: [{name: imu, api: "rdk:component:movement_sensor", model: fake}]}
    - name: same key
      viam.cloud.viam_api_key:
        name: same-key
        authorizations: [{role: operator, resource_type: location, resource: same-site}]
"""
SAME_TASKS = ("same location", "same machine", "same bare part", "same part", "same fragment", "same key")


def _converge_the_same_names(emulator_factory, playbook_runner, tmp_path, *faults, speeds=(3,), latency_ms=20):
    emulator = emulator_factory("--latency-ms", str(latency_ms), *faults)
    hosts = dict(("same-%02d" % i, {"idx": i}) for i in range(1, HOSTS + 1))
    inventory = write_inventory(tmp_path / "same-hosts.json", hosts)
    run = playbook_runner(SAME_PLAY, emulator, inventory=inventory, forks=HOSTS, extra_vars={"speeds": list(speeds)})
    assert run.returncode == 0 and not run.failed, run.explain()
    with emulator.client() as client:
        state = fleet_state(client, emulator.organization_id)
        site = [loc for loc in client.list_locations(organization_id=emulator.organization_id).locations
                if loc.name == "same-site"][0]
        robot = list(client.list_robots(location_id=site.id).robots)[0]
        part = client.get_robot_parts(robot_id=robot.id).parts
    assert duplicates(state) == {}
    assert dict(state["locations"]) == {"same-site": 1}
    assert dict(state["machines"]) == {"same-site/same-bot": 1}
    assert state["parts"]["same-site/same-bot/same-bot-arm"] == 1
    assert dict(state["fragments"]) == {"same-fragment": 1}
    assert state["keys"]["same-key"] == 1
    arm = [p for p in part if p.name == "same-bot-arm"][0]
    assert arm.robot_config["components"][0]["attributes"]["speed"] == speeds[-1]
    return run, emulator


# 20 ms is the latency of the run that found the race; on our 2 cores the 20 module processes start too far
# apart for their read-to-write windows to overlap often, so 300 ms widens the window until every round races.
@pytest.mark.parametrize("latency_ms", [20, 300])
def test_twenty_hosts_converging_the_same_part_config_never_report_a_false_conflict(
        emulator_factory, playbook_runner, tmp_path, latency_ms):
    speeds = (3, 4, 5)  # three rounds of 20 concurrent guarded writes of one config
    run, emulator = _converge_the_same_names(emulator_factory, playbook_runner, tmp_path, speeds=speeds,
                                             latency_ms=latency_ms)
    tasks = SAME_TASKS + ("same part, round 2", "same part, round 3")
    changed = dict((task, sum(1 for e in run.task(task) if e["changed"])) for task in tasks)
    # Each resource was made (and each round's config set) by exactly one host; the other 19 report it unchanged.
    assert changed == dict((task, 1) for task in tasks), changed
    report("races_same_names", hosts=HOSTS, latency_ms=latency_ms, changed=changed,
           refused_updates=sum(1 for c in emulator.calls() if c["method"] == "UpdateRobotPart"
                               and c["code"] not in ("OK", None)))


def test_twenty_hosts_converging_the_same_names_with_lost_answers_leave_exactly_one(
        emulator_factory, playbook_runner, tmp_path):
    run, emulator = _converge_the_same_names(emulator_factory, playbook_runner, tmp_path,
                                             "--fail-rate", "0.2", "--lose-rate", "0.1")
    from conftest import injected
    report("races_same_names_faults", hosts=HOSTS, latency_ms=20, injected=injected(emulator),
           module_runs=len(run.results))
