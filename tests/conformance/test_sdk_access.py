"""viam-sdk's AppClient against the emulator: API keys, roles, authorizations, permissions,
and what a key scoped to one location may and may not do."""
from __future__ import annotations

import uuid

import pytest

pytest.importorskip("viam", reason="viam-sdk is a test dependency (requirements-dev.txt)")
from grpclib.const import Status  # noqa: E402
from grpclib.exceptions import GRPCError  # noqa: E402

from viam.app.app_client import APIKeyAuthorization  # noqa: E402
from viam.proto.app import AuthorizedPermissions  # noqa: E402

from conformance_support import UUID_RE, connect_sdk, scoped_client, unique  # noqa: E402

MISSING = "00000000-0000-4000-8000-000000000000"


def _key_auths(key_with_auths):
    return sorted((a.authorization_id, a.resource_type, a.resource_id) for a in key_with_auths.authorizations)


def _find_key(keys, key_id):
    found = [k for k in keys if k.api_key.id == key_id]
    assert found, "key %s not in list_keys" % key_id
    return found[0]


# --------------------------------------------------------------------------- keys


def test_create_key_and_list_keys(run, app, org_id, fleet, sdk_clients):
    name = unique("svc-key")
    key, key_id = run(app.create_key(org_id, [APIKeyAuthorization("operator", "location", fleet.inside)], name))
    assert UUID_RE.match(key_id), "the SDK only dials with UUID key IDs"
    assert key and key != key_id
    listed = _find_key(run(app.list_keys(org_id)), key_id)
    assert listed.api_key.name == name
    assert listed.api_key.HasField("created_on")
    assert _key_auths(listed) == [("location_operator", "location", fleet.inside)]
    # The new key works: it authenticates and reads what it was given.
    client = sdk_clients(key_id, key)
    assert run(client.app_client.get_location(fleet.inside)).id == fleet.inside


def test_create_key_from_existing_key_authorizations(run, app, org_id, fleet, sdk_clients, expect_status):
    source_auths = [APIKeyAuthorization("owner", "location", fleet.inside),
                    APIKeyAuthorization("operator", "robot", fleet.robot_out)]
    _key, source_id = run(app.create_key(org_id, source_auths, unique("source-key")))
    key, key_id = run(app.create_key_from_existing_key_authorizations(source_id))
    assert UUID_RE.match(key_id) and key_id != source_id and key
    keys = run(app.list_keys(org_id))
    assert _key_auths(_find_key(keys, key_id)) == _key_auths(_find_key(keys, source_id))
    assert run(sdk_clients(key_id, key).app_client.get_robot(fleet.robot_out)).id == fleet.robot_out
    expect_status(app.create_key_from_existing_key_authorizations(MISSING), Status.NOT_FOUND)


def test_create_key_errors(app, org_id, expect_status):
    # docs/api-assumptions.md §3: an empty authorization list is an error.
    expect_status(app.create_key(org_id, [], unique("no-auth")), Status.INVALID_ARGUMENT)
    expect_status(app.create_key(org_id, [APIKeyAuthorization("owner", "location", "zz0missing")],
                                 unique("bad-loc")), Status.NOT_FOUND)
    expect_status(app.create_key(org_id, [APIKeyAuthorization("admin", "location", "zz0missing")],  # type: ignore
                                 unique("bad-role")), Status.INVALID_ARGUMENT)


def test_list_keys_errors(app, expect_status):
    expect_status(app.list_keys(str(uuid.uuid4())), Status.NOT_FOUND, Status.PERMISSION_DENIED)


def test_wrong_key_is_unauthenticated(run, emulator):
    with pytest.raises(GRPCError) as caught:
        connect_sdk(run, emulator, str(uuid.uuid4()), "not-the-key")
    assert caught.value.status == Status.UNAUTHENTICATED
    with pytest.raises(GRPCError) as caught:
        connect_sdk(run, emulator, emulator.api_key_id, "not-the-key")
    assert caught.value.status == Status.UNAUTHENTICATED


def test_keys_read_back_by_our_client(run, app, org_id, fleet, ours, to_dict):
    name = unique("ours-key")
    _key, key_id = run(app.create_key(org_id, [APIKeyAuthorization("owner", "robot", fleet.robot_in)], name))
    keys = [to_dict(k) for k in ours.list_keys(org_id=org_id).api_keys]
    mine = next(k for k in keys if k["api_key"]["id"] == key_id)
    assert mine["api_key"]["name"] == name
    assert [(a["authorization_id"], a["resource_id"]) for a in mine["authorizations"]] == [
        ("robot_owner", fleet.robot_in)]


# --------------------------------------------------------------------------- roles


