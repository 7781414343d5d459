# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authorization: API keys scoped to one location, and to one machine, used outside their scope.

Every resource module, pointed at something the key may not touch, fails with a message that
says permission was denied, and the emulator's call log shows that no write of that key
succeeded. The inventory plugin with such a key warns and lists what the key can see, or fails
with strict_permissions: true.
"""
from __future__ import annotations

import json
import os
import subprocess

from conftest import report, write_inventory

SCOPED_PLAY = """
- hosts: all
  gather_facts: false
  module_defaults:
    group/viam.cloud.viam:
      api_key_id: "{{ scoped_key_id }}"
      api_key: "{{ scoped_key }}"
  tasks:
    - name: new top-level location
      viam.cloud.viam_location: {name: intruder-site}
      ignore_errors: true
    - name: machine in another location
      viam.cloud.viam_robot: {name: intruder-bot, location: outside}
      ignore_errors: true
    - name: part on a machine of another location
      viam.cloud.viam_robot_part: {name: intruder-part, robot: out-bot, location: outside}
      ignore_errors: true
    - name: new fragment of the organization
      viam.cloud.viam_fragment: {name: intruder-fragment, config: {components: []}}
      ignore_errors: true
    - name: change the organization's fragment
      viam.cloud.viam_fragment: {name: shared-fragment, config: {components: [{name: x, api: "rdk:component:arm", model: fake}]}}
      ignore_errors: true
    - name: organization-wide API key
      viam.cloud.viam_api_key:
        name: intruder-key
        authorizations: [{role: owner, resource_type: organization}]
      ignore_errors: true
    - name: secret of another location
      viam.cloud.viam_location_secret: {location: outside, count: 2}
      ignore_errors: true
    - name: secret of a part of another location
      viam.cloud.viam_robot_part_secret: {part: out-bot-main, robot: out-bot, location: outside, count: 2}
      ignore_errors: true
    - name: invite to the organization
      viam.cloud.viam_organization_invite: {email: intruder@accepted.example, send_email_invite: false}
      ignore_errors: true
    - name: role on another location
      viam.cloud.viam_role: {identity_id: "{{ owner_key_id }}", role: operator, resource_type: location, resource: outside}
      ignore_errors: true
"""
WRITES = ("Create", "New", "Update", "Delete", "Add", "Remove", "Change", "Rotate", "Rename", "Share", "Unshare",
          "Mark", "Upload", "Resend")


def scoped_fleet(emulator):
    """Two locations with a machine each, a fragment, and two keys: owner of 'inside', owner of 'in-bot'."""
    from ansible_collections.viam.cloud.plugins.module_utils.authorizations import build

    org = emulator.organization_id
    with emulator.client() as client:
        inside = client.create_location(organization_id=org, name="inside").location.id
        outside = client.create_location(organization_id=org, name="outside").location.id
        in_bot = client.new_robot(name="in-bot", location=inside).id
        client.new_robot(name="out-bot", location=outside)
        client.create_fragment(organization_id=org, name="shared-fragment", config={"components": []})
        keys = {}
        for label, resource_type, resource_id in (("location", "location", inside), ("machine", "robot", in_bot)):
            made = client.create_key(name="scoped-%s" % label, authorizations=[
                build("owner", resource_type, resource_id, organization_id=org, identity_type="api-key")])
            keys[label] = (made.id, made.key)
    return dict(inside=inside, outside=outside, in_bot=in_bot, keys=keys)


def test_keys_outside_their_scope_change_nothing(emulator_factory, playbook_runner, tmp_path):
    emulator = emulator_factory()
    fleet = scoped_fleet(emulator)
    hosts = dict(("%s-key" % label, {"scoped_key_id": key_id, "scoped_key": key, "owner_key_id": emulator.api_key_id})
                 for label, (key_id, key) in fleet["keys"].items())
    inventory = write_inventory(tmp_path / "scoped-hosts.json", hosts)
    before = len(emulator.calls())
    run = playbook_runner(SCOPED_PLAY, emulator, inventory=inventory, forks=2)
    assert run.returncode == 0, run.explain()

    tasks = list(run.results)
    assert len(tasks) == 10 * len(hosts)
    for event in tasks:
        assert event["status"] == "failed", event
        msg = event["msg"]
        # PERMISSION_DENIED from the API, or a name the key cannot see (the API lists only what it may read)
        assert "permission denied" in msg.lower() or "may lack permission to see it" in msg, \
            "%s on %s: %s" % (event["task"], event["host"], msg)
        assert "Traceback" not in msg
    calls = emulator.calls()[before:]
    scoped_ids = set(pair[0] for pair in fleet["keys"].values())
    mine = [c for c in calls if c["identity"] in scoped_ids]
    applied = [c for c in mine if c["method"].startswith(WRITES) and c["code"] == "OK"]
    assert applied == []
    denied = [c for c in mine if c["code"] == "PERMISSION_DENIED"]
    report("authorization", keys=len(hosts), tasks=len(tasks), calls=len(mine), denied=len(denied),
           writes_attempted=sum(1 for c in mine if c["method"].startswith(WRITES)), writes_applied=0)


def inventory_run(emulator, tmp_path, key, strict):
    source = tmp_path / ("scoped-%s.viam.yml" % ("strict" if strict else "lenient"))
    source.write_text(json.dumps({"plugin": "viam.cloud.viam", "locations": [key["inside"], key["outside"]],
                                  "strict_permissions": strict}))
    env = dict(os.environ, **emulator.env(VIAM_API_KEY_ID=key["id"], VIAM_API_KEY=key["key"]))
    env.update(ANSIBLE_INVENTORY_UNPARSED_FAILED="true", ANSIBLE_NOCOLOR="1")
    return subprocess.run(["ansible-inventory", "-i", str(source), "--list"], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_inventory_with_a_location_key_warns_or_fails(emulator_factory, tmp_path):
    emulator = emulator_factory()
    fleet = scoped_fleet(emulator)
    key_id, key = fleet["keys"]["location"]
    scope = dict(inside=fleet["inside"], outside=fleet["outside"], id=key_id, key=key)

    lenient = inventory_run(emulator, tmp_path, scope, strict=False)
    assert lenient.returncode == 0, lenient.stderr
    listed = json.loads(lenient.stdout)
    hosts = sorted(listed.get("_meta", {}).get("hostvars", {}))
    assert hosts and all("in-bot" in h for h in hosts), hosts  # what the key can see, nothing else
    assert "may not read" in lenient.stderr and fleet["outside"] in lenient.stderr, lenient.stderr

    strict = inventory_run(emulator, tmp_path, scope, strict=True)
    assert strict.returncode != 0
    assert "strict_permissions" in strict.stderr and "may not read" in strict.stderr, strict.stderr
    assert "Traceback" not in strict.stderr
    report("authorization_inventory", hosts_listed=len(hosts), strict_failed=True)
