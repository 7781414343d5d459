# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Machines (robots): named within a location, listed organization-wide the way the Viam CLI does."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import typing as t

from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.services import parts as part_views
from ansible_collections.viam.cloud.plugins.module_utils.services.base import (
    Service, absent_unless_listed, is_predicted, keep_oldest, not_found, pick_one)
from ansible_collections.viam.cloud.plugins.module_utils.services.locations import LocationService
from ansible_collections.viam.cloud.plugins.module_utils.validate import is_uuid


def view(robot: t.Any, parts: t.Optional[t.Sequence[t.Any]] = None, return_secret: bool = False) -> dict:
    """A Robot message as the modules return it; with ``parts``, each part's secret-free view (parts.view)."""
    data = message_to_dict(robot)
    if parts is not None:
        data["parts"] = [part_views.view(p, return_secret) for p in parts]
    return data


def managed(data: dict) -> dict:
    """The fields viam_robot manages, for the diff."""
    return dict(name=data.get("name", ""), location=data.get("location", ""))


class MachineService(Service):
    kind = "machine"

    def list(self, location_id: str, location_name: str = "", resource: t.Optional[str] = None) -> list:
        """ListRobots of one location (none in a location check mode predicts)."""
        if is_predicted(location_id):
            return []
        where = resource or "machines in location %r" % (location_name or location_id)
        return list(self.client.list_robots(location_id=location_id, resource=where).robots)

    def list_organization(self) -> list:
        """Every machine of the organization, as the Viam CLI lists them: ListLocations, then ListRobots
        in each location that has machines. ListRobotsForOrg is not used: no official client calls it,
        and its permission for keys below organization level is unknown (docs/api-assumptions.md §7)."""
        robots: t.List[t.Any] = []
        for location in LocationService(self.client, self.organization_id).list():
            if not location.robot_count:
                continue
            robots.extend(self.list(location.id, resource="machines in location %r" % location.name))
        return robots

    def find(self, location_id: str, ref: str, location_name: str = ""):
        """A machine by name within its location, or by ID."""
        where = "in location %r" % (location_name or location_id)
        return pick_one(self.list(location_id, resource="machines %s" % where), ref, "machine", where)

    def require(self, location_id: str, ref: str, location_name: str = ""):
        where = "in location %r" % (location_name or location_id)
        robots = self.list(location_id, resource="machines %s" % where)
        robot = pick_one(robots, ref, "machine", where)
        if robot is None:
            return self.missing("machine", ref, not_found("machine", ref, where, robots), location=location_id)
        return robot

    def get_by_id(self, robot_id: str):
        """A machine by ID, or None when it does not exist (see base.absent_unless_listed)."""
        try:
            return self.client.get_robot(id=robot_id, resource="machine %r" % robot_id).robot
        except ViamError as err:
            absent_unless_listed(err, lambda: [r.id for r in self.list_organization()], robot_id)
            return None

    def find_in_organization(self, ref: str):
        """A machine by ID, or by name anywhere in the organization (list_organization).

        Machine names are unique only within a location: a name used in two
        locations fails with AmbiguousName, and the location (or the ID) decides.
        """
        if is_uuid(ref):
            robot = self.get_by_id(ref)
            if robot is not None:
                return robot
        return self._pick_in_organization(ref, self.list_organization())

    def _pick_in_organization(self, ref: str, robots: t.Sequence[t.Any]):
        return pick_one(robots, ref, "machine", "in organization %r" % self.organization_id,
                        hint="machine names are unique only within a location: give location (the machine's "
                             "location name) or the machine's ID to say which")

    def require_in_organization(self, ref: str):
        if is_uuid(ref):
            robot = self.get_by_id(ref)
            if robot is not None:
                return robot
        robots = self.list_organization()
        robot = self._pick_in_organization(ref, robots)
        if robot is None:
            return self.missing("machine", ref, not_found("machine", ref, "in organization %r" % self.organization_id,
                                                          robots))
        return robot

    def resolve(self, ref: str, location_ref: t.Optional[str] = None):
        """(machine, location or None): within the location when one is given, else organization-wide."""
        if location_ref:
            location = LocationService(self.client, self.organization_id, self.predictions).require(location_ref)
            return self.require(location.id, ref, location.name), location
        return self.require_in_organization(ref), None

    def named(self, name: str, location_id: str, location_name: str = "") -> list:
        """The location's machines named ``name`` (several only where the app lets names repeat)."""
        return [r for r in self.list(location_id, resource="machines of location %r" % (location_name or location_id))
                if r.name == name]

    def create(self, name: str, location: t.Any, resource: t.Optional[str] = None) -> str:
        """NewRobot -> the machine ID; if its answer was lost, the machine may exist: look again before failing."""
        return getattr(self.create_or_find(
            lambda: self.client.new_robot(name=name, location=location.id, resource=resource or "machine %r" % name),
            lambda: self.find(location.id, name, location.name),
            same_name=lambda: self.named(name, location.id, location.name), delete=self.delete_copy), "id")

    def made(self, robot_id: str, name: str, location: t.Any):
        """The machine this run just created: from the location's listing settle() reads next (a loop's next
        item reuses it: read_cache.py), or GetRobot where the listing does not show it yet."""
        for robot in self.named(name, location.id, location.name):
            if robot.id == robot_id:
                return robot
        return self.client.get_robot(id=robot_id, resource="machine %r" % name).robot

    def settle(self, made, name: str, location: t.Any):
        """keep_oldest for a machine this run created (CreateRaced when a racing run's copy is older)."""
        return keep_oldest(made, lambda: self.named(name, location.id, location.name), self.delete_copy)

    def delete_copy(self, copy) -> None:
        """Delete a machine a racing create made twice."""
        self.client.delete_robot(id=copy.id, resource="machine %r (id %s)" % (copy.name, copy.id))
