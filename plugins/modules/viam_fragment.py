#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_fragment
short_description: Manage Viam fragments
version_added: 0.1.0
description:
  - Create, update, rename and delete fragments (reusable pieces of machine configuration) of a Viam organization.
  - A fragment is found by O(name) among the fragments the organization owns, or by O(id). If two fragments
    have the name, the module fails and lists them instead of guessing; O(id) picks one.
  - The configuration is compared as data, not as text. The API stores every number as a double, so V(1)
    and V(1.0) are the same value.
  - Every update sends the C(last_updated) time the module read. If someone changes the fragment in the
    meantime, for example in the Viam app, the update is refused and the task fails; it never silently
    overwrites their change.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
options:
  name:
    description:
      - Name of the fragment, unique within the organization.
      - Required unless O(id) is given. With O(id), a different O(name) renames the fragment.
    type: str
  id:
    description:
      - ID of an existing fragment (a UUID) that the organization owns.
      - Addresses the fragment directly, which allows renaming it.
    type: str
  config:
    description:
      - The fragment's configuration, as a dictionary (the same shape as a machine part's configuration,
        for example with C(components) and C(services)).
      - It replaces the whole stored configuration. When omitted, the configuration is not managed and a new
        fragment starts empty.
    type: dict
  visibility:
    description:
      - Who can see and use the fragment.
      - V(private) is for the organization only, V(public) is listed for everyone, V(public_unlisted) is usable
        by anyone who knows its ID but not listed.
      - When omitted, a new fragment is private and an existing one keeps its visibility.
      - Mutually exclusive with O(public).
    type: str
    choices: [private, public, public_unlisted]
  public:
    description:
      - The older form of O(visibility). V(true) means O(visibility=public).
      - V(false) means "not listed publicly". An unlisted fragment already satisfies it. A public fragment
        becomes private.
      - Mutually exclusive with O(visibility).
    type: bool
  state:
    description:
      - V(present) makes sure the fragment exists as described.
      - V(absent) deletes it. Viam allows deleting a fragment that machine parts still use. The module
        does it too, and warns with the number of parts.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff shows the name, visibility and configuration.
  platform:
    support: full
    platforms: all
    details: The module runs where Ansible runs it, usually the controller, and only talks to the Viam API.
notes:
  - A fragment is applied to a machine part through the part's configuration (C("fragments") list).
    Manage that with the part's configuration.
"""

EXAMPLES = r"""
- name: A fragment shared by every rover
  viam.cloud.viam_fragment:
    name: rover-base
    config:
      components:
        - name: left-motor
          api: rdk:component:motor
          model: gpio
          attributes:
            pins: {a: "11", b: "13", pwm: "15"}
            max_rpm: 200

- name: Publish it, unlisted
  viam.cloud.viam_fragment:
    name: rover-base
    visibility: public_unlisted

- name: Rename a fragment, found by its ID
  viam.cloud.viam_fragment:
    id: 8f2e5b7a-1c3d-4e5f-9a8b-7c6d5e4f3a2b
    name: rover-base-v2

- name: Delete a fragment
  viam.cloud.viam_fragment:
    name: old-fragment
    state: absent
"""

RETURN = r"""
fragment:
  description:
    - The fragment after the task (in check mode, as it would be). Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Fragment ID; empty in check mode for a fragment that would be created.
      type: str
      sample: 8f2e5b7a-1c3d-4e5f-9a8b-7c6d5e4f3a2b
    name:
      description: Fragment name.
      type: str
      sample: rover-base
    config:
      description: The fragment's configuration (the API's C(fragment) field). Integral numbers come back as integers.
      type: dict
      sample: {"components": [{"name": "left-motor", "api": "rdk:component:motor", "model": "gpio"}]}
    visibility:
      description: V(private), V(public) or V(public_unlisted).
      type: str
      sample: private
    public:
      description: Whether the fragment is listed publicly (true exactly when O(visibility=public)).
      type: bool
      sample: false
    organization_owner:
      description: ID of the organization that owns the fragment.
      type: str
      sample: 0b37a756-a678-4f22-a862-e7200896fa6f
    organization_name:
      description: Name of that organization.
      type: str
      sample: Acme Robotics
    robot_part_count:
      description: Number of machine parts that use the fragment.
      type: int
      sample: 4
    organization_count:
      description: Number of organizations whose machines use the fragment.
      type: int
      sample: 1
    only_used_by_owner:
      description: Whether only the owner organization's machines use it.
      type: bool
      sample: true
    created_on:
      description: When the fragment was created (RFC 3339).
      type: str
      sample: "2026-11-25T15:13:20Z"
    last_updated:
      description: When the fragment was last changed (RFC 3339); the module sends it back on update.
      type: str
      sample: "2026-11-25T15:13:20.123456Z"
    revision:
      description: Revision of the fragment, increased by every change.
      type: str
      sample: "3"
