#!/usr/bin/env python
"""Checks of `make e2e` (hack/e2e.sh) after the machine role ran over SSH.

Usage: verify_robots.py INVENTORY_FILE EXPECTED_TEMPLATE SERVER_SHA256 LOG...

For every host of the inventory (ansible-inventory --list, the same
viam.cloud.viam inventory the role ran through): read its cloud config over
SSH, as the role wrote it on the "robot", and compare it byte for byte with
EXPECTED_TEMPLATE filled in with the app address, the part ID and the part
secret that the API reports for that part; check the file mode (0600) and
the installed executable's sha256. Then the running robot: the API must see
the part online, and the device double installed as its viam-server must say
in its status file (<root>/run/viam-server.status.json, read over SSH) that
it runs as that part (state running, logged in with the part's secret: the
credential fingerprint, the first 12 hex digits of its sha256) with the
part's config (a revision, and the components of the part's config and of its
fragments). Then check that no LOG holds any part secret. Prints one line per
check and "N passed, M failed"; exits 1 on any failure. Secrets are never
printed.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

from google.protobuf import json_format

from ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient

ONLINE = 1  # viam.app.v1.OnlineState ONLINE_STATE_ONLINE


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, ok: bool, what: str) -> bool:
        if ok:
            self.passed += 1
            print("ok   %s" % what)
        else:
            self.failed += 1
            print("FAIL %s" % what)
        return ok


def plain(value):
    """ansible-inventory --list writes unsafe strings as {"__ansible_unsafe": "..."}."""
    if isinstance(value, dict):
        if list(value) == ["__ansible_unsafe"]:
            return value["__ansible_unsafe"]
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def ssh(hostvars: dict, command: str) -> bytes:
    """Run COMMAND on the host as Ansible reaches it (its composed connection variables)."""
    args = ["ssh", "-p", str(hostvars["ansible_port"]), "-i", hostvars["ansible_ssh_private_key_file"], "-o", "BatchMode=yes"]
    args += hostvars["ansible_ssh_common_args"].split()
    args += ["%s@%s" % (hostvars["ansible_user"], hostvars["ansible_host"]), command]
    return subprocess.run(args, check=True, stdout=subprocess.PIPE, timeout=60).stdout


def component_names(client: ViamClient, part) -> set:
    """The component names of the part's config merged with its fragments' (the fragments' latest revision)."""
    config = json_format.MessageToDict(part.robot_config)
    names = set(c.get("name") for c in config.get("components") or [])
    for entry in config.get("fragments") or []:
        fragment_id = entry.get("id") if isinstance(entry, dict) else entry
        fragment = client.get_fragment(id=fragment_id, resource="fragment %s" % fragment_id).fragment
        names.update(c.get("name") for c in json_format.MessageToDict(fragment.fragment).get("components") or [])
    return names


def main(argv: list[str]) -> int:
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    inventory_file, template_file, server_sha256 = argv[1:4]
    logs = argv[4:]
    inventory = json.loads(subprocess.run(["ansible-inventory", "-i", inventory_file, "--list"], check=True,
                                          stdout=subprocess.PIPE, env=dict(os.environ, ANSIBLE_INVENTORY_UNPARSED_FAILED="true")).stdout)
    hostvars = plain(inventory["_meta"]["hostvars"])
    template = open(template_file, "rb").read()
    app_address = os.environ["VIAM_APP_URL"]
    checks = Checks()
    checks.check(len(hostvars) > 0, "the inventory has robots (%d)" % len(hostvars))
    secrets = []
    with ViamClient(app_url=app_address, api_key_id=os.environ["VIAM_API_KEY_ID"],
                    api_key=os.environ["VIAM_API_KEY"], organization_id=os.environ.get("VIAM_ORG_ID")) as client:
        for host, hvars in sorted(hostvars.items()):
            part_id = hvars.get("viam_part_id")
            if not checks.check(isinstance(part_id, str) and part_id != "", "%s: has a viam_part_id (%r)" % (host, part_id)):
                continue
            part = client.get_robot_part(id=part_id, resource="part %r" % host).part
            secrets.append(part.secret)
            checks.check(len(part.secret) >= 16, "%s: the API reports a part secret" % host)
            path = "%s/etc/viam.json" % hvars["viam_machine_root"]
            expected = (template.replace(b"@APP_ADDRESS@", app_address.encode())
                        .replace(b"@PART_ID@", part.id.encode())
                        .replace(b"@PART_SECRET@", part.secret.encode()))
            actual = ssh(hvars, "cat %s" % path)
            checks.check(actual == expected, "%s: %s over SSH equals the expected rendering byte for byte "
                         "(%d bytes; part %s, the API's secret)" % (host, path, len(expected), part.id))
            mode = ssh(hvars, "stat -c %%a %s" % path).decode().strip()
            checks.check(mode == "600", "%s: its mode is 0600 (%s)" % (host, mode))
            binary = "%s/usr/local/bin/viam-server" % hvars["viam_machine_root"]
            sha = ssh(hvars, "sha256sum %s" % binary).decode().split()[0]
            checks.check(sha == server_sha256, "%s: %s has the sha256 it was installed with" % (host, binary))
            checks.check(part.online_state == ONLINE, "%s: the API sees the part online" % host)
            status_path = "%s/run/viam-server.status.json" % hvars["viam_machine_root"]
            try:
                status = json.loads(ssh(hvars, "cat %s" % status_path))
            except (subprocess.CalledProcessError, ValueError) as err:
                checks.check(False, "%s: %s is readable JSON (%s)" % (host, status_path, err))
                continue
            fingerprint = hashlib.sha256(part.secret.encode()).hexdigest()[:12]
            checks.check(status.get("state") == "running" and status.get("authenticated") is True
                         and status.get("part_id") == part.id and status.get("app_address") == app_address,
                         "%s: its viam-server (the device double) runs as part %s at %s (state %s, authenticated %s)"
                         % (host, status.get("part_id"), status.get("app_address"), status.get("state"),
                            status.get("authenticated")))
            checks.check(status.get("credential_type") == "robot-secret"
                         and status.get("credential_fingerprint") == fingerprint,
                         "%s: it logged in with the part's secret (credential fingerprint %s)"
                         % (host, status.get("credential_fingerprint")))
            expected_names = component_names(client, part)
            got_names = set(c.get("name") for c in status.get("components") or [])
            checks.check(bool(status.get("config_revision")) and got_names == expected_names
                         and not status.get("broken_components") and not status.get("config_errors"),
                         "%s: it runs the part's config: revision %s, components %s (expected %s)"
                         % (host, status.get("config_revision"), sorted(got_names), sorted(expected_names)))
    for log in logs:
        text = open(log, encoding="utf-8", errors="replace").read()
        leaked = sum(1 for secret in secrets if secret and secret in text)
        checks.check(leaked == 0, "%s shows no part secret (%d found)" % (os.path.basename(log), leaked))
    print("%d passed, %d failed" % (checks.passed, checks.failed))
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
