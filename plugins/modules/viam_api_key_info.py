#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_api_key_info
short_description: List Viam API keys
version_added: 0.1.0
description:
  - Returns the API keys of a Viam organization with their roles. Returns all of them, or those matching
    O(name) or O(id).
  - Never returns secrets. Viam shows a key's secret only when the key is created or rotated
    (see M(viam.cloud.viam_api_key)).
  - Listing keys needs an owner role on the organization.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
options:
  name:
    description:
      - Only the keys with this name.
    type: str
  id:
    description:
      - Only the key with this ID.
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
"""

EXAMPLES = r"""
- name: All API keys of the organization
  viam.cloud.viam_api_key_info:
  register: viam_keys

- name: The roles of the dashboard key
  viam.cloud.viam_api_key_info:
    name: dashboard
  register: dashboard_key

- name: Show them
  ansible.builtin.debug:
    msg: "{{ dashboard_key.api_keys[0].authorizations | map(attribute='authorization_id') }}"
"""

RETURN = r"""
api_keys:
  description: The matching keys, as M(viam.cloud.viam_api_key) returns one, without C(key).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 5a8c1d2e-3f4b-4c6d-8e9f-0a1b2c3d4e5f
      name: dashboard
      created_on: "2026-11-25T15:13:20Z"
      authorizations:
        - role: operator
          resource_type: location
          resource_id: ab1c2d3e45
          organization_id: 0b37a756-a678-4f22-a862-e7200896fa6f
          authorization_type: role
          authorization_id: location_operator
"""

from ansible_collections.viam.cloud.plugins.module_utils.authorizations import sort_authorizations
from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule


class ApiKeyInfoModule(ViamModule):
    argument_spec = dict(
        name=dict(type="str"),
        id=dict(type="str"),
    )

    def execute(self):
        organization_id = self.organization_id
        entries = self.client.list_keys(org_id=organization_id,
                                        resource="API keys of organization %r" % organization_id).api_keys
        keys = []
        for entry in entries:
            if self.params["id"] is not None and entry.api_key.id != self.params["id"]:
                continue
            if self.params["name"] is not None and entry.api_key.name != self.params["name"]:
                continue
            data = message_to_dict(entry.api_key)
            data.pop("key", None)  # never a secret, even if a server sent one
            data["authorizations"] = sort_authorizations(message_to_dict(a) for a in entry.authorizations)
            keys.append(data)
        return self.result(False, api_keys=keys)


def main():
    ApiKeyInfoModule().run()


if __name__ == "__main__":
    main()
