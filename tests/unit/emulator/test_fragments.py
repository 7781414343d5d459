"""Fragments: create, list (visibility rules), get (usage, versions), update (concurrency, history), delete."""
from __future__ import annotations

import json
from datetime import timedelta

import grpc
from _fixtures_orgs import Emu, expect_error, pb

NOT_FOUND = grpc.StatusCode.NOT_FOUND
INVALID = grpc.StatusCode.INVALID_ARGUMENT
DENIED = grpc.StatusCode.PERMISSION_DENIED
EXISTS = grpc.StatusCode.ALREADY_EXISTS
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
PRIVATE, PUBLIC, UNLISTED = (pb.FRAGMENT_VISIBILITY_PRIVATE, pb.FRAGMENT_VISIBILITY_PUBLIC,
                             pb.FRAGMENT_VISIBILITY_PUBLIC_UNLISTED)


Struct = type(pb.Fragment().fragment)  # the wire's Struct: its own descriptor pool, not google's


def struct(data: dict):
    value = Struct()
    value.update(data)
    return value


def create(emu: Emu, name: str, config: dict = None, org_id: str = "", as_=None, **fields) -> pb.Fragment:
    request = pb.CreateFragmentRequest(name=name, organization_id=org_id or emu.org_id, **fields)
    if config is not None:
        request.config.CopyFrom(struct(config))
    return emu.call("CreateFragment", request, as_=as_).fragment


def update(emu: Emu, fragment: pb.Fragment, as_=None, **fields) -> pb.Fragment:
    fields.setdefault("name", fragment.name)
    return emu.call("UpdateFragment", pb.UpdateFragmentRequest(id=fragment.id, **fields), as_=as_).fragment


def get(emu: Emu, fragment_id: str, as_=None, **fields) -> pb.GetFragmentResponse:
    return emu.call("GetFragment", pb.GetFragmentRequest(id=fragment_id, **fields), as_=as_)


def names(emu: Emu, as_=None, **fields):
    response = emu.call("ListFragments", pb.ListFragmentsRequest(**fields), as_=as_)
    assert [u.fragment_id for u in response.fragment_usages] == [f.id for f in response.fragments]
    return sorted(f.name for f in response.fragments)


def test_create_defaults(emu: Emu) -> None:
    fragment = create(emu, "base", {"components": [{"name": "arm"}]})
    assert (fragment.visibility, fragment.public, fragment.revision) == (PRIVATE, False, "1")
    assert fragment.organization_owner == emu.org_id and fragment.organization_name == "Emulator Organization"
    assert fragment.last_updated == fragment.created_on and fragment.HasField("fragment")
    assert fragment.fragment == struct({"components": [{"name": "arm"}]})
    assert not fragment.HasField("public_namespace")
    empty = create(emu, "empty")
    assert empty.HasField("fragment") and empty.fragment == Struct()
    public = create(emu, "shared", visibility=PUBLIC)
    assert (public.visibility, public.public) == (PUBLIC, True)


def test_create_rules(emu: Emu) -> None:
    create(emu, "base")
    expect_error(EXISTS, create, emu, "base")
    expect_error(INVALID, create, emu, " ")
    expect_error(INVALID, create, emu, "x", visibility=7)
    other = emu.call("CreateOrganization", pb.CreateOrganizationRequest(name="other")).organization
    assert create(emu, "base", org_id=other.id).organization_owner == other.id  # unique per organization only
    operator = emu.key("operator", "organization", emu.org_id)
    expect_error(DENIED, create, emu, "mine", as_=operator)


