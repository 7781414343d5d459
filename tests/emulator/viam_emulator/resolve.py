"""A part's config as the app serves it to the device: fragments resolved and merged.

The device never sees `fragments` (RobotConfig has no such field, viamrobotics/api
app/v1/robot.proto): the app resolves each import at the version it pins and merges it
(docs/api-assumptions.md §10). What this module does, and why:

- An import is `{"id": ..., "version": ..., "prefix": ..., "variables": {...}, "disabled": bool}`
  or, in the older form, a bare fragment ID string (docs reuse-configuration.md).
- `version` absent or empty: the latest revision; digits: that revision; anything else: the tag
  of that name (records.resolve_version). A pin that names nothing, a fragment that is gone
  or one the part's organization may not read is left out and reported in
  `overwrite_fragment_status`, which viam-server logs as an error (rdk config/proto_conversions.go):
  the rest of the config still reaches the device (the public record does not say what the app
  does there; this keeps the machine running and makes the problem visible in its logs).
- `prefix` is prepended to the names of the fragment's components and services (docs example:
  `camera-1` with prefix `front` becomes `front-camera-1`).
- `variables` replace `{"$variable": {"name": N}}` placeholders; an unknown name is reported.
- Fragments may import fragments, at most 5 levels deep; a cycle is reported (app.proto
  FragmentErrorType NESTING_LIMIT_EXCEEDED / CYCLE_DETECTED).
- A resource name the config already has wins over the fragment's (reported): two resources of
  one name cannot both run.
- `fragment_mods` (`$set` / `$unset` on `components.<name>.<path>`) apply after the merge;
  a failing mod is reported (viam-server logs "error in overwriting fragment").
"""
from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set, Tuple

from .records import resolve_version
from .store import Tx
from .wire import app_pb2

MAX_DEPTH = 5
LIST_SECTIONS = ("components", "services", "modules", "packages", "processes", "remotes", "jobs")
NAMED_RESOURCES = ("components", "services")  # what `prefix` renames and fragment_mods address
MERGE_KEYS = ("fragments", "fragment_mods")


@dataclass
class Served:
    """One fragment import as served: which revision the pin resolved to."""

    fragment_id: str
    version: str  # the pin as written ("" = latest)
    revision: str  # the revision merged ("" when it could not be resolved)


