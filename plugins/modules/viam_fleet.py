#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_fleet
short_description: Converge many Viam locations, machines and parts in one task
version_added: 0.1.0
description:
  - Converges a declared fleet, O(locations) and O(machines) with their parts and fragments, in one task and one
    module process, with the API calls of each stage made in parallel. This is the bulk path for fleets of hundreds
    of machines, where a loop of M(viam.cloud.viam_location), M(viam.cloud.viam_robot) and
    M(viam.cloud.viam_robot_part) tasks pays Ansible's per-task cost for every item.
  - The semantics are those of the single modules. Locations are found by name in the organization, machines by
    name within their location, parts by name within their machine; a name shared by several resources fails and
    lists them instead of guessing. Only what is declared is managed; parts and machines that are not listed are
    left alone.
  - The current state is read with few calls (the organization's locations once, the machines of the locations
    involved in one call, the parts of each declared machine, the organization's fragments once), then the whole
    input is checked and planned before anything is written. Any problem (a name declared twice, a location that
    is neither declared nor existing, an unknown fragment, a main part to delete, a part name already taken in its
    location) fails the task with every problem listed and nothing written.
  - Writes are applied in stages, in dependency order, each stage in parallel. Locations to create or move (parents
    first), machines to delete, parts to delete, machines to create, parts to create, one read of the parts of
    machines that got new parts, part configs (fragments and the parts' C(config)) to write, and locations
    to delete (children first).
  - When a write fails, the writes of that stage that already started finish, no later write starts, and the task
    fails with a message naming each failed resource and the reason. RV(applied) lists what was written before.
    Re-running the task converges the rest.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
options:
  locations:
    description:
      - Locations to converge, each found by name in the organization.
      - A location that machines refer to need not be declared here when it already exists.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Name of the location (or the ID of an existing one).
        type: str
        required: true
      parent:
        description:
          - Name or ID of the parent location; the parent may be declared in O(locations) too, it is created first.
          - V("") moves an existing location to the top level. When omitted, an existing location stays where it is
            and a new one is created at the top level.
        type: str
      state:
        description:
          - V(absent) deletes the location. It must then have no machines left (declare them V(absent) too) and no
            sub-locations.
        type: str
        choices: [present, absent]
        default: present
  machines:
    description:
      - Machines to converge, each found by name within its location.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Name of the machine. Machine names are unique within a location.
        type: str
        required: true
      location:
        description: Name or ID of the machine's location, declared in O(locations) or existing.
        type: str
        required: true
      state:
        description:
          - V(present) creates the machine when it does not exist (Viam creates its main part C(<name>-main) with it).
          - V(absent) deletes it with all its parts.
        type: str
        choices: [present, absent]
        default: present
      fragments:
        description:
          - Names or IDs of the fragments the machine's main part uses, in order; the list is set exactly, V([])
            removes every fragment. When omitted, the main part's fragments are not managed.
          - Managed in the part config's C(fragments) list as M(viam.cloud.viam_robot_part) does; the rest of the
            config is left alone.
        type: list
        elements: str
      fragment_versions:
        description:
          - The version each of these fragments of the main part is pinned to, by fragment name or ID, as
            M(viam.cloud.viam_robot_part) O(viam.cloud.viam_robot_part#module:fragment_versions) takes it, a revision
            number or a tag, or an empty string to follow the latest revision.
        type: dict
        version_added: 0.2.0
      parts:
        description:
          - Parts of the machine, each a part name or a dict with C(name), C(fragments) and C(fragment_versions) (as
            for the main part above), C(config) (the whole JSON config of the part, as a dict) and C(state)
            (V(present) or V(absent)).
          - A part whose name is the main part's name (C(<machine>-main) for a new machine) sets the main part's
            fragments or config. The main part cannot be V(absent).
          - Parts that are not listed are left alone.
          - Each C(config) is checked against the shape of a Viam machine config before anything is written, as
            M(viam.cloud.viam_robot_part) O(viam.cloud.viam_robot_part#module:config) is (a component needs C(name),
            C(api) and C(model), C(components) is a list, ...). A wrong shape fails the task with every problem of
            the fleet; a top-level key viam-server does not read is kept, with a warning.
        type: list
        elements: raw
  pending_fragments:
    description:
      - Names of fragments that an earlier task of the same run creates, such as M(viam.cloud.viam_fragment), which
        in check mode creates nothing.
      - In check mode only, parts may name these fragments although they do not exist yet; the plan predicts them
        (their ID shows as their name). Outside check mode every fragment must exist.
    type: list
    elements: str
    default: []
  purge:
    description:
      - Also delete the machines of the declared locations (those with O(locations[].state=present) that exist)
        that O(machines) does not declare, with their parts. Locations that only machines refer to are not purged.
      - Parts that a declared machine has but O(machines[].parts) does not list are never deleted; declare them
        V(absent).
    type: bool
    default: false
  max_concurrency:
    description:
      - How many API calls of one stage are in flight at once (one connection is shared).
    type: int
    default: 8
attributes:
  check_mode:
    support: full
    details: Check mode computes the plan, returns the counts and RV(actions) it would apply, and writes nothing.
  diff_mode:
    support: full
    details: The diff shows the declared locations (their parents) and machines (their parts, each part's
      fragments by name, and its config where the part's C(config) manages it), without secrets.
  platform:
    support: full
    platforms: all
    details: The module runs where Ansible runs it, usually the controller, and only talks to the Viam API.
notes:
  - Part names are unique within a location. Before any write the task checks every new part name against the parts
    of the declared machines and, in the locations where it creates parts, of the other machines there too (one read
    per such machine).
  - Part configs are written with the part's C(last_updated) as read by the task, so a concurrent edit is never
    overwritten; that part then fails and the task can be re-run.
  - A create whose answer is lost (a network failure) is never sent again blindly; the task looks the resource up
    by name first, as the single modules do. A create that loses a race for its name (another run made it at the
    same time) makes the task read the fleet again and converge the rest.
seealso:
  - module: viam.cloud.viam_location
  - module: viam.cloud.viam_robot
  - module: viam.cloud.viam_robot_part
  - module: viam.cloud.viam_robot_info
"""

EXAMPLES = r"""
- name: A site with many rovers, each with an arm computer and a camera computer
  viam.cloud.viam_fleet:
    locations:
      - name: warehouse
    machines: "{{ rovers }}"
    max_concurrency: 16
  vars:
    # e.g. from group_vars, one entry per machine
    rovers:
      - name: rover-1
        location: warehouse
        fragments: [base-rover]
        parts:
          - name: rover-1-arm
            fragments: [arm]
          - rover-1-camera
      - name: rover-2
        location: warehouse
        fragments: [base-rover]
        parts:
          - name: rover-2-arm
            fragments: [arm]
          - rover-2-camera

- name: A few machines written out
  viam.cloud.viam_fleet:
    locations:
      - name: lab
      - name: lab-bench
        parent: lab
    machines:
      - name: rover-7
        location: lab
        fragments: [base-rover]
        parts:
          - name: rover-7-arm
            fragments: [arm]
          - name: rover-7-cam
            config:
              components: []
      - name: rover-3
        location: lab-bench
        state: absent
  register: fleet

- name: Exactly these machines in the lab, and no other
  viam.cloud.viam_fleet:
    locations:
      - name: lab
    machines:
      - name: rover-7
        location: lab
    purge: true

- name: Show the address of every main part
  ansible.builtin.debug:
    msg: "{{ fleet.machines | map(attribute='parts') | flatten | selectattr('main_part') | map(attribute='fqdn') }}"

- name: What would change (check mode)
  viam.cloud.viam_fleet:
    machines:
      - name: rover-7
        location: lab
        fragments: [base-rover, lidar]
  check_mode: true
  register: plan

- name: Show the plan
  ansible.builtin.debug:
    var: plan.actions
"""

RETURN = r"""
counts:
  description: How many declared resources were (or in check mode would be) created, updated, deleted, or left as
    they were. A machine's main part counts as a part; the parts of a deleted machine are not counted.
  returned: always
  type: dict
  sample:
    locations: {"created": 1, "updated": 0, "deleted": 0, "unchanged": 0}
    machines: {"created": 100, "updated": 0, "deleted": 0, "unchanged": 0}
    parts: {"created": 300, "updated": 0, "deleted": 0, "unchanged": 0}
actions:
  description: What the task did (or in check mode would do), one line per change.
  returned: always
  type: list
  elements: str
  sample: ["create location 'warehouse'", "create machine 'rover-1' (location 'warehouse')"]
locations:
  description: The declared locations after the task (in check mode, as they would be).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Location name.
      type: str
    id:
      description: Location ID; empty for a location deleted, or to be created in check mode.
      type: str
    parent_location_id:
      description: ID of the parent location, empty at the top level.
      type: str
    action:
      description: V(create), V(update), V(delete) or V(none).
      type: str
  sample: [{"name": "lab", "id": "ab1c2d3e45", "parent_location_id": "", "action": "none"}]
machines:
  description:
    - The declared machines after the task (in check mode, as they would be), with all their parts.
    - With O(purge=true), also the machines it deleted (V(absent), C(purged=true)).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Machine name.
      type: str
    id:
      description: Machine ID; empty for a machine deleted, or to be created in check mode.
      type: str
    location:
      description: Name of the machine's location.
      type: str
    location_id:
      description: ID of the machine's location.
      type: str
    state:
      description: The declared state.
      type: str
    action:
      description: V(create), V(delete) or V(none) for the machine itself (its parts have their own).
      type: str
    purged:
      description: Whether the machine was not declared and deleted by O(purge=true).
      type: bool
    parts:
      description: The machine's parts (not only the declared ones), without secrets.
      type: list
      elements: dict
      contains:
        id:
          description: Part ID; empty for a part to be created in check mode.
          type: str
        name:
          description: Part name.
          type: str
        main_part:
          description: Whether this is the machine's main part.
          type: bool
        fqdn:
          description: The part's address; empty for a part to be created in check mode.
          type: str
        local_fqdn:
          description: The part's local address.
          type: str
        fragments:
          description: IDs of the fragments the part's config uses.
          type: list
          elements: str
        action:
          description: V(create), V(update), V(delete) or V(none); V(none) also for parts that are not declared.
          type: str
  sample:
    - name: rover-7
      id: 6f0e5c1a-8d4b-4c1e-9f3a-2b7d9e4a1c55
      location: lab
      location_id: ab1c2d3e45
      state: present
      action: create
      parts:
        - id: 0d7a4c1e-2f3b-4d5e-8a9b-1c2d3e4f5a6b
          name: rover-7-main
          main_part: true
          fqdn: rover-7-main.ab1c2d3e45.viam.cloud
          local_fqdn: rover-7-main.ab1c2d3e45.local.viam.cloud
          fragments: ["5a0f4b6e-7c1d-4e2f-9a3b-8c7d6e5f4a3b"]
          action: create
applied:
  description: The writes made, one line each (also returned, with C(failed), when the task fails part way).
  returned: always
  type: list
  elements: str
  sample: ["create location 'warehouse'"]
"""

import json
import threading

from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.fleet import (
    CREATE, DELETE, NONE, UPDATE, FleetInputError, FleetPlanner, parse_fleet)
from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule
from ansible_collections.viam.cloud.plugins.module_utils.parallel import run_parallel
from ansible_collections.viam.cloud.plugins.module_utils.part_config import (
    ConfigError, configs_equal, fragment_ids, normalize, parse_config_json, without_device_section)
from ansible_collections.viam.cloud.plugins.module_utils.services import parts as part_views
# CreateRaced: a create that lost a race for its name; ViamModule.run() reads again and converges the rest.
from ansible_collections.viam.cloud.plugins.module_utils.services.base import CONFLICT_CODES, CreateRaced, micros
from ansible_collections.viam.cloud.plugins.module_utils.validate import is_uuid

MAX_CONCURRENCY = 64
PART_FIELDS = ("id", "name", "main_part", "fqdn", "local_fqdn")


class StageFailed(Exception):
    def __init__(self, stage, failures):
        super().__init__(stage)
        self.stage = stage
        self.failures = failures


def part_dict(part):
    """A RobotPart message as a dict (parts.view: without secrets), its config normalized."""
    data = part_views.view(part)
    data["robot_config"] = normalize(data.get("robot_config") or {})
    return data


class _PartOwner:
    """A planned machine as PartService.create sees a machine: its ID, name and location ID."""

    def __init__(self, machine):
        self.id = machine.id
        self.name = machine.name
        self.location = machine.location.id


def part_summary(data, config=None, action=NONE):
    summary = dict((key, data.get(key, "")) for key in PART_FIELDS)
    summary["main_part"] = bool(summary["main_part"])
    summary["fragments"] = fragment_ids(data.get("robot_config") if config is None else config)
    summary["action"] = action
    return summary


class FleetModule(ViamModule):
    argument_spec = dict(
        locations=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="str", required=True),
            parent=dict(type="str"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        )),
        machines=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="str", required=True),
            location=dict(type="str", required=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            fragments=dict(type="list", elements="str"),
            fragment_versions=dict(type="dict"),
            parts=dict(type="list", elements="raw"),
        )),
        pending_fragments=dict(type="list", elements="str", default=[]),
        purge=dict(type="bool", default=False),
        max_concurrency=dict(type="int", default=8),
    )

    def execute(self):
        workers = self.params["max_concurrency"]
        if workers < 1 or workers > MAX_CONCURRENCY:
            self.fail("max_concurrency must be between 1 and %d, got %d" % (MAX_CONCURRENCY, workers))
        self.workers = workers
        try:
            desired = parse_fleet(self.params["locations"], self.params["machines"])
        except FleetInputError as exc:
            self.fail("the declared fleet has %d problem(s), nothing was changed: %s" % (len(exc.problems), exc),
                      problems=exc.problems)
        for machine in desired.machines:
            for part in machine.parts:
                for warning in part.warnings:
                    self.module.warn(warning)
        self._lock = threading.Lock()
        self.applied = getattr(self, "applied", [])  # kept when run() executes again after a lost race
        self.raw_parts = {}
        self.client.authenticate()  # once, before any call runs in parallel
        plan = self.read_and_plan(desired)
        if not self.check_mode and plan.changed:
            try:
                self.apply(plan)
            except StageFailed as failed:
                self.fail_stage(failed)
        return self.result(plan.changed or bool(self.applied), before=plan.view(False), after=plan.view(True),
                           counts=plan.counts(),
                           actions=plan.actions(), applied=self.applied, locations=self.locations_result(plan),
                           machines=self.machines_result(plan))

    # ------------------------------------------------------------ reading

    def read_and_plan(self, desired):
        org = self.organization_id
        planner = FleetPlanner(desired, [message_to_dict(loc) for loc in self.services.locations.list()], org,
                               self.params["purge"])
        location_ids = planner.location_ids_to_list()
        planner.add_robots(self.list_robots(location_ids) if location_ids else [])

        def read_parts(robot_id):
            parts = self.client.get_robot_parts(robot_id=robot_id, resource="parts of machine id %r" % robot_id).parts
            self.remember(parts)
            return robot_id, [part_dict(p) for p in parts]

        tasks = [("read the parts of machine id %r" % robot_id, lambda r=robot_id: read_parts(r))
                 for robot_id in planner.robot_ids_to_read()]
        if planner.needs_fragments():
            tasks.append(("list the fragments", lambda: ("fragments", self.read_fragments(planner.fragment_refs()))))
        for key, value in self.run_reads(tasks):
            if key == "fragments":
                planner.add_fragments(value)
            else:
                planner.add_parts(key, value)
        try:
            tasks = [("read the parts of machine id %r" % robot_id, lambda r=robot_id: read_parts(r))
                     for robot_id in planner.robot_ids_to_check()]
            for robot_id, parts in self.run_reads(tasks):
                planner.add_neighbour_parts(robot_id, parts)
            return planner.plan()
        except FleetInputError as exc:
            self.fail("the declared fleet has %d problem(s), nothing was changed: %s" % (len(exc.problems), exc),
                      problems=exc.problems)

    def list_robots(self, location_ids):
        """The machines of the locations: ListRobots per location, in parallel, as the SDK and the CLI list them
        (ListRobotsForLocations is newer and no official client calls it: docs/api-assumptions.md §3)."""
        tasks = [("list the machines of location id %r" % i,
                  lambda i=i: self.client.list_robots(location_id=i, resource="machines of location id %r" % i).robots)
                 for i in location_ids]
        return [message_to_dict(r) for robots in self.run_reads(tasks) for r in robots]

    def read_fragments(self, refs):
        """The organization's fragments (one call), plus fragments named by an ID the organization does not own."""
        fragments = self.services.fragments.list_owned()
        known = set(f.id for f in fragments)
        for ref in refs:
            if is_uuid(ref) and ref not in known:
                try:
                    fragments.append(self.client.get_fragment(id=ref, resource="fragment %r" % ref).fragment)
                    known.add(ref)
                except ViamError as err:
                    if not err.not_found:
                        raise
        found = [dict(id=f.id, name=f.name) for f in fragments]
        if self.check_mode:  # made by an earlier task that check mode skipped: predicted by name
            names = set(f.name for f in fragments)
            found.extend(dict(id=name, name=name) for name in self.params["pending_fragments"] if name not in names)
        return found

    def remember(self, parts):
        with self._lock:
            for part in parts:
                self.raw_parts[part.id] = part

    # ------------------------------------------------------------ parallel stages

    def run_reads(self, tasks):
        """Run reads in parallel; the first failure fails the task (nothing has been written)."""
        results, failures = self.run_parallel(tasks, record=False)
        if failures:
            raise failures[0][1]
        return results

    def run_parallel(self, tasks, record=True):
        """([results], [(label, ViamError)]): every task unless one failed, then those already started.

        With ``record``, each write that succeeded is added to ``applied``; a lost race for a name
        (CreateRaced) is raised when nothing failed, so that run() reads again and converges the rest."""
        results, failures, raced = run_parallel(tasks, self.workers, on_success=self.applied.append if record else None,
                                                stop_on=(CreateRaced,))
        if raced and not failures:
            raise raced[0]  # another run created a name first: read again, converge the rest
        return [r for r in results if r is not None] if not record else results, failures

    def stage(self, name, tasks):
        if not tasks:
            return
        dummy, failures = self.run_parallel(tasks)
        if failures:
            raise StageFailed(name, failures)

    def fail_stage(self, failed):
        reasons = "; ".join("%s: %s" % (label, err) for label, err in failed.failures)
        self.fail("%d write(s) failed in the stage %r: %s. No later write was started; %d write(s) were applied "
                  "before (see applied). Fix the cause and re-run to converge the rest."
                  % (len(failed.failures), failed.stage, reasons, len(self.applied)),
                  changed=bool(self.applied), applied=self.applied,
                  failed=[dict(resource=label, error=str(err), viam_error=err.to_dict()) for label, err in failed.failures])

    # ------------------------------------------------------------ writing

    def apply(self, plan):
        for level in plan.location_levels():
            self.stage("locations", [(self.location_label(plan, loc), lambda loc=loc: self.write_location(loc))
                                     for loc in level])
        self.stage("delete machines", [("delete %s" % m.label, lambda m=m: self.client.delete_robot(
            id=m.id, resource=m.label)) for m in plan.machine_deletes()])
        self.stage("delete parts", [("delete %s" % p.label, lambda p=p: self.client.delete_robot_part(
            part_id=p.id, resource=p.label)) for p in plan.part_deletes()])
        self.stage("create machines", [("create %s" % m.label, lambda m=m: self.create_machine(m))
                                       for m in plan.machine_creates()])
        self.stage("create parts", [("create %s" % p.label, lambda p=p: self.create_part(p))
                                    for p in plan.part_creates()])
        self.run_reads_after_create(plan)
        self.stage("write part configs", [("update the config of %s" % p.label, lambda p=p: self.write_config(p))
                                          for p in plan.config_writes()])
        for level in plan.location_deletes():
            self.stage("delete locations", [("delete %s" % loc.label, lambda loc=loc: self.client.delete_location(
                location_id=loc.id, resource=loc.label)) for loc in level])

    @staticmethod
    def location_label(plan, loc):
        if loc.action == CREATE:
            return "create %s" % loc.label
        return "move %s under %s" % (loc.label, plan.parent_name(loc) or "the top level")

    def write_location(self, loc):
        """The location's move (UpdateLocation), or its create without duplicates (LocationService.create)."""
        parent = loc.wanted_parent()
        if loc.action == UPDATE:
            return self.client.update_location(location_id=loc.id, parent_location_id=parent, resource=loc.label)
        location = self.services.locations.create(loc.name, parent, resource=loc.label)
        loc.created_id = location.id
        return location

    def create_machine(self, machine):
        """NewRobot without duplicates (MachineService.create, as viam_robot creates)."""
        machine.created_id = self.services.machines.create(machine.name, machine.location, resource=machine.label)
        return machine.created_id

    def create_part(self, part):
        """NewRobotPart without duplicates (PartService.create, as viam_robot_part creates)."""
        part.created_id = self.services.parts.create(_PartOwner(part.machine), part.name, part.label)
        return part.created_id

    def run_reads_after_create(self, plan):
        """One GetRobotParts per machine with new parts: their IDs, FQDNs and last_updated (for the config write)."""
        machines = plan.machines_to_reread()

        def read(machine):
            parts = self.client.get_robot_parts(robot_id=machine.id, resource="parts of %s" % machine.label).parts
            self.remember(parts)
            machine.result_parts = [part_dict(p) for p in parts]
            for plan_part in machine.parts:
                if plan_part.action != CREATE:
                    continue
                for found in machine.result_parts:
                    if (plan_part.main and found["main_part"]) or found["id"] == plan_part.created_id:
                        plan_part.fresh = found
            return machine

        dummy, failures = self.run_parallel([("read the parts of %s" % m.label, lambda m=m: read(m)) for m in machines],
                                            record=False)
        if failures:
            raise StageFailed("read new parts", failures)

    def write_config(self, part):
        """UpdateRobotPart with the config as JSON text and as a Struct (docs/api-assumptions.md §7,
        robot_config_json), guarded by last_known_update when the part has a last_updated."""
        raw = self.raw_parts.get(part.id)
        request = dict(id=part.id, name=part.name, robot_config=part.wanted_config,
                       robot_config_json=json.dumps(part.wanted_config))
        if raw is not None and raw.HasField("last_updated"):
            # An unset Timestamp copied into the optional field would send epoch 0 (docs/api-assumptions.md §3).
            request["last_known_update"] = raw.last_updated
        try:
            response = self.client.update_robot_part(resource=part.label, **request)
        except ViamError as err:
            guarded = "last_known_update" in request
            if not (err.maybe_applied or (guarded and err.code in CONFLICT_CODES)):
                raise
            # Refused or lost: the part may already hold this config (a lost answer of our own, or a racing run
            # that wrote the same): then the write is done. Otherwise a refusal after the part changed is a conflict.
            fresh = self.client.get_robot_part(id=part.id, resource=part.label)
            try:
                fresh_config = without_device_section(parse_config_json(fresh.config_json))
            except ConfigError:
                raise err
            if fresh.part.name == part.name and configs_equal(fresh_config, part.wanted_config):
                part.result = part_dict(fresh.part)
                return part.result
            if guarded and err.code in CONFLICT_CODES and micros(fresh.part.last_updated) != micros(
                    request["last_known_update"]):
                err.summary = "the part was changed by someone else since it was read; re-run"
            raise err
        part.result = part_dict(response.part)
        return part.result

    # ------------------------------------------------------------ result

    def locations_result(self, plan):
        out = []
        for loc in plan.locations:
            deleted = loc.action == DELETE or (loc.current is None and loc.desired.state == "absent")
            out.append(dict(name=loc.name, id="" if deleted else loc.id,
                            parent_location_id="" if deleted else loc.wanted_parent(), action=loc.action))
        return out

    def machines_result(self, plan):
        out = []
        for machine in plan.machines:
            present = machine.desired.state == "present"
            parts = []
            if present:
                by_id = dict((p.id, p) for p in machine.parts if p.id)
                listed = machine.result_parts if machine.result_parts is not None else (machine.current_parts or [])
                seen = set()
                for data in listed:
                    plan_part = by_id.get(data["id"])
                    if plan_part is not None and plan_part.action == DELETE:
                        continue
                    seen.add(data["id"])
                    parts.append(self.part_result(plan_part, data))
                for plan_part in machine.parts:  # check mode: parts still to create
                    if plan_part.state == "present" and (not plan_part.id or plan_part.id not in seen):
                        parts.append(self.part_result(plan_part, dict(name=plan_part.name, main_part=plan_part.main)))
            out.append(dict(name=machine.name, id=machine.id if present else "", location=machine.location.name,
                            location_id=machine.location.id, state=machine.desired.state, action=machine.action,
                            purged=machine.purged, parts=parts))
        return out

    def part_result(self, plan_part, data):
        if plan_part is None:
            return part_summary(data)
        if plan_part.result is not None:
            return part_summary(plan_part.result, action=plan_part.action)
        config = plan_part.wanted_config if plan_part.write_config else None
        return part_summary(data, config=config if config is not None else data.get("robot_config") or {},
                            action=plan_part.action)


def main():
    FleetModule().run()


if __name__ == "__main__":
    main()