def test_list_visibility_rules(emu: Emu) -> None:
    create(emu, "private")
    create(emu, "public", visibility=PUBLIC)
    create(emu, "unlisted", visibility=UNLISTED)
    other = emu.call("CreateOrganization", pb.CreateOrganizationRequest(name="other")).organization
    create(emu, "their-private", org_id=other.id)
    create(emu, "their-public", org_id=other.id, visibility=PUBLIC)
    create(emu, "their-unlisted", org_id=other.id, visibility=UNLISTED)
    org = emu.org_id
    # The SDK's default: show_public=True and no visibilities means public fragments only.
    assert names(emu, organization_id=org, show_public=True) == ["public", "their-public"]
    # The CLI's empty request and show_public=False: what the organization owns.
    owner_of_first = emu.key("owner", "organization", org)
    assert names(emu, as_=owner_of_first) == ["private", "public", "unlisted"]
    assert names(emu, organization_id=org) == ["private", "public", "unlisted"]
    assert names(emu, organization_id=org, fragment_visibility=[PRIVATE, UNLISTED]) == ["private", "unlisted"]
    assert names(emu, organization_id=org, fragment_visibility=[PUBLIC]) == ["public", "their-public"]
    # Without an organization: every organization the caller may read (the owner key made "other").
    assert names(emu, fragment_visibility=[PRIVATE]) == ["private", "their-private"]
    outsider = emu.key("owner", "location", emu.location())
    expect_error(DENIED, names, emu, as_=outsider, organization_id=org)
    assert names(emu, as_=outsider, show_public=True) == ["public", "their-public"]


def test_get_fragment_counts_usage_from_part_configs(emu: Emu) -> None:
    used = create(emu, "used")
    unused = create(emu, "unused")
    location_id = emu.location()
    for name in ("a", "b"):
        emu.use_fragments(emu.main_part(emu.robot(location_id, name)), used.id)
    got = get(emu, used.id)
    assert (got.fragment.robot_part_count, got.fragment.organization_count, got.fragment.only_used_by_owner) == (
        2, 1, True)
    assert (got.fragment_usage.machines, got.fragment_usage.organizations,
            got.fragment_usage.machines_in_current_org) == (2, 1, 2)
    assert get(emu, unused.id).fragment.robot_part_count == 0
    listed = emu.call("ListFragments", pb.ListFragmentsRequest(organization_id=emu.org_id))
    assert {u.fragment_id: u.machines for u in listed.fragment_usages} == {used.id: 2, unused.id: 0}
    expect_error(NOT_FOUND, get, emu, "7f1f5bb4-47b6-4c1e-9c5d-1f2e3a4b5c6d")
    expect_error(INVALID, get, emu, "")


def test_private_fragments_of_other_organizations_are_closed(emu: Emu) -> None:
    other = emu.call("CreateOrganization", pb.CreateOrganizationRequest(name="other")).organization
    private = create(emu, "secret", org_id=other.id)
    public = create(emu, "open", org_id=other.id, visibility=UNLISTED)
    outsider = emu.key("owner", "organization", emu.org_id)
    expect_error(DENIED, get, emu, private.id, as_=outsider)
    assert get(emu, public.id, as_=outsider).fragment.name == "open"
    expect_error(DENIED, update, emu, public, as_=outsider, name="hijacked")
    expect_error(DENIED, emu.call, "DeleteFragment", pb.DeleteFragmentRequest(id=public.id), as_=outsider)


def test_update_config_visibility_and_revision(emu: Emu) -> None:
    fragment = create(emu, "base", {"a": 1})
    renamed = update(emu, fragment, name="renamed")
    assert (renamed.name, renamed.revision, renamed.fragment) == ("renamed", "2", struct({"a": 1}))
    assert renamed.last_updated.ToDatetime() > fragment.last_updated.ToDatetime()
    changed = update(emu, renamed, config=struct({"b": 2}), visibility=UNLISTED)
    assert (changed.fragment, changed.visibility, changed.public, changed.revision) == (
        struct({"b": 2}), UNLISTED, False, "3")
    public = update(emu, changed, public=True)
    assert (public.visibility, public.public) == (PUBLIC, True)
    private = update(emu, public, public=False)
    assert (private.visibility, private.public) == (PRIVATE, False)
    as_json = update(emu, private, config=struct({"ignored": True}), fragment_config_json=json.dumps({"c": [1]}))
    assert as_json.fragment == struct({"c": [1]})
    same = update(emu, as_json)  # nothing changes: no new revision, no history
    assert (same.revision, same.last_updated) == (as_json.revision, as_json.last_updated)