def test_list_authorizations(run, app, org_id, emulator, fleet):
    everything = run(app.list_authorizations(org_id))
    assert ("organization_owner", "organization", org_id) in [
        (a.authorization_id, a.resource_type, a.resource_id) for a in everything if a.identity_id == emulator.api_key_id]
    operator = APIKeyAuthorization("operator", "location", fleet.outside)
    _key, key_id = run(app.create_key(org_id, [operator], unique("listed-key")))
    only = run(app.list_authorizations(org_id, resource_ids=[fleet.outside]))
    assert only and {a.resource_id for a in only} == {fleet.outside}
    assert (key_id, "location_operator") in [(a.identity_id, a.authorization_id) for a in only]


def test_list_authorizations_errors(app, expect_status):
    expect_status(app.list_authorizations(str(uuid.uuid4())), Status.NOT_FOUND, Status.PERMISSION_DENIED)


def test_add_and_remove_role(run, app, org_id, fleet, sdk_clients, expect_status):
    """A role added to a key's identity takes effect for that key; removed, it is gone."""
    holder = scoped_client(run, app, sdk_clients, org_id, "owner", fleet.inside)
    expect_status(holder.app_client.get_robot(fleet.robot_out), Status.PERMISSION_DENIED)

    run(app.add_role(org_id, holder.key_id, "operator", "location", fleet.outside))
    granted = run(app.list_authorizations(org_id, resource_ids=[fleet.outside]))
    assert (holder.key_id, "location_operator", "location") in [
        (a.identity_id, a.authorization_id, a.resource_type) for a in granted]
    assert run(holder.app_client.get_robot(fleet.robot_out)).id == fleet.robot_out

    run(app.remove_role(org_id, holder.key_id, "operator", "location", fleet.outside))
    granted = run(app.list_authorizations(org_id, resource_ids=[fleet.outside]))
    assert holder.key_id not in [a.identity_id for a in granted]
    expect_status(holder.app_client.get_robot(fleet.robot_out), Status.PERMISSION_DENIED)


def test_role_errors(run, app, org_id, fleet, location_owner, expect_status):
    identity = str(uuid.uuid4())
    expect_status(app.add_role(org_id, identity, "admin", "location", fleet.inside),  # type: ignore[arg-type]
                  Status.INVALID_ARGUMENT)
    expect_status(app.add_role(org_id, identity, "owner", "location", "zz0missing"), Status.NOT_FOUND)
    expect_status(app.remove_role(org_id, identity, "owner", "location", fleet.inside), Status.NOT_FOUND)
    # A location owner may not hand out roles on the organization.
    expect_status(location_owner.add_role(org_id, identity, "owner", "organization", org_id),
                  Status.PERMISSION_DENIED)


def _granted(result):
    return {(p.resource_type, p.resource_id): sorted(p.permissions) for p in result if p.permissions}


def test_check_permissions(run, app, org_id, fleet, location_owner, expect_status):
    asked = [
        AuthorizedPermissions(resource_type="organization", resource_id=org_id, permissions=["read_organization"]),
        AuthorizedPermissions(resource_type="location", resource_id=fleet.inside, permissions=["read_robot_logs"]),
        AuthorizedPermissions(resource_type="robot", resource_id=fleet.robot_in, permissions=["control_robot"]),
        AuthorizedPermissions(resource_type="robot", resource_id=fleet.robot_out, permissions=["control_robot"]),
    ]
    owner = _granted(run(app.check_permissions(asked)))
    assert owner == {("organization", org_id): ["read_organization"],
                     ("location", fleet.inside): ["read_robot_logs"],
                     ("robot", fleet.robot_in): ["control_robot"],
                     ("robot", fleet.robot_out): ["control_robot"]}
    scoped = _granted(run(location_owner.check_permissions(asked)))
    assert scoped.get(("robot", fleet.robot_in)) == ["control_robot"]
    assert scoped.get(("location", fleet.inside)) == ["read_robot_logs"]
    assert ("robot", fleet.robot_out) not in scoped
    # docs/api-assumptions.md §3: an empty list is an error.
    expect_status(app.check_permissions([]), Status.INVALID_ARGUMENT)


# --------------------------------------------------------------------------- a key scoped to one location


def test_location_owner_inside_its_location(run, location_owner, org_id, fleet):
    assert run(location_owner.get_location(fleet.inside)).id == fleet.inside
    assert fleet.robot_in in [r.id for r in run(location_owner.list_robots(fleet.inside))]
    assert run(location_owner.get_robot(fleet.robot_in)).id == fleet.robot_in
    part = run(location_owner.get_robot_part(fleet.part_in))
    updated = run(location_owner.update_robot_part(fleet.part_in, part.name, robot_config={"components": []}))
    assert updated.id == fleet.part_in
    robot_id = run(location_owner.new_robot(unique("scoped-rover"), fleet.inside))
    run(location_owner.delete_robot(robot_id))
    assert org_id in [o.id for o in run(location_owner.list_organizations())]


