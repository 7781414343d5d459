# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults: the demo fleet playbook against an emulator that drops and loses calls, and one that is slow.

- --fail-rate 0.3 (a call answered UNAVAILABLE before it is processed) and --lose-rate 0.1 (a
  call applied, then answered UNAVAILABLE): the playbook converges with no failed task, exactly
  the declared resources exist afterwards (counted through the API), and a second run changes
  nothing.
- --latency-ms 300 with timeout 0.1: every module fails with a clear timeout message naming the
  RPC and the resource, without a traceback, and nothing half-made is left.
"""
from __future__ import annotations

from conftest import PLAYBOOKS, duplicates, fleet_state, injected, report

FLEET = PLAYBOOKS / "provision_fleet.yml"
DECLARED = dict(
    locations={"lab": 1, "warehouse": 1},
    machines={"lab/rover-1": 1, "lab/rover-2": 1, "warehouse/forklift-1": 1, "warehouse/forklift-2": 1},
    parts={"lab/rover-1/rover-1-main": 1, "lab/rover-1/rover-1-arm": 1, "lab/rover-2/rover-2-main": 1,
           "lab/rover-2/rover-2-arm": 1, "lab/rover-2/rover-2-lidar": 1,
           "warehouse/forklift-1/forklift-1-main": 1, "warehouse/forklift-1/forklift-1-camera": 1,
           "warehouse/forklift-2/forklift-2-main": 1},
    fragments={"base-sensors": 1},
)


def test_fleet_converges_under_dropped_and_lost_calls(emulator_factory, playbook_runner):
    emulator = emulator_factory("--fail-rate", "0.3", "--lose-rate", "0.1")
    first = playbook_runner(FLEET, emulator)
    assert first.returncode == 0 and not first.failed, first.explain()
    assert first.total("changed") > 0
    # app_url is http://127.0.0.1: plaintext to this machine only, so no "the API key travels unencrypted" warning
    assert not [w for e in first.items() for w in e.get("warnings") or [] if "unencrypted" in w]

    with emulator.client() as client:
        state = fleet_state(client, emulator.organization_id)
    assert duplicates(state) == {}
    for kind, names in DECLARED.items():
        assert dict(state[kind]) == names, kind
    keys = dict(state["keys"])
    assert keys.get("telemetry-service") == 1, keys

    second = playbook_runner(FLEET, emulator)
    assert second.returncode == 0 and not second.failed, second.explain()
    assert second.total("changed") == 0, [e["task"] for e in second.items() if e.get("changed")]

    with emulator.client() as client:
        assert fleet_state(client, emulator.organization_id) == state

    faults = injected(emulator)
    calls = emulator.calls()
    assert faults.get("fail", 0) > 0 and faults.get("lose", 0) > 0, faults
    report("faults", calls=len(calls), injected_fail=faults.get("fail", 0), injected_lose=faults.get("lose", 0),
           module_runs=len(first.items()) + len(second.items()),
           lost_creates=sum(1 for c in calls if c.get("injected") == "lose" and c["method"].startswith(("Create", "New"))),
           resources_checked=sum(sum(names.values()) for names in state.values()), duplicates=0)


SLOW_PLAY = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/viam.cloud.viam:
      timeout: 0.1
  tasks:
    - name: slow location
      viam.cloud.viam_location: {name: slow-lab}
      ignore_errors: true
    - name: slow machine
      viam.cloud.viam_robot: {name: slow-rover, location: slow-lab}
      ignore_errors: true
    - name: slow part
      viam.cloud.viam_robot_part: {name: slow-rover-arm, robot: slow-rover, location: slow-lab}
      ignore_errors: true
    - name: slow fragment
      viam.cloud.viam_fragment: {name: slow-fragment, config: {components: []}}
      ignore_errors: true
    - name: slow key
      viam.cloud.viam_api_key:
        name: slow-key
        authorizations: [{role: owner, resource_type: organization}]
      ignore_errors: true
    - name: patient location
      viam.cloud.viam_location: {name: patient-lab, timeout: 5}
"""
SLOW_TASKS = ("slow location", "slow machine", "slow part", "slow fragment", "slow key")


def test_short_timeout_against_slow_server_fails_clearly_and_applies_nothing(emulator_factory, playbook_runner):
    emulator = emulator_factory("--latency-ms", "300")
    run = playbook_runner(SLOW_PLAY, emulator)
    assert run.returncode == 0, run.explain()  # only the ignored tasks failed
    for name in SLOW_TASKS:
        (event,) = run.task(name)
        assert event["status"] == "failed", event
        msg = event["msg"]
        assert "timed out after 0.1 s" in msg and "DEADLINE_EXCEEDED" in msg, msg
        assert "raise it" in msg, msg  # says what to do
        assert " failed for " in msg, msg  # names the RPC and what it was working on
        assert "Traceback" not in msg and "Traceback" not in str(event.get("exception", "")), event
        assert event["viam_error"]["code"] == "DEADLINE_EXCEEDED" and event["viam_error"]["rpc"], event
    (patient,) = run.task("patient location")
    assert patient["status"] == "ok" and patient["changed"] is True, patient

    with emulator.client() as client:
        state = fleet_state(client, emulator.organization_id)
    made = [name for names in state.values() for name in names if "slow" in name]
    assert made == [], made  # nothing half-made
    assert dict(state["locations"]) == {"patient-lab": 1}
    writes = [c for c in emulator.calls() if c["method"].startswith(("Create", "New", "Update", "Delete"))]
    report("timeouts", timed_out_tasks=len(SLOW_TASKS), write_calls=[c["method"] for c in writes],
           calls=len(emulator.calls()))
