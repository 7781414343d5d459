# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""probe-cloud: measure the Viam app's behaviours against the emulator's switches.

The emulator (tests/emulator) encodes guesses about app.viam.com as switches
(tests/emulator/viam_emulator/behaviours.py). This maintainer's tool measures
each switch against a real service and prints, per key, the value that
matches (or ``undetermined`` and why) next to the emulator's default.

    CONFIRM=yes VIAM_API_KEY_ID=... VIAM_API_KEY=... VIAM_ORG_ID=... make probe-cloud
    # or, with the collection importable as ansible_collections.viam.cloud:
    CONFIRM=yes python hack/probe_cloud.py [--json FILE] [--timeout S]

Environment: VIAM_API_KEY_ID, VIAM_API_KEY (an owner key of the organization),
VIAM_ORG_ID, optional VIAM_APP_URL (default https://app.viam.com:443), and
CONFIRM=yes (without it the probe refuses to run, exit 2, and makes no call).

What it creates, in organization VIAM_ORG_ID, all named with one unique prefix
``viam-cloud-probe-<YYYYMMDD-HHMMSS>-<random>`` (UTC): one location; in it a
machine (its main part is made by the service) and a second machine of the
same name if the service allows that; two fragments of one name (the second
only if allowed); one API key that owns the probe location (and the key
RotateKey mints, if it mints one). It changes the main part's config twice
and marks it for restart (nothing runs it: the machine never connects).
Everything is removed at the end, also after a failure: API keys, fragments,
machines (with their parts), the location; then it lists keys, fragments and
locations again, and reports anything still there with its ID.

It never prints a secret: every secret it sees (the API keys, location and
part secrets, access tokens, secrets inside a part config) is collected as it
arrives and blanked out of everything it writes; configs are never printed.

Exit status: 0 every key measured and equal to the emulator's default;
1 some key's measured value differs from the emulator's default; 2 refused
(no CONFIRM=yes, missing variables, bad arguments); 3 incomplete: some key
undetermined (and none differs), the run stopped early, or something it made
could not be removed.

Test only: VIAM_PROBE_FAIL_AFTER=<step> makes the probe stop with an error
right after that step (a step name from STEP_NAMES below), so that tests can
check the cleanup after a failure midway. Never set it otherwise.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import random
import signal
import string
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Set

DEFAULT_APP_URL = "https://app.viam.com:443"
PREFIX = "viam-cloud-probe"
UNDETERMINED = "undetermined"
EXIT_OK, EXIT_DIFFERS, EXIT_REFUSED, EXIT_INCOMPLETE = 0, 1, 2, 3
FAIL_AFTER_ENV = "VIAM_PROBE_FAIL_AFTER"

# Field names (at any depth of a response) whose string values are secrets.
SECRET_FIELDS = frozenset(("secret", "key", "payload", "access_token", "location_secret", "token"))
# Strings shorter than this are never treated as secrets (they would blank ordinary words).
MIN_SECRET_LEN = 8

# The steps, in order; each measures the behaviour key of the same name, except the set-up steps.
STEP_NAMES = ("location", "duplicate_machine_name", "unknown_id_code", "part_config_cloud",
              "part_by_name_and_location", "update_conflict_code", "robot_config_json", "mark_part_for_restart",
              "duplicate_fragment_name", "public_fragments", "list_robots_for_org", "rotate_key")

ROBOT_CONFIG_JSON = '{"z": 1, "a": {"n": 2}}'


class Refused(Exception):
    """The probe will not run (exit 2): the message is one line for the user."""


# --------------------------------------------------------------------------- secrets

class Secrets:
    """Every secret seen so far, and scrub() to blank them out of text."""

    def __init__(self) -> None:
        self.values: Set[str] = set()

    def add(self, value: Any) -> None:
        if isinstance(value, str) and len(value) >= MIN_SECRET_LEN:
            self.values.add(value)

    def harvest(self, data: Any, depth: int = 0) -> None:
        """Collect secret values from plain data (dicts/lists from message_to_dict or json.loads)."""
        if depth > 64:
            return
        if isinstance(data, dict):
            for key, value in data.items():
                if isinstance(key, str) and key.lower() in SECRET_FIELDS and isinstance(value, str):
                    self.add(value)
                elif isinstance(key, str) and key.endswith("_json") and isinstance(value, str):
                    try:
                        self.harvest(json.loads(value), depth + 1)
                    except ValueError:
                        pass
                else:
                    self.harvest(value, depth + 1)
        elif isinstance(data, list):
            for item in data:
                self.harvest(item, depth + 1)

    def scrub(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, "<redacted>")
        return text


# --------------------------------------------------------------------------- behaviours.py

def load_behaviours() -> Dict[str, Any]:
    """The emulator's BEHAVIOURS (key -> Behaviour), read from tests/emulator/viam_emulator/behaviours.py."""
    candidates = [Path(__file__).resolve().parents[1]]
    if os.environ.get("VIAM_REPO_ROOT"):
        candidates.append(Path(os.environ["VIAM_REPO_ROOT"]))
    for root in candidates:
        path = root / "tests" / "emulator" / "viam_emulator" / "behaviours.py"
        if path.is_file():
            name = "viam_probe_emulator_behaviours"
            spec = importlib.util.spec_from_file_location(name, str(path))
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module  # dataclasses look their module up
            spec.loader.exec_module(module)
            return dict(module.BEHAVIOURS)
    raise Refused("cannot find tests/emulator/viam_emulator/behaviours.py next to %s (run it from the repository, "
                  "e.g. make probe-cloud)" % Path(__file__).name)


# --------------------------------------------------------------------------- results

class Result:
    def __init__(self, key: str, default: str, values: List[str]) -> None:
        self.key = key
        self.default = default
        self.values = values
        self.measured: Optional[str] = None
        self.why = "not measured"
        self.detail: Dict[str, Any] = {}

    def found(self, value: str, why: str, **detail: Any) -> None:
        if value not in self.values:  # never claim a value behaviours.py does not know
            self.undetermined("%s (the probe mapped it to %r, which is not a value of this key)" % (why, value),
                              **detail)
            return
        self.measured, self.why = value, why
        self.detail.update(detail)

    def undetermined(self, why: str, **detail: Any) -> None:
        self.measured, self.why = UNDETERMINED, why
        self.detail.update(detail)

    @property
    def matches(self) -> Optional[bool]:
        if self.measured in (None, UNDETERMINED):
            return None
        return self.measured == self.default

    def to_dict(self) -> Dict[str, Any]:
        return {"key": self.key, "measured": self.measured or UNDETERMINED, "default": self.default,
                "matches": self.matches, "why": self.why, "detail": self.detail}


# --------------------------------------------------------------------------- the probe

def code_of(error: Exception) -> str:
    return getattr(error, "code", None) or "CLIENT_ERROR"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Probe:
    def __init__(self, env: Dict[str, str], behaviours: Dict[str, Any], timeout: float,
                 out: Callable[[str], None], err: Callable[[str], None]) -> None:
        from ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient
        from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
        from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError

        self.ViamClient, self.ViamError, self.message_to_dict = ViamClient, ViamError, message_to_dict
        self.app_url = env.get("VIAM_APP_URL") or DEFAULT_APP_URL
        self.org_id = env["VIAM_ORG_ID"]
        self.timeout = timeout
        self.secrets = Secrets()
        self.secrets.add(env["VIAM_API_KEY"])
        self._out, self._err = out, err
        self.fail_after = env.get(FAIL_AFTER_ENV) or ""
        self.behaviours = behaviours
        self.results = {key: Result(key, b.default, b.names()) for key, b in behaviours.items()}
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S")
        suffix = "".join(random.SystemRandom().choice(string.ascii_lowercase + string.digits) for position in range(6))
        self.prefix = "%s-%s-%s" % (PREFIX, stamp, suffix)
        self.calls = 0
        # What this run made (IDs), for cleanup.
        self.made: Dict[str, List[str]] = {"api_keys": [], "fragments": [], "machines": [], "locations": []}
        self.leftovers: List[Dict[str, str]] = []
        self.removed: Dict[str, int] = {"api_keys": 0, "fragments": 0, "machines": 0, "locations": 0}
        self.aborted: Optional[str] = None
        self.location_id = ""
        self.robot_id = ""
        self.part: Any = None  # the main part (RobotPart message) of the probe machine
        self.scoped_key_id = ""
        self.scoped_secret = ""
        self.client = self.new_client(env["VIAM_API_KEY_ID"], env["VIAM_API_KEY"])

    # -- output -----------------------------------------------------------------------

    def say(self, text: str) -> None:
        self._out(self.secrets.scrub(text))

    def warn(self, text: str) -> None:
        self._err(self.secrets.scrub(text))

    # -- calls ------------------------------------------------------------------------

    def new_client(self, key_id: str, key: str):
        # Few tries, short budget: the probe must finish quickly and make few calls.
        return self.ViamClient(app_url=self.app_url, api_key_id=key_id, api_key=key, organization_id=self.org_id,
                               timeout=self.timeout, retries=3, retry_budget=2 * self.timeout, backoff_base=0.2,
                               backoff_max=2.0)

    def rpc(self, rpc: str, client: Any = None, **fields: Any) -> Any:
        """One call through the collection's client method for ``rpc``; secrets in the answer are collected."""
        from ansible_collections.viam.cloud.plugins.module_utils.client import snake_case

        client = client or self.client
        self.calls += 1
        try:
            response = getattr(client, snake_case(rpc))(timeout=self.timeout, **fields)
        finally:
            self.secrets.add(client._token)  # the access token  # pylint: disable=protected-access
        try:
            self.secrets.harvest(self.message_to_dict(response))
        except Exception:  # pylint: disable=broad-exception-caught  # protobuf's own conversion then
            from google.protobuf import json_format

            self.secrets.harvest(json_format.MessageToDict(response, preserving_proto_field_name=True))
        return response

    def attempt(self, rpc: str, client: Any = None, **fields: Any):
        """(response, None) or (None, ViamError): for calls whose failure code is the measurement."""
        try:
            return self.rpc(rpc, client, **fields), None
        except self.ViamError as err:
            return None, err

    # -- steps ------------------------------------------------------------------------

    def run(self) -> None:
        steps = [(name, getattr(self, "step_" + name)) for name in STEP_NAMES]
        for name, step in steps:
            started = time.monotonic()
            try:
                step()
            except Exception as exc:  # pylint: disable=broad-exception-caught
                # A call that is not the measurement failed (or the probe met an answer it cannot read):
                # this step's key cannot be told; the others can, unless there is no probe location.
                what = str(exc) if isinstance(exc, self.ViamError) else "%s: %s" % (type(exc).__name__, exc)
                if name in self.results and self.results[name].measured is None:
                    self.results[name].undetermined("%s failed: %s" % (name, what))
                if name == "location":
                    self.aborted = "step location: %s" % what
                    self.warn("probe-cloud: cannot create the probe location: %s" % what)
                    break
            self.progress(name, time.monotonic() - started)
            if self.fail_after == name:
                self.aborted = "step %s: %s=%s (test-only failure injection)" % (name, FAIL_AFTER_ENV, name)
                self.warn("probe-cloud: stopping after step %s as %s asks (test only)" % (name, FAIL_AFTER_ENV))
                break
        for result in self.results.values():
            if result.measured is None:
                if self.aborted:
                    result.undetermined("not measured: the run stopped (%s)" % self.aborted)
                elif result.key not in STEP_NAMES:
                    result.undetermined("the probe has no measurement for this key (new in behaviours.py?)")
                else:
                    result.undetermined("not measured")

    def progress(self, name: str, seconds: float) -> None:
        result = self.results.get(name)
        if result is not None and result.measured is not None:
            self.warn("  %-26s %s (%.2fs)" % (name, result.measured, seconds))

    def need(self, key: str, *what: str) -> bool:
        """False (and the key undetermined) when a set-up step this measurement needs did not happen."""
        missing = [w for w in what if not getattr(self, w)]
        if missing:
            names = {"location_id": "the probe location", "robot_id": "the probe machine", "part": "its main part",
                     "scoped_key_id": "the location-scoped API key"}
            self.results[key].undetermined("needs %s, which could not be made" % ", ".join(names[m] for m in missing))
            return False
        return True

    def step_location(self) -> None:
        response = self.rpc("CreateLocation", organization_id=self.org_id, name=self.prefix)
        self.location_id = response.location.id
        self.made["locations"].append(self.location_id)
        self.warn("probe-cloud: location %s (id %s)" % (self.prefix, self.location_id))

    def step_duplicate_machine_name(self) -> None:
        result = self.results["duplicate_machine_name"]
        name = self.prefix + "-m"
        first = self.rpc("NewRobot", name=name, location=self.location_id)
        self.robot_id = first.id
        self.made["machines"].append(first.id)
        second, err = self.attempt("NewRobot", name=name, location=self.location_id)
        if err is None:
            self.made["machines"].append(second.id)
            result.found("allowed", "a second NewRobot with the same name in the same location succeeded")
        else:
            self.measure_code(result, err, {"ALREADY_EXISTS": "already_exists", "INVALID_ARGUMENT": "invalid_argument"},
                              "the second NewRobot with the same name")
        parts = self.rpc("GetRobotParts", robot_id=self.robot_id).parts
        mains = [p for p in parts if p.main_part] or list(parts)
        if mains:
            self.part = mains[0]
        else:
            self.warn("probe-cloud: the new machine %s has no part" % self.robot_id)

    def measure_code(self, result: Result, err: Exception, mapping: Dict[str, str], what: str) -> None:
        code = code_of(err)
        if code in mapping:
            result.found(mapping[code], "%s answered %s" % (what, code), code=code)
        else:
            result.undetermined("%s answered %s: %s" % (what, code, err), code=code)

    def step_unknown_id_code(self) -> None:
        result = self.results["unknown_id_code"]
        codes = {}
        for rpc in ("GetRobot", "GetRobotPart"):
            response, err = self.attempt(rpc, id=str(uuid.uuid4()))
            codes[rpc] = "OK" if err is None else code_of(err)
        distinct = set(codes.values())
        if len(distinct) == 1 and codes["GetRobot"] in result.values:
            result.found(codes["GetRobot"], "GetRobot and GetRobotPart of a random UUID answered %s" % codes["GetRobot"],
                         codes=codes)
        else:
            result.undetermined("GetRobot / GetRobotPart of a random UUID answered %s / %s"
                                % (codes["GetRobot"], codes["GetRobotPart"]), codes=codes)

    def step_part_config_cloud(self) -> None:
        result = self.results["part_config_cloud"]
        if not self.need("part_config_cloud", "part"):
            return
        response = self.rpc("GetRobotPart", id=self.part.id)
        self.part = response.part  # fresh last_updated for the next steps
        try:
            config = json.loads(response.config_json or "{}")
        except ValueError:
            result.undetermined("config_json is not JSON")
            return
        if not isinstance(config, dict):
            result.undetermined("config_json is not a JSON object")
        elif "cloud" in config:
            result.found("with_secret", "GetRobotPart's config_json has a 'cloud' section (not printed)")
        else:
            result.found("absent", "GetRobotPart's config_json has no 'cloud' section")

    def step_part_by_name_and_location(self) -> None:
        result = self.results["part_by_name_and_location"]
        if not self.need("part_by_name_and_location", "location_id", "part"):
            return
        response, err = self.attempt("GetRobotPartByNameAndLocation", name=self.part.name, location_id=self.location_id)
        if err is None:
            same = response.part.id == self.part.id
            result.found("present", "it found the probe's part by name" if same
                         else "it answered OK, with another part than the probe's (%s)" % response.part.id)
        else:
            self.measure_code(result, err, {"UNIMPLEMENTED": "unimplemented", "PERMISSION_DENIED": "permission_denied"},
                              "GetRobotPartByNameAndLocation of the probe's part")

    def step_update_conflict_code(self) -> None:
        result = self.results["update_conflict_code"]
        if not self.need("update_conflict_code", "part"):
            return
        updated = self.part.last_updated
        if not (updated.seconds or updated.nanos):
            result.undetermined("the part has no last_updated to be stale against")
            return
        stale = (datetime.datetime.fromtimestamp(updated.seconds, datetime.timezone.utc)
                 + datetime.timedelta(microseconds=updated.nanos // 1000) - datetime.timedelta(hours=1))
        response, err = self.attempt("UpdateRobotPart", id=self.part.id, name=self.part.name,
                                     robot_config={"probe": "stale-update"}, last_known_update=stale)
        if err is None:
            result.undetermined("UpdateRobotPart with last_known_update an hour before last_updated was accepted")
        else:
            self.measure_code(result, err, dict((v, v) for v in result.values),
                              "UpdateRobotPart with a stale last_known_update")

    def step_robot_config_json(self) -> None:
        result = self.results["robot_config_json"]
        if not self.need("robot_config_json", "part"):
            return
        response, err = self.attempt("UpdateRobotPart", id=self.part.id, name=self.part.name,
                                     robot_config_json=ROBOT_CONFIG_JSON)
        if err is not None:
            result.undetermined("UpdateRobotPart with robot_config_json only answered %s: %s" % (code_of(err), err),
                                code=code_of(err))
            return
        config_json = self.rpc("GetRobotPart", id=self.part.id).config_json
        try:
            config = json.loads(config_json or "{}")
        except ValueError:
            result.undetermined("config_json is not JSON")
            return
        if not isinstance(config, dict):
            result.undetermined("config_json is not a JSON object")
            return
        config.pop("cloud", None)  # part_config_cloud=with_secret: the device section is not ours
        sent = json.loads(ROBOT_CONFIG_JSON)
        z, inner = config.get("z"), config.get("a")
        n = inner.get("n") if isinstance(inner, dict) else None
        if config == sent and _is_int(z) and _is_int(n):
            order = "kept" if list(config) == list(sent) else "not kept"
            result.found("honoured", "config_json holds the config as sent, integers kept (key order %s)" % order)
        elif "z" not in config and not isinstance(inner, dict):
            result.found("ignored", "config_json does not hold the robot_config_json sent (config unchanged)")
        elif isinstance(z, float) or isinstance(n, float):
            result.found("ignored", "config_json holds the config with numbers as doubles (1.0)")
        else:
            result.undetermined("config_json holds something else than the config sent (not printed)")

    def step_mark_part_for_restart(self) -> None:
        result = self.results["mark_part_for_restart"]
        if not self.need("mark_part_for_restart", "part"):
            return
        response, err = self.attempt("MarkPartForRestart", part_id=self.part.id)
        if err is None:
            result.found("present", "MarkPartForRestart answered OK")
        else:
            self.measure_code(result, err, {"UNIMPLEMENTED": "unimplemented"}, "MarkPartForRestart")

    def step_duplicate_fragment_name(self) -> None:
        result = self.results["duplicate_fragment_name"]
        name = self.prefix + "-fragment"
        first = self.rpc("CreateFragment", organization_id=self.org_id, name=name, config={})
        self.made["fragments"].append(first.fragment.id)
        second, err = self.attempt("CreateFragment", organization_id=self.org_id, name=name, config={})
        if err is None:
            self.made["fragments"].append(second.fragment.id)
            result.found("allowed", "a second CreateFragment with the same name succeeded")
        else:
            self.measure_code(result, err, {"ALREADY_EXISTS": "already_exists", "INVALID_ARGUMENT": "invalid_argument"},
                              "the second CreateFragment with the same name")

    def step_public_fragments(self) -> None:
        result = self.results["public_fragments"]
        fragments = self.rpc("ListFragments", organization_id=self.org_id, show_public=True).fragments
        others = sum(1 for f in fragments if f.organization_owner != self.org_id)
        if others == 0:
            result.found("none", "ListFragments(show_public=true) returned no fragment of another organization",
                         count=0)
        else:
            result.found("thousands", "ListFragments(show_public=true) returned %d fragments of other organizations"
                         % others, count=others)

    def step_list_robots_for_org(self) -> None:
        from ansible_collections.viam.cloud.plugins.module_utils.authorizations import build

        result = self.results["list_robots_for_org"]
        response, err = self.attempt("ListRobotsForOrg", org_id=self.org_id)
        org_code = "OK" if err is None else code_of(err)
        # The location-scoped key (also the key of the rotate_key step).
        if self.location_id:
            made, key_err = self.attempt("CreateKey", name=self.prefix + "-key", authorizations=[
                build("owner", "location", self.location_id, organization_id=self.org_id, identity_type="api-key")])
            if key_err is None:
                self.scoped_key_id, self.scoped_secret = made.id, made.key
                self.made["api_keys"].append(made.id)
            else:
                self.warn("probe-cloud: CreateKey of a location-scoped key failed: %s" % key_err)
        if org_code == "UNIMPLEMENTED":
            result.found("unimplemented", "ListRobotsForOrg with the organization key answered UNIMPLEMENTED",
                         codes={"organization_key": org_code})
            return
        if org_code != "OK":
            result.undetermined("ListRobotsForOrg with the organization key answered %s: %s (is VIAM_API_KEY an owner "
                                "key of the organization?)" % (org_code, err), codes={"organization_key": org_code})
            return
        if not self.need("list_robots_for_org", "scoped_key_id"):
            return
        scoped = self.new_client(self.scoped_key_id, self.scoped_secret)
        try:
            scoped_err = None
            for attempt in range(3):  # a new key may take a moment to be usable on a real service
                response, scoped_err = self.attempt("ListRobotsForOrg", scoped, org_id=self.org_id)
                if scoped_err is None or code_of(scoped_err) != "UNAUTHENTICATED":
                    break
                time.sleep(1.0 + attempt)
        finally:
            scoped.close()
        scoped_code = "OK" if scoped_err is None else code_of(scoped_err)
        codes = {"organization_key": org_code, "location_key": scoped_code}
        if scoped_code == "OK":
            result.found("present", "ListRobotsForOrg answered OK to the organization key and to a location-scoped key",
                         codes=codes)
        elif scoped_code == "PERMISSION_DENIED":
            result.found("permission_denied_below_org", "ListRobotsForOrg answered OK to the organization key and "
                         "PERMISSION_DENIED to a location-scoped key", codes=codes)
        else:
            result.undetermined("ListRobotsForOrg with a location-scoped key answered %s: %s" % (scoped_code, scoped_err),
                                codes=codes)

    def step_rotate_key(self) -> None:
        result = self.results["rotate_key"]
        if not self.need("rotate_key", "scoped_key_id"):
            return
        original = self.scoped_key_id
        rotated = self.rpc("RotateKey", id=original)
        if rotated.id and rotated.id != original:
            self.made["api_keys"].append(rotated.id)
        if not rotated.id:
            result.undetermined("RotateKey answered no id")
            return
        if rotated.id == original:
            result.found("same_id", "RotateKey kept the key's ID")
            return
        listed = self.rpc("ListKeys", org_id=self.org_id).api_keys
        ids = set(entry.api_key.id for entry in listed)
        if original in ids:
            result.found("new_id_keep_old", "RotateKey answered a new ID; ListKeys still lists the old key",
                         new_listed=rotated.id in ids)
        else:
            result.undetermined("RotateKey answered a new ID and the old key is gone from ListKeys (a value "
                                "behaviours.py does not have)")

    # -- cleanup ----------------------------------------------------------------------

    def cleanup(self) -> None:
        """Remove everything this run made; continue past errors; leftovers get their IDs reported."""
        failures: Dict[tuple, str] = {}

        def remove(kind: str, rpc: str, ident: str, **fields: Any) -> None:
            try:
                self.rpc(rpc, **fields)
                self.removed[kind] += 1
                failures.pop((kind, ident), None)
            except self.ViamError as err:
                failures[(kind, ident)] = "%s: %s" % (rpc, err)

        # API keys, including any this run made that the service named with our prefix but we lost the ID of.
        keys = list(dict.fromkeys(self.made["api_keys"]))
        listed_keys = self.list_ids("ListKeys", failures)
        keys += [i for i, name in listed_keys.items() if name.startswith(self.prefix) and i not in keys]
        for key_id in keys:
            remove("api_keys", "DeleteKey", key_id, id=key_id)
        fragments = list(dict.fromkeys(self.made["fragments"]))
        listed_fragments = self.list_ids("ListFragments", failures)
        fragments += [i for i, name in listed_fragments.items() if name.startswith(self.prefix) and i not in fragments]
        for fragment_id in fragments:
            remove("fragments", "DeleteFragment", fragment_id, id=fragment_id)
        locations = list(dict.fromkeys(self.made["locations"]))
        listed_locations = self.list_ids("ListLocations", failures)
        locations += [i for i, name in listed_locations.items() if name.startswith(self.prefix) and i not in locations]
        machines = list(dict.fromkeys(self.made["machines"]))
        for location_id in locations:
            try:
                robots = self.rpc("ListRobots", location_id=location_id).robots
                machines += [r.id for r in robots if r.id not in machines]
            except self.ViamError as err:
                failures[("locations", location_id)] = "ListRobots: %s" % err
        for robot_id in machines:
            remove("machines", "DeleteRobot", robot_id, id=robot_id)
        for location_id in locations:
            remove("locations", "DeleteLocation", location_id, location_id=location_id)
        # What is still there: list again (a failed delete of something already gone is not a leftover).
        self.verify(failures, keys, fragments, machines, locations)

    def list_ids(self, rpc: str, failures: Dict[tuple, str]) -> Dict[str, str]:
        """{id: name} of the organization's API keys, own fragments or locations; {} if the listing fails."""
        try:
            if rpc == "ListKeys":
                return dict((e.api_key.id, e.api_key.name) for e in self.rpc(rpc, org_id=self.org_id).api_keys)
            if rpc == "ListFragments":
                # The probe's fragments are private; asking for PUBLIC ones would bring every public fragment.
                response = self.rpc(rpc, organization_id=self.org_id, show_public=False,
                                    fragment_visibility=["FRAGMENT_VISIBILITY_PRIVATE",
                                                         "FRAGMENT_VISIBILITY_PUBLIC_UNLISTED"])
                return dict((f.id, f.name) for f in response.fragments if f.organization_owner == self.org_id)
            return dict((loc.id, loc.name) for loc in self.rpc(rpc, organization_id=self.org_id).locations)
        except self.ViamError as err:
            failures[("listing", rpc)] = "%s: %s" % (rpc, err)
            return {}

    def verify(self, failures: Dict[tuple, str], keys: List[str], fragments: List[str], machines: List[str],
               locations: List[str]) -> None:
        listed: Dict[str, Optional[Dict[str, str]]] = {}
        for kind, rpc in (("api_keys", "ListKeys"), ("fragments", "ListFragments"), ("locations", "ListLocations")):
            problems: Dict[tuple, str] = {}
            found = self.list_ids(rpc, problems)
            listed[kind] = None if problems else found
            failures.update(problems)
        tried = {"api_keys": keys, "fragments": fragments, "locations": locations}
        for kind, idents in tried.items():
            still = listed[kind]
            for ident in idents:
                if still is None:  # cannot check: whatever failed to delete counts as left behind
                    if (kind, ident) in failures:
                        self.leftover(kind, ident, failures[(kind, ident)] + " (and listing them again failed)")
                elif ident in still:
                    self.leftover(kind, ident, failures.get((kind, ident), "still listed after its delete succeeded"))
            for ident, name in (still or {}).items():  # made by a call whose answer was lost
                if name.startswith(self.prefix) and ident not in idents:
                    self.leftover(kind, ident, "named %s, still listed" % name)
        # A machine cannot outlive its location: one whose delete failed is left only if a location is.
        locations_gone = listed["locations"] is not None and not any(i in listed["locations"] for i in locations)
        for robot_id in machines:
            if ("machines", robot_id) in failures and not locations_gone:
                self.leftover("machines", robot_id, failures[("machines", robot_id)])
        for (kind, ident), why in failures.items():
            if kind == "listing":
                self.warn("probe-cloud: cleanup could not list: %s" % why)

    def leftover(self, kind: str, ident: str, why: str) -> None:
        if any(item["id"] == ident and item["kind"] == kind for item in self.leftovers):
            return
        self.leftovers.append({"kind": kind, "id": ident, "why": self.secrets.scrub(why)})


# --------------------------------------------------------------------------- main

def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="probe_cloud.py",
        description="Measure the Viam app's behaviours (tests/emulator/viam_emulator/behaviours.py) against the "
                    "service at VIAM_APP_URL, inside a location it creates and removes. Needs CONFIRM=yes.")
    parser.add_argument("--json", metavar="FILE",
                        help="write the results as JSON to FILE (a relative path is taken from VIAM_REPO_ROOT when "
                             "set, as under make probe-cloud, else from the current directory)")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per call (default 15)")
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    return args


def json_path(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.is_absolute() and os.environ.get("VIAM_REPO_ROOT"):
        path = Path(os.environ["VIAM_REPO_ROOT"]) / path
    return path


def preflight(env: Dict[str, str]) -> None:
    """Refused (exit 2, no call made) unless CONFIRM=yes and the variables are set."""
    org = env.get("VIAM_ORG_ID") or "$VIAM_ORG_ID"
    url = env.get("VIAM_APP_URL") or DEFAULT_APP_URL
    if env.get("CONFIRM") != "yes":
        raise Refused("refusing to run without CONFIRM=yes: it would create in organization %s at %s one location "
                      "%s-<utc time>-<random> holding 1-2 machines (with their parts), 1-2 fragments and 1-2 API "
                      "keys, and delete them all when done" % (org, url, PREFIX))
    missing = [name for name in ("VIAM_API_KEY_ID", "VIAM_API_KEY", "VIAM_ORG_ID") if not env.get(name)]
    if missing:
        raise Refused("missing environment variable%s %s" % ("s" if len(missing) > 1 else "", ", ".join(missing)))
    fail_after = env.get(FAIL_AFTER_ENV)
    if fail_after and fail_after not in STEP_NAMES:
        raise Refused("%s=%s is not a step (%s)" % (FAIL_AFTER_ENV, fail_after, ", ".join(STEP_NAMES)))


def exit_code(probe: Probe) -> int:
    results = probe.results.values()
    if probe.aborted or probe.leftovers:
        return EXIT_INCOMPLETE
    if any(r.matches is False for r in results):
        return EXIT_DIFFERS
    if any(r.matches is None for r in results):
        return EXIT_INCOMPLETE
    return EXIT_OK


def report(probe: Probe, seconds: float, code: int) -> Dict[str, Any]:
    probe.say("")
    probe.say("%-26s  %-28s  %-20s  %s" % ("KEY", "MEASURED", "EMULATOR DEFAULT", ""))
    for key in sorted(probe.results):
        result = probe.results[key]
        verdict = {True: "match", False: "DIFFERS", None: "?"}[result.matches]
        probe.say("%-26s  %-28s  %-20s  %s" % (key, result.measured, result.default, verdict))
        probe.say("    %s" % result.why)
    words = {"api_keys": ("API key", "API keys"), "fragments": ("fragment", "fragments"),
             "machines": ("machine", "machines"), "locations": ("location", "locations")}
    removed = ", ".join("%d %s" % (n, words[kind][n != 1]) for kind, n in probe.removed.items() if n)
    probe.say("")
    probe.say("cleanup: removed %s" % (removed or "nothing"))
    for item in probe.leftovers:
        word = words.get(item["kind"], (item["kind"],))[0]
        probe.warn("probe-cloud: LEFT BEHIND: %s %s: %s" % (word, item["id"], item["why"]))
    differing = sorted(k for k, r in probe.results.items() if r.matches is False)
    unknown = sorted(k for k, r in probe.results.items() if r.matches is None)
    summary = "%d keys: %d match the emulator's defaults, %d differ%s, %d undetermined%s; %d calls in %.1fs; exit %d" % (
        len(probe.results), sum(1 for r in probe.results.values() if r.matches), len(differing),
        " (%s)" % ", ".join(differing) if differing else "", len(unknown),
        " (%s)" % ", ".join(unknown) if unknown else "", probe.calls, seconds, code)
    probe.say(summary)
    return {
        "app_url": probe.app_url, "organization_id": probe.org_id, "prefix": probe.prefix,
        "location_id": probe.location_id, "exit_code": code, "seconds": round(seconds, 3), "calls": probe.calls,
        "aborted": probe.aborted, "results": dict((k, probe.results[k].to_dict()) for k in sorted(probe.results)),
        "differs": differing, "undetermined": unknown, "removed": probe.removed, "leftovers": probe.leftovers,
    }


def print_out(text: str) -> None:
    print(text, flush=True)


def print_err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: Optional[List[str]] = None) -> int:
    try:
        args = parse_args(argv)
        env = dict(os.environ)
        preflight(env)
        behaviours = load_behaviours()
        try:
            probe = Probe(env, behaviours, args.timeout, print_out, print_err)
        except ImportError as exc:
            raise Refused("cannot import the collection (%s): run it with make probe-cloud, or with "
                          "ansible_collections.viam.cloud on PYTHONPATH" % exc) from exc
    except Refused as exc:
        secret = os.environ.get("VIAM_API_KEY") or ""
        text = str(exc)
        print_err("probe-cloud: %s" % (text.replace(secret, "<redacted>") if len(secret) >= MIN_SECRET_LEN else text))
        return EXIT_REFUSED
    except Exception as exc:  # the client refuses the URL (plaintext to another host, bad URL...)
        print_err("probe-cloud: %s" % _env_secrets().scrub(str(exc)))
        return EXIT_REFUSED
    started = time.monotonic()
    signal.signal(signal.SIGTERM, _terminated)  # killed (make interrupted, CI timeout): clean up first
    probe.warn("probe-cloud: %s, organization %s, prefix %s" % (probe.app_url, probe.org_id, probe.prefix))
    try:
        try:
            probe.run()
        except BaseException as exc:  # noqa: B902 - anything (even ^C): clean up, then report
            probe.aborted = probe.aborted or "%s: %s" % (type(exc).__name__, exc)
            probe.warn("probe-cloud: stopped: %s" % probe.secrets.scrub(probe.aborted))
            for result in probe.results.values():
                if result.measured is None:
                    result.undetermined("not measured: the run stopped (%s)" % probe.aborted)
        finally:
            try:
                probe.cleanup()
            except BaseException as exc:  # noqa: B902
                probe.leftover("cleanup", "-", "cleanup stopped: %s: %s; made: %s"
                               % (type(exc).__name__, exc, json.dumps(probe.made)))
            probe.client.close()
        seconds = time.monotonic() - started
        code = exit_code(probe)
        data = report(probe, seconds, code)
        if args.json:
            path = json_path(args.json)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(probe.secrets.scrub(json.dumps(data, indent=2, sort_keys=True)) + "\n", encoding="utf-8")
            probe.warn("probe-cloud: results in %s" % path)
        return code
    except BaseException as exc:  # noqa: B902 - never let a traceback (with a secret in it) out
        probe.warn("probe-cloud: %s: %s" % (type(exc).__name__, exc))
        return EXIT_INCOMPLETE


def _terminated(signum: int, frame: Any) -> None:
    raise SystemExit("terminated by signal %d" % signum)


def _env_secrets() -> Secrets:
    secrets = Secrets()
    secrets.add(os.environ.get("VIAM_API_KEY"))
    return secrets


if __name__ == "__main__":
    sys.exit(main())
