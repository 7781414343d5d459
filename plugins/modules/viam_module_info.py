#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_module_info
short_description: List Viam registry modules
version_added: 0.1.0
description:
  - Returns the registry modules a Viam organization owns (ListModules), all of them or the one named by O(name).
  - With O(module_id), returns that one module (GetModule), which may belong to another organization when it is
    public or unlisted.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
options:
  name:
    description:
      - Only the organization's module with this name (or this module ID).
      - Mutually exclusive with O(module_id).
    type: str
  module_id:
    description:
      - The module with this ID, C(<namespace>:<name>) or C(<organization id>:<name>), from any organization whose
        module the key may read. An empty list when there is none.
      - Mutually exclusive with O(name).
    type: str
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
  - module: viam.cloud.viam_module
"""

EXAMPLES = r"""
- name: All modules of the organization
  viam.cloud.viam_module_info:
  register: viam_modules

- name: The versions of one module
  viam.cloud.viam_module_info:
    name: hoverboard
  register: hoverboard

- name: Show them
  ansible.builtin.debug:
    msg: "{{ hoverboard.modules[0].versions | map(attribute='version') | list }}"

- name: A public module of another organization
  viam.cloud.viam_module_info:
    module_id: viam:tflite_cpu
  register: tflite
"""

RETURN = r"""
modules:
  description: The matching modules, as M(viam.cloud.viam_module) returns one.
  returned: always
  type: list
  elements: dict
  sample:
    - module_id: acme:hoverboard
      name: hoverboard
      organization_id: 0b37a756-a678-4f22-a862-e7200896fa6f
      public_namespace: acme
      visibility: private
      url: https://github.com/acme/hoverboard
      description: A base for hoverboards.
      entrypoint: bin/hoverboard
      models:
        - api: rdk:component:base
          model: acme:demo:hoverboard
      versions:
        - version: 1.0.0
          files:
            - platform: linux/arm64
              uploaded_at: "2026-11-25T15:13:20Z"
      total_robot_usage: 0
      total_organization_usage: 0
"""

from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule
from ansible_collections.viam.cloud.plugins.module_utils.registry_modules import (
    find_registry_module, get_registry_module, list_registry_modules, registry_module_view)


class ModuleInfoModule(ViamModule):
    argument_spec = dict(
        name=dict(type="str"),
        module_id=dict(type="str"),
    )
    module_kwargs = dict(mutually_exclusive=[("name", "module_id")])

    def execute(self):
        module_id = self.params["module_id"]
        if module_id is not None:
            if ":" not in module_id.strip(":"):
                self.fail("module_id %r must be '<namespace>:<name>' or '<organization id>:<name>'" % module_id)
            module = get_registry_module(self.client, self.organization_id, module_id)
            return self.result(False, modules=[registry_module_view(module)] if module is not None else [])
        if self.params["name"] is not None:
            module = find_registry_module(self.client, self.organization_id, self.params["name"])
            return self.result(False, modules=[registry_module_view(module)] if module is not None else [])
        return self.result(False, modules=[registry_module_view(m) for m in
                                           list_registry_modules(self.client, self.organization_id)])


def main():
    ModuleInfoModule().run()


if __name__ == "__main__":
    main()
