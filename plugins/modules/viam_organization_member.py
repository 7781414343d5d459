#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_organization_member
short_description: Remove members from a Viam organization
version_added: 0.1.0
description:
  - Removes a person from the organization (DeleteOrganizationMember). They lose every role they held in it.
  - The person is found by O(user_id), or by O(email) among the email addresses of the organization's members.
  - Members cannot be added directly. A person joins by accepting an invite, which
    M(viam.cloud.viam_organization_invite) creates. That is why O(state) has only the choice V(absent).
  - Only an owner of the organization can remove members.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
options:
  email:
    description:
      - An email address of the member. It is compared without case with the addresses of each member.
      - Exactly one of O(email) and O(user_id) is required.
    type: str
  user_id:
    description:
      - User ID (a UUID) of the member.
    type: str
  state:
    description:
      - V(absent) makes sure the person is not a member of the organization.
      - The API has no call that adds a member, so V(present) is not offered; invite the person with
        M(viam.cloud.viam_organization_invite) instead.
      - Required, so that a task always says it removes someone.
    type: str
    choices: [absent]
    required: true
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff shows the member's user ID and email addresses.
  platform:
    support: full
    platforms: all
    details: The module runs where Ansible runs it, usually the controller, and only talks to the Viam API.
notes:
  - A person with only a pending invite is not a member; the task changes nothing and says so. Withdraw the
    invite with M(viam.cloud.viam_organization_invite) and O(viam.cloud.viam_organization_invite#module:state=absent).
  - The members of an organization are listed by M(viam.cloud.viam_organization_info) with
    O(viam.cloud.viam_organization_info#module:members=true).
seealso:
  - module: viam.cloud.viam_organization_invite
  - module: viam.cloud.viam_organization_info
  - module: viam.cloud.viam_role
"""

EXAMPLES = r"""
- name: Alice leaves the organization
  viam.cloud.viam_organization_member:
    email: alice@example.com
    state: absent

- name: Remove a member by user ID
  viam.cloud.viam_organization_member:
    user_id: 5a8c1d2e-3f4b-4c6d-8e9f-0a1b2c3d4e5f
    state: absent
"""

RETURN = r"""
member:
  description:
    - The member after the task, always empty; the removed member is in RV(removed).
  returned: always
  type: dict
  sample: {}
removed:
  description:
    - The member the task removed (in check mode, would remove), as M(viam.cloud.viam_organization_info) lists it.
  returned: when changed
  type: dict
  contains:
    user_id:
      description: User ID of the person.
      type: str
      sample: 5a8c1d2e-3f4b-4c6d-8e9f-0a1b2c3d4e5f
    emails:
      description: Their email addresses.
      type: list
      elements: str
      sample: [alice@example.com]
    date_added:
      description: When they joined (RFC 3339).
      type: str
      sample: "2026-11-25T15:13:20Z"
msg:
  description: Why nothing was changed, when the person has a pending invite rather than a membership.
  returned: when O(email) has a pending invite
  type: str
  sample: alice@example.com is not a member of organization 0b37a756-a678-4f22-a862-e7200896fa6f, but has a pending invite
"""

from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.identities import find_invite, find_member, require_email
from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule
from ansible_collections.viam.cloud.plugins.module_utils.validate import is_uuid


class OrganizationMemberModule(ViamModule):
    argument_spec = dict(
        email=dict(type="str"),
        user_id=dict(type="str"),
        state=dict(type="str", required=True, choices=["absent"]),
    )
    module_kwargs = dict(
        required_one_of=[("email", "user_id")],
        mutually_exclusive=[("email", "user_id")],
    )

    def execute(self):
        email, user_id = self.params["email"], self.params["user_id"]
        if email is not None:
            try:
                email = require_email(email)
            except ViamError as err:
                self.fail(str(err))
        if user_id is not None and not is_uuid(user_id):
            self.fail("user_id %r is not the ID of a user (those are UUIDs)" % user_id)
        listing = self.client.list_organization_members(
            organization_id=self.organization_id, resource="members of organization %r" % self.organization_id)
        member = find_member(listing.members, email=email, user_id=user_id)
        if member is None:
            extra = {}
            if email is not None and find_invite(listing.invites, email) is not None:
                extra["msg"] = ("%s is not a member of organization %r, but has a pending invite; withdraw it with "
                                "viam.cloud.viam_organization_invite and state=absent" % (email, self.organization_id))
            return self.result(False, before={}, after={}, member={}, **extra)
        data = message_to_dict(member)
        before = dict(user_id=data["user_id"], emails=sorted(data["emails"]))
        if not self.check_mode:
            self.client.delete_organization_member(
                organization_id=self.organization_id, user_id=member.user_id,
                resource="member %s (%s) of organization %r" % (
                    member.user_id, ", ".join(member.emails) or "no email", self.organization_id))
        return self.result(True, before=before, after={}, member={}, removed=data)


def main():
    OrganizationMemberModule().run()


if __name__ == "__main__":
    main()
