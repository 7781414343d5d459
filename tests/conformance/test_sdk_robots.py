"""viam-sdk's AppClient against the emulator: machines (robots), parts, part secrets, history and logs."""
from __future__ import annotations

import datetime
import json
import uuid

import pytest

pytest.importorskip("viam", reason="viam-sdk is a test dependency (requirements-dev.txt)")
from grpclib.const import Status  # noqa: E402

from conformance_support import UUID_RE, ids_of, sdk_struct, unique  # noqa: E402

from viam.proto.app import SharedSecret  # noqa: E402

MISSING = "00000000-0000-4000-8000-000000000000"  # a well-formed UUID nobody has
CONFIG = {"components": [{"name": "left", "type": "motor", "model": "fake", "attributes": {"max_rpm": 500}}],
          "services": [], "debug": True}


def dns_label(name: str) -> str:
    return name.lower()


@pytest.fixture
def site(run, app, org_id):
    """A location of this test's own, with everything in it removed at the end."""
    location = run(app.create_location(org_id, unique("site")))
    yield location.id
    for robot in run(app.list_robots(location.id)):
        run(app.delete_robot(robot.id))
    run(app.delete_location(location.id))


@pytest.fixture
def machine(run, app, site):
    name = unique("rover")
    robot_id = run(app.new_robot(name, site))
    return {"id": robot_id, "name": name, "location": site}


def main_part(run, app, robot_id):
    parts = run(app.get_robot_parts(robot_id))
    mains = [p for p in parts if p.main_part]
    assert len(mains) == 1, "a machine has exactly one main part, found %d" % len(mains)
    return mains[0]


# --------------------------------------------------------------------------- machines


def test_new_robot_and_read_back(run, app, site):
    name = unique("rover")
    robot_id = run(app.new_robot(name, site))
    assert UUID_RE.match(robot_id)
    robot = run(app.get_robot(robot_id))
    assert (robot.id, robot.name, robot.location) == (robot_id, name, site)
    assert robot.HasField("created_on")
    assert robot_id in ids_of(run(app.list_robots(site)))
    assert run(app.get_location(site)).robot_count == 1


def test_new_robot_makes_its_main_part(run, app, machine):
    """docs/api-assumptions.md §2: every new machine gets a main part named '<machine>-main', FQDNs from dns_name and location."""
    parts = run(app.get_robot_parts(machine["id"]))
    assert len(parts) == 1
    part = parts[0]
    assert part.main_part
    assert part.name == "%s-main" % machine["name"]
    assert UUID_RE.match(part.id)
    assert (part.robot, part.location_id) == (machine["id"], machine["location"])
    assert part.dns_name == dns_label(part.name)
    assert part.fqdn == "%s.%s.viam.cloud" % (part.dns_name, machine["location"])
    assert part.local_fqdn == "%s.%s.local.viam.cloud" % (part.dns_name, machine["location"])
    assert part.secret, "the deprecated part secret is still filled (scripts build viam.json from it)"
    assert part.created_on is not None


def test_new_robot_errors(run, app, machine, expect_status):
    expect_status(app.new_robot("", machine["location"]), Status.INVALID_ARGUMENT)
    expect_status(app.new_robot(unique("rover"), "zz0missing"), Status.NOT_FOUND)
    # docs/api-assumptions.md §2: machine names are unique within a location ('<name>-main' part names are).
    expect_status(app.new_robot(machine["name"], machine["location"]), Status.ALREADY_EXISTS)


def test_get_robot_errors(app, expect_status):
    expect_status(app.get_robot(MISSING), Status.NOT_FOUND)
    expect_status(app.get_robot(""), Status.INVALID_ARGUMENT)


def test_update_robot_rename_and_move(run, app, org_id, machine):
    new_name = unique("rover-renamed")
    updated = run(app.update_robot(machine["id"], new_name, machine["location"]))
    assert (updated.id, updated.name, updated.location) == (machine["id"], new_name, machine["location"])
    assert run(app.get_robot(machine["id"])).name == new_name
    # An empty location means "unchanged" (the SDK sends "" when none is given).
    kept = run(app.update_robot(machine["id"], new_name))
    assert kept.location == machine["location"]

    other = run(app.create_location(org_id, unique("site2")))
    try:
        moved = run(app.update_robot(machine["id"], new_name, other.id))
        assert moved.location == other.id
        assert machine["id"] in ids_of(run(app.list_robots(other.id)))
        assert machine["id"] not in ids_of(run(app.list_robots(machine["location"])))
        assert {p.location_id for p in run(app.get_robot_parts(machine["id"]))} == {other.id}
        run(app.update_robot(machine["id"], new_name, machine["location"]))
    finally:
        run(app.delete_location(other.id))


