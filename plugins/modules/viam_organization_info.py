#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_organization_info
short_description: List the Viam organizations an API key can see
version_added: 0.1.0
description:
  - Returns the Viam organizations the API key has a role in, or only the one named by O(organization_id).
  - Optionally with each organization's members and pending invites, and its user-defined metadata.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
options:
  members:
    description:
      - Also return the members and pending invites of each organization.
      - Needs a role on the whole organization.
    type: bool
    default: false
  metadata:
    description:
      - Also return the user-defined metadata of each organization.
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
- name: List the organizations the API key sees
  viam.cloud.viam_organization_info:
  register: viam_orgs

- name: Show their names
  ansible.builtin.debug:
    msg: "{{ viam_orgs.organizations | map(attribute='name') }}"

- name: One organization, with its members and pending invites
  viam.cloud.viam_organization_info:
    organization_id: 0b37a756-a678-4f22-a862-e7200896fa6f
    members: true
  register: viam_org
"""

RETURN = r"""
organizations:
  description: The organizations, in the order the API lists them.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Organization ID (a UUID).
      type: str
      sample: 0b37a756-a678-4f22-a862-e7200896fa6f
    name:
      description: Organization name.
      type: str
      sample: Acme Robotics
    created_on:
      description: When the organization was created (RFC 3339).
      type: str
      sample: "2026-11-25T15:13:20Z"
    public_namespace:
      description: The organization's public namespace in the registry, empty when none is set.
      type: str
      sample: acme
    default_region:
      description: The organization's default region.
      type: str
      sample: us-east
    cid:
      description: The organization's CRM ID, when set.
      type: str
      returned: when set
    members:
      description: The organization's members.
      type: list
      elements: dict
      returned: when O(members=true)
    invites:
      description: The organization's pending invites.
      type: list
      elements: dict
      returned: when O(members=true)
    metadata:
      description: The organization's user-defined metadata.
      type: dict
      returned: when O(metadata=true)
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.viam.cloud.plugins.module_utils.common import (
    client_from_module,
    fail_from_error,
    viam_argument_spec,
)
from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict, struct_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.validate import uuid_problem


def describe_organization(client, organization, members, metadata):
    result = message_to_dict(organization)
    resource = "organization %r" % organization.name
    if members:
        response = client.list_organization_members(organization_id=organization.id, resource=resource)
        result["members"] = [message_to_dict(m) for m in response.members]
        result["invites"] = [message_to_dict(i) for i in response.invites]
    if metadata:
        response = client.get_organization_metadata(organization_id=organization.id, resource=resource)
        result["metadata"] = struct_to_dict(response.data)
    return result


def main():
    argument_spec = viam_argument_spec()
    argument_spec.update(
        members=dict(type="bool", default=False),
        metadata=dict(type="bool", default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    client = client_from_module(module)
    organization_id = module.params["organization_id"]
    problem = uuid_problem("organization_id", organization_id, "an organization ID")
    if problem:
        module.fail_json(msg=problem)
    try:
        if organization_id:
            found = [client.get_organization(
                organization_id=organization_id, resource="organization %r" % organization_id).organization]
        else:
            found = list(client.list_organizations().organizations)
        organizations = [
            describe_organization(client, org, module.params["members"], module.params["metadata"])
            for org in found
        ]
    except ViamError as err:
        fail_from_error(module, err)
    module.exit_json(changed=False, organizations=organizations)


if __name__ == "__main__":
    main()