@dataclass
class Resolved:
    config: Dict[str, Any]
    fragments: List[Served] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)

    def revision(self) -> str:
        """RobotConfig.revision: a digest of what the device gets (the real format is not public,
        docs/api-assumptions.md §9): equal configs give equal revisions, any change a new one."""
        text = json.dumps(self.config, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def imports_of(config: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The `fragments` entries in the object form (bare ID strings become {"id": ...})."""
    found = []
    for entry in config.get("fragments") or []:
        if isinstance(entry, str):
            found.append({"id": entry})
        elif isinstance(entry, dict) and isinstance(entry.get("id"), str):
            found.append(entry)
    return found


def _substitute(value: Any, variables: Dict[str, Any], missing: Set[str]) -> Any:
    if isinstance(value, dict):
        marker = value.get("$variable")
        if len(value) == 1 and isinstance(marker, dict) and isinstance(marker.get("name"), str):
            name = marker["name"]
            if name in variables:
                return copy.deepcopy(variables[name])
            missing.add(name)
            return value
        return {k: _substitute(v, variables, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, variables, missing) for v in value]
    return value


class _Resolver:
    def __init__(self, tx: Tx, org_id: str) -> None:
        self.tx = tx
        self.org_id = org_id
        self.result = Resolved(config={})

    def fragment_config(self, entry: Dict[str, Any], stack: Tuple[str, ...]) -> Optional[Dict[str, Any]]:
        """The fragment's config at its pinned version, with nested imports merged in; None if it is
        left out (the reason is in errors)."""
        fragment_id = entry["id"]
        version = entry.get("version") or ""
        version = str(version) if isinstance(version, (str, int)) else ""
        served = Served(fragment_id, version, "")
        top = not stack  # only the part's own imports are listed as served (nested ones merge into them)
        if top:
            self.result.fragments.append(served)
        if fragment_id in stack:
            self.result.errors.append("fragment %s: cycle detected (%s)" % (fragment_id, " -> ".join(stack + (fragment_id,))))
            return None
        if len(stack) >= MAX_DEPTH:
            self.result.errors.append("fragment %s: nesting limit of %d exceeded" % (fragment_id, MAX_DEPTH))
            return None
        fragment = self.tx.get("fragment", fragment_id, app_pb2.Fragment)
        if fragment is None:
            self.result.errors.append("fragment %s: not found" % fragment_id)
            return None
        if fragment.organization_owner != self.org_id and fragment.visibility not in (
                app_pb2.FRAGMENT_VISIBILITY_PUBLIC, app_pb2.FRAGMENT_VISIBILITY_PUBLIC_UNLISTED):
            self.result.errors.append("fragment %s: no access from this organization" % fragment_id)
            return None
        found = resolve_version(self.tx, fragment, version)
        if found is None:
            self.result.errors.append("fragment %s: version %r names no revision or tag" % (fragment_id, version))
            return None
        config, revision = found
        if top:
            served.revision = revision
        variables = entry.get("variables") if isinstance(entry.get("variables"), dict) else {}
        missing: Set[str] = set()
        config = _substitute(config, variables, missing)
        for name in sorted(missing):
            self.result.errors.append("fragment %s: variable %r has no value" % (fragment_id, name))
        nested = self.merge_imports(config, stack + (fragment_id,))
        prefix = entry.get("prefix") if isinstance(entry.get("prefix"), str) else ""
        if prefix:
            for section in NAMED_RESOURCES:
                for resource in nested.get(section) or []:
                    if isinstance(resource, dict) and isinstance(resource.get("name"), str):
                        resource["name"] = prefix + "-" + resource["name"]
        return nested

    def merge_imports(self, config: Dict[str, Any], stack: Tuple[str, ...]) -> Dict[str, Any]:
        """`config` without its imports, with every enabled import's resources appended."""
        merged = {k: copy.deepcopy(v) for k, v in config.items() if k not in MERGE_KEYS}
        for entry in imports_of(config):
            if entry.get("disabled") is True:
                continue  # kept in the config, but none of its resources load (docs)
            part_of = self.fragment_config(entry, stack)
            if part_of is not None:
                _merge(merged, part_of, entry["id"], self.result.errors)
        return merged


def _names(items: List[Any]) -> Set[str]:
    return {i.get("name") for i in items if isinstance(i, dict) and isinstance(i.get("name"), str)}


def _merge(into: Dict[str, Any], extra: Dict[str, Any], fragment_id: str, errors: List[str]) -> None:
    for key, value in extra.items():
        if key in LIST_SECTIONS and isinstance(value, list):
            target = into.setdefault(key, [])
            if not isinstance(target, list):
                continue
            taken = _names(target)
            for item in value:
                name = item.get("name") if isinstance(item, dict) else None
                if isinstance(name, str) and name in taken:
                    if key in NAMED_RESOURCES:
                        errors.append("fragment %s: %s %r is already defined; the fragment's is ignored"
                                      % (fragment_id, key[:-1], name))
                    continue  # the same module or package from two fragments: load it once
                target.append(item)
                if isinstance(name, str):
                    taken.add(name)
        elif key not in into:
            into[key] = value  # e.g. "network", "agent": the fragment's, unless the part has its own


def _apply_mod(config: Dict[str, Any], operator: str, path: str, value: Any) -> Optional[str]:
    """One `$set`/`$unset` on `components.<name>.a.b`; an error message or None."""
    pieces = path.split(".")
    if len(pieces) < 3 or pieces[0] not in NAMED_RESOURCES:
        return "path %r does not name a resource field (components.<name>.<field>...)" % path
    resource = next((r for r in config.get(pieces[0]) or []
                     if isinstance(r, dict) and r.get("name") == pieces[1]), None)
    if resource is None:
        return "path %r: no %s named %r" % (path, pieces[0][:-1], pieces[1])
    node = resource
    for piece in pieces[2:-1]:
        if not isinstance(node.get(piece), dict):
            if operator == "$unset":
                return None  # nothing there to unset
            node[piece] = {}
        node = node[piece]
    if operator == "$set":
        node[pieces[-1]] = copy.deepcopy(value)
    else:
        node.pop(pieces[-1], None)
    return None


def _apply_mods(config: Dict[str, Any], mods: Any, errors: List[str]) -> None:
    for block in mods if isinstance(mods, list) else []:
        if not isinstance(block, dict):
            continue
        for mod in block.get("mods") or []:
            if not isinstance(mod, dict):
                continue
            for operator, changes in mod.items():
                if operator not in ("$set", "$unset") or not isinstance(changes, dict):
                    errors.append("fragment_mods of %s: operator %r is not supported" % (block.get("fragment_id"), operator))
                    continue
                for path, value in changes.items():
                    problem = _apply_mod(config, operator, path, value)
                    if problem:
                        errors.append("fragment_mods of %s: %s" % (block.get("fragment_id"), problem))


def resolve(tx: Tx, part_config: Dict[str, Any], org_id: str) -> Resolved:
    """The part's config with its fragments merged at their pinned versions and its mods applied."""
    resolver = _Resolver(tx, org_id)
    merged = resolver.merge_imports(part_config, ())
    _apply_mods(merged, part_config.get("fragment_mods"), resolver.result.errors)
    merged.pop("cloud", None)  # the cloud section is the app's to fill (CloudConfig), never the user's
    resolver.result.config = merged
    return resolver.result
