# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired state of a part config: semantic comparison, fragment lists, the diff.

Pure functions on plain data (no client, no protobuf), shared by
viam_robot_part and viam_robot_part_info:

    current = parse_config_json(resp.config_json)
    desired = desired_config(current, config=params["config"], fragment_ids=ids)
    if not configs_equal(current, desired): ...          # 1 == 1.0, nested
    config_changes(current, desired)   -> ["components", "fragments"]

The API keeps a part config as a google.protobuf.Struct, whose numbers are
doubles: a config written with ``1`` may come back as ``1.0``. normalize()
turns integral floats into ints (never booleans) at any depth, so a config
read back compares equal to the one the user wrote.

Fragments live in the config itself, as ``"fragments": [{"id": "<id>"}]``
(the form the Viam app and CLI write); older configs list plain ID strings.
Both forms are read; entries are kept as they are (with any extra keys) when
their fragment stays, new ones are written as ``{"id": ...}``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import math
import re
import typing as t

from ansible_collections.viam.cloud.plugins.module_utils.validate import json_problem

FRAGMENTS_KEY = "fragments"


class ConfigError(ValueError):
    """A config that cannot be used: not a JSON object, or not JSON at all."""


def normalize(value: t.Any) -> t.Any:
    """A copy of ``value`` with integral floats as ints and tuples as lists, at any depth."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        if value.is_integer() and not math.isinf(value):
            return int(value)
        return value
    if isinstance(value, dict):
        return dict((str(k), normalize(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    return value


def configs_equal(left: t.Optional[dict], right: t.Optional[dict]) -> bool:
    """Semantic equality of two configs: dict equality after normalize(); None is {}."""
    return _same(normalize(left or {}), normalize(right or {}))


def _same(left: t.Any, right: t.Any) -> bool:
    """Equality that does not take True for 1 (Python's == does)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right))
    if isinstance(left, (dict, list)) or isinstance(right, (dict, list)):
        return False
    return left == right


def parse_config_json(text: t.Optional[str]) -> dict:
    """GetRobotPart's config_json as a dict (an empty text is an empty config)."""
    if not text or not text.strip():
        return {}
    try:
        config = json.loads(text)
    except ValueError as exc:
        raise ConfigError("the part config is not valid JSON: %s" % exc)
    if not isinstance(config, dict):
        raise ConfigError("the part config is not a JSON object but a %s" % type(config).__name__)
    return normalize(config)


# The device's own section of a machine config: its part ID and secret (or API key) and the app's
# address. The app may add it to GetRobotPart's config_json (docs/api-assumptions.md, key
# part_config_cloud); it is never part of the config a user manages in the app.
DEVICE_SECTION = "cloud"
SECRET_MASK = "********"
# Keys whose values are credentials wherever they appear in a config.
_SECRET_KEYS = frozenset(("secret", "secrets", "location_secret"))


def without_device_section(config: t.Optional[dict]) -> dict:
    """The config without its ``cloud`` section: what a part's config is in the app."""
    return dict((k, v) for k, v in (config or {}).items() if k != DEVICE_SECTION)


def mask_config_secrets(config: t.Any) -> t.Any:
    """A copy of a config with its credentials replaced by SECRET_MASK.

    Masked: any ``secret``, ``secrets`` or ``location_secret`` value; an ``api_key`` given as
    text and the ``key`` of an ``api_key`` object; the ``key``/``keys`` of an
    ``auth.handlers[].config`` (viam-server's API-key auth handler). The rest is kept.
    """
    return _mask(config, ())


def _mask(value: t.Any, path: t.Tuple[str, ...]) -> t.Any:
    """``path`` is the keys from the top (list positions left out)."""
    if isinstance(value, list):
        return [_mask(v, path) for v in value]
    if not isinstance(value, dict):
        return value
    masked = {}
    for key, item in value.items():
        here = path + (str(key),)
        if _is_credential(here, item):
            masked[key] = _masked_value(item)
        else:
            masked[key] = _mask(item, here)
    return masked


def _is_credential(path: t.Tuple[str, ...], value: t.Any) -> bool:
    key = path[-1]
    if key in _SECRET_KEYS:
        return True
    if key == "api_key" and not isinstance(value, (dict, list)):
        return True
    if key == "key" and len(path) >= 2 and path[-2] == "api_key":
        return True
    return key in ("key", "keys") and path[-4:-1] == ("auth", "handlers", "config")


def _masked_value(value: t.Any) -> t.Any:
    if value in (None, "", [], {}):
        return value
    if isinstance(value, list):
        return [SECRET_MASK] * len(value)
    return SECRET_MASK


def check_config(config: t.Any, option: str = "config") -> dict:
    """The config option as a JSON-able dict, or ConfigError saying what is wrong with it."""
    if not isinstance(config, dict):
        raise ConfigError("%s must be a dict (the part's JSON config), not %s" % (option, type(config).__name__))
    problem = json_problem(option, config)
    if problem:
        raise ConfigError(problem)
    return normalize(config)


def _entry_id(entry: t.Any) -> t.Optional[str]:
    fragment_id = entry.get("id") if isinstance(entry, dict) else entry
    if isinstance(fragment_id, str) and fragment_id:
        return fragment_id
    return None


def fragment_ids(config: t.Optional[dict]) -> t.List[str]:
    """The fragment IDs a config uses, in order, each once; both entry forms are read."""
    found: t.List[str] = []
    entries = (config or {}).get(FRAGMENTS_KEY)
    if not isinstance(entries, list):
        return found
    for entry in entries:
        fragment_id = _entry_id(entry)
        if fragment_id is not None and fragment_id not in found:
            found.append(fragment_id)
    return found


def _entries_by_id(*configs: t.Optional[dict]) -> t.Dict[str, t.Any]:
    """The first entry seen for each fragment ID, looking through ``configs`` in order."""
    entries: t.Dict[str, t.Any] = {}
    for config in configs:
        listed = (config or {}).get(FRAGMENTS_KEY)
        if not isinstance(listed, list):
            continue
        for entry in listed:
            fragment_id = _entry_id(entry)
            if fragment_id is not None and fragment_id not in entries:
                entries[fragment_id] = entry
    return entries


def with_fragments(config: t.Optional[dict], ids: t.Sequence[str], *others: t.Optional[dict]) -> dict:
    """A copy of ``config`` whose fragments are exactly ``ids``, in that order, each once.

    Entries for fragments that stay are kept as found in ``config`` (then in
    ``others``, e.g. the part's current config), extra keys included; new
    ones are ``{"id": ...}``. An empty ``ids`` removes the fragments key.
    Every other key of ``config`` is left alone.
    """
    result = copy.deepcopy(normalize(config or {}))
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        result.pop(FRAGMENTS_KEY, None)
        return result
    known = _entries_by_id(config, *others)
    result[FRAGMENTS_KEY] = [copy.deepcopy(normalize(known[i])) if i in known else {"id": i} for i in wanted]
    return result


# A fragment version a part may pin: a revision number or a tag name (docs/api-assumptions.md §10:
# lowercase letters, digits, - and _, not starting with a digit or "v", at most 60 characters).
_REVISION_RE = re.compile(r"^[0-9]+$")
_TAG_RE = re.compile(r"^[a-uw-z_-][a-z0-9_-]{0,59}$")
VERSION_KEY = "version"


def version_problem(version: str) -> t.Optional[str]:
    """Why ``version`` cannot be a fragment version (a revision number or a tag name), or None."""
    if _REVISION_RE.match(version) or _TAG_RE.match(version):
        return None
    return ("%r is neither a revision number nor a tag name (lowercase letters, digits, - and _, not starting "
            "with a digit or 'v', at most 60 characters)" % version)


def with_fragment_versions(config: dict, versions: t.Mapping[str, t.Optional[str]]) -> dict:
    """A copy of ``config`` whose fragment entries for the IDs of ``versions`` pin that version
    (a revision or a tag; "" or None: follow the latest revision, the entry has no version).

    Bare-ID entries become objects so they can carry a version. A fragment ID the config does not
    use raises ConfigError: pinning does not add fragments.
    """
    result = copy.deepcopy(normalize(config))
    entries = result.get(FRAGMENTS_KEY) if isinstance(result.get(FRAGMENTS_KEY), list) else []
    missing = [i for i in versions if i not in fragment_ids(result)]
    if missing:
        raise ConfigError("fragment %s is not one of the part's fragments: add it with fragments first"
                          % ", ".join(repr(i) for i in missing))
    pinned = []
    for entry in entries:
        fragment_id = _entry_id(entry)
        if fragment_id not in versions:
            pinned.append(entry)
            continue
        entry = dict(entry) if isinstance(entry, dict) else {"id": fragment_id}
        if versions[fragment_id]:
            entry[VERSION_KEY] = versions[fragment_id]
        else:
            entry.pop(VERSION_KEY, None)
        pinned.append(entry)
    result[FRAGMENTS_KEY] = pinned
    return result


def fragment_versions(config: t.Optional[dict]) -> t.Dict[str, str]:
    """The version each fragment of ``config`` pins ("" where it follows the latest revision)."""
    pins: t.Dict[str, str] = {}
    entries = (config or {}).get(FRAGMENTS_KEY)
    for entry in entries if isinstance(entries, list) else []:
        fragment_id = _entry_id(entry)
        if fragment_id is not None and fragment_id not in pins:
            pins[fragment_id] = str(entry.get(VERSION_KEY) or "") if isinstance(entry, dict) else ""
    return pins


def desired_config(current: t.Optional[dict], config: t.Optional[dict] = None,
                   ids: t.Optional[t.Sequence[str]] = None) -> dict:
    """What the part config should be.

    ``config`` (None: keep ``current``) is the whole config; ``ids`` (None:
    not managed) sets the fragment list, and wins over a ``fragments`` key
    in ``config``.
    """
    base = normalize(current or {}) if config is None else normalize(config)
    if ids is None:
        return base
    return with_fragments(base, ids, current)


def config_changes(before: t.Optional[dict], after: t.Optional[dict], prefix: str = "") -> t.List[str]:
    """Dotted paths of the keys that differ, descending into dicts (lists compare whole).

    {"a": {"b": 1, "c": 2}} vs {"a": {"b": 1.0, "c": 3}, "d": []} -> ["a.c", "d"]
    """
    before = normalize(before or {})
    after = normalize(after or {})
    changed: t.List[str] = []
    for key in sorted(set(before) | set(after)):
        path = prefix + key
        if key not in before or key not in after:
            changed.append(path)
        elif isinstance(before[key], dict) and isinstance(after[key], dict):
            changed.extend(config_changes(before[key], after[key], path + "."))
        elif not _same(before[key], after[key]):
            changed.append(path)
    return changed


def part_view(part: dict, config: t.Optional[dict] = None) -> dict:
    """The fields of a part (a message_to_dict dict) that viam_robot_part manages, for the diff."""
    if config is None:
        config = part.get("robot_config") or {}
    config = normalize(config)
    return dict(name=part.get("name", ""), main_part=bool(part.get("main_part")),
                fragments=fragment_ids(config), config=config)
