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

# ListFragments is asked for the organization's own fragments by visibility. Asking for PUBLIC may
# also bring every public fragment of the platform (docs/api-assumptions.md §7, public_fragments),
# so the public ones are a second call, made only when the task needs them.
NON_PUBLIC_FRAGMENT_VISIBILITIES = ["FRAGMENT_VISIBILITY_PRIVATE", "FRAGMENT_VISIBILITY_PUBLIC_UNLISTED"]
PUBLIC_FRAGMENT_VISIBILITIES = ["FRAGMENT_VISIBILITY_PUBLIC"]
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


# What app.viam.com answers a read by an ID that does not exist is not documented
# (docs/api-assumptions.md §7, unknown_id_code): NOT_FOUND is taken at its word; these
# others are "absent" only when a listing of the parent confirms it.
UNCONFIRMED_ABSENT_CODES = ("PERMISSION_DENIED", "INVALID_ARGUMENT", "UNKNOWN")


def absent_unless_listed(err: ViamError, listed_ids: t.Callable[[], t.Iterable[str]], resource_id: str) -> None:
    """Return (meaning "absent") when ``err`` says the ID does not exist; re-raise ``err`` otherwise.

    NOT_FOUND means absent. A code in UNCONFIRMED_ABSENT_CODES means absent only when
    ``listed_ids()`` (a documented listing of where the resource would be) does not hold
    ``resource_id``; when that listing itself fails, the original error stands.
    """
    if err.not_found:
        return
    if err.code not in UNCONFIRMED_ABSENT_CODES or err.maybe_applied:
        raise err
    try:
        ids = set(listed_ids())
    except ViamError:
        raise err
    if resource_id in ids:
        raise err


def _organization_of(client, organization_id: t.Optional[str]) -> str:
    return organization_id or client.resolve_organization_id()


def list_organization_robots(client, organization_id: str) -> list:
    """Every machine of the organization, as the Viam CLI lists them: ListLocations, then ListRobots
    in each location that has machines. ListRobotsForOrg is not used: no official client calls it,
    and its permission for keys below organization level is unknown (docs/api-assumptions.md §7)."""
    locations = client.list_locations(organization_id=organization_id,
                                      resource="locations of organization %r" % organization_id).locations
    robots: t.List[t.Any] = []
    for location in locations:
        if not location.robot_count:
            continue
        robots.extend(client.list_robots(location_id=location.id,
                                         resource="machines in location %r" % location.name).robots)
    return robots


def list_organization_parts(client, organization_id: str) -> list:
    """Every part of every machine of the organization (GetRobotParts per machine)."""
    parts: t.List[t.Any] = []
    for robot in list_organization_robots(client, organization_id):
        parts.extend(client.get_robot_parts(robot_id=robot.id, resource="parts of machine %r" % robot.name).parts)
    return parts


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


def get_robot_by_id(client, robot_id: str, organization_id: t.Optional[str] = None):
    """A machine by ID, or None when it does not exist (see absent_unless_listed)."""
    try:
        return client.get_robot(id=robot_id, resource="machine %r" % robot_id).robot
    except ViamError as err:
        absent_unless_listed(err, lambda: [r.id for r in list_organization_robots(
            client, _organization_of(client, organization_id))], robot_id)
        return None


def find_part(client, robot_id: str, ref: str, robot_name: str = ""):
    where = "in machine %r" % (robot_name or robot_id)
    parts = client.get_robot_parts(robot_id=robot_id, resource="parts %s" % where).parts
    return pick_one(list(parts), ref, "part", where)


def find_robot_in_organization(client, organization_id: str, ref: str):
    """A machine by ID, or by name anywhere in the organization (list_organization_robots).

    Machine names are unique only within a location: a name used in two
    locations fails with AmbiguousName, and the location (or the ID) decides.
    """
    if is_uuid(ref):
        robot = get_robot_by_id(client, ref, organization_id)
        if robot is not None:
            return robot
    where = "in organization %r" % organization_id
    return pick_one(list_organization_robots(client, organization_id), ref, "machine", where)


def require_robot_in_organization(client, organization_id: str, ref: str):
    robot = find_robot_in_organization(client, organization_id, ref)
    if robot is None:
        raise NotFound("machine %r not found in organization %r" % (ref, organization_id))
    return robot