def test_update_robot_errors(app, machine, expect_status):
    expect_status(app.update_robot(MISSING, "x", machine["location"]), Status.NOT_FOUND)
    expect_status(app.update_robot(machine["id"], machine["name"], "zz0missing"), Status.NOT_FOUND)


def test_list_robots(run, app, machine, expect_status):
    listed = run(app.list_robots(machine["location"]))
    assert [(r.id, r.name) for r in listed] == [(machine["id"], machine["name"])]
    expect_status(app.list_robots("zz0missing"), Status.NOT_FOUND)


def test_delete_robot(run, app, machine, expect_status):
    part = main_part(run, app, machine["id"])
    run(app.delete_robot(machine["id"]))
    expect_status(app.get_robot(machine["id"]), Status.NOT_FOUND)
    assert machine["id"] not in ids_of(run(app.list_robots(machine["location"])))
    expect_status(app.get_robot_part(part.id), Status.NOT_FOUND)
    expect_status(app.delete_robot(machine["id"]), Status.NOT_FOUND)
    assert run(app.get_location(machine["location"])).robot_count == 0


def test_get_rover_rental_robots(run, app, org_id, expect_status):
    assert run(app.get_rover_rental_robots(org_id)) == []
    expect_status(app.get_rover_rental_robots(str(uuid.uuid4())), Status.NOT_FOUND, Status.PERMISSION_DENIED)


# --------------------------------------------------------------------------- parts


def test_new_robot_part_and_read_back(run, app, machine):
    part_id = run(app.new_robot_part(machine["id"], "Arm Computer"))
    assert UUID_RE.match(part_id)
    part = run(app.get_robot_part(part_id))
    assert (part.id, part.name, part.robot) == (part_id, "Arm Computer", machine["id"])
    assert part.location_id == machine["location"]
    assert not part.main_part
    assert part.dns_name == "arm-computer"
    assert part.fqdn == "arm-computer.%s.viam.cloud" % machine["location"]
    assert part.local_fqdn == "arm-computer.%s.local.viam.cloud" % machine["location"]
    parts = run(app.get_robot_parts(machine["id"]))
    assert sorted(p.id for p in parts) == sorted([part_id, main_part(run, app, machine["id"]).id])


def test_new_robot_part_errors(run, app, machine, expect_status):
    expect_status(app.new_robot_part(MISSING, "x"), Status.NOT_FOUND)
    expect_status(app.new_robot_part(machine["id"], ""), Status.INVALID_ARGUMENT)
    run(app.new_robot_part(machine["id"], "camera"))
    # docs/api-assumptions.md §2: part names are unique within a location.
    expect_status(app.new_robot_part(machine["id"], "camera"), Status.ALREADY_EXISTS)


def test_get_robot_parts_errors(app, expect_status):
    expect_status(app.get_robot_parts(MISSING), Status.NOT_FOUND)


def test_get_robot_part_with_dest_writes_the_config(run, app, machine, tmp_path):
    part = main_part(run, app, machine["id"])
    run(app.update_robot_part(part.id, part.name, robot_config=CONFIG))
    dest = tmp_path / "part.json"
    read = run(app.get_robot_part(part.id, dest=str(dest), indent=2))
    assert read.id == part.id
    written = json.loads(dest.read_text())
    assert sdk_struct(written) == CONFIG
    assert sdk_struct(read.robot_config) == CONFIG


def test_get_robot_part_errors(app, expect_status):
    expect_status(app.get_robot_part(MISSING), Status.NOT_FOUND)
    expect_status(app.get_robot_part(""), Status.INVALID_ARGUMENT)