changed_paths:
  description:
    - Where the configuration changed (or would change), as dotted paths of dictionary keys, for example
      C(services) or C(network.bind_address). A list is compared whole, so a change inside C(components) is
      reported as C(components).
  returned: when O(config) changed
  type: list
  elements: str
  sample: ["components", "network.bind_address"]
"""

from ansible_collections.viam.cloud.plugins.module_utils.config_shape import enforce_config_shape
from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.fragments import VISIBILITIES, fragment_view
from ansible_collections.viam.cloud.plugins.module_utils.lookup import (
    absent_unless_listed,
    find_owned_fragment,
    is_uuid,
    list_owned_fragments,
    owned_fragments_named,
)
from ansible_collections.viam.cloud.plugins.module_utils.module import CONFLICT_CODES, ViamModule, micros
from ansible_collections.viam.cloud.plugins.module_utils.part_config import (
    ConfigError, check_config, config_changes, configs_equal)


def managed_view(data):
    """The fields this module manages, for the diff."""
    return dict(name=data.get("name", ""), visibility=data.get("visibility", ""), config=data.get("config") or {})


class FragmentModule(ViamModule):
    # The app may let fragment names repeat (docs/api-assumptions.md §7, duplicate_fragment_name):
    # racing creates are settled by keep_oldest.
    settle_duplicates = True
    argument_spec = dict(
        name=dict(type="str"),
        id=dict(type="str"),
        config=dict(type="dict"),
        visibility=dict(type="str", choices=list(VISIBILITIES)),
        public=dict(type="bool"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module_kwargs = dict(required_one_of=[("name", "id")], mutually_exclusive=[("visibility", "public")])

    def execute(self):
        name = self.validate_name("name", self.params["name"], required=False)
        fragment_id = self.params["id"]
        if fragment_id is not None and not is_uuid(fragment_id):
            self.fail("id %r is not a fragment ID (fragment IDs are UUIDs)" % fragment_id)
        config = self.desired_config()
        enforce_config_shape(self, config)  # before any API call (config_shape.py)
        organization_id = self.organization_id
        if fragment_id:
            current = self.get_by_id(fragment_id)
        else:
            current = find_owned_fragment(self.client, organization_id, name)
        if self.params["state"] == "absent":
            return self.absent(current)
        if current is None and fragment_id:
            self.fail("fragment id %r not found in organization %r; to create a fragment, give its name without an id"
                      % (fragment_id, organization_id))
        if current is None:
            return self.create(name, config)
        return self.update(current, config)

    # ---------------------------------------------------------------- reading

    def desired_config(self):
        config = self.params["config"]
        if config is None:
            return None
        try:
            return check_config(config)
        except ConfigError as exc:
            self.fail(str(exc))

    def get_by_id(self, fragment_id):
        try:
            fragment = self.client.get_fragment(id=fragment_id, current_organization_id=self.organization_id,
                                                resource="fragment id %r" % fragment_id).fragment
        except ViamError as err:
            absent_unless_listed(err, lambda: [f.id for f in list_owned_fragments(self.client, self.organization_id)],
                                 fragment_id)
            return None
        if fragment.organization_owner != self.organization_id:
            self.fail("fragment %r (id %s) belongs to organization %r (%s), not to %r: only its owner can manage it"
                      % (fragment.name, fragment.id, fragment.organization_name, fragment.organization_owner,
                         self.organization_id))
        return fragment

    def desired_visibility(self, current_visibility):
        """The visibility word to set, or None to leave it as it is."""
        if self.params["visibility"] is not None:
            return self.params["visibility"]
        public = self.params["public"]
        if public is None:
            return None
        if public:
            return "public"
        # public: false is "not listed publicly": an unlisted fragment already is.
        return "private" if current_visibility == "public" else None

    # ---------------------------------------------------------------- states

    def absent(self, current):
        if current is None:
            return self.result(False, fragment={})
        data = fragment_view(current)
        if current.robot_part_count:
            self.module.warn("fragment %r (id %s) is still used by %d machine part(s); their configurations keep "
                             "naming a fragment that no longer exists"
                             % (current.name, current.id, current.robot_part_count))
        if not self.check_mode:
            self.client.delete_fragment(id=current.id, resource="fragment %r" % current.name)
        return self.result(True, before=managed_view(data), after={}, fragment={})

    def create(self, name, config):
        visibility = self.params["visibility"] or ("public" if self.params["public"] else "private")
        after = dict(name=name, visibility=visibility, config=config or {})
        extra = {}
        if config:
            extra["changed_paths"] = config_changes({}, config)
        if self.check_mode:
            predicted = dict(after, id="", organization_owner=self.organization_id, public=visibility == "public",
                             robot_part_count=0, organization_count=0, only_used_by_owner=True)
            return self.result(True, before={}, after=after, fragment=predicted, **extra)
        fragment = self.create_once(name, config, visibility)
        fragment = self.keep_oldest(fragment, lambda: owned_fragments_named(self.client, self.organization_id, name),
                                    self.delete_copy)
        return self.result(True, before={}, after=after, fragment=fragment_view(fragment), **extra)

    def create_once(self, name, config, visibility):
        """CreateFragment; if its answer was lost, the fragment may exist: look again before failing."""
        request = dict(organization_id=self.organization_id, name=name, visibility=VISIBILITIES[visibility])
        if config:
            request["config"] = config
        return self.create_or_find(
            lambda: self.client.create_fragment(resource="fragment %r" % name, **request).fragment,
            lambda: find_owned_fragment(self.client, self.organization_id, name),
            same_name=lambda: owned_fragments_named(self.client, self.organization_id, name), delete=self.delete_copy)

    def delete_copy(self, copy):
        """Delete a fragment a racing create made twice (see ViamModule.keep_oldest)."""
        self.client.delete_fragment(id=copy.id, resource="fragment %r (id %s)" % (copy.name, copy.id))

    def update(self, current, config):
        data = fragment_view(current)
        before = managed_view(data)
        changes = {}
        name = self.params["name"]
        if name is not None and name != current.name:
            self.check_name_free(name, current)
            changes["name"] = name
        if config is not None and not configs_equal(config, before["config"]):
            changes["config"] = config
        visibility = self.desired_visibility(before["visibility"])
        if visibility is not None and visibility != before["visibility"]:
            changes["visibility"] = visibility
        after = dict(before, **changes)
        extra = {}
        if "config" in changes:
            extra["changed_paths"] = config_changes(before["config"], config)
        if not changes:
            return self.result(False, before=before, after=after, fragment=data)
        if self.check_mode:
            predicted = dict(data, **changes)
            predicted["public"] = predicted["visibility"] == "public"
            return self.result(True, before=before, after=after, fragment=predicted, **extra)
        updated = self.send_update(current, changes, after)
        return self.result(True, before=before, after=after, fragment=fragment_view(updated), **extra)

    def check_name_free(self, name, current):
        taken = [f for f in owned_fragments_named(self.client, self.organization_id, name) if f.id != current.id]
        if taken:
            self.fail("cannot rename fragment %r (id %s) to %r: organization %r already has a fragment with that "
                      "name (id %s)" % (current.name, current.id, name, self.organization_id, taken[0].id))

    def send_update(self, current, changes, after):
        """UpdateFragment guarded by last_known_update; a refusal is re-read to tell our own retry from a rival edit."""
        request = dict(id=current.id, name=after["name"])
        if current.HasField("last_updated"):
            # An unset Timestamp copied into the optional field would send epoch 0 (docs/api-assumptions.md §3).
            request["last_known_update"] = current.last_updated
        if "config" in changes:
            request["config"] = changes["config"]
        if "visibility" in changes:
            request["visibility"] = VISIBILITIES[changes["visibility"]]
        label = "fragment %r" % current.name
        try:
            return self.client.update_fragment(resource=label, **request).fragment
        except ViamError as err:
            if err.code not in CONFLICT_CODES and not err.maybe_applied:
                raise
            fresh = self.get_by_id(current.id)
            if fresh is not None and self.matches(fragment_view(fresh), after):
                return fresh  # an earlier attempt of this very update, or a rival's identical one, went through
            # The conflict code is not documented (docs/api-assumptions.md §7, update_conflict_code): a refusal
            # is a conflict when the fragment changed since it was read, else the error is the server's own.
            if err.code not in CONFLICT_CODES or fresh is None or micros(fresh.last_updated) == micros(
                    current.last_updated):
                raise
            now = fragment_view(fresh) if fresh is not None else {}
            self.fail("fragment %r (id %s) was changed by someone else after this task read it (read version "
                      "last updated %s, revision %s; now last updated %s, revision %s). Nothing was written: re-run "
                      "the task to apply it on top of the new version" % (
                          current.name, current.id, message_to_dict(current)["last_updated"], current.revision,
                          now.get("last_updated"), now.get("revision")), viam_error=err.to_dict())

    @staticmethod
    def matches(data, after):
        return (data["name"] == after["name"] and data["visibility"] == after["visibility"]
                and configs_equal(data["config"], after["config"]))


def main():
    FragmentModule().run()


if __name__ == "__main__":
    main()
