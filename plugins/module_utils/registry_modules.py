# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Viam registry modules (ListModules, GetModule...), as viam_module and viam_module_info manage them.

Not to be confused with Ansible modules (plugins/modules) or their base class (module.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.services.base import absent_unless_listed

# The modules' words for the API's registry Visibility enum.
REGISTRY_VISIBILITIES = {
    "private": "VISIBILITY_PRIVATE",
    "public": "VISIBILITY_PUBLIC",
    "public_unlisted": "VISIBILITY_PUBLIC_UNLISTED",
}
_VISIBILITY_WORDS = dict((enum, word) for word, enum in REGISTRY_VISIBILITIES.items())


def list_registry_modules(client, organization_id: str) -> list:
    """The registry modules the organization owns (one ListModules call)."""
    modules = client.list_modules(organization_id=organization_id,
                                  resource="modules of organization %r" % organization_id).modules
    return [m for m in modules if m.organization_id == organization_id]


def find_registry_module(client, organization_id: str, ref: str):
    """A module the organization owns, by name or by module_id ("<namespace>:<name>" or "<org_id>:<name>")."""
    for module in list_registry_modules(client, organization_id):
        if ref in (module.name, module.module_id, "%s:%s" % (organization_id, module.name)):
            return module
    return None


def get_registry_module(client, organization_id: str, module_id: str):
    """GetModule for a module ID (any module the key can read), or None when it does not exist: NOT_FOUND,
    or a code the app may use for an unknown ID when the organization's ListModules does not hold it
    (docs/api-assumptions.md §7, unknown_id_code)."""
    try:
        return client.get_module(module_id=module_id, resource="module %r" % module_id).module
    except ViamError as err:
        absent_unless_listed(err, lambda: [i for m in list_registry_modules(client, organization_id)
                                           for i in (m.module_id, "%s:%s" % (organization_id, m.name))], module_id)
        return None


def registry_module_view(module) -> dict:
    """A registry Module as the modules return it: the visibility as a word (private, public, public_unlisted)."""
    data = message_to_dict(module)
    data["visibility"] = _VISIBILITY_WORDS.get(data.get("visibility"), "private")
    return data
