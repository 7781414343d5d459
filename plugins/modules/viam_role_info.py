#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_role_info
short_description: List the roles in a Viam organization
version_added: 0.1.0
description:
  - Returns the roles (authorizations) held in a Viam organization by users and API keys. Returns all of them,
    or only those on one resource, of one identity, or of one role.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
options:
  resource_type:
    description:
      - Only the roles on this kind of resource.
    type: str
    choices: [organization, location, robot]
  resource:
    description:
      - Only the roles on this resource, by name or ID, found as in M(viam.cloud.viam_role). Needs O(resource_type).
    type: str
  location:
    description:
      - Location (name or ID) of the machine named by O(resource), for O(resource_type=robot).
    type: str
  identity_id:
    description:
      - Only the roles of this user or API key (a UUID).
    type: str
  email:
    description:
      - Only the roles of the user with this email address.
    type: str
  role:
    description:
      - Only this role.
    type: str
    choices: [owner, operator]
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
- name: Every role in the organization
  viam.cloud.viam_role_info:
  register: viam_roles

- name: Who owns the lab location
  viam.cloud.viam_role_info:
    resource_type: location
    resource: lab
    role: owner
  register: lab_owners

- name: What Alice may do
  viam.cloud.viam_role_info:
    email: alice@example.com
  register: alice_roles
"""

RETURN = r"""
authorizations:
  description: The matching roles, sorted by resource type, resource and role.
  returned: always
  type: list
  elements: dict
  contains:
    identity_id:
      description: ID of the user or API key that holds the role.
      type: str
      sample: 5a8c1d2e-3f4b-4c6d-8e9f-0a1b2c3d4e5f
    identity_type:
      description: V(user) or V(api-key), when the API says which.
      type: str
      sample: user
    role:
      description: V(owner) or V(operator).
      type: str
      sample: operator
    resource_type:
      description: V(organization), V(location) or V(robot).
      type: str
      sample: location
    resource_id:
      description: ID of the organization, location or machine.
      type: str
      sample: ab1c2d3e45
    organization_id:
      description: The organization the role belongs to.
      type: str
      sample: 0b37a756-a678-4f22-a862-e7200896fa6f
    authorization_type:
      description: Always V(role).
      type: str
      sample: role
    authorization_id:
      description: C(<resource_type>_<role>).
      type: str
      sample: location_operator
"""

from ansible_collections.viam.cloud.plugins.module_utils.authorizations import RESOURCE_TYPES, canonical, key_of
from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.identities import RoleResources, user_id_by_email
from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule
from ansible_collections.viam.cloud.plugins.module_utils.validate import is_uuid


class RoleInfoModule(ViamModule):
    argument_spec = dict(
        resource_type=dict(type="str", choices=list(RESOURCE_TYPES)),
        resource=dict(type="str"),
        location=dict(type="str"),
        identity_id=dict(type="str"),
        email=dict(type="str"),
        role=dict(type="str", choices=["owner", "operator"]),
    )
    module_kwargs = dict(
        mutually_exclusive=[("identity_id", "email")],
        required_by=dict(resource="resource_type", location="resource"),
    )

    def execute(self):
        organization_id = self.organization_id
        identity_id = self.params["identity_id"]
        if identity_id is not None and not is_uuid(identity_id):
            self.fail("identity_id %r is not the ID of a user or an API key (those are UUIDs)" % identity_id)
        if self.params["email"] is not None:
            identity_id = user_id_by_email(self.client, self.params["email"])
        resource_type = self.params["resource_type"]
        resource_ids = []
        if self.params["resource"] is not None:
            resources = RoleResources(self.client, organization_id)
            resource_ids = [resources.resolve(resource_type, self.params["resource"], self.params["location"])]
        listed = self.client.list_authorizations(organization_id=organization_id, resource_ids=resource_ids,
                                                 resource="roles in organization %r" % organization_id)
        selected = []
        for auth in listed.authorizations:
            item = canonical(message_to_dict(auth))
            if identity_id is not None and item.get("identity_id") != identity_id:
                continue
            if resource_type is not None and item["resource_type"] != resource_type:
                continue
            if resource_ids and item["resource_id"] not in resource_ids:
                continue
            if self.params["role"] is not None and item["role"] != self.params["role"]:
                continue
            selected.append(item)
        rank = dict((name, index) for index, name in enumerate(RESOURCE_TYPES))
        selected.sort(key=lambda a: (rank.get(a["resource_type"], len(rank)),) + key_of(a)[1:] + (a.get("identity_id", ""),))
        return self.result(False, authorizations=selected)


def main():
    RoleInfoModule().run()


if __name__ == "__main__":
    main()
