#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_fragment_info
short_description: List Viam fragments
version_added: 0.1.0
description:
  - Returns the fragments a Viam organization owns, whatever their visibility, with their configuration.
    Returns all of them, or those matching O(name), O(id) or O(visibility).
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
options:
  name:
    description:
      - Only the fragments with this name.
    type: str
  id:
    description:
      - Only the fragment with this ID.
    type: str
  visibility:
    description:
      - Only the fragments with these visibilities.
    type: list
    elements: str
    choices: [private, public, public_unlisted]
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
- name: All fragments of the organization
  viam.cloud.viam_fragment_info:
  register: viam_fragments

- name: The configuration of one fragment
  viam.cloud.viam_fragment_info:
    name: rover-base
  register: rover_base

- name: Show it
  ansible.builtin.debug:
    var: rover_base.fragments[0].config

- name: The fragments anyone can use
  viam.cloud.viam_fragment_info:
    visibility: [public, public_unlisted]
  register: published
"""

RETURN = r"""
fragments:
  description: The matching fragments, as M(viam.cloud.viam_fragment) returns one (with C(config)).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 8f2e5b7a-1c3d-4e5f-9a8b-7c6d5e4f3a2b
      name: rover-base
      config: {"components": [{"name": "left-motor", "api": "rdk:component:motor", "model": "gpio"}]}
      visibility: private
      public: false
      organization_owner: 0b37a756-a678-4f22-a862-e7200896fa6f
      robot_part_count: 4
      revision: "3"
"""

from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule
from ansible_collections.viam.cloud.plugins.module_utils.services import fragments as views


class FragmentInfoModule(ViamModule):
    argument_spec = dict(
        name=dict(type="str"),
        id=dict(type="str"),
        visibility=dict(type="list", elements="str", choices=["private", "public", "public_unlisted"]),
    )

    def execute(self):
        fragments = [views.view(f) for f in self.services.fragments.list_owned()]
        if self.params["id"] is not None:
            fragments = [f for f in fragments if f["id"] == self.params["id"]]
        if self.params["name"] is not None:
            fragments = [f for f in fragments if f["name"] == self.params["name"]]
        if self.params["visibility"]:
            fragments = [f for f in fragments if f["visibility"] in self.params["visibility"]]
        return self.result(False, fragments=fragments)


def main():
    FragmentInfoModule().run()


if __name__ == "__main__":
    main()
