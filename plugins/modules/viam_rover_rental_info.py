#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_rover_rental_info
short_description: List the rover rental machines of a Viam organization
version_added: 0.1.0
description:
  - Returns the machines that Viam's rover rental program lends to the organization (GetRoverRentalRobots).
  - An organization that rents no rover gets an empty list.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
options: {}
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
  - module: viam.cloud.viam_robot_info
"""

EXAMPLES = r"""
- name: The rented rovers
  viam.cloud.viam_rover_rental_info:
  register: rentals

- name: Their names
  ansible.builtin.debug:
    msg: "{{ rentals.robots | map(attribute='robot_name') | list }}"
"""

RETURN = r"""
robots:
  description: The rover rental machines of the organization.
  returned: always
  type: list
  elements: dict
  contains:
    robot_id:
      description: ID of the machine.
      type: str
      sample: 5a8c1d2e-3f4b-4c6d-8e9f-0a1b2c3d4e5f
    robot_name:
      description: Name of the machine.
      type: str
      sample: rover-7
    location_id:
      description: ID of the machine's location.
      type: str
      sample: ab1c2d3e45
    robot_main_part_id:
      description: ID of the machine's main part.
      type: str
      sample: 1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a
"""

from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule


class RoverRentalInfoModule(ViamModule):
    argument_spec = dict()

    def execute(self):
        robots = self.client.get_rover_rental_robots(
            org_id=self.organization_id, resource="rover rental machines of organization %r" % self.organization_id)
        return self.result(False, robots=[message_to_dict(r) for r in robots.robots])


def main():
    RoverRentalInfoModule().run()


if __name__ == "__main__":
    main()
