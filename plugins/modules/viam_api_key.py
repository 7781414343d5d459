#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_api_key
short_description: Manage Viam API keys
version_added: 0.1.0
description:
  - Create, rename, rotate, replace and delete API keys of a Viam organization.
  - A key is found by O(name) within the organization, or by O(id). Viam does not require key names to be
    unique. If two keys have the name, the module fails and lists them instead of guessing; O(id) picks one.
  - Viam shows a key's secret only when the key is created or rotated. The module returns it in
    RV(api_key.key) only then. Such a task should have C(no_log=true), and should store the secret
    somewhere safe, for example in a vault.
  - A key's roles (O(authorizations)) are fixed when it is created. Asking for different roles on an existing
    key fails and says what differs, unless O(replace=true). The key is then deleted and created again with the
    new roles, so it gets a new ID and a new secret.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
  - viam.cloud.viam_authorizations
options:
  name:
    description:
      - Name of the key.
      - Required unless O(id) is given. With O(id), a different O(name) renames the key.
    type: str
  id:
    description:
      - ID of an existing key (a UUID). Addresses the key directly, which allows renaming it.
    type: str
  authorizations:
    description:
      - The roles the key holds. Required to create a key unless O(copy_from) is given, and it must not be empty.
      - Compared with the existing key's roles in any order. When omitted, the roles of an existing key are not
        checked.
      - Only an owner of a resource can give a key a role on it.
    type: list
    elements: dict
  copy_from:
    description:
      - Name or ID of an existing key of the organization whose roles the key gets.
      - A new key is made by copying that key's roles (CreateKeyFromExistingKeyAuthorizations), then named
        O(name). An existing key is compared with the roles of O(copy_from), as with O(authorizations).
      - Mutually exclusive with O(authorizations).
    type: str
    version_added: 0.1.0
  rotate:
    description:
      - Give the key a new secret (RotateKey). The key keeps its roles; the old secret stops working.
      - The key keeps its ID where the Viam app rotates in place. Where the app answers with a new key instead
        (and keeps the old one), the module deletes the old key, returns the new ID in RV(api_key.id) and the old
        one in RV(replaced_id), and warns.
      - Always reports a change, and returns the new secret in RV(api_key.key).
      - In check mode nothing is rotated and no secret is returned.
    type: bool
    default: false
  replace:
    description:
      - When the existing key's roles differ from O(authorizations), create a key with the new roles and
        delete the old one. The new key has a new ID and a new secret, returned in RV(api_key.key).
      - Without it, such a difference fails the task and nothing is changed.
    type: bool
    default: false
  state:
    description:
      - V(present) makes sure the key exists as described.
      - V(absent) deletes it. Anything that still authenticates with it stops working.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff shows the name and roles, never the secret.
  platform:
    support: full
    platforms: all
    details: The module runs where Ansible runs it, usually the controller, and only talks to the Viam API.
notes:
  - Viam lists a key's secret only at creation, so an existing key's secret cannot be read back; rotate the key
    to get a new one.
  - Replacing or rotating the key the task authenticates with (O(api_key_id)) works. Later tasks then need the
    new key, and the module warns.
seealso:
  - module: viam.cloud.viam_api_key_info
  - module: viam.cloud.viam_role
"""

EXAMPLES = r"""
- name: A key for the fleet dashboard, operator of the lab location
  viam.cloud.viam_api_key:
    name: dashboard
    authorizations:
      - role: operator
        resource_type: location
        resource: lab
  no_log: true  # the secret is returned when the key is created
  register: dashboard_key

- name: Keep the secret in a file only root can read
  ansible.builtin.copy:
    dest: /etc/dashboard/viam-key.json
    content: "{{ {'id': dashboard_key.api_key.id, 'key': dashboard_key.api_key.key} | to_json }}"
    mode: "0600"
  no_log: true
  when: dashboard_key.api_key.key is defined

- name: A key that owns one machine, named with its location
  viam.cloud.viam_api_key:
    name: rover-7-deploy
    authorizations:
      - role: owner
        resource_type: robot
        resource: rover-7
        location: lab
  no_log: true
  register: rover_key

- name: A second key with the same roles as the dashboard key
  viam.cloud.viam_api_key:
    name: dashboard-2
    copy_from: dashboard
  no_log: true
  register: dashboard_2

- name: Rotate the dashboard key's secret
  viam.cloud.viam_api_key:
    name: dashboard
    rotate: true
  no_log: true
  register: rotated

- name: Give the dashboard key different roles (a new key, with a new ID and secret)
  viam.cloud.viam_api_key:
    name: dashboard
    authorizations:
      - role: operator
        resource_type: organization
    replace: true
  no_log: true
  register: replaced

