"""viam-sdk's AppClient against the emulator: locations and location secrets."""
from __future__ import annotations

import uuid

import pytest

pytest.importorskip("viam", reason="viam-sdk is a test dependency (requirements-dev.txt)")
from grpclib.const import Status  # noqa: E402

from conformance_support import LOCATION_ID_RE, ids_of, unique  # noqa: E402

from viam.proto.app import SharedSecret  # noqa: E402

MISSING_LOCATION = "zz0missing"  # a well-formed location ID nobody has


@pytest.fixture
def location(run, app, org_id):
    created = run(app.create_location(org_id, unique("site")))
    yield created
    try:
        run(app.delete_location(created.id))
    except Exception:  # already deleted by the test, or not deletable: not this fixture's business
        pass


def test_create_location_and_read_back(run, app, org_id):
    name = unique("site")
    created = run(app.create_location(org_id, name))
    assert LOCATION_ID_RE.match(created.id), "location IDs are 10 lowercase alphanumerics, got %r" % created.id
    assert created.name == name
    assert created.parent_location_id == ""
    assert created.robot_count == 0
    assert created.HasField("created_on")
    assert [(o.organization_id, o.primary) for o in created.organizations] == [(org_id, True)]
    read = run(app.get_location(created.id))
    assert (read.id, read.name, read.parent_location_id) == (created.id, name, "")
    assert [(o.organization_id, o.primary) for o in read.organizations] == [(org_id, True)]
    assert read.created_on == created.created_on
    run(app.delete_location(created.id))


def test_create_nested_location(run, app, org_id, location, expect_status):
    child = run(app.create_location(org_id, unique("room"), parent_location_id=location.id))
    try:
        assert child.parent_location_id == location.id
        assert run(app.get_location(child.id)).parent_location_id == location.id
        grandchild = run(app.create_location(org_id, unique("shelf"), parent_location_id=child.id))
        try:
            # docs/api-assumptions.md §2: locations nest at most 3 levels deep.
            expect_status(app.create_location(org_id, unique("too-deep"), parent_location_id=grandchild.id),
                          Status.INVALID_ARGUMENT, Status.FAILED_PRECONDITION)
            # A location with sub-locations cannot go.
            expect_status(app.delete_location(child.id), Status.FAILED_PRECONDITION)
        finally:
            run(app.delete_location(grandchild.id))
    finally:
        run(app.delete_location(child.id))


def test_create_location_errors(app, org_id, expect_status):
    expect_status(app.create_location(org_id, ""), Status.INVALID_ARGUMENT)
    expect_status(app.create_location(org_id, unique("orphan"), parent_location_id=MISSING_LOCATION),
                  Status.NOT_FOUND)
    expect_status(app.create_location(str(uuid.uuid4()), unique("elsewhere")),
                  Status.NOT_FOUND, Status.PERMISSION_DENIED)


def test_get_location_errors(app, expect_status):
    expect_status(app.get_location(MISSING_LOCATION), Status.NOT_FOUND)
    expect_status(app.get_location(""), Status.INVALID_ARGUMENT)


def test_update_location_name_and_parent(run, app, org_id, location):
    new_name = unique("renamed")
    updated = run(app.update_location(location.id, name=new_name))
    assert (updated.id, updated.name, updated.parent_location_id) == (location.id, new_name, "")
    assert run(app.get_location(location.id)).name == new_name

    parent = run(app.create_location(org_id, unique("campus")))
    try:
        moved = run(app.update_location(location.id, parent_location_id=parent.id))
        assert (moved.name, moved.parent_location_id) == (new_name, parent.id)
        # An empty name keeps the name; an empty parent moves the location back to the top level.
        back = run(app.update_location(location.id, name="", parent_location_id=""))
        assert (back.name, back.parent_location_id) == (new_name, "")
        assert run(app.get_location(location.id)).parent_location_id == ""
    finally:
        run(app.delete_location(parent.id))