def resolve_robot(client, organization_id: str, ref: str, location_ref: t.Optional[str] = None):
    """(machine, location or None): within the location when one is given, else org-wide (see above)."""
    if location_ref:
        location = require_location(client, organization_id, location_ref)
        return require_robot(client, location.id, ref, location.name), location
    return require_robot_in_organization(client, organization_id, ref), None


def get_part_by_id(client, part_id: str, organization_id: t.Optional[str] = None):
    """GetRobotPart's response (part and config_json) for a part ID, or None when it does not exist
    (see absent_unless_listed)."""
    try:
        return client.get_robot_part(id=part_id, resource="part %r" % part_id)
    except ViamError as err:
        absent_unless_listed(err, lambda: [p.id for p in list_organization_parts(
            client, _organization_of(client, organization_id))], part_id)
        return None


def require_part(client, robot_id: str, ref: str, robot_name: str = ""):
    part = find_part(client, robot_id, ref, robot_name)
    if part is None:
        raise NotFound("part %r not found in machine %r" % (ref, robot_name or robot_id))
    return part


def part_name_taken(client, name: str, location_id: str, except_part: str = "") -> t.Optional[t.Any]:
    """The other part called ``name`` in the location (part names are unique per location), or None
    when GetRobotPartByNameAndLocation does not name one.

    That RPC is recent and no official client calls it (docs/api-assumptions.md §7,
    part_by_name_and_location): any refusal (NOT_FOUND, PERMISSION_DENIED, UNIMPLEMENTED...)
    means "not known to be taken", and the write that follows is the real check: a refused
    create or rename is explained by find_part_in_location().
    """
    try:
        part = client.get_robot_part_by_name_and_location(
            name=name, location_id=location_id, resource="part %r in location %r" % (name, location_id)).part
    except ViamError as err:
        if err.code in ("UNAVAILABLE", "DEADLINE_EXCEEDED", "UNAUTHENTICATED", "RESOURCE_EXHAUSTED"):
            raise
        return None
    return part if part.id and part.name == name and part.id != except_part else None


def find_part_in_location(client, location_id: str, name: str) -> t.Optional[t.Any]:
    """The part called ``name`` among the parts of every machine of the location (ListRobots and
    GetRobotParts, the calls the SDK and the CLI make), or None."""
    robots = client.list_robots(location_id=location_id, resource="machines in location %r" % location_id).robots
    for robot in robots:
        for part in client.get_robot_parts(robot_id=robot.id, resource="parts of machine %r" % robot.name).parts:
            if part.name == name:
                return part
    return None


def _owned_fragments(client, organization_id: str, visibilities: t.List[str]) -> list:
    fragments = client.list_fragments(organization_id=organization_id, show_public=False,
                                      fragment_visibility=visibilities,
                                      resource="fragments of organization %r" % organization_id).fragments
    return [f for f in fragments if f.organization_owner == organization_id]


def list_owned_fragments(client, organization_id: str) -> list:
    """Every fragment the organization owns, whatever its visibility (its private and unlisted ones,
    then its public ones: two ListFragments calls)."""
    owned = _owned_fragments(client, organization_id, NON_PUBLIC_FRAGMENT_VISIBILITIES)
    seen = set(f.id for f in owned)
    owned.extend(f for f in _owned_fragments(client, organization_id, PUBLIC_FRAGMENT_VISIBILITIES)
                 if f.id not in seen)
    return owned


def owned_fragments_named(client, organization_id: str, name: str) -> list:
    """The organization's fragments called ``name``: the private and unlisted ones are listed first,
    the public ones only when none of those has the name."""
    named = [f for f in _owned_fragments(client, organization_id, NON_PUBLIC_FRAGMENT_VISIBILITIES) if f.name == name]
    if named:
        return named
    return [f for f in _owned_fragments(client, organization_id, PUBLIC_FRAGMENT_VISIBILITIES) if f.name == name]


def find_owned_fragment(client, organization_id: str, name: str):
    """The organization's fragment called ``name``, or None; AmbiguousName when several are."""
    return pick_one(owned_fragments_named(client, organization_id, name), name, "fragment",
                    "in organization %r" % organization_id)


