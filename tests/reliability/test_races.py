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