- name: Rename a key, found by its ID
  viam.cloud.viam_api_key:
    id: 5a8c1d2e-3f4b-4c6d-8e9f-0a1b2c3d4e5f
    name: dashboard-old

- name: Delete a key
  viam.cloud.viam_api_key:
    name: dashboard-old
    state: absent
"""

RETURN = r"""
api_key:
  description:
    - The key after the task (in check mode, as it would be). Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Key ID, the O(api_key_id) to authenticate with. Empty in check mode for a key that would be created.
      type: str
      sample: 5a8c1d2e-3f4b-4c6d-8e9f-0a1b2c3d4e5f
    name:
      description: Key name.
      type: str
      sample: dashboard
    key:
      description:
        - The secret, the O(api_key) to authenticate with.
        - Returned only when the key was created, rotated or replaced by this task (not in check mode).
      type: str
      returned: when created, rotated or replaced
      sample: 7bg4l0aq5ae3mc2ahnifllm8ghhqoghd
    created_on:
      description: When the key was created (RFC 3339).
      type: str
      sample: "2026-11-25T15:13:20Z"
    authorizations:
      description: The key's roles, as M(viam.cloud.viam_role_info) returns them (without the identity).
      type: list
      elements: dict
      sample:
        - role: operator
          resource_type: location
          resource_id: ab1c2d3e45
          organization_id: 0b37a756-a678-4f22-a862-e7200896fa6f
          authorization_type: role
          authorization_id: location_operator
replaced_id:
  description:
    - ID of the key that O(replace=true) deleted, or that O(rotate=true) deleted where the Viam app rotates a key
      by minting a new one.
  returned: when the key was replaced, or rotated to a new ID
  type: str
  sample: 1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a
