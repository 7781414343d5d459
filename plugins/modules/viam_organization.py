#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_organization
short_description: Manage the settings of a Viam organization
version_added: 0.1.0
description:
  - Sets the name, public namespace, default region, CRM ID and user-defined metadata of the organization
    O(organization_id) names, or of the only organization the API key sees.
  - The organization must exist. The module neither creates nor deletes organizations, which is the business
    of a person's account and not of an organization's API key.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
  - viam.cloud.viam_metadata
options:
  name:
    description:
      - Name of the organization.
      - When omitted, the name is not managed.
    type: str
  public_namespace:
    description:
      - The organization's public namespace in the Viam registry, for example V(acme).
        Lowercase letters, digits and V(-), not at the start or end, at most 63 characters.
      - Namespaces are unique across Viam; the module asks whether the namespace is free before writing,
        and fails without changing anything when another organization holds it.
      - A namespace can be set only once. Changing one the organization already has also needs
        O(rename_namespace=true).
      - When omitted, the namespace is not managed.
    type: str
  rename_namespace:
    description:
      - Allow replacing the public namespace the organization already has with O(public_namespace).
      - Renaming breaks every reference to the old namespace, such as registry module names.
    type: bool
    default: false
  region:
    description:
      - The organization's default region for new data, for example V(us-central) or V(eu-west).
      - When omitted, the region is not managed.
    type: str
  cid:
    description:
      - The organization's CRM ID.
      - When omitted, it is not managed.
    type: str
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
  - Use M(viam.cloud.viam_organization_info) to read organizations, their members and metadata.
"""

EXAMPLES = r"""
- name: Name the organization and claim its public namespace
  viam.cloud.viam_organization:
    name: Acme Robotics
    public_namespace: acme

- name: Default region and CRM ID
  viam.cloud.viam_organization:
    organization_id: 0b37a756-a678-4f22-a862-e7200896fa6f
    region: eu-west
    cid: CRM-1042

- name: Rename the public namespace (breaks references to the old one)
  viam.cloud.viam_organization:
    public_namespace: acme-robotics
    rename_namespace: true

- name: Organization metadata, keeping the keys not given here
  viam.cloud.viam_organization:
    metadata:
      cost_center: R&D
"""

RETURN = r"""
organization:
  description: The organization after the task (in check mode, as it would be).
  returned: always
  type: dict
  contains:
    id:
      description: Organization ID (a UUID).
      type: str
      sample: 0b37a756-a678-4f22-a862-e7200896fa6f
    name:
      description: Organization name.
      type: str
      sample: Acme Robotics
    public_namespace:
      description: The organization's public namespace, empty when none is set.
      type: str
      sample: acme
    default_region:
      description: The organization's default region.
      type: str
      sample: us-central
    cid:
      description: The organization's CRM ID, when set.
      type: str
      returned: when set
    created_on:
      description: When the organization was created (RFC 3339).
      type: str
      sample: "2026-11-25T15:13:20Z"
    metadata:
      description: The organization's user-defined metadata after the task.
      type: dict
      returned: when O(metadata) is given
      sample: {"cost_center": "R&D"}
"""

import re

from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.metadata import (
    METADATA_ARGUMENT_SPEC, check_metadata_option, sync_metadata)
from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule

NAMESPACE_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def managed_view(organization):
    """The fields this module manages, for the diff."""
    return dict(name=organization.get("name", ""), public_namespace=organization.get("public_namespace", ""),
                region=organization.get("default_region", ""), cid=organization.get("cid", ""))


class OrganizationModule(ViamModule):
    argument_spec = dict(
        name=dict(type="str"),
        public_namespace=dict(type="str"),
        rename_namespace=dict(type="bool", default=False),
        region=dict(type="str"),
        cid=dict(type="str"),
        **METADATA_ARGUMENT_SPEC
    )

    def execute(self):
        check_metadata_option(self)
        self.validate_name("name", self.params["name"], required=False)
        namespace = self.params["public_namespace"]
        if namespace is not None and not NAMESPACE_RE.match(namespace):
            self.fail("public_namespace %r is not valid: use lowercase letters, digits and '-' (not at the start "
                      "or end), at most 63 characters" % namespace)
        region = self.params["region"]
        if region is not None and not region.strip():
            self.fail("region must not be empty")
        organization_id = self.organization_id
        current = self.client.get_organization(organization_id=organization_id,
                                               resource="organization %r" % organization_id).organization
        return sync_metadata(self, self.present(current), "organization", "organization")

    def present(self, current):
        label = "organization %r" % current.name
        before = managed_view(message_to_dict(current))
        changes = {}
        for option, field in (("name", "name"), ("region", "region"), ("cid", "cid")):
            if self.params[option] is not None and self.params[option] != before[field]:
                changes[field] = self.params[option]
        namespace = self.params["public_namespace"]
        rename = False
        if namespace is not None and namespace != current.public_namespace:
            if current.public_namespace and not self.params["rename_namespace"]:
                self.fail("%s already has the public namespace %r, which can be set only once; to rename it to %r, "
                          "set rename_namespace=true" % (label, current.public_namespace, namespace))
            self.require_available(namespace)
            rename = bool(current.public_namespace)
            changes["public_namespace"] = namespace
        after = dict(before, **changes)
        if not changes:
            return self.result(False, before=before, after=after, organization=message_to_dict(current))
        if self.check_mode:
            predicted = message_to_dict(current)
            predicted.update(name=after["name"], public_namespace=after["public_namespace"],
                             default_region=after["region"])
            if after["cid"]:
                predicted["cid"] = after["cid"]
            return self.result(True, before=before, after=after, organization=predicted)
        update = dict((k, v) for k, v in changes.items() if not (rename and k == "public_namespace"))
        updated = current
        if rename:
            updated = self.client.update_organization_namespace(
                organization_id=current.id, new_public_namespace=namespace, resource=label).organization
        if update:
            updated = self.client.update_organization(organization_id=current.id, resource=label,
                                                      **update).organization
        return self.result(True, before=before, after=after, organization=message_to_dict(updated))

    def require_available(self, namespace):
        """GetOrganizationNamespaceAvailability before any write: a taken namespace fails clearly."""
        response = self.client.get_organization_namespace_availability(
            public_namespace=namespace, resource="public namespace %r" % namespace)
        if not response.available:
            self.fail("public namespace %r is taken by another organization; choose another one" % namespace)


def main():
    OrganizationModule().run()


if __name__ == "__main__":
    main()
