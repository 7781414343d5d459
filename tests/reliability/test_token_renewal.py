# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Token renewal: the emulator's access tokens expire after 1 s (--token-ttl 1).

A module making calls for longer than that, and the client across a pause, renew the token
transparently: each expired token costs exactly one UNAUTHENTICATED answer and one new
Authenticate call (counted in the emulator's call log), and nothing fails.
"""
from __future__ import annotations

import collections
import time

from conftest import report

LONG_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: read every machine with its parts, slowly
      viam.cloud.viam_robot_info: {parts: true, metadata: true}
      register: fleet
    - name: every machine was read
      ansible.builtin.assert:
        that: fleet.robots | length == 12
"""


def test_a_long_module_renews_its_token_transparently(emulator_factory, playbook_runner):
    emulator = emulator_factory("--token-ttl", "1", "--latency-ms", "60", "--seed-fleet", "2:6:1")
    run = playbook_runner(LONG_PLAY, emulator)
    assert run.returncode == 0 and not run.failed, run.explain()
    calls = emulator.calls()
    codes = collections.Counter(c["code"] for c in calls)
    authenticate = [c for c in calls if c["method"] == "Authenticate"]
    expired = codes.get("UNAUTHENTICATED", 0)
    assert expired >= 1  # the play outlived a token
    # one new token per expired one (sequential calls): no storm of re-authentication, no failure
    assert len(authenticate) == expired + 1, (len(authenticate), expired)
    assert all(c["code"] == "OK" for c in authenticate)
    report("token_renewal_module", calls=len(calls), authenticate=len(authenticate), expired_answers=expired)


def test_the_client_renews_once_after_a_pause(emulator_factory):
    emulator = emulator_factory("--token-ttl", "1")
    with emulator.client() as client:
        client.list_locations(organization_id=emulator.organization_id)
        time.sleep(1.5)  # outlive the token (not a timing assertion: the token must have expired)
        client.list_locations(organization_id=emulator.organization_id)
        client.list_locations(organization_id=emulator.organization_id)
        assert client.auth_count == 2
    methods = [(c["method"], c["code"]) for c in emulator.calls()]
    assert methods == [("Authenticate", "OK"), ("ListLocations", "OK"), ("ListLocations", "UNAUTHENTICATED"),
                       ("Authenticate", "OK"), ("ListLocations", "OK"), ("ListLocations", "OK")]
    report("token_renewal_client", authenticate=2, expired_answers=1)
