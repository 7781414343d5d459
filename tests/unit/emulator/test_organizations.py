"""Organizations: create, read, update, namespaces, delete; GetUserIDByEmail."""
from __future__ import annotations

import grpc
import pytest

from _fixtures_orgs import Emu, expect_error, pb
from viam_emulator.handlers.members import accept_invite

NOT_FOUND = grpc.StatusCode.NOT_FOUND
INVALID = grpc.StatusCode.INVALID_ARGUMENT
DENIED = grpc.StatusCode.PERMISSION_DENIED
EXISTS = grpc.StatusCode.ALREADY_EXISTS
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION


def create_org(emu: Emu, name: str = "second", as_=None) -> pb.Organization:
    return emu.call("CreateOrganization", pb.CreateOrganizationRequest(name=name), as_=as_).organization


def update(emu: Emu, as_=None, **fields) -> pb.Organization:
    fields.setdefault("organization_id", emu.org_id)
    return emu.call("UpdateOrganization", pb.UpdateOrganizationRequest(**fields), as_=as_).organization


def test_create_organization_makes_the_caller_owner_and_a_first_location(emu: Emu) -> None:
    org = create_org(emu, "Acme")
    assert org.name == "Acme" and org.default_region == "us-central" and org.HasField("created_on")
    listed = emu.call("ListOrganizations", pb.ListOrganizationsRequest()).organizations
    assert [o.id for o in listed] == [emu.org_id, org.id]
    locations = emu.call("ListLocations", pb.ListLocationsRequest(organization_id=org.id)).locations
    assert [loc.name for loc in locations] == ["First Location"]
    assert update(emu, organization_id=org.id, name="Acme Robotics").name == "Acme Robotics"


def test_create_organization_needs_a_name(emu: Emu) -> None:
    expect_error(INVALID, create_org, emu, "  ")


def test_get_organization_unknown_and_foreign(emu: Emu) -> None:
    expect_error(DENIED, emu.call, "GetOrganization", pb.GetOrganizationRequest(organization_id="nope"))
    expect_error(INVALID, emu.call, "GetOrganization", pb.GetOrganizationRequest())
    foreign = create_org(emu, "other")
    operator = emu.key("operator", "organization", emu.org_id)
    expect_error(DENIED, emu.call, "GetOrganization", pb.GetOrganizationRequest(organization_id=foreign.id),
                 as_=operator)


def test_operator_reads_but_cannot_update(emu: Emu) -> None:
    operator = emu.key("operator", "organization", emu.org_id)
    got = emu.call("GetOrganization", pb.GetOrganizationRequest(organization_id=emu.org_id), as_=operator)
    assert got.organization.id == emu.org_id
    expect_error(DENIED, update, emu, as_=operator, name="mine now")


def test_namespace_rules_and_availability(emu: Emu) -> None:
    def available(namespace: str, org_id: str = "") -> bool:
        return emu.call("GetOrganizationNamespaceAvailability", pb.GetOrganizationNamespaceAvailabilityRequest(
            public_namespace=namespace, organization_id=org_id)).available

    for bad in ("", "Upper", "under_score", "-edge", "edge-", "a" * 64, "dot.ted"):
        expect_error(INVALID, available, bad)
    assert available("acme-robotics-2")
    update(emu, public_namespace="acme-robotics-2")
    assert not available("acme-robotics-2")
    assert available("acme-robotics-2", emu.org_id)  # its own namespace


def test_namespace_is_set_once_and_unique(emu: Emu) -> None:
    other = create_org(emu, "other")
    update(emu, organization_id=other.id, public_namespace="taken")
    expect_error(EXISTS, update, emu, public_namespace="taken")
    assert update(emu, public_namespace="mine").public_namespace == "mine"
    assert update(emu, public_namespace="mine").public_namespace == "mine"  # the same again is no change
    expect_error(PRECONDITION, update, emu, public_namespace="another")
    expect_error(INVALID, update, emu, organization_id=other.id, name="")


