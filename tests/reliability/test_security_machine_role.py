# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security findings 3, 4 and 5 of issue 12: what the viam.cloud.machine role writes on a robot.

The role runs for real (ansible-playbook, connection local) against an emulator, each host
under its own scratch ``viam_machine_root`` in tmp_path, with a fake viam-server behind a
``file://`` URL and its sha256 (as the role_machine integration target and hack/e2e.sh do).

- 3: a part name from the API, and the variables that reach the systemd unit, cannot add lines
  to the unit. systemd does not run here and the role only writes the unit when the root is
  ``/``, so after the role has run the play renders the role's own template file
  (roles/machine/templates/viam.service.j2 of the tree under test) with ``ansible.builtin.template``
  and the facts the role worked out (the part as the API returned it, the binary path): the real
  template with the real values, only the destination differs. Bad variable values must fail
  the role's variable checks with a message that names the variable, before anything is written.
- 4: existing directories that hold the config or the executable keep their mode (1777 keeps
  its sticky bit, 0700 stays private); missing ones, parents included, are made 0755.
- 5: a path that climbs out of ``viam_machine_root`` with ``..`` fails with a message naming the
  variable, its value and the root, and nothing is written where it points.

Run with: hack/pytest.sh LEG .venv tests/reliability/test_security_machine_role.py
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any, Dict, Tuple

from conftest import ROOT, write_inventory

ROLE_TEMPLATE = ROOT / "roles" / "machine" / "templates" / "viam.service.j2"
EVIL_PART = "rover\n[Service]\nExecStartPre=/bin/sh -c 'touch /tmp/pwned'"
VALIDATION_TASK = "Check the paths and the service name"

ROLE_PLAY = """
- name: The machine role
  hosts: all
  gather_facts: false
  tasks:
    - name: Run viam.cloud.machine
      ansible.builtin.include_role:
        name: viam.cloud.machine
"""

# After the role: its unit template, rendered with the role's defaults (public) and the
# facts the role set on the host.
RENDER_PLAY = ROLE_PLAY.replace("name: viam.cloud.machine", "name: viam.cloud.machine\n        public: true") + """
    - name: Render the role's unit template
      ansible.builtin.template:
        src: "%s"
        dest: "{{ unit_dest }}"
        mode: "0644"
""" % ROLE_TEMPLATE

# What a unit of the role may hold: any other key (or a second section) was injected.
UNIT_KEYS = {"Description", "After", "Wants", "StartLimitIntervalSec", "Type", "Restart", "RestartSec", "User",
             "TimeoutSec", "ExecStart", "KillMode", "WantedBy"}


def fake_binary(tmp_path: Path) -> Tuple[str, str]:
    """A fake viam-server: its file:// URL and sha256."""
    dist = tmp_path / "dist"
    dist.mkdir(exist_ok=True)
    binary = dist / "viam-server"
    binary.write_text('#!/bin/sh\necho "fake viam-server $*"\n')
    return "file://%s" % binary, hashlib.sha256(binary.read_bytes()).hexdigest()


def make_part(emulator: Any, part_name: str = "") -> str:
    """A machine in a new location, and the ID of its part called part_name (its main part if empty)."""
    with emulator.client() as client:
        location = client.create_location(organization_id=emulator.organization_id, name="sec-lab").location.id
        robot = client.new_robot(name="sec-rover", location=location).id
        if part_name:
            return client.new_robot_part(robot_id=robot, part_name=part_name).part_id
        return [p.id for p in client.get_robot_parts(robot_id=robot).parts if p.main_part][0]


def host(tmp_path: Path, root: Path, part_id: str, **extra: Any) -> Dict[str, Any]:
    """Host variables of a robot under ``root`` that installs the fake viam-server."""
    url, sha = fake_binary(tmp_path)
    variables = dict(viam_machine_root=str(root), viam_machine_part_id=part_id, viam_machine_create=False,
                     viam_machine_binary_url=url, viam_machine_binary_checksum="sha256:" + sha)
    variables.update(extra)
    return variables


