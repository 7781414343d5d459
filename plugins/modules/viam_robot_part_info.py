#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_robot_part_info
short_description: List the parts of a Viam machine, with their configs
version_added: 0.1.0
description:
  - Returns the parts of a Viam machine, all of them or those matching O(name) or O(id), each with its config.
  - A part given by O(id) needs no O(robot).
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
options:
  robot:
    description:
      - Name or ID of the machine. Required unless O(id) is given.
    type: str
  location:
    description:
      - Name or ID of the machine's location. Needed when O(robot) is a machine name used in more than one location.
    type: str
  name:
    description:
      - Only the part with this name.
    type: str
  id:
    description:
      - Only the part with this ID.
    type: str
  return_secret:
    description:
      - Also return each part's secrets (C(secret) and C(secrets)). Set C(no_log) to V(true) on the task when you use this.
      - Without it, RV(parts[].config) (and O(config_dest) and the diff) is the part's config as the app keeps it;
        a C(cloud) section the app may add (the device's part ID and secret) is left out, and any other credential
        in the config (a C(secret), C(secrets) or C(location_secret) key, the C(key) of an C(api_key), the keys of
        an C(auth.handlers[].config)) is shown as C(********). With it the config is returned as the app sends it.
    type: bool
    default: false
  history:
    description:
      - Also return each part's history (C(GetRobotPartHistory)) in the RV(parts[].history) key, newest first.
    type: bool
    default: false
  history_limit:
    description:
      - How many history entries to return per part at most, read page after page. V(0) returns them all.
    type: int
    default: 100
  config_dest:
    description:
      - Path of a file on the host the module runs on (usually the controller) to write the part's config to,
        as JSON (keys sorted). Exactly one part must match.
      - The file is written only when its content differs (the task is then changed) and always has mode C(0600),
        since a config may hold credentials. Its directory must exist.
      - It must not be a symbolic link or anything but a regular file. The module refuses it, so that neither the
        write nor the diff of the old content ever reaches the file a link points to.
    type: path
  config_indent:
    description:
      - Indentation of the JSON written to O(config_dest), in spaces. The Viam SDK uses V(4) too.
    type: int
    default: 4
attributes:
  check_mode:
    support: full
    details: The module reads; O(config_dest) is not written in check mode, and the task says whether it would be.
  diff_mode:
    support: full
    details: Shows the change to the O(config_dest) file.
  platform:
    support: full
    platforms: all
    details: The module runs where Ansible runs it, usually the controller, and only talks to the Viam API.
seealso:
  - module: viam.cloud.viam_robot_part
  - module: viam.cloud.viam_robot_info
"""

EXAMPLES = r"""
- name: The parts of a machine
  viam.cloud.viam_robot_part_info:
    robot: rover-7
    location: lab
  register: rover_parts

- name: The fragments its main part uses
  ansible.builtin.debug:
    msg: "{{ (rover_parts.parts | selectattr('main_part') | first).config.fragments | default([]) }}"

- name: One part by ID, with the secret a device needs
  viam.cloud.viam_robot_part_info:
    id: 0d7a4c1e-2f3b-4d5e-8a9b-1c2d3e4f5a6b
    return_secret: true
  no_log: true
  register: device_part

- name: Who changed the main part's config, and when
  viam.cloud.viam_robot_part_info:
    robot: rover-7
    location: lab
    name: rover-7-main
    history: true
    history_limit: 10
  register: rover_history

- name: Keep a copy of the config on the controller
  viam.cloud.viam_robot_part_info:
    robot: rover-7
    location: lab
    name: rover-7-main
    config_dest: "{{ playbook_dir }}/backup/rover-7-main.json"
    config_indent: 2
"""

RETURN = r"""
parts:
  description: The matching parts, as M(viam.cloud.viam_robot_part) returns one.
  returned: always
  type: list
  elements: dict
  contains:
    config:
      description: The part's config, parsed from the API's C(config_json) (whole numbers as integers).
      type: dict
      sample: {"components": [], "fragments": [{"id": "5a0f4b6e-7c1d-4e2f-9a3b-8c7d6e5f4a3b"}]}
    last_updated:
      description: When the part was last changed (RFC 3339); give it to C(last_known_update) of
        M(viam.cloud.viam_robot_part) to guard a later write.
      type: str
      sample: "2026-11-25T15:13:20.123456Z"
    history:
      description:
        - The part's changes, newest first; each has the part as it was before the change (C(old), without its
          secrets unless O(return_secret)), when it was changed (C(when)), and who did it (C(edited_by)).
      returned: when O(history=true)
      type: list
      elements: dict
      sample:
        - part: 0d7a4c1e-2f3b-4d5e-8a9b-1c2d3e4f5a6b
          robot: 6f0e5c1a-8d4b-4c1e-9f3a-2b7d9e4a1c55
          when: "2026-11-25T15:13:20.123456Z"
          old: {"name": "rover-7-main", "robot_config": {}}
          edited_by: {"type": "api-key", "value": "a1b2c3d4-1111-2222-3333-444455556666", "is_deactivated": false}
  sample:
    - id: 0d7a4c1e-2f3b-4d5e-8a9b-1c2d3e4f5a6b
      name: rover-7-main
      main_part: true
      robot: 6f0e5c1a-8d4b-4c1e-9f3a-2b7d9e4a1c55
      location_id: ab1c2d3e45
      fqdn: rover-7-main.ab1c2d3e45.viam.cloud
      config: {}
