# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security findings 6 and 9 (docs/security.md): files a module writes on the controller, and part configs
that carry the device's secret.

- 6: ``config_dest`` (viam_robot_part_info) and ``dest`` (viam_robot_part_logs) that are symbolic links are
  refused with a clear message; neither the link's target nor its content is ever read into ``--diff``,
  and the target is left as it was.
- 9: with the emulator answering GetRobotPart's ``config_json`` with a ``cloud`` section holding the part
  secret (``--behaviour part_config_cloud=with_secret``, docs/api-assumptions.md), the secret shows nowhere:
  not in ``viam_robot_part_info``'s ``config``, not in ``config_dest``, not in the diff; only with
  ``return_secret: true``. ``viam_robot_part`` neither shows nor compares that section, so it stays idempotent.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import report

TARGET_TEXT = "TOP-SECRET-CONTENT-OF-ANOTHER-FILE"


def _seed_part(emulator, machine: str = "rover-sec"):
    """A location, a machine (with its main part) and the part's secret, through the collection's client."""
    client = emulator.client()
    location = client.create_location(organization_id=emulator.organization_id, name="sec-files").location
    robot_id = client.new_robot(location=location.id, name=machine).id
    part = client.get_robot_parts(robot_id=robot_id).parts[0]
    return client, part


def _protected_target(tmp_path: Path) -> Path:
    target = tmp_path / "private" / "id_key"
    target.parent.mkdir()
    target.write_text(TARGET_TEXT + "\n")
    os.chmod(target, 0o600)
    return target


def test_config_dest_that_is_a_symlink_is_refused_and_its_target_never_shown(
        emulator_factory, playbook_runner, tmp_path):
    emulator = emulator_factory()
    _client, part = _seed_part(emulator)
    target = _protected_target(tmp_path)
    link = tmp_path / "backup.json"
    link.symlink_to(target)
    logs_link = tmp_path / "logs.jsonl"
    logs_link.symlink_to(target)
    play = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: config to a link
      viam.cloud.viam_robot_part_info:
        id: %(part)s
        config_dest: %(link)s
      ignore_errors: true
    - name: logs to a link
      viam.cloud.viam_robot_part_logs:
        part: %(part)s
        dest: %(logs)s
      ignore_errors: true
""" % dict(part=part.id, link=link, logs=logs_link)
    run = playbook_runner(play, emulator, args=["--diff", "-v"])
    for task in ("config to a link", "logs to a link"):
        (result,) = run.task(task)
        assert result["status"] == "failed", (task, result)
        assert "symbolic link" in result["msg"] and str(target) in result["msg"], result["msg"]
        assert "Traceback" not in result["msg"]
    # The content of the file the link points to is in no output, and that file is untouched.
    assert TARGET_TEXT not in run.stdout + run.stderr
    assert target.read_text() == TARGET_TEXT + "\n"
    assert (os.stat(target).st_mode & 0o777) == 0o600
    assert link.is_symlink() and logs_link.is_symlink()
    report("security_dest_symlink", refused=2)


def test_config_dest_regular_file_still_written_with_diff(emulator_factory, playbook_runner, tmp_path):
    """The guard refuses links only: a regular file is written (0600) and diffed as before."""
    emulator = emulator_factory()
    _client, part = _seed_part(emulator)
    dest = tmp_path / "backup.json"
    dest.write_text("{}\n")
    play = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: config to a file
      viam.cloud.viam_robot_part_info:
        id: %s
        config_dest: %s
""" % (part.id, dest)
    run = playbook_runner(play, emulator, args=["--diff"])
    assert run.returncode == 0, run.explain()
    assert json.loads(dest.read_text()) is not None
    assert (os.stat(dest).st_mode & 0o777) == 0o600


PART_INFO_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: read the part
      viam.cloud.viam_robot_part_info:
        id: %(part)s
        config_dest: %(dest)s
      register: info
    - name: show what was returned
      ansible.builtin.debug:
        var: info.parts[0].config
"""

PART_CONFIG_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: set its config
      viam.cloud.viam_robot_part:
        id: %(part)s
        config: {components: [{name: cam, api: rdk:component:camera, model: webcam}]}
    - name: set its config again
      viam.cloud.viam_robot_part:
        id: %(part)s
        config: {components: [{name: cam, api: rdk:component:camera, model: webcam}]}
      register: again
    - name: the second run changed nothing
      ansible.builtin.assert:
        that: again is not changed
"""


def _no_secret_in(run, secret):
    assert secret not in run.stdout + run.stderr, "the part secret was printed"
    for event in run.results:
        assert secret not in json.dumps(event), event["task"]


def test_part_secret_inside_config_json_is_masked(emulator_factory, playbook_runner, tmp_path):
    emulator = emulator_factory("--behaviour", "part_config_cloud=with_secret")
    client, part = _seed_part(emulator)
    secret = part.secret
    assert secret and secret in client.get_robot_part(id=part.id).config_json  # the behaviour is in force
    dest = tmp_path / "config.json"
    run = playbook_runner(PART_INFO_PLAY % dict(part=part.id, dest=dest), emulator, args=["--diff", "-v"])
    assert run.returncode == 0, run.explain()
    _no_secret_in(run, secret)
    written = dest.read_text()
    assert secret not in written
    assert "cloud" not in json.loads(written)  # the device's section is not the part's config in the app
    report("security_config_secret", masked=True)


def test_part_with_cloud_section_in_config_json_is_idempotent_and_never_shows_it(emulator_factory, playbook_runner):
    emulator = emulator_factory("--behaviour", "part_config_cloud=with_secret")
    client, part = _seed_part(emulator)
    run = playbook_runner(PART_CONFIG_PLAY % dict(part=part.id), emulator, args=["--diff", "-v"])
    assert run.returncode == 0, run.explain()
    _no_secret_in(run, part.secret)
    # The config written back holds no cloud section: it is the device's, not the app's.
    stored = json.loads(client.get_robot_part(id=part.id).config_json)
    assert stored["components"][0]["name"] == "cam"


def test_config_option_with_a_cloud_section_is_refused(emulator_factory, playbook_runner):
    emulator = emulator_factory()
    _client, part = _seed_part(emulator)
    play = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: a config with a cloud section
      viam.cloud.viam_robot_part:
        id: %s
        config: {cloud: {id: x, secret: y}}
      ignore_errors: true
""" % part.id
    run = playbook_runner(play, emulator)
    (result,) = run.task("a config with a cloud section")
    assert result["status"] == "failed" and "'cloud' section" in result["msg"], result
    assert not [c for c in emulator.calls() if c["method"] == "UpdateRobotPart"]


def test_part_secret_inside_config_json_only_with_return_secret(emulator_factory, playbook_runner, tmp_path):
    emulator = emulator_factory("--behaviour", "part_config_cloud=with_secret")
    _client, part = _seed_part(emulator)
    dest = tmp_path / "config.json"
    play = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: read the part with its secret
      viam.cloud.viam_robot_part_info:
        id: %s
        config_dest: %s
        return_secret: true
      no_log: true
""" % (part.id, dest)
    run = playbook_runner(play, emulator, args=["--diff", "-v"])
    assert run.returncode == 0, run.explain()
    assert part.secret not in run.stdout + run.stderr
    assert json.loads(dest.read_text())["cloud"]["secret"] == part.secret