def test_update_robot_part_config_and_name(run, app, machine):
    part = main_part(run, app, machine["id"])
    updated = run(app.update_robot_part(part.id, part.name, robot_config=CONFIG))
    assert sdk_struct(updated.robot_config) == CONFIG
    assert updated.last_updated is not None
    assert sdk_struct(run(app.get_robot_part(part.id)).robot_config) == CONFIG

    # No config sent: the stored config is kept. A rename regenerates dns_name and the FQDNs.
    renamed = run(app.update_robot_part(part.id, "Main Brain"))
    assert sdk_struct(renamed.robot_config) == CONFIG
    assert renamed.name == "Main Brain" and renamed.dns_name == "main-brain"
    assert renamed.fqdn == "main-brain.%s.viam.cloud" % machine["location"]
    assert renamed.local_fqdn == "main-brain.%s.local.viam.cloud" % machine["location"]

    # robot_config_json wins over robot_config.
    other = {"components": [], "modules": [{"name": "m", "module_id": "acme:m", "version": "1.0.0"}]}
    both = run(app.update_robot_part(part.id, "Main Brain", robot_config={"ignored": True},
                                     robot_config_json=json.dumps(other)))
    assert sdk_struct(both.robot_config) == other


def test_update_robot_part_optimistic_concurrency(run, app, machine, expect_status):
    part = main_part(run, app, machine["id"])
    fresh = run(app.update_robot_part(part.id, part.name, robot_config=CONFIG))
    assert fresh.last_updated is not None
    changed = dict(CONFIG, debug=False)
    ok = run(app.update_robot_part(part.id, part.name, robot_config=changed, last_known_update=fresh.last_updated))
    assert sdk_struct(ok.robot_config) == changed
    # fresh.last_updated is stale now: the edit in between must not be overwritten silently.
    expect_status(app.update_robot_part(part.id, part.name, robot_config=CONFIG,
                                        last_known_update=fresh.last_updated), Status.FAILED_PRECONDITION)
    stale = datetime.datetime(2001, 1, 1, tzinfo=datetime.timezone.utc)
    expect_status(app.update_robot_part(part.id, part.name, robot_config=CONFIG, last_known_update=stale),
                  Status.FAILED_PRECONDITION)
    assert sdk_struct(run(app.get_robot_part(part.id)).robot_config) == changed


def test_update_robot_part_errors(run, app, machine, expect_status):
    part = main_part(run, app, machine["id"])
    expect_status(app.update_robot_part(MISSING, "x", robot_config=CONFIG), Status.NOT_FOUND)
    expect_status(app.update_robot_part(part.id, part.name, robot_config_json="{not json"), Status.INVALID_ARGUMENT)


def test_get_robot_part_history(run, app, machine, expect_status):
    part = main_part(run, app, machine["id"])
    run(app.update_robot_part(part.id, part.name, robot_config=CONFIG))
    run(app.update_robot_part(part.id, part.name, robot_config=dict(CONFIG, debug=False)))
    history = run(app.get_robot_part_history(part.id))
    assert len(history) >= 2
    for entry in history:
        assert (entry.part, entry.robot) == (part.id, machine["id"])
        assert entry.when is not None and entry.old is not None
    # The entry of the last edit holds the config it replaced.
    assert sdk_struct(CONFIG) in [sdk_struct(e.old.robot_config) for e in history]
    expect_status(app.get_robot_part_history(MISSING), Status.NOT_FOUND)


def test_mark_part_as_main(run, app, machine, expect_status):
    first = main_part(run, app, machine["id"])
    second_id = run(app.new_robot_part(machine["id"], "second"))
    run(app.mark_part_as_main(second_id))
    parts = {p.id: p.main_part for p in run(app.get_robot_parts(machine["id"]))}
    assert parts == {first.id: False, second_id: True}
    run(app.mark_part_as_main(first.id))
    assert main_part(run, app, machine["id"]).id == first.id
    expect_status(app.mark_part_as_main(MISSING), Status.NOT_FOUND)


def test_mark_part_for_restart(run, app, machine, expect_status):
    run(app.mark_part_for_restart(main_part(run, app, machine["id"]).id))
    expect_status(app.mark_part_for_restart(MISSING), Status.NOT_FOUND)


