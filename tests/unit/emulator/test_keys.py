"""API keys: create, list, rename, rotate, copy, delete, and the keys that cover a machine."""
from __future__ import annotations

import re
import uuid

import grpc

from _fixtures_orgs import Emu, auth, expect_error, pb
from viam_emulator.access import Principal, allowed

NOT_FOUND = grpc.StatusCode.NOT_FOUND
INVALID = grpc.StatusCode.INVALID_ARGUMENT
DENIED = grpc.StatusCode.PERMISSION_DENIED


def sdk_auth(role: str, resource_type: str, resource_id: str, org_id: str = "") -> pb.Authorization:
    """What the Python SDK sends for a new key: identity_type api-key, identity_id empty."""
    return auth(role, resource_type, resource_id, "", org_id, "api-key")


def create(emu: Emu, *authorizations: pb.Authorization, name: str = "ci", as_=None) -> pb.CreateKeyResponse:
    return emu.call("CreateKey", pb.CreateKeyRequest(authorizations=authorizations, name=name), as_=as_)


def listed(emu: Emu, org_id: str = ""):
    return {k.api_key.id: k for k in emu.call("ListKeys", pb.ListKeysRequest(org_id=org_id or emu.org_id)).api_keys}


def test_create_key_returns_a_usable_uuid_and_secret(emu: Emu) -> None:
    location_id = emu.location()
    created = create(emu, sdk_auth("owner", "location", location_id, emu.org_id))
    uuid.UUID(created.id)
    assert re.match(r"^[a-z0-9]{32}$", created.key)
    with emu.tx() as tx:
        assert allowed(tx, Principal(created.id), "write", "location", location_id)
        assert not allowed(tx, Principal(created.id), "read", "organization", emu.org_id)
        assert tx.get("api_key", created.id, pb.APIKey).key == created.key


def test_list_keys_hides_secrets_and_shows_authorizations(emu: Emu) -> None:
    location_id = emu.location()
    created = create(emu, sdk_auth("operator", "location", location_id), name="reader")
    keys = listed(emu)
    assert set(keys) == {emu.owner.key_id, created.id}
    entry = keys[created.id]
    assert (entry.api_key.name, entry.api_key.key) == ("reader", "")
    assert entry.api_key.HasField("created_on")
    assert [(a.authorization_type, a.authorization_id, a.resource_type, a.resource_id, a.org_id)
            for a in entry.authorizations] == [("role", "location_operator", "location", location_id, emu.org_id)]
    operator = emu.key("operator", "organization", emu.org_id)
    expect_error(DENIED, emu.call, "ListKeys", pb.ListKeysRequest(org_id=emu.org_id), as_=operator)


def test_create_key_rules(emu: Emu) -> None:
    location_id = emu.location()
    expect_error(INVALID, create, emu)
    with_identity = sdk_auth("owner", "location", location_id)
    with_identity.identity_id = emu.owner.key_id
    expect_error(INVALID, create, emu, with_identity)
    expect_error(NOT_FOUND, create, emu, sdk_auth("owner", "location", "zzzzzzzzzz"))
    expect_error(INVALID, create, emu, sdk_auth("boss", "location", location_id))
    other = emu.call("CreateOrganization", pb.CreateOrganizationRequest(name="other")).organization
    expect_error(INVALID, create, emu, sdk_auth("owner", "organization", emu.org_id),
                 sdk_auth("owner", "organization", other.id))
    # The caller must own what it hands out.
    operator = emu.key("operator", "location", location_id)
    expect_error(DENIED, create, emu, sdk_auth("operator", "location", location_id), as_=operator)
    location_owner = emu.key("owner", "location", location_id)
    create(emu, sdk_auth("operator", "location", location_id), as_=location_owner)
    expect_error(DENIED, create, emu, sdk_auth("operator", "organization", emu.org_id), as_=location_owner)


def test_create_key_defaults(emu: Emu) -> None:
    location_id = emu.location()
    created = create(emu, sdk_auth("owner", "location", location_id), sdk_auth("owner", "location", location_id),
                     name="")
    entry = listed(emu)[created.id]
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", entry.api_key.name)  # like str(datetime.now())
    assert len(entry.authorizations) == 1  # the same role twice is one role
    assert entry.authorizations[0].org_id == emu.org_id  # filled in from the location


