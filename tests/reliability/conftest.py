# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared fixtures of tests/reliability: emulators with injected faults, real ansible-playbook runs.

- ``emulator_factory(*options)`` starts tests/emulator/viam-app-emulator --port 0 with the
  given options (and a call log) through tests/emulator/launcher.py, and stops it at teardown.
- ``run_playbook(path_or_text, emulator, ...)`` runs ansible-playbook against it and returns a
  PlayRun: every task result as recorded by callback_plugins/reliability_events.py.
- ``fleet_state(client, org)`` counts what exists, through the API, by name.

Run with: hack/pytest.sh LEG .venv tests/reliability  (the build copy puts the collection on
PYTHONPATH and ANSIBLE_COLLECTIONS_PATH).
"""
from __future__ import annotations

import collections
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
EMULATOR = ROOT / "tests" / "emulator" / "viam-app-emulator"
if str(EMULATOR.parent) not in sys.path:
    sys.path.insert(0, str(EMULATOR.parent))
# tests/emulator/launcher.py starts and stops every emulator
import launcher  # noqa: E402  pylint: disable=wrong-import-position
PLAYBOOKS = HERE / "playbooks"
CALLBACKS = HERE / "callback_plugins"
START_TIMEOUT = 60.0
# Options every emulator of the suite starts with, before a test's own (which win): `make reliability
# EMULATOR_ARGS='--behaviours pessimistic'` runs the whole suite as app.viam.com may behave at worst
# (docs/api-assumptions.md §7).
SUITE_EMULATOR_ARGS = shlex.split(os.environ.get("EMULATOR_ARGS", ""))
PLAY_TIMEOUT = 240.0


class Emulator(launcher.Emulator):
    """A running emulator (tests/emulator/launcher.py): its ready line, its call log, and helpers to reach it."""

    def client(self, api_key_id: Optional[str] = None, api_key: Optional[str] = None, **options: Any):
        """The collection's own ViamClient, as the owner key unless another key is given."""
        from ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient

        options.setdefault("organization_id", self.organization_id)
        if self.tls_cert and "ca_path" not in options and "validate_certs" not in options:
            options["ca_path"] = self.tls_cert
        return ViamClient(app_url=self.app_url, api_key_id=api_key_id or self.api_key_id,
                          api_key=api_key or self.api_key, **options)


def start_emulator(workdir: Path, *options: str) -> Emulator:
    """Start one emulator (own process group, call log, SUITE_EMULATOR_ARGS then ``options``), wait for its JSON line."""
    try:
        emulator = launcher.start(*(SUITE_EMULATOR_ARGS + list(options)), workdir=workdir,
                                  call_log=workdir / "calls.jsonl", timeout=START_TIMEOUT, cls=Emulator)
    except launcher.EmulatorError as err:
        raise RuntimeError("the emulator did not start: %s" % err) from err
    emulator.call_log, emulator.stderr = Path(emulator.call_log), Path(emulator.stderr_path)
    return emulator


@pytest.fixture
def emulator_factory(tmp_path: Path) -> Iterator[Callable[..., Emulator]]:
    """emulator_factory("--fail-rate", "0.3") -> a running Emulator, stopped at teardown."""
    started: List[Emulator] = []

    def factory(*options: str) -> Emulator:
        emulator = start_emulator(tmp_path / ("emulator-%d" % len(started)), *options)
        started.append(emulator)
        return emulator

    yield factory
    for emulator in started:
        emulator.stop()


class PlayRun:
    """The outcome of one ansible-playbook run."""

    def __init__(self, returncode: int, stdout: str, stderr: str, events: List[Dict[str, Any]]) -> None:
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.events = events
        self.stats: Dict[str, Dict[str, int]] = {}
        for event in events:
            if event.get("status") == "stats":
                self.stats = event["hosts"]
        self.results = [e for e in events if e.get("status") not in ("stats", "item_ok", "item_failed")]
        self.item_events = [e for e in events if e.get("status") in ("item_ok", "item_failed")]

    def task(self, name: str) -> List[Dict[str, Any]]:
        """The results of the task called ``name`` (one per host)."""
        return [e for e in self.results if e["task"] == name]

    @property
    def failed(self) -> List[Dict[str, Any]]:
        return [e for e in self.results if e["status"] in ("failed", "unreachable")]

    def total(self, key: str) -> int:
        """Sum of one recap column (ok, changed, failures, unreachable...) over the hosts."""
        return sum(host.get(key, 0) for host in self.stats.values())

    def items(self) -> List[Dict[str, Any]]:
        """Every module run: the items of looped tasks, and the task itself otherwise."""
        looped = set((e["task"], e["host"]) for e in self.item_events)
        return self.item_events + [e for e in self.results if (e["task"], e["host"]) not in looped]

    def explain(self) -> str:
        """What went wrong, for assertion messages (no secrets: results are filtered by the callback)."""
        lines = ["rc=%s stats=%s" % (self.returncode, self.stats)]
        for event in self.failed:
            lines.append("FAILED %s on %s: %s" % (event["task"], event["host"], event.get("msg")))
        for event in self.item_events:
            if event["status"] == "item_failed":
                lines.append("    FAILED item of %s on %s: %s" % (event["task"], event["host"], event.get("msg")))
        if self.returncode and not self.failed:
            lines.append(self.stderr[-3000:])
        return "\n".join(lines)


