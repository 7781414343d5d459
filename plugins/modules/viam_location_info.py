#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_location_info
short_description: List Viam locations
version_added: 0.1.0
description:
  - Returns the locations of a Viam organization, all of them or those matching O(name), O(id) or O(parent).
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
options:
  name:
    description:
      - Only the locations with this name.
    type: str
  id:
    description:
      - Only the location with this ID.
    type: str
  parent:
    description:
      - Only the direct sub-locations of this location (name or ID). An empty string selects top-level locations.
    type: str
  return_secret:
    description:
      - Also return each location's secrets in C(auth). Set C(no_log=true) on the task when you use this.
    type: bool
    default: false
  metadata:
    description:
      - Also return each location's user-defined metadata in C(metadata).
      - Costs one call per location.
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
"""

EXAMPLES = r"""
- name: All locations of the organization
  viam.cloud.viam_location_info:
  register: viam_locations

- name: The sub-locations of the lab
  viam.cloud.viam_location_info:
    parent: lab
  register: lab_children
"""

RETURN = r"""
locations:
  description:
    - The matching locations, as M(viam.cloud.viam_location) returns one.
    - With O(metadata=true), each has its user-defined metadata in C(metadata).
  returned: always
  type: list
  elements: dict
  sample:
    - id: ab1c2d3e45
      name: lab
      parent_location_id: ""
      robot_count: 3
      organizations: [{"organization_id": "0b37a756-a678-4f22-a862-e7200896fa6f", "primary": true}]
"""

from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.services.base import pick_one
from ansible_collections.viam.cloud.plugins.module_utils.metadata import read_metadata
from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule


class LocationInfoModule(ViamModule):
    argument_spec = dict(
        name=dict(type="str"),
        id=dict(type="str"),
        parent=dict(type="str"),
        return_secret=dict(type="bool", default=False),
        metadata=dict(type="bool", default=False),
    )

    def execute(self):
        organization_id = self.organization_id
        locations = list(self.client.list_locations(
            organization_id=organization_id, resource="locations of organization %r" % organization_id).locations)
        selected = locations
        if self.params["id"] is not None:
            selected = [loc for loc in selected if loc.id == self.params["id"]]
        if self.params["name"] is not None:
            selected = [loc for loc in selected if loc.name == self.params["name"]]
        parent = self.params["parent"]
        if parent is not None:
            parent_id = ""
            if parent:
                found = pick_one(locations, parent, "location", "in organization %r" % organization_id)
                if found is None:
                    self.fail("parent location %r not found in organization %r" % (parent, organization_id))
                parent_id = found.id
            selected = [loc for loc in selected if loc.parent_location_id == parent_id]
        returned = []
        for location in selected:
            item = message_to_dict(location)
            if not self.params["return_secret"]:
                item.pop("auth", None)
            if self.params["metadata"]:
                item["metadata"] = read_metadata(self.client, "location", location.id, location.name)
            returned.append(item)
        return self.result(False, locations=returned)


def main():
    LocationInfoModule().run()


if __name__ == "__main__":
    main()
