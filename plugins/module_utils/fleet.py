# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan of viam_fleet: declared locations, machines and parts against what exists.

Pure functions on plain data (dicts as message_to_dict returns them), no client:

    desired = parse_fleet(locations_option, machines_option)        # FleetInputError
    planner = FleetPlanner(desired, existing_locations)
    planner.location_ids_to_list()   -> existing location IDs whose machines must be listed
    planner.add_robots(robots)       # the machines of those locations
    planner.robot_ids_to_read()      -> existing declared machines whose parts must be read
    planner.add_parts(robot_id, parts)
    planner.needs_fragments()        -> True when a fragment is named
    planner.add_fragments(fragments)
    planner.robot_ids_to_check()     -> undeclared machines in locations where parts are created
    planner.add_neighbour_parts(robot_id, parts)
    plan = planner.plan()                                            # FleetInputError

or ``plan_fleet(desired, snapshot)`` with everything at once. Every problem of
the input (duplicates, unknown locations or fragments, a main part to delete,
a part name taken in its location, ...) is collected and raised together,
before the module writes anything.

The plan is a graph of LocationPlan / MachinePlan / PartPlan objects, each
with an ``action`` (create, update, delete or none) and the desired state;
the module applies it stage by stage and fills in the IDs it creates.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import typing as t

from ansible_collections.viam.cloud.plugins.module_utils.config_shape import check_config_shape, shape_message
from ansible_collections.viam.cloud.plugins.module_utils.part_config import (
    ConfigError, check_config, configs_equal, desired_config, fragment_ids, normalize, version_problem,
    with_fragment_versions)
from ansible_collections.viam.cloud.plugins.module_utils.validate import name_problem

CREATE, UPDATE, DELETE, NONE = "create", "update", "delete", "none"
PRESENT, ABSENT = "present", "absent"
LOCATION_KEYS = frozenset(("name", "parent", "state"))
MACHINE_KEYS = frozenset(("name", "location", "state", "fragments", "fragment_versions", "parts"))
PART_KEYS = frozenset(("name", "fragments", "fragment_versions", "config", "state"))