def test_update_rules(emu: Emu) -> None:
    fragment = create(emu, "base")
    create(emu, "taken")
    expect_error(INVALID, update, emu, fragment, name="")
    expect_error(EXISTS, update, emu, fragment, name="taken")
    expect_error(INVALID, update, emu, fragment, public=True, visibility=PRIVATE)
    expect_error(INVALID, update, emu, fragment, visibility=9)
    expect_error(INVALID, update, emu, fragment, fragment_config_json="[1, 2]")
    expect_error(INVALID, update, emu, fragment, fragment_config_json="{nope")
    expect_error(NOT_FOUND, emu.call, "UpdateFragment", pb.UpdateFragmentRequest(
        id="7f1f5bb4-47b6-4c1e-9c5d-1f2e3a4b5c6d", name="x"))
    operator = emu.key("operator", "organization", emu.org_id)
    expect_error(DENIED, update, emu, fragment, as_=operator, config=struct({"x": 1}))


def test_last_known_update_is_optimistic_concurrency(emu: Emu) -> None:
    fragment = create(emu, "base")
    first = update(emu, fragment, config=struct({"v": 1}), last_known_update=fragment.last_updated)
    error = expect_error(PRECONDITION, update, emu, fragment, config=struct({"v": 2}),
                         last_known_update=fragment.last_updated)
    assert "re-read" in error.message
    # A value that went through a Python datetime (as viam-sdk sends it) still matches.
    stamp = pb.Fragment().last_updated
    stamp.FromDatetime(first.last_updated.ToDatetime())
    assert update(emu, first, config=struct({"v": 3}), last_known_update=stamp).fragment == struct({"v": 3})
    later = pb.Fragment().last_updated
    later.FromDatetime(first.last_updated.ToDatetime() + timedelta(seconds=1))
    expect_error(PRECONDITION, update, emu, first, last_known_update=later)


def test_history_pages_newest_first(emu: Emu) -> None:
    fragment = create(emu, "base", {"v": 0})
    current = fragment
    for value in range(1, 13):
        current = update(emu, current, config=struct({"v": value}))

    def page(**fields) -> pb.GetFragmentHistoryResponse:
        return emu.call("GetFragmentHistory", pb.GetFragmentHistoryRequest(id=fragment.id, **fields))

    first = page()
    assert len(first.history) == 10 and first.next_page_token
    assert [h.old.fragment["v"] for h in first.history[:2]] == [11, 10]
    newest = first.history[0]
    assert (newest.fragment, newest.revision, newest.config) == (fragment.id, "13", struct({"v": 12}))
    assert newest.HasField("edited_on") and newest.edited_by.value == emu.owner.key_id
    assert newest.edited_by.type == pb.AUTHENTICATION_TYPE_API_KEY
    rest = page(page_token=first.next_page_token)
    assert [h.old.fragment["v"] for h in rest.history] == [1, 0] and rest.next_page_token == ""
    assert [h.old.revision for h in page(page_limit=3).history] == ["12", "11", "10"]
    expect_error(INVALID, page, page_token="garbage")
    expect_error(INVALID, page, page_limit=-1)


def test_get_a_past_version(emu: Emu) -> None:
    fragment = create(emu, "base", {"v": 1})
    update(emu, fragment, config=struct({"v": 2}))
    got = get(emu, fragment.id)
    assert [r.revision for r in got.revisions] == ["2", "1"]
    assert get(emu, fragment.id, version="1").fragment.fragment == struct({"v": 1})
    assert get(emu, fragment.id, version="2").fragment.fragment == struct({"v": 2})
    expect_error(NOT_FOUND, get, emu, fragment.id, version="9")


def test_delete_fragment_even_in_use(emu: Emu) -> None:
    fragment = create(emu, "base")
    update(emu, fragment, config=struct({"x": 1}))
    emu.use_fragments(emu.main_part(emu.robot(emu.location())), fragment.id)
    emu.call("DeleteFragment", pb.DeleteFragmentRequest(id=fragment.id))
    expect_error(NOT_FOUND, get, emu, fragment.id)
    expect_error(NOT_FOUND, emu.call, "DeleteFragment", pb.DeleteFragmentRequest(id=fragment.id))
    with emu.tx() as tx:
        assert tx.count("fragment_history", parent=fragment.id) == 0
    assert create(emu, "base").name == "base"  # the name is free again


def test_namespace_shows_on_fragments(emu: Emu) -> None:
    emu.call("UpdateOrganization", pb.UpdateOrganizationRequest(organization_id=emu.org_id, public_namespace="acme"))
    assert create(emu, "base").public_namespace == "acme"
