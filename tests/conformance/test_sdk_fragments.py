"""viam-sdk's AppClient against the emulator: fragments."""
from __future__ import annotations

import datetime
import uuid

import pytest

pytest.importorskip("viam", reason="viam-sdk is a test dependency (requirements-dev.txt)")
from grpclib.const import Status  # noqa: E402

from conformance_support import UUID_RE, ids_of, sdk_struct, unique  # noqa: E402

from viam.app.app_client import Fragment  # noqa: E402

MISSING = "00000000-0000-4000-8000-000000000000"
CONFIG = {"components": [{"name": "cam", "type": "camera", "model": "webcam", "attributes": {"fps": 30}}]}


@pytest.fixture
def fragment(run, app, org_id):
    created = run(app.create_fragment(org_id, unique("frag"), config=CONFIG))
    yield created
    try:
        run(app.delete_fragment(created.id))
    except Exception:  # the test deleted it already
        pass


def test_create_fragment_and_read_back(run, app, org_id):
    name = unique("frag")
    created = run(app.create_fragment(org_id, name, config=CONFIG))
    try:
        assert UUID_RE.match(created.id)
        assert (created.name, created.organization_owner) == (name, org_id)
        assert sdk_struct(created.fragment) == CONFIG
        # docs: new fragments are private; `public` agrees with `visibility`.
        assert created.visibility == Fragment.Visibility.PRIVATE and created.public is False
        assert created.created_on is not None
        read = run(app.get_fragment(created.id))
        assert (read.id, read.name, read.organization_owner) == (created.id, name, org_id)
        assert sdk_struct(read.fragment) == CONFIG
        assert read.organization_name == run(app.get_organization(org_id)).name
    finally:
        run(app.delete_fragment(created.id))


def test_create_fragment_without_config(run, app, org_id):
    created = run(app.create_fragment(org_id, unique("empty-frag")))
    try:
        assert sdk_struct(created.fragment or {}) == {}
    finally:
        run(app.delete_fragment(created.id))


def test_create_fragment_errors(app, org_id, expect_status):
    expect_status(app.create_fragment(org_id, ""), Status.INVALID_ARGUMENT)
    expect_status(app.create_fragment(str(uuid.uuid4()), unique("frag")), Status.NOT_FOUND, Status.PERMISSION_DENIED)


def test_get_fragment_errors(app, expect_status):
    expect_status(app.get_fragment(MISSING), Status.NOT_FOUND)
    expect_status(app.get_fragment(""), Status.INVALID_ARGUMENT)


def test_list_fragments(run, app, org_id, fragment):
    private = run(app.list_fragments(org_id, show_public=False, visibilities=[Fragment.Visibility.PRIVATE]))
    assert fragment.id in ids_of(private)
    assert sdk_struct(next(f for f in private if f.id == fragment.id).fragment) == CONFIG
    public = run(app.list_fragments(org_id, show_public=True, visibilities=[Fragment.Visibility.PUBLIC]))
    assert fragment.id not in ids_of(public)


def test_list_fragments_errors(app, expect_status):
    expect_status(app.list_fragments(str(uuid.uuid4()), show_public=False,
                                     visibilities=[Fragment.Visibility.PRIVATE]),
                  Status.NOT_FOUND, Status.PERMISSION_DENIED)


def test_update_fragment(run, app, org_id, fragment):
    new_config = {"components": [], "services": [{"name": "nav", "type": "navigation"}]}
    new_name = unique("frag-renamed")
    updated = run(app.update_fragment(fragment.id, new_name, config=new_config))
    assert (updated.id, updated.name) == (fragment.id, new_name)
    assert sdk_struct(updated.fragment) == new_config
    assert updated.visibility == Fragment.Visibility.PRIVATE
    read = run(app.get_fragment(fragment.id))
    assert read.name == new_name and sdk_struct(read.fragment) == new_config

    # No config sent: kept. Visibility public: `public` follows.
    shown = run(app.update_fragment(fragment.id, new_name, visibility=Fragment.Visibility.PUBLIC))
    assert sdk_struct(shown.fragment) == new_config
    assert shown.visibility == Fragment.Visibility.PUBLIC and shown.public is True
    public = run(app.list_fragments(org_id, show_public=True, visibilities=[Fragment.Visibility.PUBLIC]))
    assert fragment.id in ids_of(public)


def test_update_fragment_optimistic_concurrency(run, app, fragment, expect_status):
    first = run(app.update_fragment(fragment.id, fragment.name, config=CONFIG))
    assert first.last_updated is not None
    run(app.update_fragment(fragment.id, fragment.name, config={"x": 1}, last_known_update=first.last_updated))
    expect_status(app.update_fragment(fragment.id, fragment.name, config=CONFIG,
                                      last_known_update=first.last_updated), Status.FAILED_PRECONDITION)
    stale = datetime.datetime(2001, 1, 1, tzinfo=datetime.timezone.utc)
    expect_status(app.update_fragment(fragment.id, fragment.name, config=CONFIG, last_known_update=stale),
                  Status.FAILED_PRECONDITION)
    assert sdk_struct(run(app.get_fragment(fragment.id)).fragment) == {"x": 1}


def test_update_fragment_errors(app, fragment, expect_status):
    expect_status(app.update_fragment(MISSING, "x"), Status.NOT_FOUND)
    expect_status(app.update_fragment(fragment.id, ""), Status.INVALID_ARGUMENT)


def test_delete_fragment(run, app, org_id, expect_status):
    created = run(app.create_fragment(org_id, unique("doomed")))
    run(app.delete_fragment(created.id))
    expect_status(app.get_fragment(created.id), Status.NOT_FOUND)
    expect_status(app.delete_fragment(created.id), Status.NOT_FOUND)
    assert created.id not in ids_of(run(app.list_fragments(org_id, show_public=False,
                                                           visibilities=[Fragment.Visibility.PRIVATE])))


def test_fragment_usage_counts_parts(run, app, org_id, fragment):
    """A part config's "fragments": [{"id": ...}] is what makes a fragment used (docs/api-assumptions.md §3)."""
    location = run(app.create_location(org_id, unique("frag-site")))
    robot_id = run(app.new_robot(unique("rover"), location.id))
    try:
        part = run(app.get_robot_parts(robot_id))[0]
        run(app.update_robot_part(part.id, part.name, robot_config={"fragments": [{"id": fragment.id}]}))
        assert run(app.get_fragment(fragment.id)).robot_part_count == 1
    finally:
        run(app.delete_robot(robot_id))
        run(app.delete_location(location.id))
    assert run(app.get_fragment(fragment.id)).robot_part_count == 0


def test_fragments_read_back_by_our_client(run, app, org_id, fragment, ours, to_dict):
    theirs = run(app.get_fragment(fragment.id))
    mine = to_dict(ours.get_fragment(id=fragment.id).fragment)
    assert (mine["id"], mine["name"], mine["organization_owner"], mine["public"]) == (
        theirs.id, theirs.name, theirs.organization_owner, theirs.public)
    assert mine["fragment"] == CONFIG
    assert mine["visibility"] == "FRAGMENT_VISIBILITY_PRIVATE"
    listed = ours.list_fragments(organization_id=org_id, show_public=False,
                                 fragment_visibility=["FRAGMENT_VISIBILITY_PRIVATE"]).fragments
    assert fragment.id in [f.id for f in listed]
