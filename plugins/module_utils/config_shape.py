# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shape of a Viam machine config (a part's or a fragment's), checked before any write.

    problems, warnings = check_config_shape(config)   # both lists of sentences
    config_shape_problems(config) -> problems only

The app stores whatever JSON it is given: ``components: {name: cam}`` (a mapping where a list
belongs) is saved as is, and viam-server then rejects the whole config on the robot. So the
modules refuse a config whose known top-level keys have the wrong kind, or whose components,
services, modules, remotes and packages lack what viam-server requires of each entry, naming the
path inside the config. Unknown top-level keys are only warned about: the schema grows.

The schema, as viam-server reads it (docs/api-assumptions.md, "Machine config shape"):
rdk config/config.go ``configData`` (components, services, modules, remotes, processes,
packages, jobs, log: lists; network, auth, cloud, maintenance, tracing: objects; debug,
enable_web_profile, disable_log_deduplication: booleans; revision: text); resource/config.go for
a component or service (name, api or type+namespace, model, attributes, depends_on); the app adds
``fragments`` (a list of {id, ...}) and ``fragment_mods`` (a list of objects).

Pure Python, no grpc: it runs before any connection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import typing as t
from collections.abc import Mapping

LISTS = ("components", "services", "modules", "remotes", "processes", "packages", "fragments", "fragment_mods",
         "jobs", "log")
OBJECTS = ("network", "auth", "cloud", "maintenance", "tracing")
BOOLEANS = ("debug", "enable_web_profile", "disable_log_deduplication")
STRINGS = ("revision",)
KNOWN = frozenset(LISTS + OBJECTS + BOOLEANS + STRINGS)
MAX_SHOWN = 10  # problems in one failure message

# What each list holds, for the messages ("a component").
_ENTRY = {"components": "component", "services": "service", "modules": "module", "remotes": "remote",
          "processes": "process", "packages": "package", "fragments": "fragment", "fragment_mods": "fragment mod",
          "jobs": "job", "log": "log pattern"}
# Keys each entry must have (a non-empty text): rdk's Validate of each kind.
_REQUIRED = {"components": ("name", "model"), "services": ("name",), "modules": ("name",),
             "remotes": ("name", "address"), "packages": ("name", "package"), "fragment_mods": ("fragment_id",)}
# Keys that, when present, must be text.
_TEXT = ("name", "api", "type", "namespace", "model", "address", "package", "version", "module_id",
         "executable_path", "id", "fragment_id")


