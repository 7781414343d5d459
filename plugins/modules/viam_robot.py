#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_robot
short_description: Manage Viam machines
version_added: 0.1.0
description:
  - Create, rename, move and delete machines (robots) of a Viam organization.
  - A machine is found by O(name) within O(location), or by O(id). Without O(location), O(name) is looked up in
    the whole organization; a name used in several locations then fails and lists them instead of guessing.
  - Viam creates a main part named C(<name>-main) with every new machine; manage parts with
    M(viam.cloud.viam_robot_part).
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
  - viam.cloud.viam_metadata
options:
  name:
    description:
      - Name of the machine. Machine names are unique within a location.
      - Required unless O(id) is given. With O(id), a different O(name) renames the machine.
    type: str
  id:
    description:
      - ID of an existing machine (a UUID).
      - Addresses the machine directly, which allows renaming it or moving it to another O(location).
    type: str
  location:
    description:
      - Name or ID of the location the machine belongs to.
      - Required to create a machine. With O(name), the machine is looked up in this location only.
      - With O(id), a different location moves the machine there, with its parts (their FQDNs change with the location).
      - When omitted, an existing machine is found by O(name) in any location of the organization, and stays where it is.
    type: str
  return_secret:
    description:
      - Also return the secrets of the machine's parts in RV(robot.parts).
      - Part secrets let a device connect as that part; when you set this, also set C(no_log) to V(true) on the task.
    type: bool
    default: false
  state:
    description:
      - V(present) makes sure the machine exists as described.
      - V(absent) deletes it, with all its parts.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    details: In check mode a machine that would be created is returned without ID and without parts.
  diff_mode:
    support: full
  platform:
    support: full
    platforms: all
    details: The module runs where Ansible runs it, usually the controller, and only talks to the Viam API.
notes:
  - Secrets never appear in the diff.
  - Renaming a machine does not rename its parts, so the main part keeps its name and FQDN.
seealso:
  - module: viam.cloud.viam_robot_info
  - module: viam.cloud.viam_robot_part
  - module: viam.cloud.viam_location
"""

EXAMPLES = r"""
- name: A machine in the lab
  viam.cloud.viam_robot:
    name: rover-7
    location: lab
  register: rover

- name: Show the address of its main part
  ansible.builtin.debug:
    msg: "{{ (rover.robot.parts | selectattr('main_part') | first).fqdn }}"

- name: Rename a machine, found by its ID
  viam.cloud.viam_robot:
    id: 6f0e5c1a-8d4b-4c1e-9f3a-2b7d9e4a1c55
    name: rover-8

- name: Move it to another location (by ID; a name and a new location would create a second machine there)
  viam.cloud.viam_robot:
    id: 6f0e5c1a-8d4b-4c1e-9f3a-2b7d9e4a1c55
    location: warehouse

- name: Label a machine, replacing all its metadata
  viam.cloud.viam_robot:
    name: rover-7
    location: lab
    metadata:
      owner: field-team
      serial: 1042
    metadata_mode: replace

- name: Delete a machine and its parts
  viam.cloud.viam_robot:
    name: rover-8
    location: warehouse
    state: absent
"""

RETURN = r"""
robot:
  description: The machine after the task (in check mode, as it would be), with its parts. Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Machine ID; empty in check mode for a machine that would be created.
      type: str
      sample: 6f0e5c1a-8d4b-4c1e-9f3a-2b7d9e4a1c55
    name:
      description: Machine name.
      type: str
      sample: rover-7
    location:
      description: ID of the machine's location.
      type: str
      sample: ab1c2d3e45
    created_on:
      description: When the machine was created (RFC 3339).
      type: str
      sample: "2026-11-25T15:13:20Z"
    last_access:
      description: When a part of the machine was last online (RFC 3339), or null.
      type: str
      sample: "2026-11-25T15:13:20Z"
    online_state:
      description: Whether the machine is online.
      type: str
      sample: ONLINE_STATE_OFFLINE
    seconds_since_online:
      description: Seconds since the machine was last online.
      type: int
      sample: 0
    metadata:
      description: The machine's user-defined metadata after the task.
      type: dict
      returned: when O(metadata) is given
      sample: {"owner": "field-team", "serial": 1042}
    parts:
      description:
        - The machine's parts, as M(viam.cloud.viam_robot_part) returns one, without C(secret) and C(secrets)
          unless O(return_secret=true).
        - The main part (C(main_part=true)) carries the C(fqdn) a device of the machine is reached at.
      type: list
      elements: dict
      sample:
        - id: 0d7a4c1e-2f3b-4d5e-8a9b-1c2d3e4f5a6b
          name: rover-7-main
          main_part: true
          dns_name: rover-7-main
          fqdn: rover-7-main.ab1c2d3e45.viam.cloud
          local_fqdn: rover-7-main.ab1c2d3e45.local.viam.cloud
          location_id: ab1c2d3e45
          robot: 6f0e5c1a-8d4b-4c1e-9f3a-2b7d9e4a1c55
