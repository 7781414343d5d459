#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_robot_part_info
short_description: List the parts of a Viam machine, with their configs
version_added: 0.1.0
description:
  - Returns the parts of a Viam machine, all of them or those matching O(name) or O(id), each with its config.
  - A part given by O(id) needs no O(robot).
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
options:
  robot:
    description:
      - Name or ID of the machine. Required unless O(id) is given.
    type: str
  location:
    description:
      - Name or ID of the machine's location. Needed when O(robot) is a machine name used in more than one location.
    type: str
  name:
    description:
      - Only the part with this name.
    type: str
  id:
    description:
      - Only the part with this ID.
    type: str
  return_secret:
    description:
      - Also return each part's secrets (C(secret) and C(secrets)). Set C(no_log) to V(true) on the task when you use this.
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
  - module: viam.cloud.viam_robot_part
  - module: viam.cloud.viam_robot_info
"""

EXAMPLES = r"""
- name: The parts of a machine
  viam.cloud.viam_robot_part_info:
    robot: rover-7
    location: lab
  register: rover_parts

- name: The fragments its main part uses
  ansible.builtin.debug:
    msg: "{{ (rover_parts.parts | selectattr('main_part') | first).config.fragments | default([]) }}"

- name: One part by ID, with the secret a device needs
  viam.cloud.viam_robot_part_info:
    id: 0d7a4c1e-2f3b-4d5e-8a9b-1c2d3e4f5a6b
    return_secret: true
  no_log: true
  register: device_part
"""

RETURN = r"""
parts:
  description: The matching parts, as M(viam.cloud.viam_robot_part) returns one.
  returned: always
  type: list
  elements: dict
  contains:
    config:
      description: The part's config, parsed from the API's C(config_json) (whole numbers as integers).
      type: dict
      sample: {"components": [], "fragments": [{"id": "5a0f4b6e-7c1d-4e2f-9a3b-8c7d6e5f4a3b"}]}
    last_updated:
      description: When the part was last changed (RFC 3339); give it to C(last_known_update) of
        M(viam.cloud.viam_robot_part) to guard a later write.
      type: str
      sample: "2026-11-25T15:13:20.123456Z"
  sample:
    - id: 0d7a4c1e-2f3b-4d5e-8a9b-1c2d3e4f5a6b
      name: rover-7-main
      main_part: true
      robot: 6f0e5c1a-8d4b-4c1e-9f3a-2b7d9e4a1c55
      location_id: ab1c2d3e45
      fqdn: rover-7-main.ab1c2d3e45.viam.cloud
      config: {}
"""

from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.lookup import get_part_by_id, resolve_robot
from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule
from ansible_collections.viam.cloud.plugins.module_utils.part_config import ConfigError, parse_config_json

PART_SECRETS = ("secret", "secrets")


class RobotPartInfoModule(ViamModule):
    argument_spec = dict(
        robot=dict(type="str"),
        location=dict(type="str"),
        name=dict(type="str"),
        id=dict(type="str"),
        return_secret=dict(type="bool", default=False),
    )
    module_kwargs = dict(required_one_of=[("robot", "id")])

    def execute(self):
        for option in ("robot", "location", "id"):
            value = self.params[option]
            if value is not None and not value.strip():
                self.fail("%s must not be empty" % option)
        robot = None
        if self.params["robot"]:
            robot, _location = resolve_robot(self.client, self.organization_id, self.params["robot"],
                                             self.params["location"])
        elif self.params["location"]:
            self.fail("location is only used to find the machine: give robot as well")
        if self.params["id"]:
            response = get_part_by_id(self.client, self.params["id"])
            responses = [response] if response is not None else []
            if robot is not None:
                responses = [r for r in responses if r.part.robot == robot.id]
        else:
            listed = self.client.get_robot_parts(robot_id=robot.id, resource="parts of machine %r" % robot.name).parts
            # GetRobotPart for each part wanted: its config_json is the config as stored.
            responses = [self.client.get_robot_part(id=p.id, resource="part %r" % p.name) for p in listed
                         if self.params["name"] is None or p.name == self.params["name"]]
        if self.params["name"] is not None:
            responses = [r for r in responses if r.part.name == self.params["name"]]
        return self.result(False, parts=[self.returned(r) for r in responses])

    def returned(self, response):
        result = message_to_dict(response.part)
        result.pop("robot_config_json", None)
        if not self.params["return_secret"]:
            for key in PART_SECRETS:
                result.pop(key, None)
        try:
            result["config"] = parse_config_json(response.config_json)
        except ConfigError as exc:
            self.fail("part %r: %s" % (response.part.name, exc))
        return result


def main():
    RobotPartInfoModule().run()


if __name__ == "__main__":
    main()
