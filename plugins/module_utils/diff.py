# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place a module's diff is built (ViamModule.result) and extended (add_to_diff).

    result["diff"] = build_diff(before, after)           # secrets removed
    add_to_diff(result, "metadata", current, desired)    # a field managed after the resource
    name_ids(result, "location", names)                  # location_name beside location
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import typing as t

from ansible_collections.viam.cloud.plugins.module_utils.convert import strip_secrets


def build_diff(before: t.Optional[dict], after: t.Optional[dict]) -> dict:
    """Ansible's before/after diff of a resource, without its secrets."""
    return dict(before=strip_secrets(before or {}), after=strip_secrets(after or {}))


def add_to_diff(result: t.Dict[str, t.Any], field: str, current: t.Any, desired: t.Any) -> None:
    """A field managed after the resource itself (shared_with, metadata), in the result's diff when it has
    one: ``current`` before (only when the resource existed before) and ``desired`` after."""
    diff = result.get("diff")
    if diff is not None:
        if diff.get("before"):
            diff["before"][field] = current
        diff["after"][field] = desired


def name_ids(result: t.Dict[str, t.Any], field: str, names: t.Mapping[str, str], name_field: str = "") -> None:
    """Beside an ID ``field`` of the diff's before and after, its name (``<field>_name``) from ``names``
    ({id: name}), so that a diff shows what the user wrote. An ID without a known name stays alone."""
    diff = result.get("diff")
    if diff is None:
        return
    for side in ("before", "after"):
        data = diff.get(side)
        if data and data.get(field) in names:
            data[name_field or field + "_name"] = names[data[field]]
