#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_permissions_info
short_description: Check which Viam permissions the API key holds
version_added: 0.1.0
description:
  - Asks the Viam API (CheckPermissions) which of the given permissions the key the task authenticates with
    holds on the given resources, and returns, for each resource, the permissions granted and those denied.
  - Only reads; it never changes anything. Use it to check that a key can do what a play needs before the play
    does it.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
options:
  permissions:
    description:
      - The resources and the permissions to check on each. It must not be empty.
    type: list
    elements: dict
    required: true
    suboptions:
      resource_type:
        description:
          - The kind of resource, such as V(organization), V(location) or V(robot).
        type: str
        required: true
      resource_id:
        description:
          - ID of the resource.
        type: str
        required: true
      permissions:
        description:
          - Permission names, such as V(read_organization), V(control_robot) or V(read_robot_logs). The permission
            matrix is in the Viam documentation on role-based access control.
        type: list
        elements: str
        required: true
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
seealso:
  - module: viam.cloud.viam_role_info
"""

EXAMPLES = r"""
- name: Can this key control the rover and read its logs?
  viam.cloud.viam_permissions_info:
    permissions:
      - resource_type: robot
        resource_id: 5a8c1d2e-3f4b-4c6d-8e9f-0a1b2c3d4e5f
        permissions: [control_robot, read_robot_logs]
  register: rover_permissions

- name: Stop early when it cannot
  ansible.builtin.assert:
    that: rover_permissions.all_granted
    fail_msg: "missing: {{ rover_permissions.permissions | map(attribute='denied') | flatten }}"
"""

RETURN = r"""
permissions:
  description: One entry per resource asked about, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    resource_type:
      description: The kind of resource.
      type: str
      sample: robot
    resource_id:
      description: ID of the resource.
      type: str
      sample: 5a8c1d2e-3f4b-4c6d-8e9f-0a1b2c3d4e5f
    granted:
      description: The permissions asked about that the key holds.
      type: list
      elements: str
      sample: [read_robot_logs]
    denied:
      description: The permissions asked about that the key does not hold.
      type: list
      elements: str
      sample: [control_robot]
all_granted:
  description: Whether the key holds every permission asked about.
  returned: always
  type: bool
  sample: false
"""

from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule


class PermissionsInfoModule(ViamModule):
    argument_spec = dict(
        permissions=dict(type="list", elements="dict", required=True, options=dict(
            resource_type=dict(type="str", required=True),
            resource_id=dict(type="str", required=True),
            permissions=dict(type="list", elements="str", required=True),
        )),
    )

    def execute(self):
        asked = self.params["permissions"]
        if not asked:
            self.fail("permissions must not be empty: name at least one resource and permission to check")
        for index, entry in enumerate(asked):
            for option in ("resource_type", "resource_id"):
                if not entry[option].strip():
                    self.fail("permissions[%d].%s must not be empty" % (index, option))
            if not entry["permissions"] or any(not p.strip() for p in entry["permissions"]):
                self.fail("permissions[%d].permissions must name at least one permission, and none may be empty"
                          % index)
        request = [dict(resource_type=e["resource_type"], resource_id=e["resource_id"], permissions=e["permissions"])
                   for e in asked]
        response = self.client.check_permissions(permissions=request,
                                                 resource="permissions on %d resource(s)" % len(request))
        granted = {}
        for entry in response.authorized_permissions:
            granted.setdefault((entry.resource_type, entry.resource_id), set()).update(entry.permissions)
        result = []
        for entry in asked:
            held = granted.get((entry["resource_type"], entry["resource_id"]), set())
            result.append(dict(resource_type=entry["resource_type"], resource_id=entry["resource_id"],
                               granted=[p for p in entry["permissions"] if p in held],
                               denied=[p for p in entry["permissions"] if p not in held]))
        return self.result(False, permissions=result, all_granted=not any(e["denied"] for e in result))


def main():
    PermissionsInfoModule().run()


if __name__ == "__main__":
    main()