def failures(run: Any) -> Dict[str, str]:
    """host -> message of its failed task."""
    return dict((event["host"], str(event.get("msg", ""))) for event in run.failed)


def mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


# ----------------------------------------------------------------------------- finding 3

def test_part_name_cannot_inject_lines_into_the_unit(emulator_factory, playbook_runner, tmp_path):
    """A part named with a newline and [Service]/ExecStartPre= lines: the unit gets neither."""
    emulator = emulator_factory()
    part_id = make_part(emulator, EVIL_PART)
    root = tmp_path / "robot"
    unit = tmp_path / "viam-server.service"
    note = "line one\n[Service]\nExecStartPre=/bin/true"
    inventory = write_inventory(tmp_path / "inventory.json", {"robot": host(
        tmp_path, root, part_id, unit_dest=str(unit), viam_machine_config_extra={"note": {"text": note}})})
    run = playbook_runner(RENDER_PLAY, emulator, inventory=inventory)
    assert run.returncode == 0 and not run.failed, run.explain()

    text = unit.read_text()
    lines = text.splitlines()
    assert not [line for line in lines if line.lstrip().startswith("ExecStartPre")], text
    assert [line.strip() for line in lines].count("[Service]") == 1, text
    sections = [line.strip() for line in lines if line.strip().startswith("[")]
    assert sections == ["[Unit]", "[Service]", "[Install]"], text
    keys = set(line.split("=", 1)[0].strip() for line in lines
               if line.strip() and not line.lstrip().startswith(("#", ";", "[")))
    assert keys <= UNIT_KEYS, (keys - UNIT_KEYS, text)
    assert "touch /tmp/pwned" not in text, text

    # The cloud config is JSON (to_nice_json): a newline in a value stays an escaped \n.
    config_text = (root / "etc" / "viam.json").read_text()
    assert json.loads(config_text)["note"]["text"] == note
    assert not [line for line in config_text.splitlines() if line.lstrip().startswith(("ExecStartPre", "[Service]"))]


BAD_VALUES = {
    "service-name-newline": ("viam_machine_service_name", "viam-server\n[Service]\nExecStartPre=/bin/true"),
    "service-name-path": ("viam_machine_service_name", "../../../tmp/evil"),
    "config-path-newline": ("viam_machine_config_path", "/etc/viam.json\nExecStartPre=/bin/true"),
    "binary-path-newline": ("viam_machine_binary_path", "/usr/local/bin/viam-server\nExecStartPre=/bin/true"),
    "binary-path-space": ("viam_machine_binary_path", "/usr/local/bin/viam-server --debug"),
    "config-path-tab": ("viam_machine_config_path", "/etc/viam\t.json"),
}


def test_unit_variables_with_newlines_or_spaces_are_refused(emulator_factory, playbook_runner, tmp_path):
    """Each bad path or service name: the role's variable check fails, naming it, and writes nothing."""
    emulator = emulator_factory()
    part_id = make_part(emulator)
    hosts = dict((name, host(tmp_path, tmp_path / name, part_id, **{variable: value}))
                 for name, (variable, value) in BAD_VALUES.items())
    run = playbook_runner(ROLE_PLAY, emulator, inventory=write_inventory(tmp_path / "inventory.json", hosts))
    failed = failures(run)
    problems = []
    for name, (variable, value) in sorted(BAD_VALUES.items()):
        msg = failed.get(name)
        if msg is None:
            problems.append("%s: the role did not fail" % name)
        elif variable not in msg or json.dumps(value) not in msg:
            problems.append("%s: the message does not name %s = %s: %s" % (name, variable, json.dumps(value), msg))
        elif (tmp_path / name).exists():
            problems.append("%s: wrote under its root (the role must stop before any write)" % name)
    assert problems == [], "\n".join(problems) + "\n" + run.explain()
    assert all(e["task"].endswith(VALIDATION_TASK) for e in run.failed), run.explain()


# ----------------------------------------------------------------------------- finding 4

