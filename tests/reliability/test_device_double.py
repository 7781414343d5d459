# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The device double (tests/device) against the emulator, end to end, as separate processes.

A part is created through the collection's own client, its cloud config file written
(/etc/viam.json shape), and tests/device/viam-device-double started on it (tests/device/
device_launcher.py). What the double does is read back through the API, as an operator (or the
machine role) would: the part goes online with its config fetched, the double's logs appear,
MarkPartForRestart is honoured, a `broken` component logs errors, a wrong secret stays offline
(and a fixed file + SIGHUP brings it online), an API key works too, so does TLS with the
emulator's certificate, a fragment pinned to a revision is served at that revision, and SIGTERM
ends the double cleanly with the part going offline after the online window.

The emulator runs with --online-window 3 --restart-check-interval 1 (so nothing here waits
long), plus the suite's EMULATOR_ARGS: under `--behaviours pessimistic` MarkPartForRestart is not
served, so the restart check is skipped then.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Sequence, Tuple

import pytest

from conftest import start_emulator

ROOT = Path(__file__).resolve().parents[2]
DEVICE_DIR = ROOT / "tests" / "device"
if str(DEVICE_DIR) not in sys.path:
    sys.path.insert(0, str(DEVICE_DIR))
import device_launcher  # noqa: E402  pylint: disable=wrong-import-position

ONLINE_WINDOW = 3.0
ONLINE, OFFLINE = 1, 2  # viam.app.v1.OnlineState
WAIT = 30.0
# The double's own pace, fast for tests: Config every second, a broken component's error every second.
FAST = ["--first-restart-check", "0.5", "--broken-interval", "1", "--max-backoff", "2"]
CAMERA = {"name": "cam", "api": "rdk:component:camera", "model": "rdk:builtin:fake", "attributes": {}}
BROKEN = {"name": "wheel", "api": "rdk:component:motor", "model": "broken", "attributes": {}}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory) -> Iterator[Any]:
    running = start_emulator(tmp_path_factory.mktemp("device-emulator"), "--online-window", str(ONLINE_WINDOW),
                             "--restart-check-interval", "1")
    yield running
    running.stop()


@pytest.fixture
def client(emulator) -> Iterator[Any]:
    with emulator.client() as made:
        yield made


@pytest.fixture
def doubles(tmp_path) -> Iterator[Callable[..., Any]]:
    """doubles(emulator, part_id, secret=... | api_key=(id, key), extra=[options]) -> a running double for a
    cloud config written for it; every double is stopped at teardown."""
    started = []

    def start(emulator: Any, part_id: str, name: str = "device", extra: Sequence[str] = (), **credentials: Any) -> Any:
        path = str(tmp_path / (name + ".viam.json"))
        device_launcher.write_cloud_config(path, part_id, emulator.app_url, refresh_interval="1s", **credentials)
        double = device_launcher.start(path, str(tmp_path), name=name, args=FAST + list(extra))
        double.cloud_config = path
        started.append(double)
        return double

    yield start
    for double in started:
        double.stop()


def new_part(client: Any, org_id: str, config: Dict[str, Any]) -> Any:
    """The main part of a new machine in a new location, with ``config`` (sent as JSON and as a Struct,
    so the config lands under every robot_config_json behaviour)."""
    suffix = "%d-%d" % (os.getpid(), time.monotonic_ns())
    location = client.create_location(organization_id=org_id, name="devices-" + suffix).location.id
    robot_id = client.new_robot(name="rover-" + suffix, location=location).id
    part = client.get_robot_parts(robot_id=robot_id).parts[0]
    client.update_robot_part(id=part.id, name=part.name, robot_config=config, robot_config_json=json.dumps(config))
    return client.get_robot_part(id=part.id).part


