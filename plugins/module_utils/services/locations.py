# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Locations: listed per organization (ListLocations), names may repeat (racing creates are settled)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import typing as t

from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.services.base import (
    Service, keep_oldest, not_found, pick_one, predicted_id)

# Fields of a location that carry its secrets (the location secrets).
SECRET_FIELDS = ("auth",)


def view(location: t.Any, return_secret: bool = False) -> dict:
    """A Location message as the modules return it: without its secrets unless asked for."""
    data = message_to_dict(location)
    if not return_secret:
        for key in SECRET_FIELDS:
            data.pop(key, None)
    return data


def managed(data: dict) -> dict:
    """The fields viam_location manages, for the diff."""
    return dict(name=data.get("name", ""), parent_location_id=data.get("parent_location_id", ""),
                region=(data.get("config") or {}).get("region", ""))


def names_by_id(locations: t.Iterable[t.Any], named: t.Optional[str] = None) -> t.Dict[str, str]:
    """{location ID: name}, for the names a diff shows beside IDs (diff.name_ids). ``named``: the location the
    task names, whose placeholder ID check mode may have used for it (base.Predicted), is named too."""
    names = dict((loc.id, loc.name) for loc in locations)
    if named:
        names.setdefault(predicted_id("location", named), named)
    return names


class LocationService(Service):
    kind = "location"

    listed: t.Optional[t.List[t.Any]] = None  # the last listing of this service (names for a diff: list_for_names)

    def list(self) -> list:
        organization_id = self.organization_id
        self.listed = list(self.client.list_locations(organization_id=organization_id,
                                                      resource="locations of organization %r" % organization_id).locations)
        return self.listed

    def list_for_names(self) -> list:
        """The locations, to name IDs in a diff: this task's earlier listing when it made one (a machine's
        write does not rename locations), else a new one."""
        return self.listed if self.listed is not None else self.list()

    def find(self, ref: str, locations: t.Optional[t.Sequence[t.Any]] = None):
        """A location by ID, or by its name when only one has it (AmbiguousName otherwise); None when absent."""
        return pick_one(list(self.list() if locations is None else locations), ref, "location",
                        "in organization %r" % self.organization_id)

    def require(self, ref: str):
        locations = self.list()
        location = self.find(ref, locations)
        if location is None:
            return self.missing("location", ref,
                                not_found("location", ref, "in organization %r" % self.organization_id, locations))
        return location

    def named(self, name: str) -> list:
        """The organization's locations named ``name`` (several only after racing creates)."""
        return [loc for loc in self.list() if loc.name == name]

    def create(self, name: str, parent_id: t.Optional[str] = None, resource: t.Optional[str] = None):
        """CreateLocation; if its answer was lost, the location may exist: look again before failing."""
        request = dict(organization_id=self.organization_id, name=name)
        if parent_id:
            request["parent_location_id"] = parent_id
        return self.create_or_find(
            lambda: self.client.create_location(resource=resource or "location %r" % name, **request).location,
            lambda: self.find(name), same_name=lambda: self.named(name), delete=self.delete_copy)

    def settle(self, made, name: str):
        """keep_oldest for a location this run created (CreateRaced when a racing run's copy is older)."""
        return keep_oldest(made, lambda: self.named(name), self.delete_copy)

    def delete_copy(self, copy) -> None:
        """Delete a location a racing create made twice."""
        self.client.delete_location(location_id=copy.id, resource="location %r (id %s)" % (copy.name, copy.id))
