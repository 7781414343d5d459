# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who holds roles and on what: users by email, organization members and invites, API key
identities, and the resources of a role as a person names them (RoleResources)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import typing as t

from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.services.base import (
    NotFound, ResourceLookupError, is_predicted, not_found, pick_one)
from ansible_collections.viam.cloud.plugins.module_utils.services.locations import LocationService
from ansible_collections.viam.cloud.plugins.module_utils.services.machines import MachineService


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

    def __init__(self, client, organization_id: str, predictions: t.Optional[t.List[str]] = None) -> None:
        self.client = client
        self.organization_id = organization_id
        # Check mode: a location or machine not created yet is predicted (services.base.Service.missing).
        self.predictions = predictions
        self.names: dict = {}
        self._locations = None
        self._organization = None

    @property
    def locations(self) -> list:
        if self._locations is None:
            self._locations = LocationService(self.client, self.organization_id).list()
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
            location = LocationService(self.client, self.organization_id, self.predictions).missing(
                "location", ref, not_found("location", ref, "in organization %r" % self.organization_id, self.locations))
            self.names[("location", location.id)] = location.name
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
            robot = MachineService(self.client, self.organization_id, self.predictions).require(parent.id, ref,
                                                                                                parent.name)
        else:
            # By ID, or by name anywhere in the organization (AmbiguousName when two locations use it).
            robot = MachineService(self.client, self.organization_id, self.predictions).require_in_organization(ref)
            if not is_predicted(robot.id) and robot.location not in [loc.id for loc in self.locations]:
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
