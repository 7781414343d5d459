# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hack/probe_cloud.py (make probe-cloud) against the emulator under every behaviour value.

The probe measures, against a live service, which value of each key of
tests/emulator/viam_emulator/behaviours.py the service has. Here the service is the emulator,
started with known values, so the probe must name exactly those:

- one run with every key at its default (exit 0), then runs that give every key its 1st, 2nd, 3rd...
  non-default value at once (exit 1), until every value of every key has been configured once;
- after each run the organization holds what it held before (locations, machines, parts,
  fragments, API keys), and no secret the emulator issued (its --secrets-log) is in the probe's
  output or its --json file;
- without CONFIRM=yes (or without VIAM_ORG_ID) it exits 2 and makes no call;
- a run that stops midway (VIAM_PROBE_FAIL_AFTER, test-only) or cannot even start (a key that owns
  one location only) exits 3 and leaves nothing behind.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from conftest import ROOT, fleet_state, report

PROBE = ROOT / "hack" / "probe_cloud.py"
PROBE_TIMEOUT = 120.0


def _load_behaviours():
    path = ROOT / "tests" / "emulator" / "viam_emulator" / "behaviours.py"
    name = "probe_test_behaviours"
    spec = importlib.util.spec_from_file_location(name, str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module.BEHAVIOURS


BEHAVIOURS = _load_behaviours()


def _runs() -> List[Tuple[str, Dict[str, str]]]:
    """(label, {key: value}): all defaults, then run i gives every key its i-th non-default value."""
    alternates = dict((key, [v for v in b.names() if v != b.default]) for key, b in BEHAVIOURS.items())
    runs = [("defaults", {})]
    for index in range(max(len(values) for values in alternates.values())):
        runs.append(("alternates-%d" % (index + 1),
                     dict((key, values[index]) for key, values in alternates.items() if index < len(values))))
    return runs


RUNS = _runs()


def test_the_runs_cover_every_value_of_every_key():
    covered = set((key, b.default) for key, b in BEHAVIOURS.items())
    for _label, chosen in RUNS:
        covered.update(chosen.items())
    assert covered == set((key, value) for key, b in BEHAVIOURS.items() for value in b.names())


def run_probe(emulator, tmp_path: Path, label: str, env: Dict[str, str] = None, confirm: str = "yes",
              drop: Tuple[str, ...] = ()):
    """The probe as a subprocess with the emulator's VIAM_* variables: (CompletedProcess, json or None, json text)."""
    run_env = dict((k, v) for k, v in os.environ.items()
                   if not (k.startswith("VIAM_") and k != "VIAM_REPO_ROOT") and k != "CONFIRM")
    run_env.update(emulator.env())
    if confirm is not None:
        run_env["CONFIRM"] = confirm
    run_env.update(env or {})
    for name in drop:
        run_env.pop(name, None)
    out = tmp_path / ("probe-%s.json" % label)
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(PROBE), "--json", str(out)], env=run_env, capture_output=True,
                          text=True, timeout=PROBE_TIMEOUT, check=False)
    done.seconds = time.monotonic() - started
    text = out.read_text() if out.exists() else ""
    return done, (json.loads(text) if text else None), text


def emulator_secrets(path: Path) -> List[str]:
    if not path.exists():
        return []
    return [json.loads(line)["secret"] for line in path.read_text().splitlines() if line.strip()]


def assert_no_secret(secrets_log: Path, *texts: str) -> int:
    secrets = emulator_secrets(secrets_log)
    assert secrets, "the emulator recorded no secret: is --secrets-log working?"
    leaked = [i for i, secret in enumerate(secrets) if any(secret in text for text in texts)]
    # Never print the secret itself: its position in the log is enough to find it.
    assert not leaked, "the probe's output holds %d secrets the emulator issued (lines %s of its secrets log)" % (
        len(leaked), leaked)
    return len(secrets)


def explain(done) -> str:
    return "rc=%s\n--- stdout\n%s\n--- stderr\n%s" % (done.returncode, done.stdout[-4000:], done.stderr[-4000:])