"""

from ansible_collections.viam.cloud.plugins.module_utils.authorizations import (
    build, describe, describe_all, difference, key_set, sort_authorizations, spec_key)
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.identities import RoleResources
from ansible_collections.viam.cloud.plugins.module_utils.module import CreateRaced, ViamModule
from ansible_collections.viam.cloud.plugins.module_utils.services import api_keys as views
from ansible_collections.viam.cloud.plugins.module_utils.validate import is_uuid


class ApiKeyModule(ViamModule):
    settle_duplicates = True  # key names may repeat in Viam: racing creates are settled by keep_oldest
    argument_spec = dict(
        name=dict(type="str"),
        id=dict(type="str"),
        authorizations=dict(type="list", elements="dict", options=dict(
            role=dict(type="str", required=True, choices=["owner", "operator"]),
            resource_type=dict(type="str", required=True, choices=["organization", "location", "robot"]),
            resource=dict(type="str"),
            location=dict(type="str"),
        )),
        copy_from=dict(type="str"),
        rotate=dict(type="bool", default=False),
        replace=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module_kwargs = dict(required_one_of=[("name", "id")], mutually_exclusive=[("authorizations", "copy_from")])

    def execute(self):
        name = self.validate_name("name", self.params["name"], required=False)
        key_id = self.params["id"]
        if key_id is not None and not is_uuid(key_id):
            self.fail("id %r is not an API key ID (API key IDs are UUIDs)" % key_id)
        if self.params["authorizations"] is not None and not self.params["authorizations"]:
            self.fail("authorizations must not be empty: a key needs at least one role")
        organization_id = self.organization_id
        self.resources = RoleResources(self.client, organization_id, self.predictions)
        desired = self.desired_keys()
        entries = self.list_keys()
        self.source = None
        if self.params["copy_from"] is not None:
            self.source = self.source_key(entries)
            desired = key_set(self.view(self.source)["authorizations"])
        keys = [entry.api_key for entry in entries]
        if key_id:
            current = next((k for k in keys if k.id == key_id), None)
        else:
            current = self.services.api_keys.find(name, keys)
        entry = next((e for e in entries if current is not None and e.api_key.id == current.id), None)
        if self.params["state"] == "absent":
            return self.absent(entry)
        if entry is None and key_id:
            self.fail("API key id %r not found in organization %r; to create a key, give its name without an id"
                      % (key_id, organization_id))
        if entry is None:
            return self.create(name, desired, [k.id for k in keys])
        return self.update(entry, desired)

    # ---------------------------------------------------------------- reading

    def list_keys(self):
        return self.services.api_keys.list()

    def source_key(self, entries):
        """The listing of the key named by copy_from, by ID or by name; fails when there is none."""
        ref = self.validate_name("copy_from", self.params["copy_from"])
        keys = [entry.api_key for entry in entries]
        source = self.services.api_keys.find(ref, keys)
        if source is None:
            self.fail("copy_from: API key %r not found in organization %r" % (ref, self.organization_id))
        entry = next(e for e in entries if e.api_key.id == source.id)
        if not entry.authorizations:
            self.fail("copy_from: API key %r (id %s) has no roles to copy" % (source.name, source.id))
        return entry

    def desired_keys(self):
        """The requested roles as a set of (resource_type, resource_id, role); None when not managed."""
        specs = self.params["authorizations"]
        if specs is None:
            return None
        desired = set()
        for index, spec in enumerate(specs):
            try:
                resource_id = self.resources.resolve(spec["resource_type"], spec.get("resource"), spec.get("location"))
            except ViamError as err:
                self.fail("authorizations[%d]: %s" % (index, err))
            desired.add(spec_key(spec, resource_id))
        return frozenset(desired)

    @staticmethod
    def view(entry):
        # ListKeys never has the secret; it is added only when this task made one (returned()).
        return views.view(entry)

    def desired_view(self, desired):
        return [views.without_identity(a) for a in sort_authorizations(
            build(role, resource_type, resource_id, organization_id=self.organization_id)
            for resource_type, resource_id, role in desired)]

    def managed_view(self, data, rotated=False):
        """Name and roles in words, for the diff (never the secret)."""
        view = dict(name=data.get("name", ""),
                    authorizations=sorted(describe(a, self.resources.names) for a in data.get("authorizations", [])))
        if rotated:
            view["secret_rotated"] = True
        return view

    def fetch(self, key_id):
        """The key's listing after a write, or None if it is not (yet) listed."""
        return self.services.api_keys.fetch(key_id)

    # ---------------------------------------------------------------- states

    def absent(self, entry):
        if entry is None:
            return self.result(False, api_key={})
        data = self.view(entry)
        if not self.check_mode:
            self.client.delete_key(id=entry.api_key.id, resource="API key %r" % entry.api_key.name)
            self.warn_if_own(entry.api_key.id, "deleted")
        return self.result(True, before=self.managed_view(data), after={}, api_key={})

    def create(self, name, desired, known_ids):
        if desired is None:
            self.fail("API key %r does not exist in organization %r: give its authorizations to create it "
                      "(or copy_from)"
                      % (name, self.organization_id))
        data = dict(id="", name=name, created_on=None, authorizations=self.desired_view(desired))
        after = self.managed_view(data)
        if self.check_mode:
            return self.result(True, before={}, after=after, api_key=data)
        key_id, secret = self.create_once(name, desired, known_ids)
        named = [entry.api_key for entry in self.list_keys() if entry.api_key.name == name]
        made = next((key for key in named if key.id == key_id), None)
        if made is not None:
            self.services.api_keys.settle(made)
        return self.result(True, before={}, after=after, api_key=self.returned(key_id, secret, data))

    def create_once(self, name, desired, known_ids):
        if self.source is not None:
            return self.copy_once(name)
        return self.create_new(name, desired, known_ids)

    def copy_once(self, name):
        """CreateKeyFromExistingKeyAuthorizations, then RenameKey (the copy is named after the time) -> (id, secret)."""
        source = self.source.api_key
        response = self.client.create_key_from_existing_key_authorizations(
            id=source.id, resource="API key %r (copy of %r)" % (name, source.name))
        self.client.rename_key(id=response.id, name=name, resource="API key %s (copy of %r)" % (response.id, source.name))
        return response.id, response.key

    def create_new(self, name, desired, known_ids):
        """CreateKey -> (id, secret); if its answer was lost, find the new key and rotate it to learn a secret."""
        request = [build(role, resource_type, resource_id, organization_id=self.organization_id,
                         identity_type="api-key") for resource_type, resource_id, role in sorted(desired)]

        def create():
            response = self.client.create_key(authorizations=request, name=name, resource="API key %r" % name)
            return response.id, response.key

        def find():
            key_id = self.services.api_keys.new_copy_after_a_lost_create(name, known_ids)
            return (key_id, None) if key_id else None

        key_id, secret = self.create_or_find(create, find)
        if secret is not None:
            return key_id, secret
        rotated = self.rotate_found_copy(key_id, name)
        # Only now: a copy another run settled (CreateRaced above) was neither ours nor rotated by us.
        self.module.warn("the answer to CreateKey for %r was lost; the key was created (id %s) and rotated to "
                         "learn its secret" % (name, key_id))
        return rotated

    def rotate_found_copy(self, key_id, name):
        """Rotate the one new copy a lost CreateKey left, to learn a secret -> (id, secret).

        The copy may be a racing run's rather than ours, and that run (or another whose answer was lost
        too) may delete it first: on an app that rotates by minting a new key, a rival's rotation deletes
        the old one (docs/api-assumptions.md §7, rotate_key). A copy gone before our RotateKey lands means
        another run settled the name: CreateRaced reads again and reports the key that stayed.
        """
        try:
            # A rotation whose answer is lost can be sent again: the last one sets the secret we learn.
            return self.create_or_find(lambda: self.rotate(key_id, name), lambda: None)
        except ViamError as err:
            if not self.services.api_keys.is_gone(err, key_id):
                raise
            raise CreateRaced(err)

    def rotate(self, key_id, name):
        """RotateKey -> (id, secret) of the key that now carries the name.

        The app may rotate by minting a new key and keeping the old one (docs/api-assumptions.md §7,
        rotate_key): then the old key is deleted, so the name keeps one key and the old secret stops
        working, as a rotation promises.
        """
        rotated = self.client.rotate_key(id=key_id, resource="API key %r" % name)
        new_id = rotated.id or key_id
        if new_id != key_id:
            self.services.api_keys.delete_replaced(key_id, name, new_id)
            self.module.warn("the Viam app rotated API key %r by minting a new key: its ID is now %s (was %s), and "
                             "the old key was deleted; update whatever refers to the key by ID" % (name, new_id, key_id))
        return new_id, rotated.key

    def returned(self, key_id, secret, fallback):
        entry = self.fetch(key_id)
        data = self.view(entry) if entry is not None else dict(fallback, id=key_id)
        data["key"] = secret
        return data

    def update(self, entry, desired):
        current = entry.api_key
        data = self.view(entry)
        before = self.managed_view(data)
        have = key_set(data["authorizations"])
        if desired is not None and desired != have:
            if not self.params["replace"]:
                list(self.resources.locations)  # location names, for the message
                wanted = [dict(resource_type=t, resource_id=i, role=r) for t, i, r in desired]
                missing, extra = difference(data["authorizations"], wanted)
                self.fail("API key %r (id %s) has authorizations: %s; you asked for: %s (missing: %s; extra: %s). "
                          "A key's roles cannot be changed: set replace: true to delete and recreate it (new ID "
                          "and secret)" % (current.name, current.id, describe_all(have, self.resources.names),
                                           describe_all(desired, self.resources.names),
                                           describe_all(missing, self.resources.names),
                                           describe_all(extra, self.resources.names)))
            return self.replace(entry, desired, data, before)
        name = self.params["name"]
        renamed = name is not None and name != current.name
        rotate = self.params["rotate"]
        after_data = dict(data, name=name if renamed else current.name)
        after = self.managed_view(after_data, rotated=rotate)
        if not renamed and not rotate:
            return self.result(False, before=before, after=after, api_key=data)
        if self.check_mode:
            return self.result(True, before=before, after=after, api_key=after_data)
        if renamed:
            self.client.rename_key(id=current.id, name=name, resource="API key %r" % current.name)
        if rotate:
            key_id, secret = self.rotate(current.id, after_data["name"])
            self.warn_if_own(current.id, "rotated")
            extra = dict(replaced_id=current.id) if key_id != current.id else {}
            return self.result(True, before=before, after=after,
                               api_key=self.returned(key_id, secret, dict(after_data, id=key_id)), **extra)
        return self.result(True, before=before, after=after, api_key=self.view(self.fetch(current.id) or entry))

    def replace(self, entry, desired, data, before):
        current = entry.api_key
        name = self.params["name"] or current.name
        new_data = dict(id="", name=name, created_on=None, authorizations=self.desired_view(desired))
        after = self.managed_view(new_data)
        if self.check_mode:
            return self.result(True, before=before, after=after, api_key=new_data, replaced_id=current.id)
        # Create first, delete after: the old key may be the very key this task authenticates with.
        key_id, secret = self.create_once(name, desired, [current.id])
        returned = self.returned(key_id, secret, new_data)
        self.client.delete_key(id=current.id, resource="API key %r (replaced by %s)" % (current.name, key_id))
        self.warn_if_own(current.id, "replaced by key %s" % key_id)
        return self.result(True, before=before, after=after, api_key=returned, replaced_id=current.id)

    def warn_if_own(self, key_id, what):
        if key_id == self.params["api_key_id"]:
            self.module.warn("the API key this task authenticates with (%s) was %s: later tasks need the new "
                             "credentials" % (key_id, what))


def main():
    ApiKeyModule().run()


if __name__ == "__main__":
    main()
