# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""User-defined metadata on organizations, locations, machines and parts.

A resource module adds METADATA_ARGUMENT_SPEC to its options, calls
check_metadata_option() before any write and sync_metadata() on its result:

    def execute(self):
        check_metadata_option(self)
        return sync_metadata(self, self.execute_resource(), "location", "location")

The API's Update*Metadata replaces the whole dict (docs/api-assumptions.md §3), so the module
reads the current metadata, computes the desired one (desired_metadata) and
writes only when they differ: merge sets the keys given (a null value removes
the key) and keeps the others; replace makes the metadata exactly the dict given.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import typing as t

from ansible_collections.viam.cloud.plugins.module_utils.convert import dict_to_struct, struct_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.diff import add_to_diff
from ansible_collections.viam.cloud.plugins.module_utils.validate import json_problem

METADATA_ARGUMENT_SPEC = dict(
    metadata=dict(type="dict"),
    metadata_mode=dict(type="str", default="merge", choices=["merge", "replace"]),
)

# resource type -> (Get RPC method, Update RPC method, ID field of both requests, label)
METADATA_CALLS = {
    "organization": ("get_organization_metadata", "update_organization_metadata", "organization_id", "organization"),
    "location": ("get_location_metadata", "update_location_metadata", "location_id", "location"),
    "robot": ("get_robot_metadata", "update_robot_metadata", "id", "machine"),
    "part": ("get_robot_part_metadata", "update_robot_part_metadata", "id", "part"),
}


class MetadataError(ValueError):
    pass


def normalize_metadata(data: t.Optional[dict]) -> dict:
    """The dict as the API stores and returns it (numbers as JSON numbers, dates as text).

    Raises MetadataError for a value a JSON object cannot hold.
    """
    problem = json_problem("metadata", data or {}, default=str)  # dates are stored as text
    if problem:
        raise MetadataError(problem)
    try:
        return struct_to_dict(dict_to_struct(data or {}))
    except (TypeError, ValueError) as exc:
        raise MetadataError("metadata cannot be stored: %s" % exc)


def desired_metadata(current: t.Optional[dict], given: t.Optional[dict], mode: str) -> dict:
    """The metadata after the task: None given leaves it as it is.

    merge: the keys given are set, a key given as null is removed, other keys are kept.
    replace: exactly the dict given (null values stay, as JSON null).
    """
    current = dict(current or {})
    if given is None:
        return current
    if mode == "replace":
        return normalize_metadata(given)
    if mode != "merge":
        raise MetadataError("metadata_mode must be merge or replace, not %r" % mode)
    result = current
    for key, value in given.items():
        if value is None:
            result.pop(str(key), None)
        else:
            result[str(key)] = value
    return normalize_metadata(result)


def read_metadata(client, resource_type: str, resource_id: str, name: str = "") -> dict:
    get, _update, id_field, label = METADATA_CALLS[resource_type]
    response = getattr(client, get)(resource="metadata of %s %r" % (label, name or resource_id),
                                    **{id_field: resource_id})
    return struct_to_dict(response.data)


def write_metadata(client, resource_type: str, resource_id: str, data: dict, name: str = "") -> None:
    _get, update, id_field, label = METADATA_CALLS[resource_type]
    getattr(client, update)(resource="metadata of %s %r" % (label, name or resource_id),
                            **{id_field: resource_id, "data": data})


def check_metadata_option(module) -> None:
    """Fail (before any call) when the metadata option cannot be stored."""
    if module.params.get("metadata") is None:
        return
    try:
        normalize_metadata(module.params["metadata"])
    except MetadataError as exc:
        module.fail(str(exc))


def sync_metadata(module, result: dict, resource_type: str, key: str) -> dict:
    """Bring the metadata of the resource in result[key] to what the options ask for.

    Adds ``metadata`` to the returned resource and to the diff, and sets
    ``changed`` when the metadata changes. Nothing happens without the
    metadata option, or when the resource is absent after the task.
    """
    given = module.params.get("metadata")
    resource = result.get(key)
    if given is None or not resource or module.params.get("state", "present") == "absent":
        return result
    resource_id = resource.get("id") or ""
    name = resource.get("name") or ""
    current = read_metadata(module.client, resource_type, resource_id, name) if resource_id else {}
    desired = desired_metadata(current, given, module.params["metadata_mode"])
    changed = desired != current
    if changed and not module.check_mode:
        write_metadata(module.client, resource_type, resource_id, desired, name)
    resource["metadata"] = desired
    result["changed"] = result["changed"] or changed
    add_to_diff(result, "metadata", current, desired)
    return result