def test_update_organization_namespace_renames(emu: Emu) -> None:
    other = create_org(emu, "other")
    update(emu, organization_id=other.id, public_namespace="taken")
    update(emu, public_namespace="before")
    rename = pb.UpdateOrganizationNamespaceRequest(organization_id=emu.org_id, new_public_namespace="after")
    assert emu.call("UpdateOrganizationNamespace", rename).organization.public_namespace == "after"
    rename.new_public_namespace = "taken"
    expect_error(EXISTS, emu.call, "UpdateOrganizationNamespace", rename)
    rename.new_public_namespace = "Bad"
    expect_error(INVALID, emu.call, "UpdateOrganizationNamespace", rename)
    # The released namespace is free again.
    assert emu.call("GetOrganizationNamespaceAvailability", pb.GetOrganizationNamespaceAvailabilityRequest(
        public_namespace="before")).available


def test_update_region_cid_login_methods_and_default_fragments(emu: Emu) -> None:
    fragment = emu.call("CreateFragment", pb.CreateFragmentRequest(name="base", organization_id=emu.org_id)).fragment
    imports = pb.FragmentImportList(fragments=[pb.FragmentImport(fragment_id=fragment.id, version="1")])
    org = update(emu, region="eu-west", cid="crm-42", default_fragments=imports,
                 allowed_login_methods=pb.AllowedLoginMethods(methods=[pb.LOGIN_METHOD_GOOGLE]))
    assert (org.default_region, org.cid) == ("eu-west", "crm-42")
    assert [f.fragment_id for f in org.default_fragments.fragments] == [fragment.id]
    assert list(org.allowed_login_methods.methods) == [pb.LOGIN_METHOD_GOOGLE]
    again = emu.call("GetOrganization", pb.GetOrganizationRequest(organization_id=emu.org_id)).organization
    assert again == org
    missing = pb.FragmentImportList(fragments=[pb.FragmentImport(fragment_id="00000000-0000-0000-0000-000000000000")])
    expect_error(NOT_FOUND, update, emu, default_fragments=missing)
    expect_error(INVALID, update, emu, region="")


def test_organizations_with_access_to_location(emu: Emu) -> None:
    other = create_org(emu, "partner")
    location_id = emu.location("shared-lab")
    emu.call("ShareLocation", pb.ShareLocationRequest(location_id=location_id, organization_id=other.id))
    found = emu.call("GetOrganizationsWithAccessToLocation", pb.GetOrganizationsWithAccessToLocationRequest(
        location_id=location_id)).organization_identities
    assert [(o.id, o.name) for o in found] == [(emu.org_id, "Emulator Organization"), (other.id, "partner")]
    expect_error(NOT_FOUND, emu.call, "GetOrganizationsWithAccessToLocation",
                 pb.GetOrganizationsWithAccessToLocationRequest(location_id="zzzzzzzzzz"))
    outsider = emu.key("owner", "location", emu.location("elsewhere"))
    expect_error(DENIED, emu.call, "GetOrganizationsWithAccessToLocation",
                 pb.GetOrganizationsWithAccessToLocationRequest(location_id=location_id), as_=outsider)


def test_delete_organization_refuses_machines_then_removes_everything(emu: Emu) -> None:
    org = create_org(emu, "doomed")
    location_id = emu.location("site", org.id)
    robot_id = emu.robot(location_id)
    emu.call("CreateFragment", pb.CreateFragmentRequest(name="f", organization_id=org.id))
    emu.call("CreateKey", pb.CreateKeyRequest(name="k", authorizations=[
        pb.Authorization(authorization_type="role", authorization_id="organization_owner",
                         resource_type="organization", resource_id=org.id, organization_id=org.id)]))
    delete = pb.DeleteOrganizationRequest(organization_id=org.id)
    expect_error(PRECONDITION, emu.call, "DeleteOrganization", delete)
    emu.call("DeleteRobot", pb.DeleteRobotRequest(id=robot_id))
    emu.call("DeleteOrganization", delete)
    assert [o.id for o in emu.call("ListOrganizations", pb.ListOrganizationsRequest()).organizations] == [emu.org_id]
    with emu.tx() as tx:
        for kind in ("fragment", "api_key", "authorization"):
            assert tx.count(kind, org=org.id) == 0, kind
        assert tx.get("location", location_id, pb.Location) is None