def test_existing_directories_keep_their_mode(emulator_factory, playbook_runner, tmp_path):
    """A 1777 and a 0700 directory holding the config keep their modes; missing ones are made 0755."""
    emulator = emulator_factory()
    part_id = make_part(emulator)
    sticky_root, private_root = tmp_path / "sticky", tmp_path / "private"
    (sticky_root / "shared").mkdir(parents=True)
    os.chmod(sticky_root / "shared", 0o1777)
    (private_root / "root-home").mkdir(parents=True)
    os.chmod(private_root / "root-home", 0o700)
    hosts = {
        "sticky": host(tmp_path, sticky_root, part_id, viam_machine_config_path="/shared/viam.json",
                       viam_machine_binary_path="/opt/viam/bin/viam-server"),
        "private": host(tmp_path, private_root, part_id, viam_machine_config_path="/root-home/viam.json",
                        viam_machine_binary_path="/root-home/bin/viam-server"),
    }
    inventory = write_inventory(tmp_path / "inventory.json", hosts)
    first = playbook_runner(ROLE_PLAY, emulator, inventory=inventory)
    assert first.returncode == 0 and not first.failed, first.explain()

    modes = dict((str(path.relative_to(tmp_path)), mode(path)) for path in (
        sticky_root / "shared", private_root / "root-home",
        sticky_root / "opt", sticky_root / "opt" / "viam", sticky_root / "opt" / "viam" / "bin",
        private_root / "root-home" / "bin"))
    assert modes == {
        "sticky/shared": "0o1777", "private/root-home": "0o700",
        "sticky/opt": "0o755", "sticky/opt/viam": "0o755", "sticky/opt/viam/bin": "0o755",
        "private/root-home/bin": "0o755",
    }, modes
    assert mode(sticky_root / "shared" / "viam.json") == "0o600"
    assert mode(private_root / "root-home" / "viam.json") == "0o600"

    second = playbook_runner(ROLE_PLAY, emulator, inventory=inventory)
    assert second.returncode == 0 and not second.failed, second.explain()
    assert second.total("changed") == 0, [e["task"] for e in second.items() if e.get("changed")]
    assert mode(sticky_root / "shared") == "0o1777" and mode(private_root / "root-home") == "0o700"


# ----------------------------------------------------------------------------- finding 5

def test_paths_cannot_leave_the_root(emulator_factory, playbook_runner, tmp_path):
    """'..' out of viam_machine_root fails, naming the variable, the value and the root; nothing is written there."""
    emulator = emulator_factory()
    part_id = make_part(emulator)
    escapes = {
        # host: (root, variable, value, where the value points)
        "config-escape": (tmp_path / "c" / "root", "viam_machine_config_path", "/../escaped.json",
                          tmp_path / "c" / "escaped.json"),
        "binary-escape": (tmp_path / "b" / "root", "viam_machine_binary_path", "/usr/../../escaped-viam-server",
                          tmp_path / "b" / "escaped-viam-server"),
    }
    hosts = dict((name, host(tmp_path, root, part_id, **{variable: value}))
                 for name, (root, variable, value, _target) in escapes.items())
    # '..' that stays inside the root is fine, and resolved.
    hosts["inside"] = host(tmp_path, tmp_path / "i" / "root", part_id, viam_machine_config_path="/etc/x/../viam.json")
    run = playbook_runner(ROLE_PLAY, emulator, inventory=write_inventory(tmp_path / "inventory.json", hosts))
    failed = failures(run)
    problems = []
    for name, (root, variable, value, target) in sorted(escapes.items()):
        msg = failed.get(name)
        if msg is None:
            problems.append("%s: the role did not fail" % name)
        elif not all(part in msg for part in (variable, json.dumps(value), str(root))):
            problems.append("%s: the message does not name %s, %s and the root %s: %s" % (
                name, variable, json.dumps(value), root, msg))
        if target.exists():
            problems.append("%s: wrote %s, outside its root" % (name, target))
        if root.exists():
            problems.append("%s: wrote under its root (the role must stop before any write)" % name)
    assert problems == [], "\n".join(problems) + "\n" + run.explain()
    assert "inside" not in failed, run.explain()
    assert (tmp_path / "i" / "root" / "etc" / "viam.json").is_file()