class FleetInputError(ValueError):
    """Problems with the declared fleet; nothing has been written."""

    def __init__(self, problems: t.Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


# ------------------------------------------------------------------ input

class DesiredLocation:
    def __init__(self, name: str, parent: t.Optional[str], state: str) -> None:
        self.name = name
        self.parent = parent
        self.state = state


class DesiredPart:
    def __init__(self, name: str, fragments: t.Optional[t.List[str]] = None, config: t.Optional[dict] = None,
                 state: str = PRESENT, versions: t.Optional[t.Dict[str, str]] = None,
                 warnings: t.Optional[t.List[str]] = None) -> None:
        self.name = name
        self.fragments = fragments
        self.config = config
        self.state = state
        self.versions = versions  # fragment name or ID -> the revision or tag it pins ("" follows the latest)
        self.warnings = warnings or []  # what the config's shape check only tells (unknown top-level keys)


class DesiredMachine:
    def __init__(self, name: str, location: str, state: str = PRESENT, fragments: t.Optional[t.List[str]] = None,
                 parts: t.Optional[t.List[DesiredPart]] = None, versions: t.Optional[t.Dict[str, str]] = None) -> None:
        self.name = name
        self.location = location
        self.state = state
        self.fragments = fragments
        self.parts = parts or []
        self.versions = versions  # the main part's fragment pins, as DesiredPart.versions


class Desired:
    def __init__(self, locations: t.List[DesiredLocation], machines: t.List[DesiredMachine]) -> None:
        self.locations = locations
        self.machines = machines


def _name(value: t.Any, what: str, problems: t.List[str]) -> t.Optional[str]:
    """The name, or None with a problem added: the rule every module applies (validate.name_problem)."""
    if not isinstance(value, str) or not value.strip():
        problems.append("%s must be a non-empty string, got %r" % (what, value))
        return None
    problem = name_problem(what, value)
    if problem:
        problems.append(problem)
        return None
    return value


def _state(value: t.Any, what: str, problems: t.List[str]) -> str:
    if value is None:
        return PRESENT
    if value not in (PRESENT, ABSENT):
        problems.append("%s: state must be present or absent, got %r" % (what, value))
    return value


def _fragments(value: t.Any, what: str, problems: t.List[str]) -> t.Optional[t.List[str]]:
    if value is None:
        return None
    if not isinstance(value, list) or any(not isinstance(v, str) or not v.strip() for v in value):
        problems.append("%s: fragments must be a list of fragment names or IDs (non-empty strings), got %r"
                        % (what, value))
        return None
    return list(value)


def _versions(value: t.Any, what: str, problems: t.List[str]) -> t.Optional[t.Dict[str, str]]:
    """fragment_versions: {fragment name or ID: revision or tag}, as viam_robot_part takes it."""
    if value is None:
        return None
    if not isinstance(value, dict) or any(not isinstance(k, str) or not k.strip() for k in value):
        problems.append("%s: fragment_versions must map fragment names or IDs to a revision or a tag, got %r"
                        % (what, value))
        return None
    versions: t.Dict[str, str] = {}
    for ref, version in value.items():
        version = "" if version is None else str(version).strip()
        problem = version and version_problem(version)
        if problem:
            problems.append("%s: fragment_versions[%r]: %s" % (what, ref, problem))
        versions[ref] = version
    return versions


def _unknown_keys(item: dict, allowed: frozenset, what: str, problems: t.List[str]) -> None:
    unknown = sorted(str(k) for k in item if k not in allowed)
    if unknown:
        problems.append("%s: unknown key(s) %s (allowed: %s)" % (what, ", ".join(unknown), ", ".join(sorted(allowed))))


def parse_part(item: t.Any, machine_label: str, problems: t.List[str]) -> t.Optional[DesiredPart]:
    if isinstance(item, str):
        name = _name(item, "a part name of %s" % machine_label, problems)
        return DesiredPart(name) if name else None
    if not isinstance(item, dict):
        problems.append("a part of %s must be a name or a dict, got %r" % (machine_label, item))
        return None
    _unknown_keys(item, PART_KEYS, "a part of %s" % machine_label, problems)
    name = _name(item.get("name"), "the name of a part of %s" % machine_label, problems)
    if name is None:
        return None
    label = "part %r of %s" % (name, machine_label)
    state = _state(item.get("state"), label, problems)
    fragments = _fragments(item.get("fragments"), label, problems)
    config = item.get("config")
    warnings: t.List[str] = []
    if config is not None:
        try:
            config = check_config(config, "config of %s" % label)
        except ConfigError as exc:
            problems.append(str(exc))
            config = None
    if config is not None:
        # The rdk machine-config shape, as viam_robot_part checks it (config_shape.py), before any write.
        shape_problems, shape_warnings = check_config_shape(config)
        if shape_problems:
            problems.append(shape_message(shape_problems, "the config of %s" % label))
            config = None
        else:
            warnings = ["%s: %s" % (label, warning) for warning in shape_warnings]
    versions = _versions(item.get("fragment_versions"), label, problems)
    if state == ABSENT and (item.get("fragments") is not None or item.get("config") is not None
                            or versions is not None):
        problems.append("%s: fragments, fragment_versions and config apply to a part that is present, not to "
                        "state=absent" % label)
    return DesiredPart(name, fragments, config, state, versions, warnings)


def parse_fleet(locations: t.Optional[t.List[t.Any]], machines: t.Optional[t.List[t.Any]]) -> Desired:
    """The locations and machines options, checked; FleetInputError lists every problem."""
    problems: t.List[str] = []
    desired_locations: t.List[DesiredLocation] = []
    seen_locations: t.Dict[str, int] = {}
    for index, item in enumerate(locations or []):
        if isinstance(item, str):
            item = dict(name=item)
        if not isinstance(item, dict):
            problems.append("locations[%d] must be a dict with a name, got %r" % (index, item))
            continue
        _unknown_keys(item, LOCATION_KEYS, "locations[%d]" % index, problems)
        name = _name(item.get("name"), "locations[%d].name" % index, problems)
        if name is None:
            continue
        parent = item.get("parent")
        if parent is not None and not isinstance(parent, str):
            problems.append("location %r: parent must be a location name or ID (or \"\" for the top level)" % name)
            parent = None
        if parent and parent == name:
            problems.append("location %r cannot be its own parent" % name)
        state = _state(item.get("state"), "location %r" % name, problems)
        if name in seen_locations:
            problems.append("location %r is declared twice (locations[%d] and locations[%d])"
                            % (name, seen_locations[name], index))
            continue
        seen_locations[name] = index
        desired_locations.append(DesiredLocation(name, parent, state))

    desired_machines: t.List[DesiredMachine] = []
    seen_machines: t.Dict[t.Tuple[str, str], int] = {}
    for index, item in enumerate(machines or []):
        if not isinstance(item, dict):
            problems.append("machines[%d] must be a dict with a name and a location, got %r" % (index, item))
            continue
        _unknown_keys(item, MACHINE_KEYS, "machines[%d]" % index, problems)
        name = _name(item.get("name"), "machines[%d].name" % index, problems)
        location = _name(item.get("location"), "machines[%d].location" % index, problems)
        if name is None or location is None:
            continue
        label = "machine %r (location %r)" % (name, location)
        state = _state(item.get("state"), label, problems)
        fragments = _fragments(item.get("fragments"), label, problems)
        versions = _versions(item.get("fragment_versions"), label, problems)
        raw_parts = item.get("parts")
        if raw_parts is not None and not isinstance(raw_parts, list):
            problems.append("%s: parts must be a list of part names or dicts" % label)
            raw_parts = None
        if state == ABSENT and (item.get("fragments") is not None or raw_parts):
            problems.append("%s: fragments and parts apply to a machine that is present, not to state=absent" % label)
        parts: t.List[DesiredPart] = []
        part_names: t.Set[str] = set()
        for raw in raw_parts or []:
            part = parse_part(raw, label, problems)
            if part is None:
                continue
            if part.name in part_names:
                problems.append("part %r of %s is declared twice" % (part.name, label))
                continue
            part_names.add(part.name)
            parts.append(part)
        key = (location, name)
        if key in seen_machines:
            problems.append("%s is declared twice (machines[%d] and machines[%d])" % (label, seen_machines[key], index))
            continue
        seen_machines[key] = index
        desired_machines.append(DesiredMachine(name, location, state, fragments, parts, versions))
    if problems:
        raise FleetInputError(problems)
    return Desired(desired_locations, desired_machines)


# ------------------------------------------------------------------ plan objects

class LocationPlan:
    """A location: declared (``desired``) or only referred to by machines; existing (``current``) or not."""

    def __init__(self, name: str, desired: t.Optional[DesiredLocation], current: t.Optional[dict]) -> None:
        self.name = name
        self.desired = desired
        self.current = current
        self.action = NONE
        self.parent_id: t.Optional[str] = None  # desired parent ID ("" top level), None: unmanaged or new parent
        self.parent_plan: t.Optional["LocationPlan"] = None  # a parent that is created by this plan
        self.created_id = ""
        self.level = 0
        self.robots: t.Optional[t.List[dict]] = None  # the existing machines in it, once listed

    @property
    def id(self) -> str:
        return self.current["id"] if self.current else self.created_id

    @property
    def current_parent(self) -> str:
        return (self.current or {}).get("parent_location_id") or ""

    def wanted_parent(self) -> str:
        """The parent location ID after the plan ("" for the top level; "" for a parent still to create)."""
        if self.parent_plan is not None:
            return self.parent_plan.id
        if self.parent_id is not None:
            return self.parent_id
        return self.current_parent

    @property
    def label(self) -> str:
        return "location %r" % self.name


class PartPlan:
    def __init__(self, machine: "MachinePlan", name: str, current: t.Optional[dict], main: bool) -> None:
        self.machine = machine
        self.name = name
        self.current = current
        self.main = main
        self.declared = False
        self.state = PRESENT
        self.action = NONE
        self.config: t.Optional[dict] = None  # the config option (None: not managed)
        self.fragment_refs: t.Optional[t.List[str]] = None
        self.fragment_ids: t.Optional[t.List[str]] = None
        self.versions: t.Optional[t.Dict[str, str]] = None  # fragment name or ID -> pinned version
        self.wanted_config: t.Optional[dict] = None  # the config to write, when a write is needed
        self.write_config = False
        self.created_id = ""
        self.fresh: t.Optional[dict] = None  # the part as read back after it was created
        self.result: t.Optional[dict] = None  # the part after its config write (a message_to_dict dict)

    @property
    def id(self) -> str:
        if self.current:
            return self.current["id"]
        if self.fresh:
            return self.fresh["id"]
        return self.created_id

    @property
    def label(self) -> str:
        return "part %r of %s" % (self.name, self.machine.label)

    @property
    def current_config(self) -> dict:
        return normalize((self.current or {}).get("robot_config") or {})


class MachinePlan:
    def __init__(self, desired: DesiredMachine, location: LocationPlan, current: t.Optional[dict]) -> None:
        self.desired = desired
        self.name = desired.name
        self.location = location
        self.current = current
        self.action = NONE
        self.parts: t.List[PartPlan] = []
        self.current_parts: t.Optional[t.List[dict]] = None
        self.created_id = ""
        self.purged = False  # not declared, deleted by purge
        self.result_parts: t.Optional[t.List[dict]] = None  # every part after apply

    @property
    def id(self) -> str:
        return self.current["id"] if self.current else self.created_id

    @property
    def label(self) -> str:
        return "machine %r (location %r)" % (self.name, self.location.name)


class FleetPlan:
    def __init__(self, locations: t.List[LocationPlan], machines: t.List[MachinePlan],
                 fragment_names: t.Dict[str, str], location_names: t.Optional[t.Dict[str, str]] = None) -> None:
        self.locations = locations  # declared ones, in input order
        self.machines = machines
        self.fragment_names = fragment_names
        self.location_names = location_names or {}  # existing location ID -> name

    # ---- stages, in the order the module applies them

    def location_levels(self) -> t.List[t.List[LocationPlan]]:
        """Locations to create or move, parents before children."""
        todo = [loc for loc in self.locations if loc.action in (CREATE, UPDATE)]
        levels: t.Dict[int, t.List[LocationPlan]] = {}
        for loc in todo:
            levels.setdefault(loc.level, []).append(loc)
        return [levels[k] for k in sorted(levels)]

    def machine_deletes(self) -> t.List[MachinePlan]:
        return [m for m in self.machines if m.action == DELETE]

    def part_deletes(self) -> t.List[PartPlan]:
        return [p for m in self.machines for p in m.parts if p.action == DELETE]

    def machine_creates(self) -> t.List[MachinePlan]:
        return [m for m in self.machines if m.action == CREATE]

    def part_creates(self) -> t.List[PartPlan]:
        """Parts to create with NewRobotPart (a new machine's main part comes with the machine)."""
        return [p for m in self.machines for p in m.parts if p.action == CREATE and not (p.main and m.action == CREATE)]

    def machines_to_reread(self) -> t.List[MachinePlan]:
        """Machines whose parts are new: read once after creating them (IDs, FQDNs, last_updated)."""
        return [m for m in self.machines if m.action != DELETE and m.desired.state == PRESENT
                and any(p.action == CREATE for p in m.parts)]

    def config_writes(self) -> t.List[PartPlan]:
        return [p for m in self.machines for p in m.parts if p.write_config]

    def location_deletes(self) -> t.List[t.List[LocationPlan]]:
        """Locations to delete, children before parents."""
        todo = [loc for loc in self.locations if loc.action == DELETE]
        by_depth: t.Dict[int, t.List[LocationPlan]] = {}
        for loc in todo:
            by_depth.setdefault(loc.level, []).append(loc)
        return [by_depth[k] for k in sorted(by_depth, reverse=True)]

    @property
    def changed(self) -> bool:
        return any(loc.action != NONE for loc in self.locations) or any(
            m.action != NONE or any(p.action != NONE for p in m.parts) for m in self.machines)

    def counts(self) -> dict:
        counts = dict((kind, dict(created=0, updated=0, deleted=0, unchanged=0))
                      for kind in ("locations", "machines", "parts"))
        words = {CREATE: "created", UPDATE: "updated", DELETE: "deleted", NONE: "unchanged"}
        for loc in self.locations:
            counts["locations"][words[loc.action]] += 1
        for machine in self.machines:
            counts["machines"][words[machine.action]] += 1
            for part in machine.parts:
                counts["parts"][words[part.action]] += 1
        return counts

    def actions(self) -> t.List[str]:
        """What the plan does, one sentence per write-level change."""
        out = []
        for loc in self.locations:
            if loc.action == CREATE:
                out.append("create %s" % loc.label)
            elif loc.action == UPDATE:
                out.append("move %s under %s" % (loc.label, self.parent_name(loc) or "the top level"))
            elif loc.action == DELETE:
                out.append("delete %s" % loc.label)
        for machine in self.machines:
            if machine.action in (CREATE, DELETE):
                out.append("%s %s%s" % (machine.action, machine.label, " (not declared: purge)" if machine.purged else ""))
            for part in machine.parts:
                if part.action == CREATE:
                    out.append("create %s%s" % (part.label, " (the main part, with the machine)"
                                                if part.main and machine.action == CREATE else ""))
                elif part.action == UPDATE:
                    out.append("update the config of %s" % part.label)
                elif part.action == DELETE:
                    out.append("delete %s" % part.label)
        return out

    def parent_name(self, loc: LocationPlan, after: bool = True) -> str:
        """The name of the location's parent after (or before) the plan; "" at the top level."""
        if after and loc.parent_plan is not None:
            return loc.parent_plan.name
        parent_id = loc.wanted_parent() if after else loc.current_parent
        return self.location_names.get(parent_id, parent_id)

    # ---- views

    def fragment_label(self, fragment_id: str) -> str:
        return self.fragment_names.get(fragment_id, fragment_id)

    def view(self, after: bool) -> dict:
        """The declared part of the fleet before or after the plan, for the diff (no secrets)."""
        locations = {}
        for loc in self.locations:
            exists = (loc.action != DELETE) if after else loc.current is not None
            if exists:
                locations[loc.name] = dict(parent=self.parent_name(loc, after))
        machines = {}
        for machine in self.machines:
            exists = (machine.desired.state == PRESENT) if after else machine.current is not None
            if not exists:
                continue
            parts = {}
            for part in machine.parts:
                if after and part.state == ABSENT:
                    continue
                if not after and part.current is None:
                    continue
                config = part.current_config if not after else (
                    part.wanted_config if part.wanted_config is not None else part.current_config)
                entry: t.Dict[str, t.Any] = dict(main=part.main,
                                                 fragments=[self.fragment_label(i) for i in fragment_ids(config)])
                if part.config is not None:
                    entry["config"] = config
                parts[part.name] = entry
            machines["%s/%s" % (machine.location.name, machine.name)] = dict(parts=parts)
        return dict(locations=locations, machines=machines)


# ------------------------------------------------------------------ the planner

def _pick(candidates: t.Sequence[dict], ref: str, kind: str, where: str, problems: t.List[str]) -> t.Optional[dict]:
    """The candidate with id ``ref``, else the only one named ``ref``; ambiguity is a problem, never a guess."""
    for candidate in candidates:
        if candidate.get("id") == ref:
            return candidate
    named = [c for c in candidates if c.get("name") == ref]
    if len(named) > 1:
        problems.append("%d %ss are named %r %s: %s; give the ID instead" % (
            len(named), kind, ref, where, ", ".join("%s (id %s)" % (c["name"], c["id"]) for c in named)))
        return None
    return named[0] if named else None


class FleetPlanner:
    """Resolves the declared fleet against what exists, in the order the reads can be made (see the module doc)."""

    def __init__(self, desired: Desired, existing_locations: t.Sequence[dict], organization_id: str = "",
                 purge: bool = False) -> None:
        self.desired = desired
        self.purge = purge
        self.existing_locations = list(existing_locations)
        self.where = "in organization %r" % organization_id if organization_id else "in the organization"
        self.problems: t.List[str] = []
        self.fragments: t.Optional[t.List[dict]] = None
        self.declared: t.Dict[str, LocationPlan] = {}
        self.by_id: t.Dict[str, LocationPlan] = {}
        self.locations: t.List[LocationPlan] = []
        self.machines: t.List[MachinePlan] = []
        self._parts_planned = False
        self._neighbour_parts: t.Dict[str, t.List[dict]] = {}
        self._resolve_locations()
        self._resolve_machine_locations()

    # ---- locations

    def _plan_for_existing(self, current: dict) -> LocationPlan:
        plan = self.by_id.get(current["id"])
        if plan is None:
            plan = LocationPlan(current["name"], None, current)
            self.by_id[current["id"]] = plan
        return plan

    def _resolve_locations(self) -> None:
        for desired in self.desired.locations:
            current = _pick(self.existing_locations, desired.name, "location", self.where, self.problems)
            if current is not None and current["id"] in self.by_id:
                self.problems.append("location %r is declared twice (as %r and %r)"
                                     % (current["name"], self.by_id[current["id"]].name, desired.name))
                continue
            plan = LocationPlan(desired.name, desired, current)
            self.declared[desired.name] = plan
            if current is not None:
                self.by_id[current["id"]] = plan
            self.locations.append(plan)
        for plan in self.locations:
            self._plan_location(plan)
        for plan in self.locations:
            self._set_level(plan)

    def find_location(self, ref: str) -> t.Optional[LocationPlan]:
        """A declared location by name, else an existing one by ID or name."""
        if ref in self.declared:
            return self.declared[ref]
        problems: t.List[str] = []
        current = _pick(self.existing_locations, ref, "location", self.where, problems)
        if problems:
            self.problems.extend(problems)
            return None
        return self._plan_for_existing(current) if current is not None else None

    def _plan_location(self, plan: LocationPlan) -> None:
        desired = plan.desired
        if desired.state == ABSENT:
            plan.action = DELETE if plan.current is not None else NONE
            return
        parent_ref = desired.parent
        if parent_ref:
            known = len(self.problems)
            parent = self.find_location(parent_ref)
            if parent is None:
                if len(self.problems) == known:  # not already reported as ambiguous
                    self.problems.append("parent %r of location %r is neither declared in locations nor an existing "
                                         "location %s" % (parent_ref, plan.name, self.where))
                return
            if parent is plan:
                self.problems.append("location %r cannot be its own parent" % plan.name)
                return
            if parent.desired is not None and parent.desired.state == ABSENT:
                self.problems.append("parent %r of location %r is declared absent" % (parent_ref, plan.name))
                return
            if parent.current is None:
                plan.parent_plan = parent
            else:
                plan.parent_id = parent.current["id"]
        elif parent_ref == "":
            plan.parent_id = ""
        if plan.current is None:
            plan.action = CREATE
        elif plan.parent_plan is not None or (plan.parent_id is not None and plan.parent_id != plan.current_parent):
            plan.action = UPDATE

    def _set_level(self, plan: LocationPlan) -> None:
        """Depth among the declared parents, for ordering; a cycle is a problem.

        A location to delete gets its depth in the existing tree instead (children are deleted first).
        """
        if plan.action == DELETE:
            parents = dict((loc["id"], loc.get("parent_location_id") or "") for loc in self.existing_locations)
            depth, node, seen = 0, parents.get(plan.id, ""), set([plan.id])
            while node and node not in seen:
                seen.add(node)
                depth += 1
                node = parents.get(node, "")
            plan.level = depth
            return
        seen = [plan]
        node = plan
        while True:
            parent = node.parent_plan
            if parent is None and node.parent_id:
                parent = self.by_id.get(node.parent_id)
                if parent is not None and parent.desired is None:
                    parent = None
            if parent is None:
                break
            if parent in seen:
                self.problems.append("locations %s are each other's parents" % " -> ".join(
                    repr(p.name) for p in seen + [parent]))
                break
            seen.append(parent)
            node = parent
        plan.level = len(seen) - 1

    def _resolve_machine_locations(self) -> None:
        self._machine_locations: t.List[t.Tuple[DesiredMachine, t.Optional[LocationPlan]]] = []
        for machine in self.desired.machines:
            known = len(self.problems)
            loc = self.find_location(machine.location)
            if loc is None:
                if len(self.problems) == known:  # not already reported as ambiguous
                    self.problems.append("location %r of machine %r is neither declared in locations nor an "
                                         "existing location %s" % (machine.location, machine.name, self.where))
            elif machine.state == PRESENT and loc.desired is not None and loc.desired.state == ABSENT:
                self.problems.append("machine %r is declared present in location %r, which is declared absent"
                                     % (machine.name, loc.name))
            self._machine_locations.append((machine, loc))

    def location_ids_to_list(self) -> t.List[str]:
        """Existing locations whose machines the plan needs (those of declared machines, those to delete)."""
        ids: t.List[str] = []
        for machine, loc in self._machine_locations:
            if loc is not None and loc.current is not None and loc.id not in ids:
                ids.append(loc.id)
        for loc in self.locations:
            purged = self.purge and loc.current is not None and loc.desired.state == PRESENT
            if (loc.action == DELETE or purged) and loc.id not in ids:
                ids.append(loc.id)
        return ids

    # ---- machines

    def add_robots(self, robots: t.Iterable[dict]) -> None:
        """The machines of the locations of location_ids_to_list()."""
        listed = set(self.location_ids_to_list())
        by_location: t.Dict[str, t.List[dict]] = dict((i, []) for i in listed)
        for robot in robots:
            if robot.get("location") in by_location:
                by_location[robot["location"]].append(robot)
        for location_id, found in by_location.items():
            plan = self.by_id.get(location_id)
            if plan is not None:
                plan.robots = found
        seen: t.Dict[str, MachinePlan] = {}
        for desired, loc in self._machine_locations:
            if loc is None:
                continue
            current = None
            if loc.current is not None:
                where = "in location %r" % loc.name
                current = _pick(loc.robots or [], desired.name, "machine", where, self.problems)
            plan = MachinePlan(desired, loc, current)
            key = current["id"] if current else "%s\0%s" % (id(loc), desired.name)
            if key in seen:
                self.problems.append("%s is declared twice (also as machine %r with location %r)" % (
                    plan.label, seen[key].desired.name, seen[key].desired.location))
                continue
            seen[key] = plan
            if desired.state == ABSENT:
                plan.action = DELETE if current is not None else NONE
            elif current is None:
                plan.action = CREATE
            self.machines.append(plan)
        if self.purge:
            self._purge()

    def _purge(self) -> None:
        """purge: the machines of the declared (present) locations that are not declared are deleted."""
        declared = set(m.current["id"] for m in self.machines if m.current is not None)
        for loc in self.locations:
            if loc.current is None or loc.desired.state != PRESENT:
                continue
            for robot in loc.robots or []:
                if robot["id"] in declared:
                    continue
                plan = MachinePlan(DesiredMachine(robot["name"], loc.name, ABSENT), loc, robot)
                plan.action = DELETE
                plan.purged = True
                self.machines.append(plan)

    def robot_ids_to_read(self) -> t.List[str]:
        """Existing machines declared present: their parts are read (GetRobotParts)."""
        return [m.current["id"] for m in self.machines if m.current is not None and m.desired.state == PRESENT]

    def add_parts(self, robot_id: str, parts: t.Iterable[dict]) -> None:
        for machine in self.machines:
            if machine.current is not None and machine.current["id"] == robot_id:
                machine.current_parts = list(parts)

    # ---- fragments

    def fragment_refs(self) -> t.List[str]:
        refs: t.List[str] = []
        for machine in self.desired.machines:
            for ref in ((machine.fragments or []) + list(machine.versions or {})
                        + [r for p in machine.parts for r in (p.fragments or []) + list(p.versions or {})]):
                if ref not in refs:
                    refs.append(ref)
        return refs

    def needs_fragments(self) -> bool:
        return bool(self.fragment_refs())

    def add_fragments(self, fragments: t.Iterable[dict]) -> None:
        """The organization's fragments (plus any fragment named by ID that it does not own)."""
        self.fragments = list(fragments)

    def _fragment_ids(self, refs: t.Optional[t.List[str]], label: str) -> t.Optional[t.List[str]]:
        if refs is None:
            return None
        ids = []
        for ref in refs:
            known = len(self.problems)
            fragment = _pick(self.fragments or [], ref, "fragment", self.where, self.problems)
            if fragment is None:
                if len(self.problems) == known:  # not already reported as ambiguous
                    self.problems.append("fragment %r (for %s) not found %s" % (ref, label, self.where))
                continue
            ids.append(fragment["id"])
        return ids

    # ---- parts

    def _plan_parts(self, machine: MachinePlan) -> None:
        desired = machine.desired
        if desired.state == ABSENT:
            return
        current_parts = machine.current_parts or []
        if machine.current is None:
            main = PartPlan(machine, desired.name + "-main", None, True)
            main.action = CREATE
        else:
            mains = [p for p in current_parts if p.get("main_part")]
            main = PartPlan(machine, mains[0]["name"], mains[0], True) if mains else None
            if main is None and desired.fragments is not None:
                self.problems.append("%s has no main part to apply fragments to" % machine.label)
        if main is not None:
            main.fragment_refs = desired.fragments
            main.versions = desired.versions
            machine.parts.append(main)
        for entry in desired.parts:
            if main is not None and (entry.name == main.name or (main.current and entry.name == main.current["id"])):
                part = main
                if entry.fragments is not None and desired.fragments is not None:
                    self.problems.append("%s: the fragments of its main part %r are given twice (machine fragments "
                                         "and the part's fragments)" % (machine.label, main.name))
                if entry.state == ABSENT:
                    self.problems.append("%s is the machine's main part and cannot be deleted; delete the machine "
                                         "instead" % main.label)
                    continue
                if entry.fragments is not None:
                    part.fragment_refs = entry.fragments
                if entry.versions is not None:
                    part.versions = entry.versions
            else:
                current = _pick(current_parts, entry.name, "part", "in %s" % machine.label, self.problems)
                if current is not None and current.get("main_part"):
                    self.problems.append("part %r is the main part of %s and cannot be deleted" % (
                        entry.name, machine.label))
                    continue
                part = PartPlan(machine, current["name"] if current else entry.name, current, False)
                part.state = entry.state
                part.fragment_refs = entry.fragments
                part.versions = entry.versions
                if entry.state == ABSENT:
                    part.action = DELETE if current is not None else NONE
                elif current is None:
                    part.action = CREATE
                machine.parts.append(part)
            part.declared = True
            part.config = entry.config
        for part in machine.parts:
            if part.state == ABSENT:
                continue
            part.fragment_ids = self._fragment_ids(part.fragment_refs, part.label)
            managed = part.config is not None or part.fragment_ids is not None or part.versions is not None
            current_config = part.current_config
            wanted = desired_config(current_config, part.config, part.fragment_ids) if managed else current_config
            if part.versions is not None:
                wanted = self._pinned(part, wanted)
            if not configs_equal(current_config, wanted):
                part.wanted_config = wanted
                part.write_config = True
                if part.action == NONE:
                    part.action = UPDATE

    def _pinned(self, part: "PartPlan", config: dict) -> dict:
        """``config`` with the part's fragment_versions pinned (part_config.with_fragment_versions)."""
        ids = self._fragment_ids(list(part.versions or {}), part.label) or []
        if len(ids) != len(part.versions or {}):
            return config  # an unknown fragment: reported by _fragment_ids
        try:
            return with_fragment_versions(config, dict(zip(ids, (part.versions or {}).values())))
        except ConfigError as exc:
            self.problems.append("%s: fragment_versions: %s" % (part.label, exc))
            return config

    def prepare_parts(self) -> None:
        """Plan the parts of the declared machines (after add_parts and add_fragments)."""
        if self._parts_planned:
            return
        if self.fragments is None and self.needs_fragments():
            raise ValueError("add_fragments() must be called before the parts are planned when fragments are named")
        self._parts_planned = True
        for machine in self.machines:
            self._plan_parts(machine)

    def robot_ids_to_check(self) -> t.List[str]:
        """Undeclared machines in the locations where parts are created: their part names must be read too.

        Part names are unique within a location; reading these (usually none: a new location has no machines,
        a converged fleet creates no parts) lets a name clash fail before any write.
        """
        self.prepare_parts()
        declared = set(m.current["id"] for m in self.machines if m.current is not None)
        ids: t.List[str] = []
        for loc in self._locations_with_new_parts():
            for robot in loc.robots or []:
                if robot["id"] not in declared and robot["id"] not in ids:
                    ids.append(robot["id"])
        return ids

    def _locations_with_new_parts(self) -> t.List[LocationPlan]:
        found: t.List[LocationPlan] = []
        for machine in self.machines:
            if any(p.action == CREATE for p in machine.parts) and machine.location not in found:
                found.append(machine.location)
        return found

    def add_neighbour_parts(self, robot_id: str, parts: t.Iterable[dict]) -> None:
        """The parts of an undeclared machine of robot_ids_to_check()."""
        self._neighbour_parts[robot_id] = list(parts)

    def _check_part_names(self) -> None:
        """Part names are unique within a location: new ones must be free (among the machines we know)."""
        taken: t.Dict[str, t.Dict[str, str]] = {}
        for loc in self._locations_with_new_parts():
            names = taken.setdefault(loc.id or "new:%s" % loc.name, {})
            for robot in loc.robots or []:
                for part in self._neighbour_parts.get(robot["id"], []):
                    names.setdefault(part["name"], robot["name"])
        for machine in self.machines:
            key = machine.location.id or "new:%s" % machine.location.name
            names = taken.setdefault(key, {})
            if machine.action == DELETE:
                continue
            for part in machine.current_parts or []:
                if not any(p.current is part and p.action == DELETE for p in machine.parts):
                    names.setdefault(part["name"], machine.name)
        for machine in self.machines:
            key = machine.location.id or "new:%s" % machine.location.name
            names = taken[key]
            for part in machine.parts:
                if part.action != CREATE:
                    continue
                if part.name in names:
                    self.problems.append("%s: a part named %r already exists in location %r (machine %r); part names "
                                         "are unique within a location" % (part.label, part.name, machine.location.name,
                                                                           names[part.name]))
                else:
                    names[part.name] = machine.name

    def _check_location_deletes(self) -> None:
        deleted_machines = set(m.current["id"] for m in self.machines if m.action == DELETE)
        for loc in self.locations:
            if loc.action != DELETE:
                continue
            left = [r["name"] for r in (loc.robots or []) if r["id"] not in deleted_machines]
            if left:
                self.problems.append("location %r still has machine(s) not declared absent: %s; declare them with "
                                     "state: absent or move them first" % (loc.name, ", ".join(sorted(left))))
            children = [other["name"] for other in self.existing_locations
                        if other.get("parent_location_id") == loc.id
                        and not (other["id"] in self.by_id and self.by_id[other["id"]].action == DELETE)]
            children += [p.name for p in self.locations if p.parent_plan is loc]
            if children:
                self.problems.append("location %r still has sub-location(s): %s; delete or move them first"
                                     % (loc.name, ", ".join(sorted(set(children)))))

    def plan(self) -> FleetPlan:
        self.prepare_parts()
        self._check_part_names()
        self._check_location_deletes()
        if self.problems:
            raise FleetInputError(list(dict.fromkeys(self.problems)))
        names = dict((f["id"], f["name"]) for f in self.fragments or [])
        location_names = dict((loc["id"], loc["name"]) for loc in self.existing_locations)
        return FleetPlan(self.locations, self.machines, names, location_names)


def plan_fleet(desired: Desired, snapshot: dict, organization_id: str = "", purge: bool = False) -> FleetPlan:
    """The plan from a full snapshot: {locations: [...], robots: [...], parts: {robot_id: [...]}, fragments: [...]}."""
    planner = FleetPlanner(desired, snapshot.get("locations") or [], organization_id, purge)
    planner.add_robots(snapshot.get("robots") or [])
    for robot_id in planner.robot_ids_to_read():
        planner.add_parts(robot_id, (snapshot.get("parts") or {}).get(robot_id, []))
    planner.add_fragments(snapshot.get("fragments") or [])
    for robot_id in planner.robot_ids_to_check():
        planner.add_neighbour_parts(robot_id, (snapshot.get("parts") or {}).get(robot_id, []))
    return planner.plan()