def test_delete_organization_needs_an_owner_and_unshares(emu: Emu) -> None:
    other = create_org(emu, "partner")
    location_id = emu.location("shared-lab")
    emu.call("ShareLocation", pb.ShareLocationRequest(location_id=location_id, organization_id=other.id))
    operator = emu.key("operator", "organization", other.id, org_id=other.id)
    expect_error(DENIED, emu.call, "DeleteOrganization", pb.DeleteOrganizationRequest(organization_id=other.id),
                 as_=operator)
    emu.call("DeleteOrganization", pb.DeleteOrganizationRequest(organization_id=other.id))
    location = emu.call("GetLocation", pb.GetLocationRequest(location_id=location_id)).location
    assert [o.organization_id for o in location.organizations] == [emu.org_id]


def test_get_user_id_by_email(emu: Emu) -> None:
    lookup = pb.GetUserIDByEmailRequest(email="ada@example.com")
    expect_error(NOT_FOUND, emu.call, "GetUserIDByEmail", lookup)  # no users are seeded
    emu.call("CreateOrganizationInvite", pb.CreateOrganizationInviteRequest(
        organization_id=emu.org_id, email="Ada@Example.com"))
    expect_error(NOT_FOUND, emu.call, "GetUserIDByEmail", lookup)  # invited is not yet a user
    with emu.tx() as tx:
        user_id = accept_invite(tx, emu.org_id, "ada@example.com")
    assert emu.call("GetUserIDByEmail", pb.GetUserIDByEmailRequest(email="ADA@example.com")).user_id == user_id
    expect_error(INVALID, emu.call, "GetUserIDByEmail", pb.GetUserIDByEmailRequest(email="not-an-email"))


# -- the official viam-sdk against the real server ---------------------------------------------