def write_inventory(path: Path, hosts: Dict[str, Dict[str, Any]]) -> Path:
    """An inventory of local hosts (name -> host vars) that run modules with this Python (which has grpcio)."""
    data = {"all": {"hosts": hosts,
                    "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}
    path.write_text(json.dumps(data))
    return path


def run_playbook(playbook: Any, emulator: Optional[Emulator] = None, workdir: Optional[Path] = None,
                 inventory: Optional[Path] = None, forks: int = 5, extra_vars: Optional[Dict[str, Any]] = None,
                 env: Optional[Dict[str, str]] = None, args: Sequence[str] = ()) -> PlayRun:
    """ansible-playbook PLAYBOOK (a path, or YAML text) with the emulator's VIAM_* variables."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix="viam-reliability-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if isinstance(playbook, Path):
        path = playbook
    else:
        path = workdir / ("play-%d.yml" % len(list(workdir.glob("play-*.yml"))))
        path.write_text(playbook)
    events_path = workdir / ("events-%d.jsonl" % len(list(workdir.glob("events-*.jsonl"))))
    run_env = dict(os.environ)
    for name in list(run_env):
        if name.startswith("VIAM_") and name != "VIAM_REPO_ROOT":
            del run_env[name]
    if emulator is not None:
        run_env.update(emulator.env())
    run_env.update(
        ANSIBLE_CALLBACK_PLUGINS=str(CALLBACKS),
        ANSIBLE_CALLBACKS_ENABLED="reliability_events",
        RELIABILITY_EVENTS=str(events_path),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_FORKS=str(forks),
        ANSIBLE_LOCAL_TEMP=str(workdir / "ansible-tmp"),
    )
    run_env.update(env or {})
    command = ["ansible-playbook", str(path)]
    if inventory is not None:
        command += ["-i", str(inventory)]
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    command += list(args)
    done = subprocess.run(command, env=run_env, cwd=str(workdir), capture_output=True, text=True,
                          timeout=PLAY_TIMEOUT, check=False)
    events = []
    if events_path.exists():
        events = [json.loads(line) for line in events_path.read_text().splitlines() if line.strip()]
    return PlayRun(done.returncode, done.stdout, done.stderr, events)


def fleet_state(client: Any, organization_id: str) -> Dict[str, collections.Counter]:
    """How many of each name exist, through the API: locations, machines, parts, fragments, API keys."""
    state: Dict[str, collections.Counter] = dict(locations=collections.Counter(), machines=collections.Counter(),
                                                 parts=collections.Counter(), fragments=collections.Counter(),
                                                 keys=collections.Counter())
    for location in client.list_locations(organization_id=organization_id).locations:
        state["locations"][location.name] += 1
        for robot in client.list_robots(location_id=location.id).robots:
            state["machines"]["%s/%s" % (location.name, robot.name)] += 1
            for part in client.get_robot_parts(robot_id=robot.id).parts:
                state["parts"]["%s/%s/%s" % (location.name, robot.name, part.name)] += 1
    from ansible_collections.viam.cloud.plugins.module_utils.services.fragments import FragmentService

    for fragment in FragmentService(client, organization_id).list_owned():
        state["fragments"][fragment.name] += 1
    for entry in client.list_keys(org_id=organization_id).api_keys:
        state["keys"][entry.api_key.name] += 1
    return state


def duplicates(state: Dict[str, collections.Counter]) -> Dict[str, Dict[str, int]]:
    """Every name that exists more than once, by kind (empty when there is none)."""
    return dict((kind, dict((name, n) for name, n in names.items() if n > 1))
                for kind, names in state.items() if any(n > 1 for n in names.values()))


def injected(emulator: Emulator) -> Dict[str, int]:
    """Faults the emulator injected, by kind ("fail", "lose"), from its call log."""
    counts = collections.Counter(call["injected"] for call in emulator.calls() if call.get("injected"))
    return dict(counts)


@pytest.fixture
def playbook_runner(tmp_path: Path) -> Callable[..., PlayRun]:
    """run_playbook with a per-test working directory."""
    counter = {"n": 0}

    def runner(playbook: Any, emulator: Optional[Emulator] = None, **kwargs: Any) -> PlayRun:
        counter["n"] += 1
        kwargs.setdefault("workdir", tmp_path / ("run-%d" % counter["n"]))
        return run_playbook(playbook, emulator, **kwargs)

    return runner


def report(name: str, **figures: Any) -> None:
    """Print one line of figures (shown with pytest -s, and collected for docs/reliability.md)."""
    print("RELIABILITY %s %s" % (name, json.dumps(figures, sort_keys=True)))