def test_update_location_errors(app, location, expect_status):
    expect_status(app.update_location(MISSING_LOCATION, name="x"), Status.NOT_FOUND)
    expect_status(app.update_location(location.id, parent_location_id=MISSING_LOCATION), Status.NOT_FOUND)
    expect_status(app.update_location(location.id, parent_location_id=location.id), Status.INVALID_ARGUMENT)


def test_list_locations(run, app, org_id, location):
    listed = run(app.list_locations(org_id))
    assert location.id in ids_of(listed)
    assert next(loc for loc in listed if loc.id == location.id).name == location.name
    run(app.delete_location(location.id))
    assert location.id not in ids_of(run(app.list_locations(org_id)))


def test_list_locations_errors(app, expect_status):
    expect_status(app.list_locations(str(uuid.uuid4())), Status.NOT_FOUND, Status.PERMISSION_DENIED)


def test_delete_location(run, app, org_id, expect_status):
    created = run(app.create_location(org_id, unique("doomed")))
    run(app.delete_location(created.id))
    expect_status(app.get_location(created.id), Status.NOT_FOUND)
    expect_status(app.delete_location(created.id), Status.NOT_FOUND)


def test_delete_location_with_a_machine_is_refused(run, app, location, expect_status):
    robot_id = run(app.new_robot(unique("rover"), location.id))
    assert run(app.get_location(location.id)).robot_count == 1
    expect_status(app.delete_location(location.id), Status.FAILED_PRECONDITION)
    run(app.delete_robot(robot_id))
    assert run(app.get_location(location.id)).robot_count == 0
    run(app.delete_location(location.id))


def test_location_auth_and_secrets(run, app, location, expect_status):
    auth = run(app.location_auth(location.id))
    assert auth.location_id == location.id
    assert list(auth.secrets) == list(run(app.get_location(location.id)).auth.secrets)
    if auth.secrets:
        assert auth.secret in [s.secret for s in auth.secrets], "the deprecated single secret is one of secrets[]"
    start = len(auth.secrets)
    # docs/api-assumptions.md §2: at most 2 active secrets; a create that would exceed it fails.
    while len(auth.secrets) < 2:
        auth = run(app.create_location_secret(location.id))
    assert len(auth.secrets) == 2 and len(auth.secrets) >= start
    for secret in auth.secrets:
        assert secret.id and secret.secret and secret.state == SharedSecret.STATE_ENABLED
        assert secret.HasField("created_on")
    expect_status(app.create_location_secret(location.id), Status.FAILED_PRECONDITION)

    gone = auth.secrets[0]
    run(app.delete_location_secret(secret_id=gone.id, location_id=location.id))
    after = run(app.location_auth(location.id))
    assert [s.id for s in after.secrets] == [auth.secrets[1].id]
    assert after.secret == auth.secrets[1].secret
    expect_status(app.delete_location_secret(secret_id=gone.id, location_id=location.id), Status.NOT_FOUND)
    assert len(run(app.create_location_secret(location.id)).secrets) == 2


def test_location_auth_errors(app, expect_status):
    expect_status(app.location_auth(MISSING_LOCATION), Status.NOT_FOUND)
    expect_status(app.create_location_secret(MISSING_LOCATION), Status.NOT_FOUND)
    expect_status(app.delete_location_secret(secret_id=str(uuid.uuid4()), location_id=MISSING_LOCATION),
                  Status.NOT_FOUND)


def test_locations_read_back_by_our_client(run, app, org_id, location, ours, to_dict):
    theirs = run(app.get_location(location.id))
    mine = to_dict(ours.get_location(location_id=location.id).location)
    assert (mine["id"], mine["name"], mine["parent_location_id"]) == (theirs.id, theirs.name, "")
    assert mine["created_on"] == theirs.created_on.ToJsonString()
    assert [(o["organization_id"], o["primary"]) for o in mine["organizations"]] == [(org_id, True)]
    assert location.id in [loc.id for loc in ours.list_locations(organization_id=org_id).locations]
    mine_auth = to_dict(ours.location_auth(location_id=location.id).auth)
    assert [s["id"] for s in mine_auth["secrets"]] == [s.id for s in run(app.location_auth(location.id)).secrets]
