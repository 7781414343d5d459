# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Machine parts: named within a machine, unique per location, shown without their secrets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import typing as t

from ansible_collections.viam.cloud.plugins.module_utils.convert import PART_SECRET_FIELDS, message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.validate import is_uuid
from ansible_collections.viam.cloud.plugins.module_utils.services.base import (
    CreateRaced, NotFound, ResourceLookupError, Service, absent_unless_listed, is_predicted, not_found, pick_one)

SECRET_FIELDS = PART_SECRET_FIELDS  # the fields of a part that carry its secrets
# Codes of a name check or a refused create that say nothing about the name: raised as they are.
_TRANSIENT = ("UNAVAILABLE", "DEADLINE_EXCEEDED", "UNAUTHENTICATED", "RESOURCE_EXHAUSTED")


def strip(data: dict, return_secret: bool = False) -> dict:
    """A part as a dict, in place: without the duplicate JSON config, and without secrets unless asked for."""
    data.pop("robot_config_json", None)
    if not return_secret:
        for key in SECRET_FIELDS:
            data.pop(key, None)
    return data


def view(part: t.Any, return_secret: bool = False) -> dict:
    """A RobotPart message as every module returns it (the one secret-free view of a part)."""
    return strip(message_to_dict(part), return_secret)


class PartNameTaken(ResourceLookupError):
    """A create refused because another machine of the location has a part of that name."""

    def __init__(self, message: str, error: ViamError) -> None:
        super().__init__(message)
        self.error = error


def name_taken_message(name: str, location_id: str, other: t.Any) -> str:
    return ("a part named %r already exists in location %r (part id %s of machine id %s); part names are "
            "unique within a location" % (name, location_id, other.id, other.robot))


class PartService(Service):
    kind = "part"

    def list(self, robot_id: str, resource: str) -> list:
        """GetRobotParts of one machine (none in a machine check mode predicts)."""
        if is_predicted(robot_id):
            return []
        return list(self.client.get_robot_parts(robot_id=robot_id, resource=resource).parts)

    def list_organization(self) -> list:
        """Every part of every machine of the organization (GetRobotParts per machine)."""
        from ansible_collections.viam.cloud.plugins.module_utils.services.machines import MachineService

        parts: t.List[t.Any] = []
        for robot in MachineService(self.client, self.organization_id).list_organization():
            parts.extend(self.list(robot.id, "parts of machine %r" % robot.name))
        return parts

    def find(self, robot_id: str, ref: str, robot_name: str = ""):
        where = "in machine %r" % (robot_name or robot_id)
        return pick_one(self.list(robot_id, "parts %s" % where), ref, "part", where)

    def require(self, robot_id: str, ref: str, robot_name: str = ""):
        where = "in machine %r" % (robot_name or robot_id)
        parts = self.list(robot_id, "parts %s" % where)
        part = pick_one(parts, ref, "part", where)
        if part is None:
            return self.missing("part", ref, not_found("part", ref, where, parts), robot=robot_id)
        return part

    def resolve(self, ref: t.Optional[str], robot_ref: t.Optional[str], location_ref: t.Optional[str] = None):
        """A part by name (or ID) within its machine (``robot_ref``, found within ``location_ref`` when given),
        the machine's main part when ``ref`` is None, or a part by ID alone when no machine is given."""
        from ansible_collections.viam.cloud.plugins.module_utils.services.machines import MachineService

        if robot_ref:
            robot, _location = MachineService(self.client, self._organization_id, self.predictions).resolve(
                robot_ref, location_ref)
            if ref is None:
                main = [p for p in self.list(robot.id, "parts of machine %r" % robot.name) if p.main_part]
                if not main:
                    raise NotFound("machine %r has no main part; give part" % robot.name)
                return main[0]
            return self.require(robot.id, ref, robot.name)
        if not is_uuid(ref):
            raise ResourceLookupError("part %r is not a part ID: give robot as well to find a part by name" % ref)
        response = self.get_by_id(ref)
        if response is None:
            raise NotFound("part id %r not found" % ref)
        return response.part

    def read(self, part_id: str, name: str):
        """GetRobotPart's response (part and config_json)."""
        return self.client.get_robot_part(id=part_id, resource="part %r" % name)

    def get_by_id(self, part_id: str):
        """GetRobotPart's response for a part ID, or None when it does not exist (see base.absent_unless_listed)."""
        try:
            return self.client.get_robot_part(id=part_id, resource="part %r" % part_id)
        except ViamError as err:
            absent_unless_listed(err, lambda: [p.id for p in self.list_organization()], part_id)
            return None

    def name_taken(self, name: str, location_id: str, except_part: str = "") -> t.Optional[t.Any]:
        """The other part called ``name`` in the location (part names are unique per location), or None
        when GetRobotPartByNameAndLocation does not name one.

        That RPC is recent and no official client calls it (docs/api-assumptions.md §7,
        part_by_name_and_location): any refusal (NOT_FOUND, PERMISSION_DENIED, UNIMPLEMENTED...)
        means "not known to be taken", and the write that follows is the real check: a refused
        create or rename is explained by find_in_location().
        """
        if is_predicted(location_id):
            return None
        try:
            part = self.client.get_robot_part_by_name_and_location(
                name=name, location_id=location_id, resource="part %r in location %r" % (name, location_id)).part
        except ViamError as err:
            if err.code in _TRANSIENT:
                raise
            return None
        return part if part.id and part.name == name and part.id != except_part else None

    def find_in_location(self, location_id: str, name: str) -> t.Optional[t.Any]:
        """The part called ``name`` among the parts of every machine of the location (ListRobots and
        GetRobotParts, the calls the SDK and the CLI make), or None."""
        robots = self.client.list_robots(location_id=location_id, resource="machines in location %r" % location_id).robots
        for robot in robots:
            for part in self.list(robot.id, "parts of machine %r" % robot.name):
                if part.name == name:
                    return part
        return None

    def create(self, robot: t.Any, name: str, resource: str) -> str:
        """NewRobotPart -> the part ID; if its answer was lost, the part may exist: look again before failing.

        A refusal is explained from the parts of the location (the name check before it may not
        have been able to tell: docs/api-assumptions.md §7, part_by_name_and_location): a part of
        that name on the same machine is a racing run's (CreateRaced), on another machine it is
        PartNameTaken.
        """
        try:
            return self.create_or_find(
                lambda: self.client.new_robot_part(robot_id=robot.id, part_name=name, resource=resource).part_id,
                lambda: getattr(self.find(robot.id, name, robot.name), "id", None))
        except (ViamError, CreateRaced) as refused:
            err = refused.error if isinstance(refused, CreateRaced) else refused
            if err.maybe_applied or err.code in ("UNAVAILABLE", "DEADLINE_EXCEEDED", "UNAUTHENTICATED"):
                raise
            other = self.find_in_location(robot.location, name)
            if other is None:
                raise
            if other.robot == robot.id:
                raise CreateRaced(err)
            raise PartNameTaken(name_taken_message(name, robot.location, other), err)
