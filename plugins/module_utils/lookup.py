# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find resources the way a person names them: by name within a parent, or by ID.

Each find_* returns the proto message or None; each require_* fails with a
message that says what was looked for and where. A name shared by several
resources is never guessed: AmbiguousName lists the candidates.
Lookups list the parent's children once (one round trip) and match IDs
before names, so a name that happens to look like an ID still works.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import typing as t

from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError

ALL_FRAGMENT_VISIBILITIES = [
    "FRAGMENT_VISIBILITY_PRIVATE", "FRAGMENT_VISIBILITY_PUBLIC", "FRAGMENT_VISIBILITY_PUBLIC_UNLISTED"]
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class ResourceLookupError(ViamError):
    """A lookup that found nothing, or too much: a ViamError so modules fail the usual way."""

    def __init__(self, message: str) -> None:
        super().__init__(summary=message)


class AmbiguousName(ResourceLookupError):
    pass


class NotFound(ResourceLookupError):
    pass


def is_uuid(value: str) -> bool:
    return bool(UUID_RE.match(value or ""))


def pick_one(candidates: t.Sequence[t.Any], ref: str, kind: str, where: str) -> t.Optional[t.Any]:
    """The candidate whose id is ref, else the only one named ref; None when nothing matches."""
    for candidate in candidates:
        if candidate.id == ref:
            return candidate
    named = [c for c in candidates if c.name == ref]
    if len(named) > 1:
        raise AmbiguousName("%d %ss are named %r %s: %s; give the ID instead" % (
            len(named), kind, ref, where, ", ".join("%s (id %s)" % (c.name, c.id) for c in named)))
    return named[0] if named else None


def find_location(client, organization_id: str, ref: str):
    locations = client.list_locations(organization_id=organization_id,
                                      resource="locations of organization %r" % organization_id).locations
    return pick_one(list(locations), ref, "location", "in organization %r" % organization_id)


def require_location(client, organization_id: str, ref: str):
    location = find_location(client, organization_id, ref)
    if location is None:
        raise NotFound("location %r not found in organization %r" % (ref, organization_id))
    return location


def find_robot(client, location_id: str, ref: str, location_name: str = ""):
    """A machine by name within its location, or by ID."""
    where = "in location %r" % (location_name or location_id)
    robots = client.list_robots(location_id=location_id, resource="machines %s" % where).robots
    return pick_one(list(robots), ref, "machine", where)


def require_robot(client, location_id: str, ref: str, location_name: str = ""):
    robot = find_robot(client, location_id, ref, location_name)
    if robot is None:
        raise NotFound("machine %r not found in location %r" % (ref, location_name or location_id))
    return robot


def get_robot_by_id(client, robot_id: str):
    """A machine by ID, or None when it does not exist."""
    try:
        return client.get_robot(id=robot_id, resource="machine %r" % robot_id).robot
    except ViamError as err:
        if err.not_found:
            return None
        raise


def find_part(client, robot_id: str, ref: str, robot_name: str = ""):
    where = "in machine %r" % (robot_name or robot_id)
    parts = client.get_robot_parts(robot_id=robot_id, resource="parts %s" % where).parts
    return pick_one(list(parts), ref, "part", where)


def find_fragment(client, organization_id: str, ref: str):
    """A fragment of the organization by name, or any fragment the key can read by ID."""
    if is_uuid(ref):
        try:
            return client.get_fragment(id=ref, resource="fragment %r" % ref).fragment
        except ViamError as err:
            if not err.not_found:
                raise
    # Every visibility asked for explicitly: what show_public alone selects is not documented.
    fragments = client.list_fragments(organization_id=organization_id, show_public=False,
                                      fragment_visibility=ALL_FRAGMENT_VISIBILITIES,
                                      resource="fragments of organization %r" % organization_id).fragments
    owned = [f for f in fragments if f.organization_owner == organization_id]
    return pick_one(owned, ref, "fragment", "in organization %r" % organization_id)


def require_fragment(client, organization_id: str, ref: str):
    fragment = find_fragment(client, organization_id, ref)
    if fragment is None:
        raise NotFound("fragment %r not found in organization %r" % (ref, organization_id))
    return fragment
