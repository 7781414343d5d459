#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_robot_part_secret
short_description: Manage the secrets of Viam machine parts
version_added: 0.1.0
description:
  - Makes sure a machine part has a secret, deletes one of its secrets, or rotates them.
  - A part secret is what C(viam-server) on the part connects with (the C(secret) of its cloud config). Viam
    allows at most two active secrets per part, so that one can be replaced while the device moves to the other.
  - Reads the secrets with C(GetRobotPart); creates them with C(CreateRobotPartSecret) and deletes them with
    C(DeleteRobotPartSecret).
  - Only an owner of the machine can read or change its secrets.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
options:
  part:
    description:
      - Name or ID of the part.
      - A name is looked up in the machine O(robot); a part ID can be given without O(robot).
    type: str
    required: true
  robot:
    description:
      - Name or ID of the machine the part belongs to. Required when O(part) is a name.
    type: str
  location:
    description:
      - Name or ID of the machine's location.
      - Needed when O(robot) is a machine name used in more than one location; without it, the machine name is
        looked up in the whole organization.
    type: str
  state:
    description:
      - V(present) makes sure the part has at least O(count) active secrets, creating the missing ones. It never
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
      - With O(state=present), the number of active secrets the part has at least, V(1) or V(2) (Viam allows
        at most two).
      - V(2) adds a second secret next to the current one, to move devices to it before deleting the old one.
    type: int
    default: 1
  force:
    description:
      - With O(state=absent), allow deleting the last active secret of the part. C(viam-server) on the part
        can no longer connect until it is given a new secret.
      - Without it, deleting the last active secret fails and deletes nothing.
    type: bool
    default: false
  rotate:
    description:
      - With O(state=present), replace the oldest active secret with a new one. The number of active secrets
        stays the same (a part without one gets one).
      - With one active secret, the new one is created first and the old one deleted after it.
        With two, the limit, the oldest is deleted B(first) and the new one created after it. A device still using
        the oldest secret loses access at once; move it to the newer secret before rotating.
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
  - module: viam.cloud.viam_robot_part
  - module: viam.cloud.viam_location_secret
"""

EXAMPLES = r"""
- name: The main part of rover-7 has a secret
  viam.cloud.viam_robot_part_secret:
    part: rover-7-main
    robot: rover-7
    location: lab

- name: Replace its oldest secret, and keep the new one for the device
  viam.cloud.viam_robot_part_secret:
    part: rover-7-main
    robot: rover-7
    location: lab
    rotate: true
    return_secret: true
  no_log: true
  register: rotated

- name: Delete a secret by its ID, the part by ID
  viam.cloud.viam_robot_part_secret:
    part: 0d7a4c1e-2f3b-4d5e-8a9b-1c2d3e4f5a6b
    secret_id: 3f1c2b7a-9d4e-4c6b-8a2f-5e7d9c1b3a40
    state: absent
"""

RETURN = r"""
part:
  description: The part whose secrets the task manages.
  returned: always
  type: dict
  contains:
    id:
      description: Part ID.
      type: str
      sample: 0d7a4c1e-2f3b-4d5e-8a9b-1c2d3e4f5a6b
    name:
      description: Part name.
      type: str
      sample: rover-7-main
    robot:
      description: ID of the part's machine.
      type: str
      sample: 6f0e5c1a-8d4b-4c1e-9f3a-2b7d9e4a1c55
    location_id:
      description: ID of the machine's location.
      type: str
      sample: ab1c2d3e45
secrets:
  description: The secrets of the part after the task (in check mode, as they would be), oldest first.
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
from ansible_collections.viam.cloud.plugins.module_utils.services.base import NotFound
from ansible_collections.viam.cloud.plugins.module_utils.shared_secrets import SECRET_OPTIONS, SharedSecretsModule
from ansible_collections.viam.cloud.plugins.module_utils.validate import is_uuid


class RobotPartSecretModule(SharedSecretsModule):
    argument_spec = dict(
        part=dict(type="str", required=True),
        robot=dict(type="str"),
        location=dict(type="str"),
        **SECRET_OPTIONS
    )
    kind = "part"

    def find_holder(self):
        for option in ("part", "robot", "location"):
            value = self.params[option]
            if value is not None and not value.strip():
                self.fail("%s must not be empty" % option)
        ref = self.params["part"]
        if self.params["robot"]:
            robot, _location = self.services.machines.resolve(self.params["robot"], self.params["location"])
            self.part = self.services.parts.require(robot.id, ref, robot.name)
        elif self.params["location"]:
            self.fail("location is only used to find the machine: give robot as well")
        elif is_uuid(ref):
            response = self.services.parts.get_by_id(ref)
            if response is None:
                raise NotFound("part id %r not found" % ref)
            self.part = response.part
        else:
            self.fail("robot is required to find a part by name (or give the part's ID)")
        self.label = "part %r (id %s)" % (self.part.name, self.part.id)
        return dict(id=self.part.id, name=self.part.name, robot=self.part.robot, location_id=self.part.location_id)

    def read_secrets(self):
        part = self.client.get_robot_part(id=self.part.id, resource="part %r" % self.part.name).part
        return [message_to_dict(s) for s in part.secrets]

    def create_secret(self):
        part = self.client.create_robot_part_secret(part_id=self.part.id,
                                                    resource="secrets of part %r" % self.part.name).part
        return [message_to_dict(s) for s in part.secrets]

    def delete_secret(self, secret_id):
        self.client.delete_robot_part_secret(part_id=self.part.id, secret_id=secret_id,
                                             resource="secret %s of part %r" % (secret_id, self.part.name))


def main():
    RobotPartSecretModule().run()


if __name__ == "__main__":
    main()
