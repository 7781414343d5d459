#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_role
short_description: Grant and revoke Viam roles
version_added: 0.1.0
description:
  - Gives a user or an API key a role (V(owner) or V(operator)) on the organization, on one of its locations,
    or on one of its machines, or takes it away.
  - The module treats one identity's role on one resource as a single value. Asking for V(operator) where the
    identity is V(owner) changes the role in one atomic call (ChangeRole). The identity is never left with
    both roles or with neither in between.
  - Only an owner of the organization can change roles.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
options:
  identity_id:
    description:
      - ID (a UUID) of the user or API key that holds the role.
      - Exactly one of O(identity_id) and O(email) is required.
    type: str
  email:
    description:
      - Email address of the user who holds the role. It is resolved to the user's ID.
      - The user must already be a member of the organization (invite them first).
    type: str
  role:
    description:
      - The role. An V(owner) may change what it covers. An V(operator) may use and monitor it, but not change
        its configuration.
      - Required with O(state=present). With O(state=absent), only this role is removed. When omitted,
        whatever role the identity has on the resource is removed.
    type: str
    choices: [owner, operator]
  resource_type:
    description:
      - What the role covers. A role on the organization covers all its locations and machines. A role on a
        location covers its sub-locations and their machines.
    type: str
    choices: [organization, location, robot]
    default: organization
  resource:
    description:
      - The location or machine the role covers, by name or ID.
      - A location is looked up within the organization.
      - A machine is given by ID, or by name. A name is looked up in O(location) when it is given, otherwise
        in the whole organization; a name used in two locations then fails and asks for O(location).
      - For O(resource_type=organization), it defaults to the organization of the task, which is the only
        one accepted.
    type: str
  location:
    description:
      - Name or ID of the location of the machine named by O(resource), for O(resource_type=robot).
      - Needed only when the machine's name is used in more than one location.
    type: str
  state:
    description:
      - V(present) makes sure the identity has O(role) on the resource, replacing its other role there.
      - V(absent) makes sure it does not.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    support: full
    platforms: all
    details: The module runs where Ansible runs it, usually the controller, and only talks to the Viam API.
