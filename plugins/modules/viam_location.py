#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_location
short_description: Manage Viam locations
version_added: 0.1.0
description:
  - Create, rename, move and delete locations of a Viam organization.
  - A location is found by O(name) within the organization, or by O(id). Viam allows two locations with one
    name; the module then fails and lists them instead of guessing, and O(id) picks one.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
  - viam.cloud.viam_metadata
options:
  name:
    description:
      - Name of the location.
      - Required unless O(id) is given. With O(id), a different O(name) renames the location.
    type: str
  id:
    description:
      - ID of an existing location (10 lowercase letters and digits).
      - Addresses the location directly, which allows renaming it.
    type: str
  parent:
    description:
      - Name or ID of the parent location, for a sub-location. Viam nests locations at most 3 levels deep.
      - An empty string places the location at the top level, moving it there if it is nested.
      - When omitted, a new location is created at the top level and an existing one stays where it is.
    type: str
  region:
    description:
      - Region of the location's data, for example V(us-central).
      - When omitted, the region is not managed.
    type: str
  shared_with:
    description:
      - IDs of the organizations, besides the one that owns the location, that the location is shared with.
      - Organizations not listed lose their share; V([]) unshares the location from all of them.
      - The owning (primary) organization may be listed; it always keeps the location.
      - Sharing and unsharing need an owner role on both organizations; an organization the API key does not see
        fails the task before anything is changed.
      - When omitted, sharing is not managed.
    type: list
    elements: str
  return_secret:
    description:
      - Also return the location's secrets in RV(location.auth).
      - Location secrets are deprecated credentials; when you set this, also set C(no_log=true) on the task.
    type: bool
    default: false
  state:
    description:
      - V(present) makes sure the location exists as described.
      - V(absent) deletes it. Viam refuses to delete a location that still has machines or sub-locations;
        the module then fails, names them, and deletes nothing.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    support: full
    platforms: all
    details: The module runs where Ansible runs it, usually the controller, and only talks to the Viam API.
notes:
  - Secrets never appear in the diff.
"""

EXAMPLES = r"""
- name: A location per site
  viam.cloud.viam_location:
    name: "{{ item }}"
  loop:
    - lab
    - warehouse

- name: A sub-location
  viam.cloud.viam_location:
    name: lab-bench-2
    parent: lab

- name: Rename a location, found by its ID
  viam.cloud.viam_location:
    id: ab1c2d3e45
    name: lab-east

- name: Move a sub-location back to the top level
  viam.cloud.viam_location:
    name: lab-bench-2
    parent: ""

- name: Tag a location, keeping its other metadata
  viam.cloud.viam_location:
    name: lab
    metadata:
      site_code: LAB-1

- name: Share a location with a partner organization (and with no other)
  viam.cloud.viam_location:
    name: lab
    shared_with:
      - 7d2c4a1e-3b5f-4e6a-9c8d-1f2e3d4c5b6a

- name: Delete a location (fails, and changes nothing, while it still has machines)
  viam.cloud.viam_location:
    name: old-site
    state: absent
"""

RETURN = r"""
location:
  description: The location after the task (in check mode, as it would be). Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Location ID; empty in check mode for a location that would be created.
      type: str
      sample: ab1c2d3e45
    name:
      description: Location name.
      type: str
      sample: lab
    parent_location_id:
      description: ID of the parent location, empty at the top level.
      type: str
      sample: ""
    organizations:
      description: The organizations the location belongs to; C(primary) marks the owner.
      type: list
      elements: dict
      sample: [{"organization_id": "0b37a756-a678-4f22-a862-e7200896fa6f", "primary": true}]
    robot_count:
      description: Number of machines in the location.
      type: int
      sample: 3
    created_on:
      description: When the location was created (RFC 3339).
      type: str
      sample: "2026-11-25T15:13:20Z"
    config:
      description: Location configuration, with its C(region).
      type: dict
      sample: {"region": "us-central"}
    auth:
      description: The location's secrets.
      type: dict
      returned: when O(return_secret=true)
    metadata:
      description: The location's user-defined metadata after the task.
      type: dict
      returned: when O(metadata) is given
      sample: {"site_code": "LAB-1"}