def get_fragment_by_id(client, fragment_id: str, organization_id: t.Optional[str] = None):
    """A fragment by ID (any the key can read), or None when it does not exist (see absent_unless_listed)."""
    try:
        return client.get_fragment(id=fragment_id, resource="fragment %r" % fragment_id).fragment
    except ViamError as err:
        absent_unless_listed(err, lambda: [f.id for f in list_owned_fragments(
            client, _organization_of(client, organization_id))], fragment_id)
        return None


def require_fragments(client, organization_id: str, refs: t.Sequence[str]) -> t.List[t.Any]:
    """Fragments by name or ID, in the order given."""
    found: t.List[t.Any] = []
    for ref in refs:
        fragment = get_fragment_by_id(client, ref, organization_id) if is_uuid(ref) else None
        if fragment is None:
            fragment = find_owned_fragment(client, organization_id, ref)
        if fragment is None:
            raise NotFound("fragment %r not found in organization %r" % (ref, organization_id))
        found.append(fragment)
    return found


class RoleResources:
    """The resource of a role, as a person names it, resolved to (resource_type, resource_id).

        resources = RoleResources(client, organization_id)
        resource_id = resources.resolve("location", "lab")             # name or ID
        resource_id = resources.resolve("robot", "rover-7", "lab")     # machine name + location
        resource_id = resources.resolve("robot", "rover-7")            # machine name, organization-wide
        resource_id = resources.resolve("robot", "<machine uuid>")     # machine ID
        resource_id = resources.resolve("organization", None)          # the organization itself
        resources.names  # {(resource_type, resource_id): name} of everything resolved, for messages

    Roles are managed within one organization: an organization other than
    organization_id, or a location or machine outside it, is NotFound. The
    organization's locations are listed once and kept.
    """

    def __init__(self, client, organization_id: str) -> None:
        self.client = client
        self.organization_id = organization_id
        self.names: dict = {}
        self._locations = None
        self._organization = None

    @property
    def locations(self) -> list:
        if self._locations is None:
            self._locations = list(self.client.list_locations(
                organization_id=self.organization_id,
                resource="locations of organization %r" % self.organization_id).locations)
            for location in self._locations:
                self.names[("location", location.id)] = location.name
        return self._locations

    def _organization_name(self) -> str:
        if self._organization is None:
            self._organization = self.client.get_organization(
                organization_id=self.organization_id,
                resource="organization %r" % self.organization_id).organization
            self.names[("organization", self.organization_id)] = self._organization.name
        return self._organization.name

    def location(self, ref: str):
        location = pick_one(self.locations, ref, "location", "in organization %r" % self.organization_id)
        if location is None:
            raise NotFound("location %r not found in organization %r" % (ref, self.organization_id))
        return location

    def resolve(self, resource_type: str, ref: t.Optional[str], location: t.Optional[str] = None) -> str:
        """The ID of the resource; NotFound / ResourceLookupError with a message naming what was looked for."""
        if location and resource_type != "robot":
            raise ResourceLookupError("location %r is only used to find a machine by name (resource_type robot), "
                                      "not a %s" % (location, resource_type))
        if resource_type == "organization":
            if not ref or ref == self.organization_id:
                return self.organization_id
            if ref == self._organization_name():
                return self.organization_id
            raise NotFound("organization %r is not the organization this task manages (%r, id %s): roles are "
                           "managed within organization_id" % (ref, self._organization_name(), self.organization_id))
        if not ref:
            raise ResourceLookupError("a role on a %s needs resource (its name or ID)"
                                      % ("machine" if resource_type == "robot" else resource_type))
        if resource_type == "location":
            return self.location(ref).id
        if resource_type == "robot":
            return self._robot(ref, location)
        raise ResourceLookupError("resource_type %r is not one of organization, location, robot" % resource_type)

    def _robot(self, ref: str, location: t.Optional[str]) -> str:
        if location:
            parent = self.location(location)
            robot = require_robot(self.client, parent.id, ref, parent.name)
        else:
            # By ID, or by name anywhere in the organization (AmbiguousName when two locations use it).
            robot = require_robot_in_organization(self.client, self.organization_id, ref)
            if robot.location not in [loc.id for loc in self.locations]:
                raise NotFound("machine %r (%s) is not in organization %r" % (robot.name, ref, self.organization_id))
        self.names[("robot", robot.id)] = robot.name
        return robot.id