"""

from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.diff import name_ids
from ansible_collections.viam.cloud.plugins.module_utils.metadata import (
    METADATA_ARGUMENT_SPEC, check_metadata_option, sync_metadata)
from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule
from ansible_collections.viam.cloud.plugins.module_utils.services import machines as views
from ansible_collections.viam.cloud.plugins.module_utils.services import locations
from ansible_collections.viam.cloud.plugins.module_utils.services.base import pick_one
from ansible_collections.viam.cloud.plugins.module_utils.validate import is_uuid


class RobotModule(ViamModule):
    # The app may let machine names repeat within a location (docs/api-assumptions.md §7,
    # duplicate_machine_name): racing creates are settled by keep_oldest.
    settle_duplicates = True
    argument_spec = dict(
        name=dict(type="str"),
        id=dict(type="str"),
        location=dict(type="str"),
        return_secret=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        **METADATA_ARGUMENT_SPEC
    )
    module_kwargs = dict(required_one_of=[("name", "id")])

    def execute(self):
        check_metadata_option(self)
        result = sync_metadata(self, self.execute_robot(), "robot", "robot")
        if self.module._diff:
            # Names beside the location IDs of the diff: the listing that found the location, or one ListLocations.
            name_ids(result, "location", locations.names_by_id(self.services.locations.list_for_names(),
                                                               self.params["location"]))
        return result

    def execute_robot(self):
        name = self.validate_name("name", self.params["name"], required=False)
        location_ref = self.params["location"]
        if location_ref is not None and not location_ref.strip():
            self.fail("location must not be empty")
        self.machines = self.services.machines
        location = None
        if location_ref:
            location = self.services.locations.require(location_ref)
        if self.params["id"]:
            current = self.machines.get_by_id(self.params["id"])
            label = "machine id %r" % self.params["id"]
        elif location is not None:
            current = self.machines.find(location.id, name, location.name)
            label = "machine %r in location %r" % (name, location.name)
        else:
            current = self.machines.find_in_organization(name)
            label = "machine %r" % name
        if self.params["state"] == "absent":
            return self.absent(current)
        return self.present(current, location, label)

    def returned(self, robot):
        parts = self.services.parts.list(robot.id, "parts of machine %r" % robot.name)
        return views.view(robot, parts, self.params["return_secret"])

    def absent(self, current):
        if current is None:
            return self.result(False, before={}, after={}, robot={})
        if not self.check_mode:
            self.client.delete_robot(id=current.id, resource="machine %r" % current.name)
        return self.result(True, before=views.managed(message_to_dict(current)), after={}, robot={})

    def present(self, current, location, label):
        if current is None and self.params["id"]:
            hint = "" if is_uuid(self.params["id"]) else " (machine IDs are UUIDs)"
            self.fail("%s not found%s; to create a machine, give its name and location without an id" % (label, hint))
        if current is None:
            if location is None:
                self.fail("machine %r not found in organization %r; to create it, give its location"
                          % (self.params["name"], self.organization_id))
            return self.create(location)
        before = views.managed(message_to_dict(current))
        changes = {}
        if self.params["name"] is not None and self.params["name"] != current.name:
            changes["name"] = self.params["name"]
        if location is not None and location.id != current.location:
            changes["location"] = location.id
        after = dict(before, **changes)
        if not changes:
            return self.result(False, before=before, after=after, robot=self.returned(current))
        self.check_free(after["name"], after["location"], location, current)
        if self.check_mode:
            predicted = self.returned(current)
            predicted.update(name=after["name"], location=after["location"])
            return self.result(True, before=before, after=after, robot=predicted)
        # UpdateRobot always gets the name and location the machine should have.
        updated = self.client.update_robot(id=current.id, name=after["name"], location=after["location"],
                                           resource="machine %r" % current.name).robot
        return self.result(True, before=before, after=after, robot=self.returned(updated))

    def check_free(self, name, location_id, location, current):
        """Machine names are unique within a location: say so before any write."""
        robots = self.machines.list(location_id, resource="machines of location %r" % location_id)
        where = "in location %r" % (location.name if location is not None else location_id)
        other = pick_one([r for r in robots if r.id != current.id], name, "machine", where)
        if other is not None:
            self.fail("a machine named %r already exists %s (id %s)" % (name, where, other.id))

    def create(self, location):
        name = self.params["name"]
        after = dict(name=name, location=location.id)
        if self.check_mode:
            return self.result(True, before={}, after=after, robot=dict(after, id="", parts=[]))
        robot_id = self.machines.create(name, location)
        robot = self.machines.made(robot_id, name, location)
        robot = self.machines.settle(robot, name, location)
        return self.result(True, before={}, after=after, robot=self.returned(robot))


def main():
    RobotModule().run()


if __name__ == "__main__":
    main()
