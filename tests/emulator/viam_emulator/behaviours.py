"""Behaviours of app.viam.com that the public record does not settle, as switches.

Each key has every value the public record leaves plausible; the default is the emulator's
best guess, and ``pessimistic`` is the least convenient plausible value for a client. The
collection must pass under every value: docs/api-assumptions.md has the evidence per key.

    viam-app-emulator --behaviour part_config_cloud=with_secret
    viam-app-emulator --behaviours pessimistic
    viam-app-emulator --list-behaviours      # JSON: keys, values, defaults, evidence
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

PRESETS = ("default", "pessimistic")


@dataclass(frozen=True)
class Behaviour:
    key: str
    summary: str
    default: str
    pessimistic: str
    # value -> public evidence for it (source and quote, or why it is plausible)
    values: Tuple[Tuple[str, str], ...]

    def names(self) -> List[str]:
        return [name for name, _evidence in self.values]

    def to_dict(self) -> Dict[str, object]:
        return {"key": self.key, "summary": self.summary, "default": self.default, "pessimistic": self.pessimistic,
                "values": [{"value": name, "evidence": evidence} for name, evidence in self.values]}


BEHAVIOURS: Dict[str, Behaviour] = {b.key: b for b in (
    Behaviour(
        key="unknown_id_code",
        summary="The status code of a read, update or delete (GetRobot, GetRobotPart, GetFragment, GetLocation, "
                "GetRegistryItem, UpdateRobot, DeleteRobotPart, RotateKey, ...) for an ID that does not exist.",
        default="NOT_FOUND",
        pessimistic="PERMISSION_DENIED",
        values=(
            ("NOT_FOUND", "rdk config/testutils/fake_cloud.go answers NotFound for a missing config; the usual gRPC "
                          "convention."),
            ("PERMISSION_DENIED", "The app checks authorization on the resource before it looks it up; an ID the "
                                  "caller cannot see and one that does not exist may be answered alike."),
            ("INVALID_ARGUMENT", "An ID that parses but names nothing may be refused as a bad argument."),
            ("UNKNOWN", "rdk PR #6054: app errors often arrive as Unknown (plain errors through goutils' "
                        "interceptors)."),
        )),
    Behaviour(
        key="part_by_name_and_location",
        summary="GetRobotPartByNameAndLocation: served, not served, or refused to API keys.",
        default="present",
        pessimistic="permission_denied",
        values=(
            ("present", "viamrobotics/api app.proto declares it (2025); a name that is free is answered with "
                        "unknown_id_code."),
            ("unimplemented", "Neither viam-sdk nor the Viam CLI calls it; a deployment may not serve it."),
            ("permission_denied", "Its permission for API keys is undocumented."),
        )),
    Behaviour(
        key="list_robots_for_org",
        summary="ListRobotsForOrg: served to every key, refused to keys below organization level, or not served.",
        default="present",
        pessimistic="unimplemented",
        values=(
            ("present", "viamrobotics/api app.proto declares ListRobotsForOrg{org_id}."),
            ("permission_denied_below_org", "An organization-wide listing may need an organization-level "
                                            "authorization; no official client calls it to tell."),
            ("unimplemented", "The Viam CLI lists an organization's machines with ListLocations + ListRobots per "
                              "location instead."),
        )),
    Behaviour(
        key="rotate_key",
        summary="RotateKey: the key keeps its ID and gets a new secret, or a new key is minted and the old one kept.",
        default="same_id",
        pessimistic="new_id_keep_old",
        values=(
            ("same_id", "RotateKeyResponse{id, key}; the SDK docs say 'rotate an API key'."),
            ("new_id_keep_old", "RotateKeyResponse carries an id; Viam's docs speak of 'up to two keys in use at "
                                "one time' during rotation."),
        )),
    Behaviour(
        key="duplicate_fragment_name",
        summary="CreateFragment (and a rename) with a name another fragment of the organization has.",
        default="already_exists",
        pessimistic="allowed",
        values=(
            ("already_exists", "The usual gRPC convention for a taken name."),
            ("invalid_argument", "The app answers many domain errors as INVALID_ARGUMENT."),
            ("allowed", "The Viam CLI resolves a fragment name by taking the first match, as if names could "
                        "repeat."),
        )),
    Behaviour(
        key="duplicate_machine_name",
        summary="NewRobot (and a rename) with a name another machine of the location has.",
        default="already_exists",
        pessimistic="allowed",
        values=(
            ("already_exists", "Main parts are named <machine>-main and part names are unique per location "
                               "(app.proto), so a clash is refused."),
            ("invalid_argument", "The app answers many domain errors as INVALID_ARGUMENT."),
            ("allowed", "No public source says machine names are unique; the main part's name may be made "
                        "unique another way."),
        )),
    Behaviour(
        key="update_conflict_code",
        summary="The status code of UpdateRobotPart / UpdateFragment refused because last_known_update is stale.",
        default="FAILED_PRECONDITION",
        pessimistic="UNKNOWN",
        values=(
            ("FAILED_PRECONDITION", "The usual gRPC convention for optimistic concurrency."),
            ("ABORTED", "gRPC's code for a concurrency conflict."),
            ("INVALID_ARGUMENT", "The app answers many domain errors as INVALID_ARGUMENT."),
            ("UNKNOWN", "rdk PR #6054: app errors often arrive as Unknown."),
        )),
    Behaviour(
        key="mark_part_for_restart",
        summary="MarkPartForRestart: served, or removed.",
        default="present",
        pessimistic="unimplemented",
        values=(
            ("present", "viamrobotics/api app.proto declares it."),
            ("unimplemented", "app.proto marks it as possibly removed."),
        )),
    Behaviour(
        key="public_fragments",
        summary="Public fragments of other organizations that ListFragments returns when asked for public ones.",
        default="none",
        pessimistic="thousands",
        values=(
            ("none", "A quiet platform (the emulator's own organizations only)."),
            ("thousands", "app.viam.com: every public fragment of the platform (3,000 are seeded)."),
        )),
    Behaviour(
        key="robot_config_json",
        summary="Whether UpdateRobotPart honours robot_config_json (the config as written) or keeps only the "
                "robot_config Struct (numbers as doubles, key order lost).",
        default="honoured",
        pessimistic="ignored",
        values=(
            ("honoured", "app.proto: UpdateRobotPartRequest.robot_config_json; the Viam CLI moved to it to keep "
                         "the config as written."),
            ("ignored", "A service older than that field stores the Struct only."),
        )),
    Behaviour(
        key="part_config_cloud",
        summary="Whether GetRobotPart's config_json carries the device's cloud section (id, secret).",
        default="absent",
        pessimistic="with_secret",
        values=(
            ("absent", "viamrobotics/api app.proto: config_json is the part's config; the configs the app shows and "
                       "the CLI's `machines part` commands hold components, services, modules and fragments only."),
            ("with_secret", "viam-sdk AppClient.get_robot_part(dest=...) writes config_json to a file 'in JSON "
                            "format' as a machine config; a device config holds cloud.id and cloud.secret, so the "
                            "answer may carry the part secret."),
        )),
)}


class BehaviourError(ValueError):
    """A --behaviour or --behaviours argument that names no key or value."""


def resolve(preset: Optional[str] = None, overrides: Iterable[str] = ()) -> Dict[str, str]:
    """Every key's value: the preset's (default or pessimistic), then each KEY=VALUE override."""
    preset = preset or "default"
    if preset not in PRESETS:
        raise BehaviourError("--behaviours takes %s, not %r" % (" or ".join(PRESETS), preset))
    chosen = {key: (b.pessimistic if preset == "pessimistic" else b.default) for key, b in BEHAVIOURS.items()}
    for text in overrides:
        key, sep, value = text.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or key not in BEHAVIOURS:
            raise BehaviourError("--behaviour takes KEY=VALUE with KEY one of %s, not %r"
                                 % (", ".join(sorted(BEHAVIOURS)), text))
        if value not in BEHAVIOURS[key].names():
            raise BehaviourError("--behaviour %s takes one of %s, not %r"
                                 % (key, ", ".join(BEHAVIOURS[key].names()), value))
        chosen[key] = value
    return chosen


def listing() -> List[Dict[str, object]]:
    """What --list-behaviours prints."""
    return [BEHAVIOURS[key].to_dict() for key in sorted(BEHAVIOURS)]


def value_of(chosen: Mapping[str, str], key: str) -> str:
    """The value in force for ``key`` (its default when the settings predate it)."""
    return chosen.get(key, BEHAVIOURS[key].default)