"""

from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.diff import add_to_diff, name_ids
from ansible_collections.viam.cloud.plugins.module_utils.metadata import (
    METADATA_ARGUMENT_SPEC, check_metadata_option, sync_metadata)
from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule
from ansible_collections.viam.cloud.plugins.module_utils.services.base import not_found
from ansible_collections.viam.cloud.plugins.module_utils.services import locations as views


class LocationModule(ViamModule):
    settle_duplicates = True  # location names may repeat in Viam: racing creates are settled by keep_oldest
    argument_spec = dict(
        name=dict(type="str"),
        id=dict(type="str"),
        parent=dict(type="str"),
        region=dict(type="str"),
        shared_with=dict(type="list", elements="str"),
        return_secret=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        **METADATA_ARGUMENT_SPEC
    )
    module_kwargs = dict(required_one_of=[("name", "id")])

    def execute(self):
        check_metadata_option(self)
        self.check_shared_with()
        result = self.execute_location()
        if self.module._diff:
            # The parent's name beside its ID in the diff, from the listing the task read.
            name_ids(result, "parent_location_id", views.names_by_id(self.listed_locations, self.params["parent"]),
                     "parent_location_name")
        self.sync_sharing(result)
        return sync_metadata(self, result, "location", "location")

    def check_shared_with(self):
        """shared_with names organizations the API key sees, or the task fails before any write."""
        wanted = self.params["shared_with"]
        if wanted is None or self.params["state"] == "absent":
            return
        if any(not org or not org.strip() for org in wanted):
            self.fail("shared_with must not contain empty organization IDs")
        visible = set(o.id for o in self.client.list_organizations(resource="organizations of the API key").organizations)
        unknown = sorted(set(wanted) - visible - set([self.organization_id]))
        if unknown:
            self.fail("shared_with names organization(s) the API key does not see: %s; sharing a location needs "
                      "an owner role on both organizations" % ", ".join(unknown))

    def sync_sharing(self, result):
        """Share with the organizations of shared_with and unshare the others (not the primary one)."""
        location = result.get("location")
        if self.params["shared_with"] is None or not location:
            return
        entries = location.get("organizations") or []
        primary = next((o["organization_id"] for o in entries if o.get("primary")), self.organization_id)
        current = sorted(o["organization_id"] for o in entries if not o.get("primary"))
        desired = sorted(set(self.params["shared_with"]) - set([primary]))
        add = [org for org in desired if org not in current]
        remove = [org for org in current if org not in desired]
        add_to_diff(result, "shared_with", current, desired)
        if not add and not remove:
            return
        result["changed"] = True
        label = "location %r" % location.get("name", "")
        if self.check_mode or not location.get("id"):
            location["organizations"] = [dict(organization_id=primary, primary=True)] + [
                dict(organization_id=org, primary=False) for org in desired]
            return
        for org in add:
            self.client.share_location(location_id=location["id"], organization_id=org, resource=label)
        for org in remove:
            self.client.unshare_location(location_id=location["id"], organization_id=org, resource=label)
        updated = self.client.get_location(location_id=location["id"], resource=label).location
        location["organizations"] = message_to_dict(updated).get("organizations", [])

    def execute_location(self):
        name = self.validate_name("name", self.params["name"], required=False)
        self.locations = self.services.locations
        locations = self.listed_locations = self.locations.list()
        if self.params["id"]:
            current = next((loc for loc in locations if loc.id == self.params["id"]), None)
            label = "location id %r" % self.params["id"]
        else:
            current = self.locations.find(name, locations)
            label = "location %r" % name
        if self.params["state"] == "absent":
            return self.absent(current, locations)
        return self.present(current, locations, label)

    def returned(self, location):
        return views.view(location, self.params["return_secret"])

    def absent(self, current, locations):
        if current is None:
            return self.result(False, location={})
        children = [loc for loc in locations if loc.parent_location_id == current.id]
        if children:
            self.fail("location %r (id %s) still has %d sub-location(s): %s; delete or move them first" % (
                current.name, current.id, len(children), ", ".join(c.name for c in children)))
        if current.robot_count:
            robots = self.client.list_robots(location_id=current.id, resource="machines of location %r" % current.name)
            names = sorted(r.name for r in robots.robots)
            self.fail("location %r (id %s) still has %d machine(s): %s; delete or move them first" % (
                current.name, current.id, len(names) or current.robot_count, ", ".join(names)))
        if not self.check_mode:
            self.client.delete_location(location_id=current.id, resource="location %r" % current.name)
        return self.result(True, before=views.managed(message_to_dict(current)), after={}, location={})

    def desired_parent_id(self, current, locations):
        parent = self.params["parent"]
        if parent is None:
            return None
        if parent == "":
            return ""
        location = self.locations.find(parent, locations)
        if location is None:
            location = self.locations.missing("location", parent, not_found(
                "parent location", parent, "in organization %r" % self.organization_id, locations))
        if current is not None and location.id == current.id:
            self.fail("location %r cannot be its own parent" % current.name)
        return location.id

    def present(self, current, locations, label):
        if current is None and self.params["id"]:
            self.fail("%s not found in organization %r; to create a location, give its name without an id"
                      % (label, self.organization_id))
        parent_id = self.desired_parent_id(current, locations)
        region = self.params["region"]
        if current is None:
            return self.create(parent_id, region)
        before = views.managed(message_to_dict(current))
        changes = {}
        if self.params["name"] is not None and self.params["name"] != current.name:
            changes["name"] = self.params["name"]
        if parent_id is not None and parent_id != current.parent_location_id:
            changes["parent_location_id"] = parent_id
        if region is not None and region != before["region"]:
            changes["region"] = region
        after = dict(before, **changes)
        if not changes:
            return self.result(False, before=before, after=after, location=self.returned(current))
        if self.check_mode:
            predicted = views.view(current)
            predicted.update(name=after["name"], parent_location_id=after["parent_location_id"],
                             config=dict(predicted.get("config") or {}, region=after["region"]))
            return self.result(True, before=before, after=after, location=predicted)
        updated = self.client.update_location(location_id=current.id, resource="location %r" % current.name,
                                              **changes).location
        return self.result(True, before=before, after=after, location=self.returned(updated))

    def create(self, parent_id, region):
        name = self.params["name"]
        after = dict(name=name, parent_location_id=parent_id or "", region=region or "")
        if self.check_mode:
            return self.result(True, before={}, after=after, location=dict(after, id=""))
        location = self.locations.create(name, parent_id)
        location = self.locations.settle(location, name)
        if region:
            location = self.client.update_location(location_id=location.id, region=region,
                                                   resource="location %r" % name).location
        return self.result(True, before={}, after=after, location=self.returned(location))


def main():
    LocationModule().run()


if __name__ == "__main__":
    main()