config_dest:
  description: The absolute path of O(config_dest).
  returned: when O(config_dest) is given
  type: str
  sample: /home/ops/backup/rover-7-main.json
"""

import json

from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule
from ansible_collections.viam.cloud.plugins.module_utils.part_config import (
    ConfigError,
    mask_config_secrets,
    parse_config_json,
    without_device_section,
)
from ansible_collections.viam.cloud.plugins.module_utils.part_logs import (
    LogsInputError,
    check_dest,
    fetch_pages,
    write_file,
)
from ansible_collections.viam.cloud.plugins.module_utils.services import parts as views

HISTORY_PAGE = 100


class RobotPartInfoModule(ViamModule):
    argument_spec = dict(
        robot=dict(type="str"),
        location=dict(type="str"),
        name=dict(type="str"),
        id=dict(type="str"),
        return_secret=dict(type="bool", default=False),
        history=dict(type="bool", default=False),
        history_limit=dict(type="int", default=100),
        config_dest=dict(type="path"),
        config_indent=dict(type="int", default=4),
    )
    module_kwargs = dict(required_one_of=[("robot", "id")])

    def execute(self):
        for option in ("robot", "location", "id"):
            value = self.params[option]
            if value is not None and not value.strip():
                self.fail("%s must not be empty" % option)
        if self.params["history_limit"] < 0:
            self.fail("history_limit must be 0 (every entry) or more, got %d" % self.params["history_limit"])
        if self.params["config_indent"] < 0:
            self.fail("config_indent must be 0 or more, got %d" % self.params["config_indent"])
        dest = None
        if self.params["config_dest"] is not None:
            try:
                dest = check_dest(self.params["config_dest"], "config_dest")
            except LogsInputError as exc:
                self.fail(str(exc))
        robot = None
        if self.params["robot"]:
            robot, _location = self.services.machines.resolve(self.params["robot"], self.params["location"])
        elif self.params["location"]:
            self.fail("location is only used to find the machine: give robot as well")
        if self.params["id"]:
            response = self.services.parts.get_by_id(self.params["id"])
            responses = [response] if response is not None else []
            if robot is not None:
                responses = [r for r in responses if r.part.robot == robot.id]
        else:
            listed = self.services.parts.list(robot.id, "parts of machine %r" % robot.name)
            # GetRobotPart for each part wanted: its config_json is the config as stored.
            responses = [self.client.get_robot_part(id=p.id, resource="part %r" % p.name) for p in listed
                         if self.params["name"] is None or p.name == self.params["name"]]
        if self.params["name"] is not None:
            responses = [r for r in responses if r.part.name == self.params["name"]]
        parts = [self.returned(r) for r in responses]
        if dest is None:
            return self.result(False, parts=parts)
        if len(parts) != 1:
            self.fail("config_dest needs exactly one part, but %d match: give name or id" % len(parts),
                      parts=[dict(id=p["id"], name=p["name"]) for p in parts])
        content = json.dumps(parts[0]["config"], indent=self.params["config_indent"], sort_keys=True) + "\n"
        try:
            changed, diff = write_file(self.module, dest, content)
        except LogsInputError as exc:
            self.fail(str(exc))
        return self.result(changed, diff=diff, parts=parts, config_dest=dest)

    def returned(self, response):
        result = views.view(response.part, self.params["return_secret"])
        try:
            config = parse_config_json(response.config_json)
        except ConfigError as exc:
            self.fail("part %r: %s" % (response.part.name, exc))
        # The app may hand out a device-ready config with the part secret in its cloud section
        # (docs/api-assumptions.md §7, part_config_cloud). Without return_secret the config is the part's
        # config in the app, as viam_robot_part manages it (no cloud section), with credentials masked.
        if not self.params["return_secret"]:
            config = mask_config_secrets(without_device_section(config))
        result["config"] = config
        if self.params["history"]:
            result["history"] = [self.history_entry(e) for e in self.history(response.part)]
        return result

    def history(self, part):
        """GetRobotPartHistory, page after page, up to history_limit entries (0 = all)."""
        limit = self.params["history_limit"]
        size = min(limit, HISTORY_PAGE) if limit else HISTORY_PAGE

        def fetch(token):
            fields = dict(id=part.id, page_limit=size)
            if token:
                fields["page_token"] = token
            response = self.client.get_robot_part_history(resource="history of part %r" % part.name, **fields)
            return list(response.history), response.next_page_token

        return fetch_pages(fetch, limit)

    def history_entry(self, entry):
        data = message_to_dict(entry)
        old = views.strip(data.get("old") or {}, self.params["return_secret"])
        if not self.params["return_secret"]:
            if "robot_config" in old:
                old["robot_config"] = mask_config_secrets(old["robot_config"])
        return data


def main():
    RobotPartInfoModule().run()


if __name__ == "__main__":
    main()