notes:
  - To give an API key its roles when it is created, use the O(viam.cloud.viam_api_key#module:authorizations)
    option of M(viam.cloud.viam_api_key).
seealso:
  - module: viam.cloud.viam_role_info
  - module: viam.cloud.viam_api_key
"""

EXAMPLES = r"""
- name: An operator of the lab location
  viam.cloud.viam_role:
    email: alice@example.com
    role: operator
    resource_type: location
    resource: lab

- name: Promote her to owner of the lab (one atomic change)
  viam.cloud.viam_role:
    email: alice@example.com
    role: owner
    resource_type: location
    resource: lab

- name: An API key may operate one machine
  viam.cloud.viam_role:
    identity_id: 5a8c1d2e-3f4b-4c6d-8e9f-0a1b2c3d4e5f
    role: operator
    resource_type: robot
    resource: rover-7
    location: lab

- name: An owner of the whole organization
  viam.cloud.viam_role:
    email: bob@example.com
    role: owner

- name: Take away whatever role Alice has on the lab
  viam.cloud.viam_role:
    email: alice@example.com
    resource_type: location
    resource: lab
    state: absent
"""

RETURN = r"""
authorization:
  description:
    - The identity's role on the resource after the task (in check mode, as it would be). Empty when it has none.
  returned: always
  type: dict
  contains:
    identity_id:
      description: ID of the user or API key.
      type: str
      sample: 5a8c1d2e-3f4b-4c6d-8e9f-0a1b2c3d4e5f
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
    resource_name:
      description: Name of that resource.
      type: str
      sample: lab
    organization_id:
      description: The organization the role belongs to.
      type: str
      sample: 0b37a756-a678-4f22-a862-e7200896fa6f
    authorization_type:
      description: Always V(role).
      type: str
      sample: role
    authorization_id:
      description: C(<resource_type>_<role>), as the API names the role.
      type: str
      sample: location_operator
"""

from ansible_collections.viam.cloud.plugins.module_utils.authorizations import build, canonical
from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.identities import RoleResources, require_identity, user_id_by_email
from ansible_collections.viam.cloud.plugins.module_utils.module import CreateRaced, ViamModule
from ansible_collections.viam.cloud.plugins.module_utils.validate import is_uuid
from ansible_collections.viam.cloud.plugins.module_utils.services.base import NotFound, is_predicted


class RoleModule(ViamModule):
    argument_spec = dict(
        identity_id=dict(type="str"),
        email=dict(type="str"),
        role=dict(type="str", choices=["owner", "operator"]),
        resource_type=dict(type="str", default="organization", choices=["organization", "location", "robot"]),
        resource=dict(type="str"),
        location=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module_kwargs = dict(
        required_one_of=[("identity_id", "email")],
        mutually_exclusive=[("identity_id", "email")],
        required_if=[("state", "present", ["role"])],
    )

    def execute(self):
        identity_id = self.params["identity_id"]
        if identity_id is not None and not is_uuid(identity_id):
            self.fail("identity_id %r is not the ID of a user or an API key (those are UUIDs)" % identity_id)
        if self.params["email"] is not None:
            try:
                identity_id = user_id_by_email(self.client, self.params["email"])
            except NotFound as err:
                # Check mode: a user an earlier task invites (and who accepts at once) is predicted.
                identity_id = self.missing("user", self.params["email"], err).id
        resource_type = self.params["resource_type"]
        resources = RoleResources(self.client, self.organization_id, self.predictions)
        resource_id = resources.resolve(resource_type, self.params["resource"], self.params["location"])
        self.identity_id = identity_id
        self.resource_type = resource_type
        self.resource_id = resource_id
        self.resource_name = resources.names.get((resource_type, resource_id), "")
        self.label = "%s %r" % ("machine" if resource_type == "robot" else resource_type,
                                self.resource_name or resource_id)
        held = self.current_roles()
        if self.params["state"] == "absent":
            return self.absent(held)
        if not held and not is_predicted(identity_id):
            require_identity(self.client, self.organization_id, identity_id, self.params["email"])
        return self.present(held)

    # ---------------------------------------------------------------- reading

    def current_roles(self):
        """The roles (words) this identity holds on this very resource."""
        if is_predicted(self.resource_id) or is_predicted(self.identity_id):
            return []  # check mode: nothing is held on what is not created yet
        listed = self.client.list_authorizations(
            organization_id=self.organization_id, resource_ids=[self.resource_id],
            resource="roles on %s" % self.label).authorizations
        roles = []
        for auth in listed:
            item = canonical(message_to_dict(auth))
            if (item.get("identity_id") == self.identity_id and item["resource_type"] == self.resource_type
                    and item["resource_id"] == self.resource_id and item["role"] and item["role"] not in roles):
                roles.append(item["role"])
        return sorted(roles)

    def view(self, role):
        if not role:
            return {}
        data = canonical(build(role, self.resource_type, self.resource_id, organization_id=self.organization_id,
                               identity_id=self.identity_id))
        data.pop("identity_type", None)
        data["resource_name"] = self.resource_name
        return data

    def request(self, role):
        # identity_type is left empty, as the Python SDK sends it for AddRole/RemoveRole/ChangeRole.
        return build(role, self.resource_type, self.resource_id, organization_id=self.organization_id,
                     identity_id=self.identity_id)

    # ---------------------------------------------------------------- states

    def absent(self, held):
        role = self.params["role"]
        removing = [r for r in held if role is None or r == role]
        if not removing:
            return self.result(False, before={}, after={}, authorization=self.view(held[0] if held else None))
        remaining = [r for r in held if r not in removing]
        before = self.view(removing[0])
        after = self.view(remaining[0]) if remaining else {}
        if not self.check_mode:
            for gone in removing:
                self.client.remove_role(authorization=self.request(gone),
                                        resource="%s of %s for identity %r" % (gone, self.label, self.identity_id))
        return self.result(True, before=before, after=after, authorization=after)

    def present(self, held):
        role = self.params["role"]
        after = self.view(role)
        if held == [role]:
            return self.result(False, before=after, after=after, authorization=after)
        others = [r for r in held if r != role]
        before = self.view(role if role in held else others[0]) if held else {}
        if self.check_mode:
            return self.result(True, before=before, after=after, authorization=after)
        what = "%s of %s for identity %r" % (role, self.label, self.identity_id)
        if role in held:
            # Both roles were held: keep this one, drop the other.
            for other in others:
                self.client.remove_role(authorization=self.request(other),
                                        resource="%s of %s for identity %r" % (other, self.label, self.identity_id))
        elif others:
            self.client.change_role(old_authorization=self.request(others[0]), new_authorization=self.request(role),
                                    resource=what)
            for other in others[1:]:
                self.client.remove_role(authorization=self.request(other),
                                        resource="%s of %s for identity %r" % (other, self.label, self.identity_id))
        else:
            self.add_once(role, what)
        return self.result(True, before=before, after=after, authorization=after)

    def add_once(self, role, what):
        """AddRole; if its answer was lost, the role may be there already: look again before failing."""
        try:
            self.create_or_find(lambda: self.client.add_role(authorization=self.request(role), resource=what) or True,
                                lambda: True if role in self.current_roles() else None)
        except CreateRaced as raced:
            if role not in self.current_roles():
                raise raced.error


def main():
    RoleModule().run()


if __name__ == "__main__":
    main()
