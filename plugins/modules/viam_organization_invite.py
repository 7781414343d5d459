#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_organization_invite
short_description: Invite people to a Viam organization
version_added: 0.1.0
description:
  - Invites a person, by email address, to join the organization with the roles in O(authorizations), changes
    the roles of a pending invite, sends the invite email again, or withdraws the invite.
  - An invite is pending until the person accepts it. They then become a member of the organization, holding
    the invite's roles, and the invite is gone. The roles of members are managed with M(viam.cloud.viam_role),
    and members are removed with M(viam.cloud.viam_organization_member).
  - When the email address already belongs to a member, nothing is changed and the task does not fail. It
    reports RV(member=true) and says that the person already joined.
  - Only an owner of the organization can invite people.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
  - viam.cloud.viam_authorizations
options:
  email:
    description:
      - Email address of the person to invite. It is compared without case.
    type: str
    required: true
  authorizations:
    description:
      - The roles the person gets when they accept the invite. It must not be empty.
      - An invite holds at most one role per resource, for example not both V(owner) and V(operator) of one
        location.
      - When omitted, the invite makes the person an owner of the organization, as the API does when it is
        given no roles. The roles of an existing pending invite are then compared with that too, except with
        O(resend=true), which leaves them as they are.
      - The roles of a pending invite are compared in any order. When they differ, the roles that are missing
        are added and those not asked for are removed, in one call.
      - A role on an organization (O(authorizations[].resource_type=organization)) can only be on the organization of
        the task.
    type: list
    elements: dict
  send_email_invite:
    description:
      - Whether Viam emails the invite to the person when it is created.
      - With V(false), no email is sent; the person gets the roles the next time they log in with this address.
      - Only used when the invite is created.
    type: bool
    default: true
  resend:
    description:
      - Send the email of the pending invite again (ResendOrganizationInvite), after its roles are brought in line
        with O(authorizations) when those are given.
      - Always reports a change. In check mode nothing is sent.
      - Fails when there is no pending invite for O(email), including when the person already joined.
      - Only with O(state=present).
    type: bool
    default: false
  state:
    description:
      - V(present) makes sure the person is invited with O(authorizations), unless they already joined.
      - V(absent) withdraws the pending invite, if there is one. It does not remove a member; use
        M(viam.cloud.viam_organization_member) for that.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff shows the email address and the roles of the invite.
  platform:
    support: full
    platforms: all
    details: The module runs where Ansible runs it, usually the controller, and only talks to the Viam API.
