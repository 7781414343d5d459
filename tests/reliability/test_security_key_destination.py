# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security finding 2 of issue 12: the API key of the environment goes only to the URL configured beside it.

An AWX credential injects VIAM_APP_URL, VIAM_API_KEY_ID, VIAM_API_KEY and VIAM_ORG_ID. Someone who
may only launch a job (extra variables, a role's *_app_url) must not be able to point a task at a
server of their own and collect the organization key. Here that server is a trap: a gRPC server on
127.0.0.2 (loopback, so no traffic leaves the machine) that answers UNAUTHENTICATED and keeps the
bytes of every request, so the tests can say whether the key arrived.

Run with: hack/pytest.sh LEG .venv tests/reliability/test_security_key_destination.py
"""
from __future__ import annotations

import json
import os
import subprocess
import threading
from concurrent import futures
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from conftest import Emulator, PLAY_TIMEOUT


class KeyTrap:
    """A gRPC server that refuses every call and records what each carried."""

    def __init__(self) -> None:
        import grpc

        self.received: List[Tuple[str, bytes, Tuple]] = []
        lock = threading.Lock()
        received = self.received

        class Handler(grpc.GenericRpcHandler):
            def service(self, handler_call_details):
                method = handler_call_details.method

                def unary(request: bytes, context) -> bytes:
                    with lock:
                        received.append((method, request, tuple(context.invocation_metadata())))
                    context.abort(grpc.StatusCode.UNAUTHENTICATED, "trap")

                # No deserializer: the handler sees the raw request bytes, whatever the message.
                return grpc.unary_unary_rpc_method_handler(unary)

        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), handlers=[Handler()])
        self.port = self.server.add_insecure_port("127.0.0.2:0")
        assert self.port, "could not listen on 127.0.0.2"
        self.server.start()
        self.app_url = "http://127.0.0.2:%d" % self.port

    def methods(self) -> List[str]:
        return [method for method, _body, _meta in self.received]

    def saw(self, secret: str) -> bool:
        """True when ``secret`` was in any request body or metadata value."""
        needle = secret.encode("utf-8")
        for _method, body, metadata in self.received:
            if needle in body or any(needle in (v if isinstance(v, bytes) else str(v).encode()) for _k, v in metadata):
                return True
        return False

    def stop(self) -> None:
        self.server.stop(grace=None)


@pytest.fixture
def trap() -> Iterator[KeyTrap]:
    server = KeyTrap()
    yield server
    server.stop()


def assert_refused(msg: str, trap: KeyTrap) -> None:
    """The module's message: names both URLs and says how to pass a key explicitly."""
    assert trap.app_url in msg, msg
    assert "VIAM_APP_URL" in msg and "VIAM_API_KEY" in msg, msg
    assert "api_key_id and api_key" in msg, msg


REDIRECTED_TASK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: redirected
      viam.cloud.viam_location_info:
        app_url: "{{ attacker_url }}"
        timeout: 5
      ignore_errors: true
    - name: same URL, written differently
      viam.cloud.viam_location_info:
        app_url: "{{ same_url }}"
"""


def test_env_key_is_not_sent_to_another_task_app_url(emulator_factory, playbook_runner, trap):
    emulator = emulator_factory()
    same = emulator.app_url.replace("http://", "HTTP://") + "/"
    run = playbook_runner(REDIRECTED_TASK, emulator, extra_vars={"attacker_url": trap.app_url, "same_url": same})

    (redirected,) = run.task("redirected")
    assert redirected["status"] == "failed", redirected
    assert_refused(redirected["msg"], trap)
    assert trap.received == [], trap.methods()
    assert not trap.saw(emulator.api_key)
    # Normalisation: scheme case and a trailing slash do not make another URL.
    (same_url,) = run.task("same URL, written differently")
    assert same_url["status"] == "ok", run.explain()


FLEET_PLAY = """
- hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    viam_fleet_locations:
      - name: stolen-site
  roles:
    - role: viam.cloud.fleet
"""


def test_fleet_role_app_url_from_launch_variables_is_refused(emulator_factory, playbook_runner, trap):
    # What a job launcher could do with "prompt for variables": -e viam_fleet_app_url=...
    emulator = emulator_factory()
    run = playbook_runner(FLEET_PLAY, emulator, extra_vars={"viam_fleet_app_url": trap.app_url})

    assert run.returncode != 0, run.explain()
    # The role loops over its locations: the module's message is on the failed item.
    failures = [e for e in run.items() if e["status"] in ("failed", "item_failed")]
    assert failures, run.explain()
    assert_refused(failures[0]["msg"], trap)
    assert trap.received == [], trap.methods()
    with emulator.client() as client:
        names = [loc.name for loc in client.list_locations(organization_id=emulator.organization_id).locations]
    assert "stolen-site" not in names


EXPLICIT_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: explicit key with its URL
      viam.cloud.viam_location_info:
        app_url: "{{ other.app_url }}"
        api_key_id: "{{ other.api_key_id }}"
        api_key: "{{ other.api_key }}"
        organization_id: "{{ other.organization_id }}"
      register: explicit

- hosts: localhost
  gather_facts: false
  module_defaults:
    group/viam.cloud.viam:
      app_url: "{{ other.app_url }}"
      api_key_id: "{{ other.api_key_id }}"
      api_key: "{{ other.api_key }}"
      organization_id: "{{ other.organization_id }}"
  tasks:
    - name: explicit key in module_defaults
      viam.cloud.viam_location_info: {}
"""


def test_explicit_key_with_its_own_app_url_works(emulator_factory, playbook_runner):
    first = emulator_factory()
    other = emulator_factory()
    assert first.api_key != other.api_key
    run = playbook_runner(EXPLICIT_PLAY, first, extra_vars={"other": {
        "app_url": other.app_url, "api_key_id": other.api_key_id, "api_key": other.api_key,
        "organization_id": other.organization_id}})
    assert run.returncode == 0, run.explain()
    for name in ("explicit key with its URL", "explicit key in module_defaults"):
        (result,) = run.task(name)
        assert result["status"] == "ok", result
    assert [c["method"] for c in other.calls()].count("Authenticate") == 2
    assert "Authenticate" not in [c["method"] for c in first.calls()]


def run_inventory(config: dict, emulator: Emulator, workdir: Path) -> subprocess.CompletedProcess:
    """ansible-inventory --list on a *.viam.yml with the emulator's VIAM_* variables in the environment."""
    workdir.mkdir(parents=True, exist_ok=True)
    source = workdir / "trap.viam.yml"
    source.write_text(json.dumps(config))
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("VIAM_") and name != "VIAM_REPO_ROOT":
            del env[name]
    env.update(emulator.env())
    env.update(ANSIBLE_INVENTORY_ENABLED="viam.cloud.viam", ANSIBLE_INVENTORY_UNPARSED_FAILED="true",
               ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true", ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_LOCAL_TEMP=str(workdir / "ansible-tmp"))
    return subprocess.run(["ansible-inventory", "-i", str(source), "--list"], env=env, cwd=str(workdir),
                          capture_output=True, text=True, timeout=PLAY_TIMEOUT, check=False)


def test_inventory_env_key_is_not_sent_to_the_file_app_url(emulator_factory, trap, tmp_path):
    emulator = emulator_factory()
    done = run_inventory({"plugin": "viam.cloud.viam", "app_url": trap.app_url, "timeout": 5}, emulator,
                         tmp_path / "trap")
    assert done.returncode != 0, done.stdout[-2000:]
    text = " ".join((done.stdout + done.stderr).split())
    assert trap.app_url in text and "VIAM_APP_URL" in text, text[-3000:]
    assert "api_key_id and api_key in" in text, text[-3000:]
    assert trap.received == [], trap.methods()
    assert not trap.saw(emulator.api_key)


def test_inventory_explicit_key_with_its_own_app_url_works(emulator_factory, tmp_path):
    first = emulator_factory()
    other = emulator_factory()
    done = run_inventory({"plugin": "viam.cloud.viam", "app_url": other.app_url, "api_key_id": other.api_key_id,
                          "api_key": other.api_key, "organization_id": [other.organization_id]}, first,
                         tmp_path / "explicit")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Authenticate" in [c["method"] for c in other.calls()]
    assert "Authenticate" not in [c["method"] for c in first.calls()]


def test_awx_job_templates_let_no_launcher_set_variables():
    """examples/awx_setup.yml: no job template prompts for variables, and no survey asks for a URL or a key."""
    import re

    import yaml

    from conftest import ROOT

    plays = yaml.safe_load((ROOT / "examples" / "awx_setup.yml").read_text())
    templates = [task[kind] for play in plays for task in play.get("tasks", [])
                 for kind in ("awx.awx.job_template", "awx.awx.workflow_job_template") if kind in task]
    assert len(templates) == 7  # six job templates and the rollout workflow
    for template in templates:
        assert template.get("ask_variables_on_launch") in (None, False), template["name"]
        for question in (template.get("survey_spec") or {}).get("spec", []):
            assert not re.search(r"app_url|app_address|api_key", question["variable"]), (template["name"], question)