def _kind(value: t.Any) -> str:
    """A YAML reader's word for the kind of a value."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (int, float)):
        return "a number"
    if value is None:
        return "null"
    return "a %s" % type(value).__name__


def _short(value: t.Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _list_hint(key: str, value: t.Any) -> str:
    """'; did you mean components: [{name: cam, ...}]?' for a mapping written where a list belongs."""
    if not isinstance(value, Mapping) or not value:
        return ""
    if "name" in value and isinstance(value.get("name"), str):
        return "; did you mean %s: [{name: %s, ...}] (a list of one)?" % (key, value["name"])
    if key == "fragments" and "id" in value:
        return "; did you mean fragments: [{id: %s}]?" % value["id"]
    first = next(iter(value))
    if isinstance(value[first], Mapping) and key in ("components", "services", "modules", "remotes", "packages"):
        return "; did you mean %s: [{name: %s, ...}] (each entry an object with its own name)?" % (key, first)
    return "; did you mean %s: [{...}] (a list of objects)?" % key


def _check_api(path: str, value: str, what: str, problems: t.List[str]) -> None:
    # An API is namespace:type:subtype, e.g. rdk:component:camera (resource.API's text form).
    parts = value.split(":")
    if len(parts) != 3 or not all(parts):
        problems.append("%s.api %r is not an API: give namespace:%s:subtype, e.g. rdk:%s:camera"
                        % (path, value, what, what))


def _check_entry(key: str, index: int, entry: t.Any, problems: t.List[str]) -> None:
    what = _ENTRY[key]
    path = "config.%s[%d]" % (key, index)
    if key == "fragments" and isinstance(entry, str):
        return  # an older form: the fragment's ID alone
    if not isinstance(entry, Mapping):
        problems.append("%s must be an object (a mapping of keys such as name), got %s %s"
                        % (path, _kind(entry), _short(entry)))
        return
    name = entry.get("name")
    if isinstance(name, str) and name:
        path = "%s (%s %r)" % (path, what, name)
    for field in _TEXT:
        if field in entry and entry[field] is not None and not isinstance(entry[field], str):
            problems.append("%s: %s must be text, got %s %s" % (path, field, _kind(entry[field]), _short(entry[field])))
    for field in _REQUIRED.get(key, ()):
        if not entry.get(field):
            problems.append("%s has no %s: every %s needs %s" % (path, field, what, _REQUIRED_WHY.get(field, field)))
    if key == "fragments" and not entry.get("id"):
        problems.append("%s has no id: each fragment entry is {id: FRAGMENT_ID}" % path)
    if key in ("components", "services"):
        kind = "component" if key == "components" else "service"
        api = entry.get("api")
        if isinstance(api, str) and api:
            _check_api(path, api, kind, problems)
        elif not entry.get("type"):
            problems.append("%s has no api: every %s needs api (e.g. rdk:%s:camera) or type (e.g. camera)"
                            % (path, kind, kind))
        if "attributes" in entry and entry["attributes"] is not None and not isinstance(entry["attributes"], Mapping):
            problems.append("%s: attributes must be a mapping, got %s" % (path, _kind(entry["attributes"])))
        depends = entry.get("depends_on")
        if depends is not None and (not isinstance(depends, (list, tuple)) or not all(isinstance(d, str) for d in depends)):
            problems.append("%s: depends_on must be a list of resource names, got %s" % (path, _kind(depends)))


_REQUIRED_WHY = {
    "name": "name: a name unique on the machine",
    "model": "model (e.g. rdk:builtin:fake or a module's namespace:family:name)",
    "address": "address: the remote machine's address",
    "package": "package: the registry package ID",
    "fragment_id": "fragment_id: the fragment it modifies",
}


def check_config_shape(config: t.Any) -> t.Tuple[t.List[str], t.List[str]]:
    """(problems, warnings) of a machine config; problems must stop a write, warnings only tell."""
    problems: t.List[str] = []
    warnings: t.List[str] = []
    if config is None:
        return problems, warnings
    if not isinstance(config, Mapping):
        return ["config must be a mapping (the machine's JSON config object), got %s" % _kind(config)], warnings
    for key, value in config.items():
        if key in LISTS:
            if value is None:
                continue
            if not isinstance(value, (list, tuple)):
                problems.append("config.%s must be a list of objects, got %s%s" % (key, _kind(value), _list_hint(key, value)))
                continue
            for index, entry in enumerate(value):
                _check_entry(key, index, entry, problems)
        elif key in OBJECTS:
            if value is not None and not isinstance(value, Mapping):
                problems.append("config.%s must be a mapping, got %s %s" % (key, _kind(value), _short(value)))
        elif key in BOOLEANS:
            if value is not None and not isinstance(value, bool):
                problems.append("config.%s must be true or false, got %s %s" % (key, _kind(value), _short(value)))
        elif key in STRINGS:
            if value is not None and not isinstance(value, str):
                problems.append("config.%s must be text, got %s" % (key, _kind(value)))
        else:
            warnings.append("config.%s is not a key viam-server is known to read (known: %s); it is kept as "
                            "written. Check its spelling" % (key, ", ".join(sorted(KNOWN))))
    return problems, warnings


def config_shape_problems(config: t.Any) -> t.List[str]:
    """The problems of check_config_shape, one sentence each (empty when the shape is right)."""
    return check_config_shape(config)[0]


def config_shape_message(config: t.Any, option: str = "config") -> t.Optional[str]:
    """One failure message for the option, or None when the shape is right."""
    return shape_message(config_shape_problems(config), option)


def shape_message(problems: t.Sequence[str], option: str = "config") -> t.Optional[str]:
    """The failure message of check_config_shape's ``problems`` for the option, or None when there are none."""
    if not problems:
        return None
    shown = list(problems[:MAX_SHOWN])
    if len(problems) > MAX_SHOWN:  # a generated config can have thousands: the first ones say enough
        shown.append("and %d more problems of the same kind" % (len(problems) - MAX_SHOWN))
    return "%s has the wrong shape for a Viam machine config, nothing was changed: %s" % (option, "; ".join(shown))


def enforce_config_shape(viam_module: t.Any, config: t.Any, option: str = "config") -> None:
    """In a module, before any API call: warn about unknown top-level keys, fail on a wrong shape.

    ``viam_module`` is a module.ViamModule (its ``module.warn`` and ``fail``); ``config`` None
    (the option not given) checks nothing.
    """
    if config is None:
        return
    problems, warnings = check_config_shape(config)
    for warning in warnings:
        viam_module.module.warn(warning)
    message = shape_message(problems, option)
    if message:
        viam_module.fail(message)