def user_id_by_email(client, email: str) -> str:
    """The user ID of a Viam user (GetUserIDByEmail); NotFound when no user has the address."""
    if not (email or "").strip():
        raise ResourceLookupError("email must not be empty")
    try:
        user_id = client.get_user_id_by_email(email=email, resource="user %r" % email).user_id
    except ViamError as err:
        if err.not_found:
            raise NotFound("no Viam user has the email address %r" % email)
        raise
    if not user_id:
        raise NotFound("no Viam user has the email address %r" % email)
    return user_id


def require_identity(client, organization_id: str, identity_id: str, email: t.Optional[str] = None) -> str:
    """"api-key" or "user" for an identity that can hold roles in the organization; NotFound otherwise.

    An identity is one of the organization's API keys (ListKeys) or one of its
    members (ListOrganizationMembers): the keys are listed first, members only
    when the ID is not a key.
    """
    keys = client.list_keys(org_id=organization_id, resource="API keys of organization %r" % organization_id)
    if any(entry.api_key.id == identity_id for entry in keys.api_keys):
        return "api-key"
    members = client.list_organization_members(organization_id=organization_id,
                                               resource="members of organization %r" % organization_id)
    if any(member.user_id == identity_id for member in members.members):
        return "user"
    if email:
        invited = any(invite.email.lower() == email.lower() for invite in members.invites)
        raise NotFound("user %r (id %s) is not a member of organization %r%s" % (
            email, identity_id, organization_id,
            ": their invite is still pending" if invited else "; invite them first"))
    raise NotFound("identity %r is neither an API key nor a member of organization %r"
                   % (identity_id, organization_id))


# An email address: the usual local part, "@", a domain of dot-separated labels with at least one dot
# (docs/api-assumptions.md §3 Organizations: a bad email is an error). Checked before any call.
EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


def require_email(value: t.Any, option: str = "email") -> str:
    """The address, stripped; ResourceLookupError when it is not an email address."""
    if not isinstance(value, str) or not value.strip():
        raise ResourceLookupError("%s must be an email address, got %r" % (option, value))
    email = value.strip()
    if not EMAIL_RE.match(email):
        raise ResourceLookupError("%s %r is not a valid email address" % (option, email))
    return email


def same_email(first: str, second: str) -> bool:
    """Email addresses compare without case (the API stores them lowercase)."""
    return (first or "").strip().lower() == (second or "").strip().lower()


def find_member(members: t.Iterable[t.Any], email: t.Optional[str] = None, user_id: t.Optional[str] = None):
    """The OrganizationMember (of ListOrganizationMembers' members) with this user ID or email; None otherwise."""
    for member in members:
        if user_id and member.user_id == user_id:
            return member
        if email and any(same_email(address, email) for address in member.emails):
            return member
    return None


def find_invite(invites: t.Iterable[t.Any], email: str):
    """The pending OrganizationInvite (of ListOrganizationMembers' invites) for this email; None otherwise."""
    for invite in invites:
        if same_email(invite.email, email):
            return invite
    return None


def list_organization_modules(client, organization_id: str) -> list:
    """The registry modules the organization owns (one ListModules call)."""
    modules = client.list_modules(organization_id=organization_id,
                                  resource="modules of organization %r" % organization_id).modules
    return [m for m in modules if m.organization_id == organization_id]


def find_module(client, organization_id: str, ref: str):
    """A module the organization owns, by name or by module_id ("<namespace>:<name>" or "<org_id>:<name>")."""
    for module in list_organization_modules(client, organization_id):
        if ref in (module.name, module.module_id, "%s:%s" % (organization_id, module.name)):
            return module
    return None


def module_view(module) -> dict:
    """A registry Module as the modules return it: the visibility as a word (private, public, public_unlisted)."""
    from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict

    data = message_to_dict(module)
    data["visibility"] = {"VISIBILITY_PUBLIC": "public", "VISIBILITY_PUBLIC_UNLISTED": "public_unlisted"}.get(
        data.get("visibility"), "private")
    return data
