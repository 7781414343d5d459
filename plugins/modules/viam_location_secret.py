#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_location_secret
short_description: Manage the secrets of Viam locations
version_added: 0.1.0
description:
  - Makes sure a location has a secret, deletes one of its secrets, or rotates them.
  - Location secrets are the older way for devices to connect to the machines of a location (API keys are the
    newer one). Viam allows at most two active secrets per location, so that one can be replaced while devices
    move to the other.
  - Reads the secrets with C(LocationAuth); creates them with C(CreateLocationSecret) and deletes them with
    C(DeleteLocationSecret).
  - Only an owner of the location can read or change its secrets.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
options:
  location:
    description:
      - Name or ID of the location. A name used by two locations of the organization fails; give the ID then.
    type: str
    required: true
  state:
    description:
      - V(present) makes sure the location has at least O(count) active secrets, creating the missing ones. It never
        deletes a secret.
      - V(absent) deletes the secret O(secret_id). A secret that does not exist is left alone (no change).
    type: str
    choices: [present, absent]
    default: present
  secret_id:
    description:
      - ID of the secret to delete, with O(state=absent) (as listed in RV(secrets)). Required then, and only
        used then.
    type: str
  count:
    description:
      - With O(state=present), the number of active secrets the location has at least, V(1) or V(2) (Viam allows
        at most two).
      - V(2) adds a second secret next to the current one, to move devices to it before deleting the old one.
    type: int
    default: 1
  force:
    description:
      - With O(state=absent), allow deleting the last active secret of the location. Every device that connects
        with it loses access, and the location has no secret until one is created.
      - Without it, deleting the last active secret fails and deletes nothing.
    type: bool
    default: false
  rotate:
    description:
      - With O(state=present), replace the oldest active secret with a new one. The number of active secrets
        stays the same (a location without one gets one).
      - With one active secret, the new one is created first and the old one deleted after it.
        With two, the limit, the oldest is deleted B(first) and the new one created after it. Devices still using
        the oldest secret lose access at once; move them to the newer secret before rotating.
      - An action, not a state - it always reports C(changed), and sends nothing in check mode.
    type: bool
    default: false
  return_secret:
    description:
      - Also return the secret values, in RV(secrets[].secret) and RV(new_secrets[].secret). When you set this,
        also set C(no_log) to V(true) on the task.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: Nothing is sent; RV(secrets) shows the secrets as they would be, a secret to be created with an
      empty C(id).
  diff_mode:
    support: full
    details: The diff lists the secret IDs only, never their values; a secret to be created shows as C((new)).
  platform:
    support: full
    platforms: all
    details: The module runs where Ansible runs it, usually the controller, and only talks to the Viam API.
notes:
  - Secret values never appear in the diff, nor in the result unless O(return_secret=true).
seealso:
  - module: viam.cloud.viam_location
  - module: viam.cloud.viam_robot_part_secret
"""

EXAMPLES = r"""
- name: The lab has a secret
  viam.cloud.viam_location_secret:
    location: lab

- name: A second secret next to the first, to move devices to it
  viam.cloud.viam_location_secret:
    location: lab
    count: 2

- name: Replace the oldest secret of the lab, and keep the new one
  viam.cloud.viam_location_secret:
    location: lab
    rotate: true
    return_secret: true
  no_log: true
  register: rotated

- name: Use the new secret
  ansible.builtin.copy:
    content: "{{ rotated.new_secrets[0].secret }}"
    dest: /etc/lab-secret
    mode: "0600"
  no_log: true

- name: Delete a secret that devices no longer use
  viam.cloud.viam_location_secret:
    location: ab1c2d3e45
    secret_id: 3f1c2b7a-9d4e-4c6b-8a2f-5e7d9c1b3a40
    state: absent
"""

RETURN = r"""
location:
  description: The location whose secrets the task manages.
  returned: always
  type: dict
  contains:
    id:
      description: Location ID.
      type: str
      sample: ab1c2d3e45
    name:
      description: Location name.
      type: str
      sample: lab
secrets:
  description: The secrets of the location after the task (in check mode, as they would be), oldest first.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Secret ID; empty in check mode for a secret that would be created.
      type: str
      sample: 3f1c2b7a-9d4e-4c6b-8a2f-5e7d9c1b3a40
    created_on:
      description: When the secret was created (RFC 3339); null in check mode for a secret that would be created.
      type: str
      sample: "2026-11-25T15:13:20Z"
    state:
      description: V(STATE_ENABLED) or V(STATE_DISABLED).
      type: str
      sample: STATE_ENABLED
    secret:
      description: The secret value.
      type: str
      returned: when O(return_secret=true)
new_secrets:
  description: The secrets the task created (in check mode, would create), with the keys of RV(secrets).
  returned: always
  type: list
  elements: dict
  sample: [{"id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "created_on": "2026-11-25T15:13:20Z", "state": "STATE_ENABLED"}]
  contains:
    id:
      description: Secret ID; empty in check mode.
      type: str
    created_on:
      description: When the secret was created (RFC 3339); null in check mode.
      type: str
    state:
      description: V(STATE_ENABLED) or V(STATE_DISABLED).
      type: str
    secret:
      description: The secret value.
      type: str
      returned: when O(return_secret=true), except in check mode
deleted:
  description: IDs of the secrets the task deleted (in check mode, would delete).
  returned: always
  type: list
  elements: str
  sample: ["3f1c2b7a-9d4e-4c6b-8a2f-5e7d9c1b3a40"]
"""

from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.shared_secrets import SECRET_OPTIONS, SharedSecretsModule


class LocationSecretModule(SharedSecretsModule):
    argument_spec = dict(location=dict(type="str", required=True), **SECRET_OPTIONS)
    kind = "location"

    def find_holder(self):
        ref = self.params["location"]
        if not ref.strip():
            self.fail("location must not be empty")
        self.location = self.services.locations.require(ref)
        self.label = "location %r (id %s)" % (self.location.name, self.location.id)
        return dict(id=self.location.id, name=self.location.name)

    def read_secrets(self):
        auth = self.client.location_auth(location_id=self.location.id,
                                         resource="secrets of location %r" % self.location.name).auth
        return [message_to_dict(s) for s in auth.secrets]

    def create_secret(self):
        auth = self.client.create_location_secret(location_id=self.location.id,
                                                  resource="secrets of location %r" % self.location.name).auth
        return [message_to_dict(s) for s in auth.secrets]

    def delete_secret(self, secret_id):
        self.client.delete_location_secret(location_id=self.location.id, secret_id=secret_id,
                                           resource="secret %s of location %r" % (secret_id, self.location.name))


def main():
    LocationSecretModule().run()


if __name__ == "__main__":
    main()
