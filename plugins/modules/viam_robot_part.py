#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_robot_part
short_description: Manage the parts of Viam machines, their configs and fragments
version_added: 0.1.0
description:
  - Create, rename and delete the parts of a Viam machine; set a part's config and the fragments it uses;
    make a part the main part; ask a part to restart.
  - A part is found by O(name) within its machine (O(robot)), or by O(id).
  - Configs are compared as data, not text. Key order does not matter, and V(1) equals V(1.0) (the API stores
    numbers as doubles).
  - Every config change is sent with the part's C(last_updated) as read just before, so a concurrent edit
    (in the Viam app, or by another task) is never silently overwritten. The module fails instead, and asks to re-run.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
  - viam.cloud.viam_metadata
options:
  name:
    description:
      - Name of the part. Part names are unique within a location.
      - Required unless O(id) is given. With O(id), a different O(name) renames the part (its C(dns_name) and FQDNs
        follow the new name).
    type: str
  id:
    description:
      - ID of an existing part (a UUID). Addresses the part directly, which allows renaming it.
    type: str
  robot:
    description:
      - Name or ID of the machine the part belongs to.
      - Required unless O(id) is given. Parts cannot move between machines.
    type: str
  location:
    description:
      - Name or ID of the machine's location.
      - Needed when O(robot) is a machine name used in more than one location; without it, the machine name is
        looked up in the whole organization.
    type: str
  config:
    description:
      - The whole config of the part (the JSON config of the Viam app, as a dict), replacing the current one.
      - When omitted, the config is not managed (except its C(fragments) list, see O(fragments)).
      - It must not have a C(cloud) section. That section is the device's identity (part ID and secret). The app may
        add it when it hands the config out, and M(viam.cloud.viam_robot_part) neither compares, shows nor writes it
        back. The role P(viam.cloud.machine#role) writes it to the robot's C(/etc/viam.json).
    type: dict
  fragments:
    description:
      - Names or IDs of the fragments the part uses, in order; the list is set exactly. V([]) removes every fragment.
      - Managed in the config's C(fragments) list (objects with an C(id) key, the form the Viam app writes);
        the rest of the config is left alone.
        With O(config) also given, this option decides the C(fragments) key.
      - Names are looked up among the organization's fragments; a public fragment of another organization is
        given by ID.
    type: list
    elements: str
  fragment_versions:
    description:
      - The version each of these fragments is pinned to, by fragment name or ID. A version is a revision number
        (V("3")) or a tag (V(stable)); an empty string or V(null) makes the fragment follow its latest revision.
      - Written as the C(version) of the fragment's entry in the config's C(fragments) list (the Viam app's JSON
        form, an entry with C(id) and C(version)); the other fragments and the rest of the config are left alone.
      - Each fragment must be one the part uses (now, or through O(fragments) in the same task). Moving a tag with
        M(viam.cloud.viam_fragment) O(viam.cloud.viam_fragment#module:tags) moves every part pinned to it; the role
        P(viam.cloud.rollout#role) uses both to roll a revision out.
    type: dict
    version_added: 0.2.0
  main:
    description:
      - V(true) makes this the machine's main part (the one its FQDN and C(viam-server) cloud config refer to);
        the former main part stays as a sub-part.
      - V(false) on the main part is an error; to change the main part, set O(main=true) on another part.
      - When omitted, which part is main is not managed.
    type: bool
  restart:
    description:
      - Ask C(viam-server) on the part to restart (it does at its next config check).
      - An action, not a state - it always reports C(changed), and does nothing in check mode.
    type: bool
    default: false
  last_known_update:
    description:
      - The part's C(last_updated) as you read it earlier, for example from M(viam.cloud.viam_robot_part_info).
      - If the part has changed since then and the task would change its name or config, the task fails instead of
        overwriting that change. Without this option, the module reads the part itself just before the update and
        guards against changes after that read.
    type: str
  return_secret:
    description:
      - Also return the part's secrets (C(secret) and C(secrets)) in RV(part). A device connects with them as
        this part; when you set this, also set C(no_log) to V(true) on the task.
    type: bool
    default: false
  state:
    description:
      - V(present) makes sure the part exists as described.
      - V(absent) deletes it. The main part cannot be deleted; the module then fails and deletes nothing
        (mark another part as main first, or delete the whole machine with M(viam.cloud.viam_robot)).
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    details: O(restart=true) reports C(changed) in check mode and sends nothing.
  diff_mode:
    support: full
    details: The diff shows the name, whether the part is main, its fragment IDs and its config.
  platform:
    support: full
    platforms: all
    details: The module runs where Ansible runs it, usually the controller, and only talks to the Viam API.
notes:
  - Secrets never appear in the diff. Keys named C(secret), C(secrets), C(key) or C(payload) are left out of the diff
    at any depth, also inside the config.
seealso:
  - module: viam.cloud.viam_robot
  - module: viam.cloud.viam_robot_part_info
"""

EXAMPLES = r"""
- name: A second computer on the rover
  viam.cloud.viam_robot_part:
    robot: rover-7
    location: lab
    name: rover-7-arm

- name: Its config
  viam.cloud.viam_robot_part:
    robot: rover-7
    location: lab
    name: rover-7-arm
    config:
      components:
        - name: arm
          api: rdk:component:arm
          model: viam:ufactory:xArm6
          attributes:
            host: 10.0.0.12
            speed_degs_per_sec: 30

- name: The fragments of the main part (the rest of its config is left alone)
  viam.cloud.viam_robot_part:
    robot: rover-7
    location: lab
    name: rover-7-main
    fragments:
      - base-rover
      - lidar

- name: Make the arm computer the main part, and restart it
  viam.cloud.viam_robot_part:
    robot: rover-7
    location: lab
    name: rover-7-arm
    main: true
    restart: true

- name: Rename a part by ID
  viam.cloud.viam_robot_part:
    id: 0d7a4c1e-2f3b-4d5e-8a9b-1c2d3e4f5a6b
    name: rover-7-gripper

- name: Read a part, then write its config only if nobody changed it in between
  viam.cloud.viam_robot_part_info:
    robot: rover-7
    location: lab
    name: rover-7-arm
  register: arm

- name: Write back an edited config
  viam.cloud.viam_robot_part:
    id: "{{ arm.parts[0].id }}"
    config: "{{ arm.parts[0].config | combine({'debug': true}) }}"
    last_known_update: "{{ arm.parts[0].last_updated }}"

- name: Hand the device its credentials
  viam.cloud.viam_robot_part:
    robot: rover-7
    location: lab
    name: rover-7-main
    return_secret: true
  no_log: true
  register: main_part

- name: Label a part, replacing all its metadata
  viam.cloud.viam_robot_part:
    name: rover-7-main
    robot: rover-7
    location: lab
    metadata:
      owner: field-team
      serial: 1042
    metadata_mode: replace

- name: Delete a sub-part
  viam.cloud.viam_robot_part:
    robot: rover-7
    location: lab
    name: rover-7-arm
    state: absent
"""

RETURN = r"""
part:
  description: The part after the task (in check mode, as it would be). Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Part ID; empty in check mode for a part that would be created.
      type: str
      sample: 0d7a4c1e-2f3b-4d5e-8a9b-1c2d3e4f5a6b
    name:
      description: Part name.
      type: str
      sample: rover-7-arm
    robot:
      description: ID of the part's machine.
      type: str
      sample: 6f0e5c1a-8d4b-4c1e-9f3a-2b7d9e4a1c55
    location_id:
      description: ID of the machine's location.
      type: str
      sample: ab1c2d3e45
    main_part:
      description: Whether this is the machine's main part.
      type: bool
      sample: false
    dns_name:
      description: The part name as used in its FQDNs.
      type: str
      sample: rover-7-arm
    fqdn:
      description: Address of the part, C(<dns_name>.<location_id>.viam.cloud).
      type: str
      sample: rover-7-arm.ab1c2d3e45.viam.cloud
    local_fqdn:
      description: Address of the part on its local network.
      type: str
      sample: rover-7-arm.ab1c2d3e45.local.viam.cloud
    config:
      description: The part's config (whole numbers as integers).
      type: dict
      sample: {"components": [], "fragments": [{"id": "5a0f4b6e-7c1d-4e2f-9a3b-8c7d6e5f4a3b"}]}
    robot_config:
      description: The part's config as the API returns it.
      type: dict
    last_updated:
      description: When the part was last changed (RFC 3339); give it to O(last_known_update) to guard a later write.
      type: str
      sample: "2026-11-25T15:13:20.123456Z"
    created_on:
      description: When the part was created (RFC 3339).
      type: str
    online_state:
      description: Whether the part is online.
      type: str
      sample: ONLINE_STATE_OFFLINE
    metadata:
      description: The part's user-defined metadata after the task.
      type: dict
      returned: when O(metadata) is given
      sample: {"owner": "field-team", "serial": 1042}
    secret:
      description: The part's newest secret (deprecated by Viam in favour of RV(part.secrets)).
      type: str
      returned: when O(return_secret=true)
    secrets:
      description: The part's secrets (at most two).
      type: list
      elements: dict
      returned: when O(return_secret=true)
config_changes:
  description: The config keys that changed (or would change), as dotted paths into dicts.
  returned: always
  type: list
  elements: str
  sample: ["components", "fragments"]
"""

import json

from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.config_shape import enforce_config_shape
from ansible_collections.viam.cloud.plugins.module_utils.metadata import (
    METADATA_ARGUMENT_SPEC, check_metadata_option, sync_metadata)
from ansible_collections.viam.cloud.plugins.module_utils.module import ModuleFailure, ViamModule
from ansible_collections.viam.cloud.plugins.module_utils.part_config import (
    DEVICE_SECTION, ConfigError, check_config, config_changes, configs_equal, desired_config, normalize,
    parse_config_json, part_view, version_problem, with_fragment_versions, without_device_section)
from ansible_collections.viam.cloud.plugins.module_utils.services import parts as views
from ansible_collections.viam.cloud.plugins.module_utils.services.base import CONFLICT_CODES, CreateRaced, micros
from ansible_collections.viam.cloud.plugins.module_utils.services.parts import PartNameTaken, name_taken_message
from ansible_collections.viam.cloud.plugins.module_utils.validate import is_uuid


class RobotPartModule(ViamModule):
    argument_spec = dict(
        name=dict(type="str"),
        id=dict(type="str"),
        robot=dict(type="str"),
        location=dict(type="str"),
        config=dict(type="dict"),
        fragments=dict(type="list", elements="str"),
        fragment_versions=dict(type="dict"),
        main=dict(type="bool"),
        restart=dict(type="bool", default=False),
        last_known_update=dict(type="str", no_log=False),
        return_secret=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        **METADATA_ARGUMENT_SPEC
    )
    module_kwargs = dict(required_one_of=[("name", "id")])

    # ------------------------------------------------------------ reading

    def execute(self):
        check_metadata_option(self)
        return sync_metadata(self, self.execute_part(), "part", "part")

    def execute_part(self):
        self.validate_name("name", self.params["name"], required=False)
        for option in ("robot", "location", "id"):
            value = self.params[option]
            if value is not None and not value.strip():
                self.fail("%s must not be empty" % option)
        self.robot = None
        self.robot_label = None
        state = self.params["state"]
        if state == "absent":
            for option in ("config", "fragments", "fragment_versions", "main", "last_known_update"):
                if self.params[option] is not None:
                    self.fail("%s applies to a part that is present, not to state=absent" % option)
            if self.params["restart"]:
                self.fail("restart applies to a part that is present, not to state=absent")
        self.config_option = None
        if self.params["config"] is not None:
            try:
                self.config_option = check_config(self.params["config"])
            except ConfigError as exc:
                self.fail(str(exc))
            if DEVICE_SECTION in self.config_option:
                self.fail("config must not have a %r section: it is the device's own identity (part ID and secret), "
                          "which the app adds itself and viam.cloud.machine writes to the robot's /etc/viam.json"
                          % DEVICE_SECTION)
        enforce_config_shape(self, self.config_option)  # before any API call (config_shape.py)
        for ref in self.params["fragments"] or []:
            if not ref or not ref.strip():
                self.fail("fragments must not contain empty names")
        self.known_update = self.parse_known_update()

        current, response = self.find_current()
        if state == "absent":
            return self.absent(current)
        return self.present(current, response)

    def parse_known_update(self):
        text = self.params["last_known_update"]
        if text is None:
            return None
        self.client.authenticate()  # fails clearly when grpcio or protobuf are missing, before they are imported
        from ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1 import app_pb2

        stamp = type(app_pb2.RobotPart().last_updated)()
        try:
            stamp.FromJsonString(text.strip())
        except ValueError:
            self.fail("last_known_update %r is not an RFC 3339 timestamp such as 2026-11-25T15:13:20.123456Z" % text)
        return stamp

    def find_current(self):
        """(the part or None, its GetRobotPart response when already read)."""
        part_id = self.params["id"]
        if self.params["robot"]:
            self.robot, _location = self.services.machines.resolve(self.params["robot"], self.params["location"])
            self.robot_label = "machine %r" % self.robot.name
        elif self.params["location"]:
            self.fail("location is only used to find the machine: give robot as well")
        elif not part_id:
            self.fail("robot is required to find a part by name (or give the part's id)")
        if part_id:
            response = self.services.parts.get_by_id(part_id)
            if response is None:
                return None, None
            part = response.part
            if self.robot is not None and part.robot != self.robot.id:
                self.fail("part id %r (%s) belongs to machine id %r, not to %s; parts cannot move between machines"
                          % (part_id, part.name, part.robot, self.robot_label))
            if self.robot_label is None:
                self.robot_label = "machine id %r" % part.robot
            return part, response
        part = self.services.parts.find(self.robot.id, self.params["name"], self.robot.name)
        return part, None

    def read_config(self, part, response):
        """The part's config and the response it came from (GetRobotPart, read now if not yet)."""
        if response is None:
            response = self.services.parts.read(part.id, part.name)
        try:
            config = parse_config_json(response.config_json)
        except ConfigError as exc:
            self.fail("part %r: %s" % (response.part.name, exc))
        # The app may add the device's cloud section, secret included (docs/api-assumptions.md,
        # part_config_cloud): it is not the config this module manages, so it is neither compared,
        # written back, shown in the diff nor returned.
        return without_device_section(config), response

    def desired_fragment_ids(self):
        refs = self.params["fragments"]
        if refs is None:
            return None
        return [f.id for f in self.services.fragments.require_many(refs)]

    def pinned(self, config):
        """``config`` with the fragment versions of O(fragment_versions) pinned."""
        versions = self.params["fragment_versions"]
        if versions is None:
            return config
        by_id = {}
        for ref, version in versions.items():
            version = "" if version is None else str(version).strip()
            problem = version and version_problem(version)
            if problem:
                self.fail("fragment_versions[%r]: %s" % (ref, problem))
            by_id[self.services.fragments.require_many([ref])[0].id] = version
        try:
            return with_fragment_versions(config, by_id)
        except ConfigError as exc:
            self.fail("fragment_versions: %s" % exc)

    def returned(self, part, config):
        result = views.view(part, self.params["return_secret"])
        result["config"] = normalize(config)
        return result

    # ------------------------------------------------------------ absent

    def absent(self, current):
        if current is None:
            return self.result(False, before={}, after={}, part={}, config_changes=[])
        if current.main_part:
            self.fail("part %r is the main part of %s and cannot be deleted; mark another part as main first "
                      "(main: true on it), or delete the machine with viam.cloud.viam_robot"
                      % (current.name, self.robot_label))
        before = part_view(message_to_dict(current))
        if not self.check_mode:
            self.client.delete_robot_part(part_id=current.id, resource="part %r" % current.name)
        return self.result(True, before=before, after={}, part={}, config_changes=[])

    # ------------------------------------------------------------ present

    def present(self, current, response):
        if current is None and self.params["id"]:
            hint = "" if is_uuid(self.params["id"]) else " (part IDs are UUIDs)"
            self.fail("part id %r not found%s; to create a part, give its name and robot without an id"
                      % (self.params["id"], hint))
        if self.params["main"] is False and current is not None and current.main_part:
            self.fail("part %r is the main part of %s; to change that, set main: true on another part of the machine"
                      % (current.name, self.robot_label))
        ids = self.desired_fragment_ids()
        if current is None:
            return self.create(ids)
        return self.update(current, response, ids)

    def check_name_free(self, name, location_id, except_part="", creating_on=""):
        other = self.services.parts.name_taken(name, location_id, except_part)
        if other is not None and creating_on and other.robot == creating_on:
            # Not there when we looked, there now: a racing run made it. Read again (ViamModule.run).
            raise CreateRaced(ViamError(code="ALREADY_EXISTS", rpc="NewRobotPart", resource="part %r" % name))
        if other is not None:
            self.fail(name_taken_message(name, location_id, other))

    def listed_config(self, part):
        """The config of a part as GetRobotParts listed it (the robot_config Struct), without the device's section."""
        return without_device_section(normalize(message_to_dict(part).get("robot_config") or {}))

    def unchanged_as_listed(self, current, ids):
        """The result of a part found as declared, decided from its listing without reading it again; None
        when something may change (then update() reads GetRobotPart: its config_json and last_updated).

        A loop's items are mostly found as declared: reading GetRobotPart for each only to compare would
        double their round trips. Configs are compared semantically (1 equals 1.0, key order aside:
        docs/api-assumptions.md §7 robot_config_json), so the Struct decides "unchanged" as the JSON text
        would; where they could disagree, the Struct shows a difference and the exact read follows.
        """
        name = self.params["name"] if self.params["name"] is not None else current.name
        if name != current.name or (self.params["main"] and not current.main_part) or self.params["restart"]:
            return None
        listed = self.listed_config(current)
        try:
            wanted = self.pinned(desired_config(listed, self.config_option, ids))
        except ModuleFailure:
            return None  # the exact read decides, and fails with the same message if it still applies
        if not configs_equal(listed, wanted):
            return None
        before_dict = message_to_dict(current)
        return self.result(False, before=part_view(before_dict, listed), after=part_view(before_dict, wanted),
                           part=self.returned(current, listed), config_changes=config_changes(listed, wanted))

    def final_state(self, part_id, name, updated, sent_config):
        """(config, part) after the writes: the UpdateRobotPart answer when it was the last write and shows the
        name and config sent (None: the config was kept), else what GetRobotPart reads."""
        if updated is not None and updated.id == part_id and updated.name == name:
            answered = self.listed_config(updated)
            if sent_config is None or configs_equal(answered, sent_config):
                return answered, updated
        final_config, final = self.read_config_by_id(part_id, name)
        return final_config, final.part

    def update(self, current, response, ids):
        managed = self.config_option is not None or ids is not None or self.params["fragment_versions"] is not None
        if managed and response is None:
            unchanged = self.unchanged_as_listed(current, ids)
            if unchanged is not None:
                return unchanged
        if managed or response is not None:
            current_config, response = self.read_config(current, response)
            current = response.part  # the freshest read: its last_updated guards the write
        else:
            current_config = normalize(message_to_dict(current).get("robot_config") or {})
        wanted_config = self.pinned(desired_config(current_config, self.config_option, ids)) if managed \
            else current_config
        name = self.params["name"] if self.params["name"] is not None else current.name
        rename = name != current.name
        reconfigure = not configs_equal(current_config, wanted_config)
        make_main = bool(self.params["main"]) and not current.main_part
        restart = self.params["restart"]
        before_dict = message_to_dict(current)
        before = part_view(before_dict, current_config)
        after_dict = dict(before_dict, name=name, main_part=current.main_part or make_main)
        after = part_view(after_dict, wanted_config)
        changes = config_changes(current_config, wanted_config)
        if not (rename or reconfigure or make_main or restart):
            return self.result(False, before=before, after=after, part=self.returned(current, current_config),
                               config_changes=changes)
        if rename:
            self.check_name_free(name, current.location_id, current.id)
        if (rename or reconfigure) and self.known_update is not None \
                and micros(self.known_update) != micros(current.last_updated):
            # Known stale before sending: fail without the write (the API would refuse it anyway).
            details = "last_known_update %s; its last_updated is now %s" % (
                self.known_update.ToJsonString(), current.last_updated.ToJsonString())
            self.fail("%s (%s)" % (self.conflict_message(current.name), details),
                      viam_error=ViamError(code="FAILED_PRECONDITION", details=details,
                                           resource="part %r" % current.name).to_dict())
        if self.check_mode:
            predicted = self.returned(current, wanted_config)
            predicted.update(name=name, main_part=after["main_part"], robot_config=normalize(wanted_config))
            return self.result(True, before=before, after=after, part=predicted, config_changes=changes)
        if restart:
            # First: where the app no longer offers it, fail before anything else is changed.
            self.mark_for_restart(current.id, current.name)
        updated = None
        if rename or reconfigure:
            updated = self.update_part(current, name, wanted_config if reconfigure else None)
        if make_main:
            self.client.mark_part_as_main(part_id=current.id, resource="part %r" % name)
            updated = None
        final_config, final = self.final_state(current.id, name, updated, wanted_config if reconfigure else current_config)
        return self.result(True, before=before, after=after, part=self.returned(final, final_config),
                           config_changes=changes)

    def conflict_message(self, name):
        return "part %r was changed by someone else since it was read; re-run" % name

    def mark_for_restart(self, part_id, name, created=False):
        try:
            self.client.mark_part_for_restart(part_id=part_id, resource="part %r" % name)
        except ViamError as err:
            if err.code != "UNIMPLEMENTED":
                raise
            # app.proto marks MarkPartForRestart as possibly removed (docs/api-assumptions.md §7).
            self.fail("the Viam app at %s does not offer MarkPartForRestart, so restart: true cannot ask part %r to "
                      "restart. Restart viam-server on the machine instead (for example with the viam.cloud.machine "
                      "role, or systemctl restart viam-server on it); %s"
                      % (self.client.app_url, name, "the part was created with its config" if created
                         else "nothing was changed"), changed=created, viam_error=err.to_dict())

    def update_part(self, current, name, config):
        """UpdateRobotPart: always the name, the config when it changes, and last_known_update when known.

        The config goes twice: as robot_config_json, the text as written (integers stay integers, key
        order is kept), and as the robot_config Struct for a service that does not read the JSON field
        (docs/api-assumptions.md §7, robot_config_json); the result is compared semantically.
        """
        request = dict(id=current.id, name=name)
        if self.known_update is not None:
            request["last_known_update"] = self.known_update
        elif current.HasField("last_updated"):
            # An unset Timestamp copied into the optional field would send epoch 0 (docs/api-assumptions.md §3).
            request["last_known_update"] = current.last_updated
        if config is not None:
            request["robot_config"] = config
            request["robot_config_json"] = json.dumps(config)
        try:
            return self.client.update_robot_part(resource="part %r" % current.name, **request).part
        except ViamError as err:
            guarded = "last_known_update" in request
            if not (err.maybe_applied or (guarded and err.code in CONFLICT_CODES)):
                raise
            # Refused or lost: read again. The part may already be what we sent (an earlier try whose answer was
            # lost, or a racing run that made the same change): then run() reads and decides anew, and finds
            # nothing left to do.
            fresh_config, fresh = self.read_config_by_id(current.id, current.name)
            if fresh.part.name == name and (config is None or configs_equal(fresh_config, config)):
                if err.maybe_applied:
                    return fresh.part
                raise CreateRaced(err)
            moved = micros(fresh.part.last_updated) != micros(request.get("last_known_update", fresh.part.last_updated))
            if guarded and err.code in CONFLICT_CODES and moved:
                self.fail("%s (%s)" % (self.conflict_message(current.name), err.details or err.summary),
                          viam_error=err.to_dict())
            raise

    def create(self, ids):
        name = self.params["name"]
        robot = self.robot
        wanted_config = self.pinned(desired_config({}, self.config_option, ids))
        after = part_view(dict(name=name, main_part=bool(self.params["main"])), wanted_config)
        changes = config_changes({}, wanted_config)
        self.check_name_free(name, robot.location, creating_on=robot.id)
        if self.check_mode:
            predicted = dict(id="", name=name, robot=robot.id, location_id=robot.location,
                             main_part=bool(self.params["main"]), robot_config=wanted_config, config=wanted_config)
            return self.result(True, before={}, after=after, part=predicted, config_changes=changes)
        part_id = self.create_once(name, robot)
        config, response = self.read_config_by_id(part_id, name)
        updated = None
        if not configs_equal(config, wanted_config):
            updated = self.update_part(response.part, name, wanted_config)
        if self.params["main"]:
            self.client.mark_part_as_main(part_id=part_id, resource="part %r" % name)
            updated = None
        if self.params["restart"]:
            self.mark_for_restart(part_id, name, created=True)
            updated = None
        if updated is None and not (self.params["main"] or self.params["restart"]):
            final_config, final = config, response.part  # nothing was written after that read
        else:
            final_config, final = self.final_state(part_id, name, updated, wanted_config)
        return self.result(True, before={}, after=after, part=self.returned(final, final_config),
                           config_changes=changes)

    def read_config_by_id(self, part_id, name):
        response = self.services.parts.read(part_id, name)
        return self.read_config(response.part, response)

    def create_once(self, name, robot):
        """NewRobotPart without duplicates (PartService.create); a name another machine of the location has fails."""
        try:
            return self.services.parts.create(robot, name, "part %r of %s" % (name, self.robot_label))
        except PartNameTaken as taken:
            self.fail(taken.summary, viam_error=taken.error.to_dict())


def main():
    RobotPartModule().run()


if __name__ == "__main__":
    main()