def test_delete_robot_part(run, app, machine, expect_status):
    part_id = run(app.new_robot_part(machine["id"], "doomed"))
    run(app.delete_robot_part(part_id))
    assert part_id not in ids_of(run(app.get_robot_parts(machine["id"])))
    expect_status(app.get_robot_part(part_id), Status.NOT_FOUND)
    expect_status(app.delete_robot_part(part_id), Status.NOT_FOUND)
    # docs/api-assumptions.md §2: the main part cannot be deleted (mark another part as main first).
    expect_status(app.delete_robot_part(main_part(run, app, machine["id"]).id), Status.FAILED_PRECONDITION)


def test_robot_part_secrets(run, app, machine, expect_status):
    part = main_part(run, app, machine["id"])
    secrets = list(part.secrets)
    while len(secrets) < 2:
        secrets = list(run(app.create_robot_part_secret(part.id)).secrets)
    for secret in secrets:
        assert secret.id and secret.secret and secret.state == SharedSecret.STATE_ENABLED
    # docs/api-assumptions.md §2: no more than 2 active secrets.
    expect_status(app.create_robot_part_secret(part.id), Status.FAILED_PRECONDITION)
    run(app.delete_robot_part_secret(part.id, secrets[0].id))
    left = run(app.get_robot_part(part.id)).secrets
    assert [s.id for s in left] == [secrets[1].id]
    expect_status(app.delete_robot_part_secret(part.id, secrets[0].id), Status.NOT_FOUND)
    expect_status(app.create_robot_part_secret(MISSING), Status.NOT_FOUND)
    expect_status(app.delete_robot_part_secret(MISSING, secrets[1].id), Status.NOT_FOUND)


# --------------------------------------------------------------------------- logs


def test_get_robot_part_logs(run, app, machine, expect_status):
    part = main_part(run, app, machine["id"])
    logs = run(app.get_robot_part_logs(part.id, num_log_entries=10))
    assert isinstance(logs, list) and len(logs) <= 10
    for entry in logs:
        assert entry.level and entry.time is not None
    assert isinstance(run(app.get_robot_part_logs(part.id, log_levels=["error"], range="10m")), list)
    # docs/api-assumptions.md §3: an explicitly empty range is rejected.
    expect_status(app.get_robot_part_logs(part.id, range=""), Status.INVALID_ARGUMENT)
    expect_status(app.get_robot_part_logs(MISSING), Status.NOT_FOUND)


def test_tail_robot_part_logs(run, app, machine, expect_status):
    part = main_part(run, app, machine["id"])

    async def collect(part_id):
        batches = []
        stream = await app.tail_robot_part_logs(part_id, errors_only=False)
        async for batch in stream:
            batches.append(batch)
            if len(batches) >= 3:
                break
        return batches

    batches = run(collect(part.id), timeout=10)
    for batch in batches:
        assert batch and all(entry.level for entry in batch)
    expect_status(collect(MISSING), Status.NOT_FOUND)


# --------------------------------------------------------------------------- our client reads the same


def test_robots_and_parts_read_back_by_our_client(run, app, machine, ours, to_dict):
    part = main_part(run, app, machine["id"])
    run(app.update_robot_part(part.id, part.name, robot_config=CONFIG))
    theirs_robot = run(app.get_robot(machine["id"]))
    theirs_part = run(app.get_robot_part(part.id))

    robot = to_dict(ours.get_robot(id=machine["id"]).robot)
    assert (robot["id"], robot["name"], robot["location"]) == (theirs_robot.id, theirs_robot.name,
                                                               theirs_robot.location)
    assert robot["created_on"] == theirs_robot.created_on.ToJsonString()

    response = ours.get_robot_part(id=part.id)
    mine = to_dict(response.part)
    for key in ("id", "name", "dns_name", "robot", "location_id", "main_part", "fqdn", "local_fqdn", "secret"):
        assert mine[key] == getattr(theirs_part, key), key
    assert mine["robot_config"] == CONFIG
    assert json.loads(response.config_json) == CONFIG
    assert [s["id"] for s in mine["secrets"]] == [s.id for s in theirs_part.secrets]

    listed = [to_dict(p) for p in ours.get_robot_parts(robot_id=machine["id"]).parts]
    assert [(p["id"], p["fqdn"], p["main_part"]) for p in listed] == [(part.id, part.fqdn, True)]
    assert machine["id"] in [r.id for r in ours.list_robots(location_id=machine["location"]).robots]
