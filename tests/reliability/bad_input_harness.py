# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The machinery of the bad-input tests (test_bad_inputs.py): an emulator, seed data, module runs.

- BadInputEmulator starts an emulator through tests/emulator/launcher.py (with the suite's EMULATOR_ARGS) and a call log
  and seeds a few resources through the collection's own client, so that "unknown parent"
  and "ID of another kind" cases point at real things.
- run_module() runs one module as Ansible does minus the zip: a new Python process,
  ``python -m ansible_collections.viam.cloud.plugins.modules.<name> ARGS.json`` with
  ``{"ANSIBLE_MODULE_ARGS": {...}}``, and returns its JSON result, its output and the API
  calls it made (the call-log lines appended while it ran: the emulator writes a line
  before it answers, so every call of a finished process is in the log).
- writes_in() keeps the calls that are not reads, after client.py's RPC_KINDS.

Nothing here prints a secret: results are shown with the API key masked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import typing as t

COLLECTION_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ENV_CREDENTIALS = ("VIAM_APP_URL", "VIAM_API_KEY_ID", "VIAM_API_KEY", "VIAM_ORG_ID")
MODULE_TIMEOUT = 120


def collections_parent() -> str:
    """The directory holding ansible_collections/viam/cloud (this copy of the collection)."""
    return os.path.abspath(os.path.join(COLLECTION_ROOT, "..", "..", ".."))


def read_kinds() -> t.Dict[str, str]:
    """RPC name -> kind (read, write, delete, create), from the collection's client."""
    from ansible_collections.viam.cloud.plugins.module_utils.client import RPC_KINDS
    return dict(RPC_KINDS)


def writes_in(calls: t.Iterable[dict], kinds: t.Dict[str, str]) -> t.List[str]:
    """The methods of ``calls`` that are not reads; an RPC the client does not know counts as a write."""
    return [c.get("method", "?") for c in calls if kinds.get(c.get("method")) != "read"]


class Ref:
    """A placeholder for a value known only once the emulator is seeded (Ref("robot_id"))."""

    def __init__(self, key: str, fmt: str = "%s") -> None:
        self.key = key
        self.fmt = fmt

    def __repr__(self) -> str:
        return "Ref(%r)" % self.key


def resolve(value: t.Any, seed: t.Dict[str, str]) -> t.Any:
    """``value`` with every Ref replaced by its seeded value, at any depth."""
    if isinstance(value, Ref):
        return value.fmt % seed[value.key]
    if isinstance(value, dict):
        return dict((k, resolve(v, seed)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [resolve(v, seed) for v in value]
    return value


class BadInputEmulator:
    """One emulator (tests/emulator/launcher.py, with the suite's EMULATOR_ARGS) with a call log and a few
    seeded resources (see seed_resources())."""

    def __init__(self) -> None:
        import launcher  # tests/emulator, on sys.path by conftest.py

        self.tmp = tempfile.mkdtemp(prefix="viam-bad-input.")
        try:
            self.emulator = launcher.start(workdir=self.tmp, call_log=True, env_args=True)
        except launcher.EmulatorError:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        self.call_log = self.emulator.call_log
        self.info = self.emulator.info
        self.seed: t.Dict[str, str] = {}

    @property
    def credentials(self) -> t.Dict[str, str]:
        return dict(app_url=self.info["app_url"], api_key_id=self.info["api_key_id"], api_key=self.info["api_key"])

    def client(self):
        from ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient
        return ViamClient(**self.credentials)

    def seed_resources(self) -> t.Dict[str, str]:
        """A location with a sub-location, a machine with a second part, a fragment, a second key.

        Names are fixed so that cases can name them; IDs are what the emulator made.
        """
        client = self.client()
        org = self.info["organization_id"]
        try:
            loc = client.create_location(organization_id=org, name="bad-site").location
            sub = client.create_location(organization_id=org, name="bad-sub", parent_location_id=loc.id).location
            robot_id = client.new_robot(name="bad-bot", location=loc.id).id
            parts = client.get_robot_parts(robot_id=robot_id).parts
            main = next(p for p in parts if p.main_part)
            arm_id = client.new_robot_part(robot_id=robot_id, part_name="bad-bot-arm").part_id
            fragment = client.create_fragment(organization_id=org, name="bad-frag", config={"components": []}).fragment
            key = client.create_key(name="bad-key", authorizations=[dict(
                authorization_type="role", authorization_id="organization_operator", resource_type="organization",
                resource_id=org, organization_id=org, identity_type="api-key")])
            self.seed = dict(
                organization_id=org, location_id=loc.id, location_name=loc.name, sub_location_id=sub.id,
                robot_id=robot_id, robot_name="bad-bot", main_part_id=main.id, main_part_name=main.name,
                part_id=arm_id, part_name="bad-bot-arm", fragment_id=fragment.id, fragment_name=fragment.name,
                key_id=key.id, bootstrap_key_id=self.info["api_key_id"], app_url=self.info["app_url"],
                unknown_uuid="00000000-0000-4000-8000-000000000000", unknown_location_id="zz9zz9zz9z",
            )
        finally:
            client.close()
        return self.seed

    def log_size(self) -> int:
        return os.path.getsize(self.call_log)

    def calls_since(self, offset: int) -> t.List[dict]:
        with open(self.call_log, "rb") as handle:
            handle.seek(offset)
            data = handle.read().decode("utf-8")
        return [json.loads(line) for line in data.splitlines() if line.strip()]

    def stderr_text(self) -> str:
        with open(self.emulator.stderr_path) as handle:
            return handle.read()

    def close(self) -> None:
        self.emulator.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Outcome:
    """What one module run gave: rc, the parsed result (or None), raw output and the calls it made."""

    def __init__(self, rc: int, result: t.Optional[dict], stdout: str, stderr: str, calls: t.List[dict]) -> None:
        self.rc = rc
        self.result = result
        self.stdout = stdout
        self.stderr = stderr
        self.calls = calls

    @property
    def msg(self) -> str:
        return str((self.result or {}).get("msg", ""))

    def describe(self, secret: str = "") -> str:
        text = "rc=%s\nmsg=%s\nresult keys=%s\ncalls=%s\nstderr=%s\nstdout=%s" % (
            self.rc, self.msg[:1500], sorted(self.result or {}), [c.get("method") for c in self.calls],
            self.stderr[-1500:], self.stdout[:1500])
        return text.replace(secret, "***") if secret else text


def run_module(emulator: BadInputEmulator, module: str, args: dict, workdir: str,
               env: t.Optional[t.Dict[str, str]] = None, check_mode: bool = False) -> Outcome:
    """Run plugins/modules/<module>.py as a process with ``args``; the calls it made come from the log."""
    payload = dict(args)
    if check_mode:
        payload["_ansible_check_mode"] = True
    fd, path = tempfile.mkstemp(prefix="args.", suffix=".json", dir=workdir)
    with os.fdopen(fd, "w") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": payload}, handle)
    run_env = dict(os.environ)
    for name in ENV_CREDENTIALS:
        run_env.pop(name, None)
    run_env["PYTHONPATH"] = collections_parent() + os.pathsep + run_env.get("PYTHONPATH", "")
    run_env.update(env or {})
    offset = emulator.log_size()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "ansible_collections.viam.cloud.plugins.modules.%s" % module, path],
            capture_output=True, text=True, env=run_env, cwd=workdir, timeout=MODULE_TIMEOUT, check=False)
    finally:
        os.unlink(path)
    calls = emulator.calls_since(offset)
    result = None
    try:
        parsed = json.loads(proc.stdout)
        if isinstance(parsed, dict):
            result = parsed
    except ValueError:
        result = None
    return Outcome(proc.returncode, result, proc.stdout, proc.stderr, calls)