@pytest.mark.parametrize("label,chosen", RUNS, ids=[run[0] for run in RUNS])
def test_probe_names_every_configured_value(emulator_factory, tmp_path, label, chosen):
    secrets_log = tmp_path / "secrets.jsonl"
    # --behaviours default first: each run names its values exactly, whatever EMULATOR_ARGS the suite runs under.
    options = ["--behaviours", "default", "--secrets-log", str(secrets_log)]
    for key, value in sorted(chosen.items()):
        options += ["--behaviour", "%s=%s" % (key, value)]
    emulator = emulator_factory(*options)
    configured = emulator.info["behaviours"]
    assert configured == dict((key, chosen.get(key, b.default)) for key, b in BEHAVIOURS.items())
    with emulator.client() as client:
        before = fleet_state(client, emulator.organization_id)

    done, data, text = run_probe(emulator, tmp_path, label)

    assert data is not None, explain(done)
    measured = dict((key, result["measured"]) for key, result in data["results"].items())
    wrong = dict((key, {"configured": value, "measured": measured.get(key),
                        "why": data["results"].get(key, {}).get("why")})
                 for key, value in configured.items() if measured.get(key) != value)
    assert not wrong, "the probe named other values than the emulator's:\n%s\n%s" % (
        json.dumps(wrong, indent=2), explain(done))
    differs = sorted(key for key, value in configured.items() if value != BEHAVIOURS[key].default)
    assert sorted(data["differs"]) == differs
    assert done.returncode == (1 if differs else 0), explain(done)
    for key in configured:  # the table names each key with its value and the default
        assert any(line.split()[:3] == [key, configured[key], BEHAVIOURS[key].default]
                   for line in done.stdout.splitlines() if line.strip()), (key, done.stdout)
    assert data["leftovers"] == [] and data["aborted"] is None, explain(done)
    with emulator.client() as client:
        after = fleet_state(client, emulator.organization_id)
    assert after == before, "the probe left something behind:\nbefore %s\nafter %s" % (before, after)
    checked = assert_no_secret(secrets_log, done.stdout, done.stderr, text)
    assert done.seconds < 30, "the probe took %.1fs against the emulator" % done.seconds
    report("probe_cloud_%s" % label.replace("-", "_"), seconds=round(done.seconds, 2), calls=data["calls"],
           keys=len(configured), differ=len(differs), secrets_checked=checked)


@pytest.mark.parametrize("confirm,drop", [(None, ()), ("no", ()), ("yes", ("VIAM_ORG_ID",))],
                         ids=["no-confirm", "confirm-no", "no-org"])
def test_probe_refuses_without_confirm_or_variables_and_makes_no_call(emulator_factory, tmp_path, confirm, drop):
    emulator = emulator_factory("--behaviours", "default")  # counts below assume the defaults
    done, data, _text = run_probe(emulator, tmp_path, "refused", confirm=confirm, drop=drop)
    assert done.returncode == 2, explain(done)
    assert data is None
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("probe-cloud: "), explain(done)
    if confirm != "yes":
        assert "CONFIRM=yes" in lines[0] and "location" in lines[0] and "delete" in lines[0], lines[0]
    else:
        assert "VIAM_ORG_ID" in lines[0], lines[0]
    assert emulator.api_key not in done.stdout + done.stderr
    assert emulator.calls() == [], "the probe called the emulator: %s" % emulator.calls()


