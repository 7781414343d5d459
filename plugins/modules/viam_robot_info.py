#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_robot_info
short_description: List Viam machines
version_added: 0.1.0
description:
  - Returns the machines (robots) of a Viam location, or of every location of the organization, all of them or those
    matching O(name) or O(id); with O(parts=true), each with its parts.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
options:
  location:
    description:
      - Name or ID of a location; only its machines are returned.
      - When omitted, the machines of every location of the organization.
    type: str
  name:
    description:
      - Only the machines with this name.
    type: str
  id:
    description:
      - Only the machine with this ID.
    type: str
  parts:
    description:
      - Also return each machine's parts in C(parts), as M(viam.cloud.viam_robot_part) returns one (without C(config)).
      - Costs one call per machine.
    type: bool
    default: false
  return_secret:
    description:
      - With O(parts=true), also return each part's secrets. Set C(no_log) to V(true) on the task when you use this.
    type: bool
    default: false
  metadata:
    description:
      - Also return each machine's user-defined metadata in C(metadata), and with O(parts=true), each part's.
      - Costs one call per machine and part.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: all
    details: The module runs where Ansible runs it, usually the controller, and only talks to the Viam API.
seealso:
  - module: viam.cloud.viam_robot
  - module: viam.cloud.viam_robot_part_info
"""

EXAMPLES = r"""
- name: Every machine of the organization
  viam.cloud.viam_robot_info:
  register: viam_machines

- name: The machines of the lab, with their parts
  viam.cloud.viam_robot_info:
    location: lab
    parts: true
  register: lab_machines

- name: The FQDN of each machine's main part
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ (item.parts | selectattr('main_part') | first).fqdn }}"
  loop: "{{ lab_machines.robots }}"
  loop_control:
    label: "{{ item.name }}"
"""

RETURN = r"""
robots:
  description:
    - The matching machines, as M(viam.cloud.viam_robot) returns one (C(parts) only with O(parts=true)).
    - With O(metadata=true), each machine and part has its user-defined metadata in C(metadata).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 6f0e5c1a-8d4b-4c1e-9f3a-2b7d9e4a1c55
      name: rover-7
      location: ab1c2d3e45
      online_state: ONLINE_STATE_OFFLINE
      created_on: "2026-11-25T15:13:20Z"
"""

from ansible_collections.viam.cloud.plugins.module_utils.metadata import read_metadata
from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule
from ansible_collections.viam.cloud.plugins.module_utils.services import machines, parts


class RobotInfoModule(ViamModule):
    argument_spec = dict(
        location=dict(type="str"),
        name=dict(type="str"),
        id=dict(type="str"),
        parts=dict(type="bool", default=False),
        return_secret=dict(type="bool", default=False),
        metadata=dict(type="bool", default=False),
    )

    def execute(self):
        _organization = self.organization_id  # checked and resolved before any lookup
        location = None
        if self.params["location"] is not None:
            if not self.params["location"].strip():
                self.fail("location must not be empty")
            location = self.services.locations.require(self.params["location"])
        if self.params["id"]:
            robot = self.services.machines.get_by_id(self.params["id"])
            robots = [robot] if robot is not None else []
        elif location is not None:
            robots = self.services.machines.list(location.id, resource="machines of location %r" % location.name)
        else:
            robots = self.services.machines.list_organization()
        if location is not None:
            robots = [r for r in robots if r.location == location.id]
        if self.params["name"] is not None:
            robots = [r for r in robots if r.name == self.params["name"]]
        return self.result(False, robots=[self.returned(r) for r in robots])

    def returned(self, robot):
        result = machines.view(robot)
        if self.params["metadata"]:
            result["metadata"] = read_metadata(self.client, "robot", robot.id, robot.name)
        if self.params["parts"]:
            result["parts"] = []
            for part in self.services.parts.list(robot.id, "parts of machine %r" % robot.name):
                item = parts.view(part, self.params["return_secret"])
                if self.params["metadata"]:
                    item["metadata"] = read_metadata(self.client, "part", part.id, part.name)
                result["parts"].append(item)
        return result


def main():
    RobotInfoModule().run()


if __name__ == "__main__":
    main()