def test_shared_location_needs_an_organization(emu: Emu) -> None:
    other = emu.call("CreateOrganization", pb.CreateOrganizationRequest(name="other")).organization
    location_id = emu.location("shared")
    emu.call("ShareLocation", pb.ShareLocationRequest(location_id=location_id, organization_id=other.id))
    error = expect_error(INVALID, create, emu, sdk_auth("owner", "location", location_id))
    assert "multiple orgs" in error.message
    created = create(emu, sdk_auth("owner", "location", location_id, other.id))
    assert created.id in listed(emu, other.id)


def test_rename_rotate_copy_delete(emu: Emu) -> None:
    location_id = emu.location()
    created = create(emu, sdk_auth("owner", "location", location_id))
    renamed = emu.call("RenameKey", pb.RenameKeyRequest(id=created.id, name="renamed"))
    assert (renamed.id, renamed.name) == (created.id, "renamed")
    expect_error(INVALID, emu.call, "RenameKey", pb.RenameKeyRequest(id=created.id, name=" "))
    rotated = emu.call("RotateKey", pb.RotateKeyRequest(id=created.id))
    assert rotated.id == created.id and rotated.key != created.key and len(rotated.key) == 32
    with emu.tx() as tx:
        assert tx.get("api_key", created.id, pb.APIKey).key == rotated.key
    copy = emu.call("CreateKeyFromExistingKeyAuthorizations",
                    pb.CreateKeyFromExistingKeyAuthorizationsRequest(id=created.id))
    keys = listed(emu)
    assert copy.id != created.id and copy.key
    assert list(keys[copy.id].authorizations) == list(keys[created.id].authorizations)
    assert keys[created.id].api_key.name == "renamed"
    emu.call("DeleteKey", pb.DeleteKeyRequest(id=created.id))
    assert created.id not in listed(emu)
    with emu.tx() as tx:
        assert not allowed(tx, Principal(created.id), "read", "location", location_id)
        assert tx.count("authorization", parent=created.id) == 0
    for rpc, request in (("DeleteKey", pb.DeleteKeyRequest(id=created.id)),
                         ("RotateKey", pb.RotateKeyRequest(id=created.id)),
                         ("RenameKey", pb.RenameKeyRequest(id=created.id, name="x")),
                         ("CreateKeyFromExistingKeyAuthorizations",
                          pb.CreateKeyFromExistingKeyAuthorizationsRequest(id=created.id))):
        expect_error(NOT_FOUND, emu.call, rpc, request)
    expect_error(INVALID, emu.call, "RotateKey", pb.RotateKeyRequest())


def test_managing_a_key_needs_ownership_of_what_it_grants(emu: Emu) -> None:
    first, second = emu.location("a"), emu.location("b")
    first_owner = emu.key("owner", "location", first)
    created = create(emu, sdk_auth("owner", "location", second))
    for rpc, request in (("RotateKey", pb.RotateKeyRequest(id=created.id)),
                         ("DeleteKey", pb.DeleteKeyRequest(id=created.id)),
                         ("RenameKey", pb.RenameKeyRequest(id=created.id, name="mine"))):
        expect_error(DENIED, emu.call, rpc, request, as_=first_owner)
    mine = create(emu, sdk_auth("operator", "location", first), as_=first_owner)
    emu.call("RotateKey", pb.RotateKeyRequest(id=mine.id), as_=first_owner)


def test_get_robot_api_keys_lists_keys_that_cover_the_machine(emu: Emu) -> None:
    location_id, elsewhere = emu.location("a"), emu.location("b")
    robot_id = emu.robot(location_id)
    on_robot = create(emu, sdk_auth("operator", "robot", robot_id)).id
    on_location = create(emu, sdk_auth("owner", "location", location_id)).id
    create(emu, sdk_auth("owner", "location", elsewhere))
    create(emu, sdk_auth("owner", "robot", emu.robot(location_id, "other")))
    found = emu.call("GetRobotAPIKeys", pb.GetRobotAPIKeysRequest(robot_id=robot_id)).api_keys
    assert {k.api_key.id for k in found} == {emu.owner.key_id, on_robot, on_location}
    assert all(k.api_key.key == "" for k in found)
    expect_error(NOT_FOUND, emu.call, "GetRobotAPIKeys",
                 pb.GetRobotAPIKeysRequest(robot_id="7f1f5bb4-47b6-4c1e-9c5d-1f2e3a4b5c6d"))
    operator = emu.key("operator", "robot", robot_id)
    expect_error(DENIED, emu.call, "GetRobotAPIKeys", pb.GetRobotAPIKeysRequest(robot_id=robot_id), as_=operator)