notes:
  - O(authorizations) are checked before anything is written. An unknown location or machine, or two roles on
    one resource, fail the task and nothing is changed.
  - The members and pending invites of an organization are listed by M(viam.cloud.viam_organization_info) with
    O(viam.cloud.viam_organization_info#module:members=true).
seealso:
  - module: viam.cloud.viam_organization_member
  - module: viam.cloud.viam_organization_info
  - module: viam.cloud.viam_role
"""

EXAMPLES = r"""
- name: Invite Alice as an operator of the lab location
  viam.cloud.viam_organization_invite:
    email: alice@example.com
    authorizations:
      - role: operator
        resource_type: location
        resource: lab

- name: Make her pending invite an owner of the lab and an operator of the organization
  viam.cloud.viam_organization_invite:
    email: alice@example.com
    authorizations:
      - role: owner
        resource_type: location
        resource: lab
      - role: operator
        resource_type: organization

- name: Invite Bob as an owner of the organization, without an email (he gets it at his next login)
  viam.cloud.viam_organization_invite:
    email: bob@example.com
    send_email_invite: false

- name: Send Alice the invite email again
  viam.cloud.viam_organization_invite:
    email: alice@example.com
    resend: true

- name: Withdraw the invite
  viam.cloud.viam_organization_invite:
    email: alice@example.com
    state: absent
"""

RETURN = r"""
invite:
  description:
    - The pending invite after the task (in check mode, as it would be).
    - Empty after O(state=absent), and when the person is already a member.
  returned: always
  type: dict
  contains:
    organization_id:
      description: The organization the invite is to.
      type: str
      sample: 0b37a756-a678-4f22-a862-e7200896fa6f
    email:
      description: The invited address, as the API stores it.
      type: str
      sample: alice@example.com
    created_on:
      description: When the invite was created (RFC 3339). Empty in check mode for an invite that would be created.
      type: str
      sample: "2026-11-25T15:13:20Z"
    authorizations:
      description: The roles of the invite, as M(viam.cloud.viam_role_info) returns them (without the identity).
      type: list
      elements: dict
      sample:
        - role: operator
          resource_type: location
          resource_id: ab1c2d3e45
          organization_id: 0b37a756-a678-4f22-a862-e7200896fa6f
          authorization_type: role
          authorization_id: location_operator
member:
  description:
    - Whether O(email) belonged to a member of the organization when the task started, that is the person had
      already accepted an invite. Nothing is changed then.
  returned: always
  type: bool
  sample: false
user_id:
  description: The member's user ID.
  returned: when RV(member=true)
  type: str
  sample: 5a8c1d2e-3f4b-4c6d-8e9f-0a1b2c3d4e5f
msg:
  description: What the task found when the person is already a member.
  returned: when RV(member=true)
  type: str
  sample: alice@example.com already joined organization 0b37a756-a678-4f22-a862-e7200896fa6f
"""

from ansible_collections.viam.cloud.plugins.module_utils.authorizations import (
    build, conflicts, describe, describe_all, difference, key_set, sort_authorizations, spec_key)
from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.identities import RoleResources, find_invite, find_member, require_email
from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule


class OrganizationInviteModule(ViamModule):
    argument_spec = dict(
        email=dict(type="str", required=True),
        authorizations=dict(type="list", elements="dict", options=dict(
            role=dict(type="str", required=True, choices=["owner", "operator"]),
            resource_type=dict(type="str", required=True, choices=["organization", "location", "robot"]),
            resource=dict(type="str"),
            location=dict(type="str"),
        )),
        send_email_invite=dict(type="bool", default=True),
        resend=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )

    def execute(self):
        try:
            email = require_email(self.params["email"])
        except ViamError as err:
            self.fail(str(err))
        if self.params["authorizations"] is not None and not self.params["authorizations"]:
            self.fail("authorizations must not be empty: an invite needs at least one role (omit the option to "
                      "invite an owner of the organization)")
        state = self.params["state"]
        if state == "absent" and self.params["resend"]:
            self.fail("resend is only used with state=present")
        self.email = email
        self.resources = RoleResources(self.client, self.organization_id, self.predictions)
        self.what = "invite of %r to organization %r" % (email, self.organization_id)
        desired = self.desired_keys() if state == "present" else None
        listing = self.list_members()
        invite = find_invite(listing.invites, email)
        member = find_member(listing.members, email=email)
        self.is_member = member is not None
        if state == "absent":
            return self.absent(invite, member)
        if invite is None and member is not None:
            if self.params["resend"]:
                self.fail("%s already joined organization %r (user ID %s): there is no pending invite to resend"
                          % (email, self.organization_id, member.user_id), member=True, user_id=member.user_id)
            return self.joined(member, "%s already joined organization %r (user ID %s): the invite was accepted. "
                               "Manage their roles with viam.cloud.viam_role"
                               % (email, self.organization_id, member.user_id))
        if invite is None:
            if self.params["resend"]:
                self.fail("there is no pending invite for %s in organization %r to resend"
                          % (email, self.organization_id))
            return self.create(desired)
        return self.update(invite, desired)

    # ---------------------------------------------------------------- reading

    def list_members(self):
        return self.client.list_organization_members(
            organization_id=self.organization_id, resource="members of organization %r" % self.organization_id)

    def desired_keys(self):
        """The requested roles as a set of (resource_type, resource_id, role).

        Omitted: owner of the organization (what the API gives an invite without roles), or None with
        resend=true (the pending invite's roles are left alone).
        """
        specs = self.params["authorizations"]
        if specs is None:
            if self.params["resend"]:
                return None
            return frozenset([("organization", self.organization_id, "owner")])
        desired = set()
        for index, spec in enumerate(specs):
            try:
                resource_id = self.resources.resolve(spec["resource_type"], spec.get("resource"), spec.get("location"))
            except ViamError as err:
                self.fail("authorizations[%d]: %s" % (index, err))
            desired.add(spec_key(spec, resource_id))
        clashes = conflicts(desired)
        if clashes:
            self.fail("authorizations: an invite holds one role per resource, but these are asked for together: %s"
                      % "; ".join(describe_all([(rtype, rid, role) for role in roles], self.resources.names)
                                  for rtype, rid, roles in clashes))
        return frozenset(desired)

    def view(self, invite):
        data = message_to_dict(invite)
        data["authorizations"] = [self.without_identity(a) for a in sort_authorizations(data["authorizations"])]
        return data

    @staticmethod
    def without_identity(auth):
        auth.pop("identity_id", None)
        auth.pop("identity_type", None)
        return auth

    def desired_view(self, desired):
        return [self.without_identity(a) for a in sort_authorizations(
            build(role, resource_type, resource_id, organization_id=self.organization_id)
            for resource_type, resource_id, role in desired)]

    def managed_view(self, data, resent=False):
        """Email and roles in words, for the diff."""
        self.learn_names(data.get("authorizations", []))
        view = dict(email=data.get("email", ""),
                    authorizations=sorted(describe(a, self.resources.names) for a in data.get("authorizations", [])))
        if resent:
            view["resent"] = True
        return view

    def learn_names(self, auths):
        """Names of the locations (listed once) and of machines not named yet (ListRobots per location), for words."""
        names = self.resources.names
        list(self.resources.locations)
        unnamed = [a["resource_id"] for a in auths
                   if a.get("resource_type") == "robot" and ("robot", a.get("resource_id")) not in names]
        if unnamed:
            robots = self.services.machines.list_organization()
            for robot in robots:
                names.setdefault(("robot", robot.id), robot.name)

    def request(self, keys):
        # identity_id and identity_type stay empty: the invitee has no user ID yet.
        return [build(role, resource_type, resource_id, organization_id=self.organization_id)
                for resource_type, resource_id, role in sorted(keys)]

    # ---------------------------------------------------------------- states

    def joined(self, member, msg):
        return self.result(False, before={}, after={}, invite={}, member=True, user_id=member.user_id, msg=msg)

    def absent(self, invite, member):
        if invite is None:
            if member is not None:
                return self.joined(member, "%s already joined organization %r (user ID %s): there is no pending "
                                   "invite to delete. Remove the member with viam.cloud.viam_organization_member"
                                   % (self.email, self.organization_id, member.user_id))
            return self.result(False, before={}, after={}, invite={}, member=False)
        before = self.managed_view(self.view(invite))
        if not self.check_mode:
            self.client.delete_organization_invite(organization_id=self.organization_id, email=invite.email,
                                                   resource=self.what)
        return self.result(True, before=before, after={}, invite={}, member=member is not None)

    def create(self, desired):
        data = dict(organization_id=self.organization_id, email=self.email, created_on=None,
                    authorizations=self.desired_view(desired))
        after = self.managed_view(data)
        if self.check_mode:
            return self.result(True, before={}, after=after, invite=data, member=self.is_member)
        accepted = object()

        def find():
            # The answer was lost: the invite may be there (or already accepted); look before sending it again.
            listing = self.list_members()
            invite = find_invite(listing.invites, self.email)
            if invite is None and find_member(listing.members, email=self.email) is not None:
                return accepted
            return invite

        invite = self.create_or_find(
            lambda: self.client.create_organization_invite(
                organization_id=self.organization_id, email=self.email, authorizations=self.request(desired),
                send_email_invite=self.params["send_email_invite"], resource=self.what).invite,
            find)
        if invite is accepted:
            return self.result(True, before={}, after=after, invite=data, member=self.is_member)
        return self.result(True, before={}, after=after, invite=self.view(invite), member=False)

    def update(self, invite, desired):
        data = self.view(invite)
        before = self.managed_view(data)
        resend = self.params["resend"]
        changing = desired is not None and key_set(data["authorizations"]) != desired
        after_data = dict(data, authorizations=self.desired_view(desired)) if changing else data
        after = self.managed_view(after_data, resent=resend)
        if not changing and not resend:
            return self.result(False, before=before, after=after, invite=data, member=self.is_member)
        if self.check_mode:
            return self.result(True, before=before, after=after, invite=after_data, member=self.is_member)
        if changing:
            data = self.change(invite, desired)
        if resend:
            response = self.client.resend_organization_invite(organization_id=self.organization_id,
                                                              email=invite.email, resource=self.what)
            if response.invite.email:
                data = self.view(response.invite)
        return self.result(True, before=before, after=after, invite=data, member=self.is_member)

    def change(self, invite, desired):
        """One UpdateOrganizationInviteAuthorizations with exactly the roles to add and to remove."""
        current = list(invite.authorizations)
        missing, extra = difference([message_to_dict(a) for a in current],
                                    [dict(resource_type=t, resource_id=i, role=r) for t, i, r in desired])
        # Removed as listed, so the server matches them whatever form it stored them in.
        remove = [a for a in current if key_set([message_to_dict(a)]) <= frozenset(extra)]
        try:
            response = self.client.update_organization_invite_authorizations(
                organization_id=self.organization_id, email=invite.email, add_authorizations=self.request(missing),
                remove_authorizations=remove, resource=self.what)
        except ViamError as err:
            if not err.maybe_applied:
                raise
            now = find_invite(self.list_members().invites, self.email)
            if now is None or key_set(message_to_dict(a) for a in now.authorizations) != desired:
                raise
            return self.view(now)
        return self.view(response.invite)


def main():
    OrganizationInviteModule().run()


if __name__ == "__main__":
    main()