def wait_api(read: Callable[[], Any], check: Callable[[Any], bool], what: str, timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    value = read()
    while not check(value):
        if time.monotonic() > deadline:
            raise AssertionError("%s not seen in %.0f s; last: %r" % (what, timeout, value))
        time.sleep(0.2)
        value = read()
    return value


def messages(client: Any, part_id: str, **filters: Any) -> list:
    return [entry.message for entry in client.get_robot_part_logs(id=part_id, **filters).logs]


def test_part_goes_online_with_its_config_logs_and_restart(emulator, client, doubles):
    part = new_part(client, emulator.organization_id, {"components": [CAMERA]})
    assert part.online_state == OFFLINE and not part.HasField("last_access")  # nothing talked to it yet
    double = doubles(emulator, part.id, secret=part.secret)
    status = double.wait_for(lambda s: s.get("state") == "running" and s.get("config_revision"), what="running")
    assert status["authenticated"]
    assert status["components"] == [{"name": "cam", "api": CAMERA["api"], "model": CAMERA["model"]}]
    assert status["credential_type"] == "robot-secret" and part.secret not in json.dumps(status)
    seen = wait_api(lambda: client.get_robot_part(id=part.id).part, lambda p: p.online_state == ONLINE, "online")
    assert seen.seconds_since_online == 0 and seen.HasField("last_access")
    assert seen.user_supplied_info["version"] == "0.1.0-device-double"
    assert client.get_robot(id=part.robot).robot.online_state == ONLINE
    wait_api(lambda: messages(client, part.id, filter="(re)configured"), bool, "the double's logs")

    if emulator.behaviours.get("mark_part_for_restart") == "present":
        before = double.status()
        client.mark_part_for_restart(part_id=part.id)
        after = double.wait_for(lambda s: s.get("restarts", 0) > before.get("restarts", 0) and s.get("state") == "running"
                                and s.get("session_started_at") != before.get("session_started_at"), what="a restart")
        assert after["last_restart_reason"] == "app_restart" and after["config_revision"] == before["config_revision"]
        wait_api(lambda: messages(client, part.id, filter="reason: app_restart"), bool, "the restart's log line")

    assert double.stop() == 0  # SIGTERM: a clean exit
    assert double.status()["state"] == "stopped"
    gone = wait_api(lambda: client.get_robot_part(id=part.id).part, lambda p: p.online_state == OFFLINE,
                    "offline after SIGTERM", timeout=ONLINE_WINDOW + WAIT)
    assert gone.HasField("last_access")


def test_a_broken_component_logs_errors_every_few_seconds(emulator, client, doubles):
    part = new_part(client, emulator.organization_id, {"components": [CAMERA, BROKEN]})
    double = doubles(emulator, part.id, secret=part.secret)
    # The status file is written as the session goes: the broken component is known before the state says running.
    status = double.wait_for(lambda s: s.get("broken_components") == ["wheel"] and s.get("state") == "running",
                             what="the broken component, running")
    assert status["authenticated"]
    errors = wait_api(lambda: messages(client, part.id, errors_only=True, filter="error building resource"),
                      lambda found: len(found) >= 3, "three errors of the broken component")
    assert len(errors) >= 3


def test_a_wrong_secret_stays_offline_until_the_file_is_fixed(emulator, client, doubles):
    part = new_part(client, emulator.organization_id, {"components": [CAMERA]})
    double = doubles(emulator, part.id, secret="not-the-secret")
    status = double.wait_for(lambda s: s.get("auth_refused"), what="refused credentials")
    assert not status["authenticated"] and status["state"] == "unauthenticated"
    time.sleep(ONLINE_WINDOW)  # retries with backoff meanwhile; none of them counts as a check-in
    assert double.status()["auth_refused"] and double.process.poll() is None
    still = client.get_robot_part(id=part.id).part
    assert still.online_state == OFFLINE and not still.HasField("last_access")
    # The secret is fixed in the file (a rotation writes it); SIGHUP makes the double read it again.
    device_launcher.write_cloud_config(double.cloud_config, part.id, emulator.app_url, secret=part.secret,
                                       refresh_interval="1s")
    double.hup()
    double.wait_for(lambda s: s.get("authenticated") and s.get("state") == "running", what="authenticated after SIGHUP")
    wait_api(lambda: client.get_robot_part(id=part.id).part.online_state, lambda s: s == ONLINE, "online")


def test_an_api_key_in_the_cloud_config_works(emulator, client, doubles):
    part = new_part(client, emulator.organization_id, {"components": [CAMERA]})
    key = client.create_key(name="device-key-%d" % time.monotonic_ns(), authorizations=[dict(
        authorization_type="role", authorization_id="robot_owner", resource_type="robot", resource_id=part.robot,
        organization_id=emulator.organization_id, identity_type="api-key")])
    double = doubles(emulator, part.id, api_key=(key.id, key.key))
    status = double.wait_for(lambda s: s.get("state") == "running", what="running")
    assert status["credential_type"] == "api-key"
    wait_api(lambda: client.get_robot_part(id=part.id).part.online_state, lambda s: s == ONLINE, "online")


def test_a_pinned_fragment_is_served_at_its_revision(emulator, client, doubles):
    org = emulator.organization_id
    name = "cams-%d" % time.monotonic_ns()
    fragment = client.create_fragment(organization_id=org, name=name,
                                      config={"components": [dict(CAMERA, model="old-model")]}).fragment
    client.update_fragment(id=fragment.id, name=name,
                           fragment_config_json=json.dumps({"components": [dict(CAMERA, model="new-model")]}))
    pinned = {"fragments": [{"id": fragment.id, "version": "1", "prefix": "front"}]}
    part = new_part(client, org, pinned)
    double = doubles(emulator, part.id, secret=part.secret)

    def models(status: Dict[str, Any]) -> Tuple[str, ...]:
        return tuple("%s=%s" % (c["name"], c["model"]) for c in status.get("components", []))

    first = double.wait_for(lambda s: models(s) == ("front-cam=old-model",), what="revision 1 of the fragment")
    latest = {"fragments": [{"id": fragment.id, "prefix": "front"}]}  # unpinned: the latest revision
    client.update_robot_part(id=part.id, name=part.name, robot_config=latest, robot_config_json=json.dumps(latest))
    second = double.wait_for(lambda s: models(s) == ("front-cam=new-model",), what="the latest revision")
    assert second["config_revision"] != first["config_revision"] and second["restarts"] == first["restarts"]


def test_tls_app_address_with_the_emulators_certificate(emulator_factory, doubles):
    """`https://` is TLS (any scheme but http is, as for viam-server); --ca-file trusts the emulator's cert."""
    secure = emulator_factory("--tls", "--online-window", str(ONLINE_WINDOW))
    assert secure.app_url.startswith("https://") and secure.tls_cert
    with secure.client() as tls_client:
        part = new_part(tls_client, secure.organization_id, {"components": [CAMERA]})
        double = doubles(secure, part.id, secret=part.secret, extra=["--ca-file", secure.tls_cert])
        status = double.wait_for(lambda s: s.get("state") == "running", what="running over TLS")
        assert status["authenticated"] and status["app_address"] == secure.app_url
        wait_api(lambda: tls_client.get_robot_part(id=part.id).part.online_state, lambda s: s == ONLINE, "online")


def test_secret_rotation_moves_the_double_and_a_stale_one_is_locked_out(emulator, client, doubles):
    """The rotation the API implies (docs/api-assumptions.md §9): add a second secret, write it to the
    device, restart it (SIGHUP), delete the old one. A device left on the old secret loses access."""
    part = new_part(client, emulator.organization_id, {"components": [CAMERA]})
    old_id = [s.id for s in part.secrets if s.secret == part.secret][0]
    rotated = doubles(emulator, part.id, name="rotated", secret=part.secret)
    stale = doubles(emulator, part.id, name="stale", secret=part.secret)
    first = rotated.wait_for(lambda s: s.get("state") == "running", what="running on the old secret")
    stale.wait_for(lambda s: s.get("state") == "running", what="running on the old secret")
    secrets = client.create_robot_part_secret(part_id=part.id).part.secrets
    new_secret = [s.secret for s in secrets if s.id != old_id][0]
    device_launcher.write_cloud_config(rotated.cloud_config, part.id, emulator.app_url, secret=new_secret,
                                       refresh_interval="1s")
    rotated.hup()
    moved = rotated.wait_for(lambda s: s.get("credential_fingerprint") != first["credential_fingerprint"]
                             and s.get("state") == "running", what="running on the new secret")
    assert moved["authenticated"] and moved["restarts"] == first["restarts"] + 1
    client.delete_robot_part_secret(part_id=part.id, secret_id=old_id)
    locked = stale.wait_for(lambda s: s.get("auth_refused"), what="the stale double locked out")
    assert not locked["authenticated"]
    time.sleep(2)  # the rotated double keeps working on the new secret
    assert rotated.status()["authenticated"] and not rotated.status()["auth_refused"]
    assert new_secret not in json.dumps(rotated.status())
    assert stale.stop() == 0 and stale.status()["state"] == "stopped"  # SIGTERM while locked out: clean too
