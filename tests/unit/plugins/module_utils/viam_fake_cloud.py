# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory stand-in for ViamClient, for the services' and the modules' unit tests (no server).

FakeCloud keeps locations, machines, parts, fragments and API keys as app_pb2 messages and
answers the client methods the services call, by the client's names and keywords. It records
every call (``calls``: [(method, kwargs)]) and raises scripted errors::

    cloud = FakeCloud()
    lab = cloud.add_location("lab")
    rover = cloud.add_robot("rover", lab)                   # with its main part "rover-main"
    cloud.fail("get_robot", ViamError(code="PERMISSION_DENIED", rpc="GetRobot"))   # the next call only
    module = make_module(viam_robot.RobotModule, cloud, name="rover", location="lab")
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import itertools
import json

import pytest

pytest.importorskip("google.protobuf")

from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1 import app_pb2  # noqa: E402

ORG = "0b37a756-a678-4f22-a862-e7200896fa6f"
OTHER_ORG = "9c1d2e3f-0000-4000-8000-000000000001"


class FakeCloud:
    """The client methods the services use, over an in-memory organization."""

    retries = 3
    app_url = "https://app.fake"

    def __init__(self):
        self.locations = collections.OrderedDict()
        self.robots = collections.OrderedDict()
        self.parts = collections.OrderedDict()
        self.fragments = collections.OrderedDict()
        self.keys = collections.OrderedDict()
        self.configs = {}
        # The app lists each part with its config as the robot_config Struct; False: a service whose
        # listings leave it out (then only GetRobotPart's config_json shows it).
        self.list_configs = True
        self.calls = []
        self.logs = {}  # part ID -> [LogEntry], as the device sent them
        self.revisions = {}  # fragment ID -> [revision], oldest first
        self.tags = {}  # fragment ID -> {tag: revision}
        self.roles = []  # Authorization field dicts (authorization_id, resource_type, resource_id, identity_id, ...)
        self.users = {}  # email -> user ID; a user is a member of the organization (ListOrganizationMembers)
        self.failures = collections.defaultdict(collections.deque)
        self._ids = itertools.count(1)
        self._clock = itertools.count(1000)

    # ---------------------------------------------------------- scripting and setup

    def fail(self, method, error, times=1):
        for _count in range(times):
            self.failures[method].append(error)

    def called(self, method):
        return [kwargs for name, kwargs in self.calls if name == method]

    def _uuid(self):
        return "00000000-0000-4000-8000-%012d" % next(self._ids)

    def _stamp(self, message):
        message.created_on.seconds = next(self._clock)

    def _call(self, method, **kwargs):
        self.calls.append((method, kwargs))
        if self.failures[method]:
            raise self.failures[method].popleft()

    def add_location(self, name, parent_id="", secret=""):
        location = app_pb2.Location(id="loc%07d" % next(self._ids), name=name, parent_location_id=parent_id)
        if secret:
            location.auth.secret = secret
        self._stamp(location)
        self.locations[location.id] = location
        return location

    def add_robot(self, name, location):
        robot = app_pb2.Robot(id=self._uuid(), name=name, location=location.id)
        self._stamp(robot)
        self.robots[robot.id] = robot
        self.locations[location.id].robot_count += 1
        self.add_part(name + "-main", robot, main=True)
        return robot

    def add_part(self, name, robot, main=False, config=None):
        part = app_pb2.RobotPart(id=self._uuid(), name=name, robot=robot.id, location_id=robot.location,
                                 main_part=main, secret="part-secret")
        part.secrets.add(id="s1", secret="part-secret")
        part.last_updated.seconds = next(self._clock)
        self.parts[part.id] = part
        self.configs[part.id] = dict(config or {})
        return part

    def add_fragment(self, name, visibility="FRAGMENT_VISIBILITY_PRIVATE", owner=ORG):
        fragment = app_pb2.Fragment(id=self._uuid(), name=name, organization_owner=owner, visibility=visibility,
                                    public=visibility == "FRAGMENT_VISIBILITY_PUBLIC")
        self._stamp(fragment)
        self.fragments[fragment.id] = fragment
        return fragment

    def add_key(self, name):
        entry = app_pb2.APIKeyWithAuthorizations(api_key=app_pb2.APIKey(id=self._uuid(), name=name, key=""))
        self._stamp(entry.api_key)
        entry.authorizations.add(authorization_type="role", authorization_id="organization_owner",
                                 resource_type="organization", resource_id=ORG, org_id=ORG)
        self.keys[entry.api_key.id] = entry
        return entry

    # ---------------------------------------------------------- client

    def resolve_organization_id(self):
        return ORG

    def authenticate(self):
        return None

    def close(self):
        return None

    @staticmethod
    def _missing(rpc, resource):
        return ViamError(code="NOT_FOUND", rpc=rpc, resource=resource)

    def list_organizations(self, resource=None):
        self._call("list_organizations")
        return app_pb2.ListOrganizationsResponse(organizations=[app_pb2.Organization(id=ORG, name="org")])

    # locations
    def list_locations(self, organization_id=None, resource=None):
        self._call("list_locations", organization_id=organization_id)
        return app_pb2.ListLocationsResponse(locations=list(self.locations.values()))

    def get_location(self, location_id=None, resource=None):
        self._call("get_location", location_id=location_id)
        return app_pb2.GetLocationResponse(location=self.locations[location_id])

    def create_location(self, organization_id=None, name=None, parent_location_id="", resource=None):
        self._call("create_location", name=name, parent_location_id=parent_location_id)
        return app_pb2.CreateLocationResponse(location=self.add_location(name, parent_location_id))

    def update_location(self, location_id=None, resource=None, **changes):
        self._call("update_location", location_id=location_id, **changes)
        location = self.locations[location_id]
        if "name" in changes:
            location.name = changes["name"]
        if "parent_location_id" in changes:
            location.parent_location_id = changes["parent_location_id"]
        if "region" in changes:
            location.config.region = changes["region"]
        return app_pb2.UpdateLocationResponse(location=location)

    def delete_location(self, location_id=None, resource=None):
        self._call("delete_location", location_id=location_id)
        if self.locations.pop(location_id, None) is None:
            raise self._missing("DeleteLocation", resource)

    # machines
    def list_robots(self, location_id=None, resource=None):
        self._call("list_robots", location_id=location_id)
        return app_pb2.ListRobotsResponse(robots=[r for r in self.robots.values() if r.location == location_id])

    def get_robot(self, id=None, resource=None):  # pylint: disable=redefined-builtin
        self._call("get_robot", id=id)
        if id not in self.robots:
            raise self._missing("GetRobot", resource)
        return app_pb2.GetRobotResponse(robot=self.robots[id])

    def new_robot(self, name=None, location=None, resource=None):
        self._call("new_robot", name=name, location=location)
        return app_pb2.NewRobotResponse(id=self.add_robot(name, self.locations[location]).id)

    def update_robot(self, id=None, name=None, location=None, resource=None):  # pylint: disable=redefined-builtin
        self._call("update_robot", id=id, name=name, location=location)
        robot = self.robots[id]
        robot.name = name
        robot.location = location
        return app_pb2.UpdateRobotResponse(robot=robot)

    def delete_robot(self, id=None, resource=None):  # pylint: disable=redefined-builtin
        self._call("delete_robot", id=id)
        robot = self.robots.pop(id, None)
        if robot is None:
            raise self._missing("DeleteRobot", resource)
        self.locations[robot.location].robot_count -= 1
        for part_id in [p.id for p in self.parts.values() if p.robot == id]:
            del self.parts[part_id]

    # parts
    def get_robot_parts(self, robot_id=None, resource=None):
        self._call("get_robot_parts", robot_id=robot_id)
        return app_pb2.GetRobotPartsResponse(parts=[self._listed(p) for p in self.parts.values() if p.robot == robot_id])

    def _listed(self, part):
        """A copy of ``part`` as the app lists it: with its config as the Struct (unless list_configs is False)."""
        listed = app_pb2.RobotPart()
        listed.CopyFrom(part)
        if self.list_configs:
            listed.robot_config.update(self.configs.get(part.id) or {})
        return listed

    def get_robot_part(self, id=None, resource=None):  # pylint: disable=redefined-builtin
        self._call("get_robot_part", id=id)
        if id not in self.parts:
            raise self._missing("GetRobotPart", resource)
        return app_pb2.GetRobotPartResponse(part=self.parts[id], config_json=json.dumps(self.configs[id]))

    def get_robot_part_logs(self, resource=None, **fields):
        self._call("get_robot_part_logs", **fields)
        logs = [entry for entry in self.logs.get(fields.get("id"), [])
                if not fields.get("levels") or entry.level in fields["levels"]]
        return app_pb2.GetRobotPartLogsResponse(logs=logs)

    def get_robot_part_by_name_and_location(self, name=None, location_id=None, resource=None):
        self._call("get_robot_part_by_name_and_location", name=name, location_id=location_id)
        for part in self.parts.values():
            if part.name == name and part.location_id == location_id:
                return app_pb2.GetRobotPartByNameAndLocationResponse(part=part)
        raise self._missing("GetRobotPartByNameAndLocation", resource)

    def new_robot_part(self, robot_id=None, part_name=None, resource=None):
        self._call("new_robot_part", robot_id=robot_id, part_name=part_name)
        return app_pb2.NewRobotPartResponse(part_id=self.add_part(part_name, self.robots[robot_id]).id)

    def update_robot_part(self, id=None, name=None, resource=None, **fields):  # pylint: disable=redefined-builtin
        self._call("update_robot_part", id=id, name=name, **fields)
        part = self.parts[id]
        part.name = name
        if "robot_config" in fields:
            self.configs[id] = fields["robot_config"]
        part.last_updated.seconds = next(self._clock)
        return app_pb2.UpdateRobotPartResponse(part=self._listed(part))

    def delete_robot_part(self, part_id=None, resource=None):
        self._call("delete_robot_part", part_id=part_id)
        del self.parts[part_id]

    def mark_part_as_main(self, part_id=None, resource=None):
        self._call("mark_part_as_main", part_id=part_id)
        for part in self.parts.values():
            if part.robot == self.parts[part_id].robot:
                part.main_part = part.id == part_id

    # fragments
    def list_fragments(self, organization_id=None, show_public=None, fragment_visibility=None, resource=None):
        self._call("list_fragments", organization_id=organization_id, show_public=show_public,
                   fragment_visibility=list(fragment_visibility or []))
        return app_pb2.ListFragmentsResponse(fragments=[
            f for f in self.fragments.values()
            if app_pb2.FragmentVisibility.Name(f.visibility) in (fragment_visibility or [])])

    def get_fragment(self, id=None, resource=None, current_organization_id=None):  # pylint: disable=redefined-builtin
        self._call("get_fragment", id=id, current_organization_id=current_organization_id)
        if id not in self.fragments:
            raise self._missing("GetFragment", resource)
        response = app_pb2.GetFragmentResponse(fragment=self.fragments[id])
        for revision in self.revisions.get(id, [self.fragments[id].revision or "1"]):
            response.revisions.add(revision=revision)
        for tag, revision in sorted(self.tags.get(id, {}).items()):
            response.tags.add(tag=tag, revision=revision)
        return response

    def set_fragment_tag(self, fragment_id=None, tag=None, revision=None, resource=None):
        self._call("set_fragment_tag", fragment_id=fragment_id, tag=tag, revision=revision)
        self.tags.setdefault(fragment_id, {})[tag] = revision

    def delete_fragment_tag(self, fragment_id=None, tag=None, resource=None):
        self._call("delete_fragment_tag", fragment_id=fragment_id, tag=tag)
        if self.tags.get(fragment_id, {}).pop(tag, None) is None:
            raise self._missing("DeleteFragmentTag", resource)

    def create_fragment(self, organization_id=None, name=None, visibility=None, config=None, resource=None):
        self._call("create_fragment", name=name, visibility=visibility, config=config)
        fragment = self.add_fragment(name, visibility)
        if config:
            fragment.fragment.update(config)
        return app_pb2.CreateFragmentResponse(fragment=fragment)

    def delete_fragment(self, id=None, resource=None):  # pylint: disable=redefined-builtin
        self._call("delete_fragment", id=id)
        if self.fragments.pop(id, None) is None:
            raise self._missing("DeleteFragment", resource)

    # API keys
    def list_keys(self, org_id=None, resource=None):
        self._call("list_keys", org_id=org_id)
        return app_pb2.ListKeysResponse(api_keys=list(self.keys.values()))

    def create_key(self, authorizations=None, name=None, resource=None):
        self._call("create_key", name=name)
        entry = self.add_key(name)
        entry.api_key.key = "secret-of-%s" % name
        return app_pb2.CreateKeyResponse(id=entry.api_key.id, key=entry.api_key.key)

    def rotate_key(self, id=None, resource=None):  # pylint: disable=redefined-builtin
        """Rotates in place (the app's rotate_key behaviour "same_id")."""
        self._call("rotate_key", id=id)
        if id not in self.keys:
            raise self._missing("RotateKey", resource)
        entry = self.keys[id]
        entry.api_key.key = "rotated-%s" % entry.api_key.key
        return app_pb2.RotateKeyResponse(id=id, key=entry.api_key.key)

    # users, members and roles
    def add_user(self, email):
        self.users[email] = self._uuid()
        return self.users[email]

    def get_user_id_by_email(self, email=None, resource=None):
        self._call("get_user_id_by_email", email=email)
        if email not in self.users:
            raise self._missing("GetUserIDByEmail", resource)
        return app_pb2.GetUserIDByEmailResponse(user_id=self.users[email])

    def list_organization_members(self, organization_id=None, resource=None):
        self._call("list_organization_members", organization_id=organization_id)
        return app_pb2.ListOrganizationMembersResponse(
            members=[app_pb2.OrganizationMember(user_id=user_id, emails=[email]) for email, user_id in self.users.items()])

    def get_organization(self, organization_id=None, resource=None):
        self._call("get_organization", organization_id=organization_id)
        return app_pb2.GetOrganizationResponse(organization=app_pb2.Organization(id=ORG, name="org"))

    @staticmethod
    def _role_key(authorization):
        return tuple(authorization[k] for k in ("authorization_id", "resource_type", "resource_id", "identity_id"))

    def list_authorizations(self, organization_id=None, resource_ids=None, resource=None):
        self._call("list_authorizations", organization_id=organization_id, resource_ids=list(resource_ids or []))
        return app_pb2.ListAuthorizationsResponse(authorizations=[
            app_pb2.Authorization(**dict(r, identity_type="api-key" if r["identity_id"] in self.keys else "user"))
            for r in self.roles if not resource_ids or r["resource_id"] in resource_ids])

    def add_role(self, authorization=None, resource=None):
        self._call("add_role", authorization=dict(authorization))
        if any(self._role_key(r) == self._role_key(authorization) for r in self.roles):
            raise ViamError(code="ALREADY_EXISTS", rpc="AddRole", resource=resource)
        self.roles.append(dict(authorization, identity_type=""))

    def remove_role(self, authorization=None, resource=None):
        self._call("remove_role", authorization=dict(authorization))
        kept = [r for r in self.roles if self._role_key(r) != self._role_key(authorization)]
        if len(kept) == len(self.roles):
            raise self._missing("RemoveRole", resource)
        self.roles = kept

    def change_role(self, old_authorization=None, new_authorization=None, resource=None):
        self._call("change_role", old_authorization=dict(old_authorization), new_authorization=dict(new_authorization))
        self.roles = [r for r in self.roles if self._role_key(r) != self._role_key(old_authorization)]
        self.roles.append(dict(new_authorization, identity_type=""))

    def delete_key(self, id=None, resource=None):  # pylint: disable=redefined-builtin
        self._call("delete_key", id=id)
        if self.keys.pop(id, None) is None:
            raise self._missing("DeleteKey", resource)


class FakeAnsibleModule:
    """What ViamModule uses of AnsibleModule in execute(): check mode, --diff and warnings."""

    def __init__(self, check_mode=False, diff=True):
        self.check_mode = check_mode
        self._diff = diff
        self.warnings = []

    def warn(self, msg):
        self.warnings.append(msg)


def make_module(module_class, cloud, check_mode=False, diff=True, **params):
    """A module of ``module_class`` (a ViamModule) with these options over ``cloud``, without AnsibleModule."""
    from ansible_collections.viam.cloud.plugins.module_utils.common import viam_argument_spec

    spec = viam_argument_spec()
    spec.update(module_class.argument_spec)
    module = module_class.__new__(module_class)
    module.params = dict((name, option.get("default")) for name, option in spec.items())
    module.params.update(params)
    module.check_mode = check_mode
    module.predictions = [] if check_mode else None
    module.module = FakeAnsibleModule(check_mode, diff)
    module._client = cloud
    module._organization_id = ORG
    return module