def test_location_owner_outside_its_location_is_denied(run, location_owner, org_id, fleet, expect_status):
    denied = Status.PERMISSION_DENIED
    expect_status(location_owner.get_location(fleet.outside), denied)
    expect_status(location_owner.list_robots(fleet.outside), denied)
    expect_status(location_owner.get_robot(fleet.robot_out), denied)
    expect_status(location_owner.get_robot_parts(fleet.robot_out), denied)
    expect_status(location_owner.get_robot_part(fleet.part_out), denied)
    expect_status(location_owner.update_robot_part(fleet.part_out, fleet.part_out_name, robot_config={"x": 1}),
                  denied)
    expect_status(location_owner.new_robot(unique("intruder"), fleet.outside), denied)
    expect_status(location_owner.delete_robot(fleet.robot_out), denied)
    expect_status(location_owner.mark_part_for_restart(fleet.part_out), denied)
    expect_status(location_owner.location_auth(fleet.outside), denied)
    expect_status(location_owner.update_location(fleet.outside, name="taken-over"), denied)
    expect_status(location_owner.delete_location(fleet.outside), denied)
    # Organization-wide writes need an organization role.
    expect_status(location_owner.create_location(org_id, unique("rogue")), denied)
    expect_status(location_owner.update_organization(org_id, name="taken-over"), denied)
    expect_status(location_owner.list_keys(org_id), denied)
    expect_status(location_owner.create_key(org_id, [APIKeyAuthorization("owner", "organization", org_id)],
                                            unique("escalate")), denied)
    expect_status(location_owner.create_fragment(org_id, unique("rogue-frag")), denied)
    # Nothing above changed anything.
    assert run(location_owner.get_location(fleet.inside)).id == fleet.inside


def test_location_operator_may_operate_but_not_configure(run, app, location_operator, fleet, expect_status):
    """docs/api-assumptions.md §4: UpdateRobotPart by a caller who cannot edit the machine is PERMISSION_DENIED."""
    part = run(location_operator.get_robot_part(fleet.part_in))
    run(location_operator.mark_part_for_restart(fleet.part_in))
    assert isinstance(run(location_operator.get_robot_part_logs(fleet.part_in, num_log_entries=5)), list)
    expect_status(location_operator.update_robot_part(fleet.part_in, part.name, robot_config={"x": 1}),
                  Status.PERMISSION_DENIED)
    expect_status(location_operator.new_robot_part(fleet.robot_in, unique("sneaky")), Status.PERMISSION_DENIED)
    expect_status(location_operator.delete_robot(fleet.robot_in), Status.PERMISSION_DENIED)
    expect_status(location_operator.create_robot_part_secret(fleet.part_in), Status.PERMISSION_DENIED)
    assert run(app.get_robot(fleet.robot_in)).id == fleet.robot_in


def test_our_client_reports_the_same_codes(run, app, org_id, fleet, emulator, sdk_clients, ours, expect_status):
    """Where viam-sdk gets NOT_FOUND / INVALID_ARGUMENT / PERMISSION_DENIED, our ViamError carries the same code."""
    from ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient
    from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError

    def code_of(call, **fields):
        with pytest.raises(ViamError) as caught:
            call(**fields)
        return caught.value.code, caught.value.rpc

    expect_status(app.get_robot(MISSING), Status.NOT_FOUND)
    assert code_of(ours.get_robot, id=MISSING) == ("NOT_FOUND", "GetRobot")
    expect_status(app.get_location(""), Status.INVALID_ARGUMENT)
    assert code_of(ours.get_location, location_id="") == ("INVALID_ARGUMENT", "GetLocation")

    key, key_id = run(app.create_key(org_id, [APIKeyAuthorization("owner", "location", fleet.inside)],
                                     unique("ours-scoped")))
    expect_status(sdk_clients(key_id, key).app_client.get_robot(fleet.robot_out), Status.PERMISSION_DENIED)
    scoped = ViamClient(app_url="http://%s" % emulator.address, api_key_id=key_id, api_key=key)
    try:
        assert scoped.get_robot(id=fleet.robot_in).robot.id == fleet.robot_in
        assert code_of(scoped.get_robot, id=fleet.robot_out) == ("PERMISSION_DENIED", "GetRobot")
    finally:
        scoped.close()
    wrong = ViamClient(app_url="http://%s" % emulator.address, api_key_id=key_id, api_key="not-the-key", retries=1)
    try:
        assert code_of(wrong.get_robot, id=fleet.robot_in)[0] == "UNAUTHENTICATED"
    finally:
        wrong.close()