@pytest.mark.parametrize("step", ["duplicate_machine_name", "list_robots_for_org", "rotate_key"])
def test_probe_stopped_midway_still_removes_everything(emulator_factory, tmp_path, step):
    """VIAM_PROBE_FAIL_AFTER (test-only) stops the run after a step; cleanup removes what it made."""
    secrets_log = tmp_path / "secrets.jsonl"
    emulator = emulator_factory("--behaviours", "default", "--secrets-log", str(secrets_log))
    with emulator.client() as client:
        before = fleet_state(client, emulator.organization_id)
    done, data, text = run_probe(emulator, tmp_path, "fail-" + step, env={"VIAM_PROBE_FAIL_AFTER": step})
    assert done.returncode == 3, explain(done)
    assert data is not None and data["aborted"] and step in data["aborted"], explain(done)
    assert data["results"]["rotate_key"]["measured"] == ("same_id" if step == "rotate_key" else "undetermined")
    assert data["removed"]["locations"] == 1 and data["removed"]["machines"] >= 1, data["removed"]
    if step != "duplicate_machine_name":
        assert data["removed"]["fragments"] >= 1 and data["removed"]["api_keys"] >= 1, data["removed"]
    assert data["leftovers"] == [], explain(done)
    with emulator.client() as client:
        after = fleet_state(client, emulator.organization_id)
    assert after == before, "the probe left something behind:\nbefore %s\nafter %s" % (before, after)
    assert_no_secret(secrets_log, done.stdout, done.stderr, text)


def test_probe_with_a_key_that_owns_one_location_fails_cleanly(emulator_factory, tmp_path):
    """A realistic failure: the key is not an organization owner, so the probe cannot make its location."""
    from ansible_collections.viam.cloud.plugins.module_utils.authorizations import build

    secrets_log = tmp_path / "secrets.jsonl"
    emulator = emulator_factory("--behaviours", "default", "--secrets-log", str(secrets_log))
    org = emulator.organization_id
    with emulator.client() as client:
        site = client.create_location(organization_id=org, name="site").location.id
        made = client.create_key(name="site-owner", authorizations=[
            build("owner", "location", site, organization_id=org, identity_type="api-key")])
        before = fleet_state(client, org)
    done, data, text = run_probe(emulator, tmp_path, "scoped",
                                 env={"VIAM_API_KEY_ID": made.id, "VIAM_API_KEY": made.key})
    assert done.returncode == 3, explain(done)
    assert data["aborted"] and "location" in data["aborted"], data["aborted"]
    assert "PERMISSION_DENIED" in done.stderr, explain(done)
    assert set(r["measured"] for r in data["results"].values()) == {"undetermined"}
    assert data["leftovers"] == []
    with emulator.client() as client:
        assert fleet_state(client, org) == before
    assert_no_secret(secrets_log, done.stdout, done.stderr, text)


def _probe_module():
    name = "probe_cloud_under_test"
    spec = importlib.util.spec_from_file_location(name, str(PROBE))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_cleanup_goes_on_past_a_failed_delete_and_reports_it_with_its_id(emulator_factory, tmp_path):
    """In process: DeleteFragment fails; the rest is removed, and the fragment is reported, exit 3."""
    from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError

    probe_cloud = _probe_module()
    emulator = emulator_factory("--behaviours", "default")  # counts below assume the defaults
    with emulator.client() as client:
        before = fleet_state(client, emulator.organization_id)
    lines: List[str] = []
    probe = probe_cloud.Probe(dict(emulator.env(), CONFIRM="yes"), probe_cloud.load_behaviours(), 10.0,
                              lines.append, lines.append)
    real_rpc = probe.rpc

    def failing_rpc(rpc, client=None, **fields):
        if rpc == "DeleteFragment":
            raise ViamError(code="INTERNAL", rpc=rpc, details="injected by the test")
        return real_rpc(rpc, client, **fields)

    probe.rpc = failing_rpc
    try:
        probe.run()
    finally:
        probe.cleanup()
    data = probe_cloud.report(probe, 0.0, probe_cloud.exit_code(probe))
    fragments = probe.made["fragments"]
    assert fragments and data["exit_code"] == 3
    assert [(item["kind"], item["id"]) for item in data["leftovers"]] == [("fragments", f) for f in fragments]
    assert "DeleteFragment" in data["leftovers"][0]["why"]
    for fragment_id in fragments:
        assert any("LEFT BEHIND: fragment %s" % fragment_id in line for line in lines), lines
    assert data["removed"]["locations"] == 1 and data["removed"]["api_keys"] == 1 and data["removed"]["machines"] == 1
    with emulator.client() as client:
        for fragment_id in fragments:
            client.delete_fragment(id=fragment_id)
        assert fleet_state(client, emulator.organization_id) == before