def test_official_sdk_drives_the_organization_side_rpcs(emu: Emu) -> None:
    """One pass through viam-sdk's AppClient over gRPC: the wire shapes the SDK sends and reads."""
    import asyncio

    pytest.importorskip("viam", reason="viam-sdk is a test dependency of the main venv only (not compat)")

    from viam.app.app_client import APIKeyAuthorization, Fragment
    from viam.app.viam_client import ViamClient
    from viam.proto.app import Authorization, AuthorizedPermissions, Model, ModuleFileInfo
    from viam.rpc.dial import Credentials, DialOptions

    async def connect(address: str, key_id: str, key: str) -> ViamClient:
        options = DialOptions(credentials=Credentials(type="api-key", payload=key), auth_entity=key_id,
                              insecure=True)
        return await ViamClient.create_from_dial_options(options, app_url=address)

    async def scenario(info: dict) -> None:
        client = await connect(info["address"], info["api_key_id"], info["api_key"])
        app, org_id = client.app_client, info["organization_id"]
        try:
            location = await app.create_location(org_id, "lab")
            robot_id = await app.new_robot("rover", location.id)

            key, key_id = await app.create_key(org_id, [APIKeyAuthorization("operator", "location", location.id)])
            listed = {k.api_key.id: k for k in await app.list_keys(org_id)}
            assert listed[key_id].api_key.key == "" and listed[key_id].authorizations[0].resource_id == location.id
            new_key, same_id = await app.rotate_key(key_id)
            assert same_id == key_id and new_key != key
            copy_key, copy_id = await app.create_key_from_existing_key_authorizations(key_id)
            assert copy_id != key_id and copy_key
            assert {k.api_key.id for k in await app.get_robot_api_keys(robot_id)} >= {key_id, copy_id}

            await app.add_role(org_id, key_id, "owner", "robot", robot_id)
            await app.change_role(org_id, key_id, "owner", "robot", robot_id, key_id, "operator", "robot", robot_id)
            assert [a.authorization_id for a in await app.list_authorizations(org_id, [robot_id])] == [
                "robot_operator"]
            await app.remove_role(org_id, key_id, "operator", "robot", robot_id)
            checked = await app.check_permissions([AuthorizedPermissions(
                resource_type="robot", resource_id=robot_id, permissions=["control_robot", "write_robot"])])
            assert list(checked[0].permissions) == ["control_robot", "write_robot"]

            fragment = await app.create_fragment(org_id, "base", {"components": []})
            assert fragment.visibility == Fragment.Visibility.PRIVATE
            updated = await app.update_fragment(fragment.id, "base", {"components": [{"name": "arm"}]},
                                                last_known_update=fragment.last_updated)
            assert updated.fragment == {"components": [{"name": "arm"}]}
            history = await app.get_fragment_history(fragment.id)
            assert len(history) == 1 and history[0].edited_on is not None
            assert [f.id for f in await app.list_fragments(org_id, visibilities=[Fragment.Visibility.PRIVATE])] == [
                fragment.id]
            assert (await app.get_fragment(fragment.id)).name == "base"
            await app.delete_fragment(fragment.id)

            module_id, module_url = await app.create_module(org_id, "hoverboard")
            await app.update_module(module_id, "https://example.com/hoverboard", "A base",
                                    [Model(api="rdk:component:base", model="acme:hoverboard:wheeled")], "run")
            await app.upload_module_file(ModuleFileInfo(module_id=module_id, version="1.0.0",
                                                        platform="linux/amd64"), b"\x7fELF")
            module = await app.get_module(module_id)
            assert [v.version for v in module.versions] == ["1.0.0"]
            assert [m.module_id for m in await app.list_modules(org_id)] == [module_id]

            invite = await app.create_organization_invite(org_id, "pending@example.com")
            assert invite.authorizations[0].authorization_id == "organization_owner"
            await app.update_organization_invite_authorizations(
                org_id, "pending@example.com",
                add_authorizations=[Authorization(authorization_type="role", authorization_id="location_operator",
                                                  resource_type="location", resource_id=location.id,
                                                  organization_id=org_id)])
            await app.resend_organization_invite(org_id, "pending@example.com")
            await app.create_organization_invite(org_id, "ada@accepted.example")
            members, invites = await app.list_organization_members(org_id)
            assert [i.email for i in invites] == ["pending@example.com"] and len(members) == 1
            user_id = await app.get_user_id_by_email("ada@accepted.example")
            await app.delete_organization_member(org_id, user_id)
            await app.delete_organization_invite(org_id, "pending@example.com")

            assert await app.get_organization_namespace_availability("acme")
            org = await app.update_organization(org_id, name="Acme", public_namespace="acme")
            assert (org.name, org.public_namespace) == ("Acme", "acme")
            second = await app.create_organization("second")
            assert [o.name for o in await app.get_organizations_with_access_to_location(location.id)] == ["Acme"]
            await app.delete_organization(second.id)
            await app.delete_key(copy_id)
        finally:
            client.close()
        # The rotated secret authenticates; the old one no longer does.
        rotated = await connect(info["address"], key_id, new_key)
        assert [o.id for o in await rotated.app_client.list_organizations()] == [org_id]
        rotated.close()
        failed = False
        try:
            (await connect(info["address"], key_id, key)).close()
        except Exception:  # grpclib's GRPCError: UNAUTHENTICATED
            failed = True
        assert failed

    asyncio.run(scenario({"address": emu.address, "organization_id": emu.org_id,
                          "api_key_id": emu.handle.owner_key.id, "api_key": emu.handle.owner_key.key}))
