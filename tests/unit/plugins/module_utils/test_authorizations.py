# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""authorizations.py: building, reading and comparing role authorizations."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.viam.cloud.plugins.module_utils.authorizations import (
    AuthorizationError, authorization_id, build, canonical, check_role, describe, describe_all, difference,
    key_of, key_set, resource_type_of, role_of, same_authorizations, sort_authorizations, spec_key)

ORG = "0b37a756-a678-4f22-a862-e7200896fa6f"
USER = "5a8c1d2e-3f4b-4c6d-8e9f-0a1b2c3d4e5f"


def test_authorization_id():
    assert authorization_id("location", "owner") == "location_owner"
    assert authorization_id("robot", "operator") == "robot_operator"


@pytest.mark.parametrize("auth, role", [
    ({"authorization_type": "role", "authorization_id": "location_owner"}, "owner"),       # Python SDK form
    ({"authorization_type": "operator", "authorization_id": "robot_operator"}, "operator"),  # Go SDK form
    ({"authorization_type": "owner", "authorization_id": ""}, "owner"),                    # role word only
    ({"authorization_type": "role", "authorization_id": "organization_admin"}, ""),         # unknown role
    ({"authorization_type": "", "authorization_id": "owner"}, "owner"),                     # bare word
    ({}, ""),
])
def test_role_of_reads_both_forms(auth, role):
    assert role_of(auth) == role


def test_role_of_prefers_authorization_id():
    # The Go SDK puts the role word in authorization_type; authorization_id is the one that says it fully.
    assert role_of({"authorization_type": "owner", "authorization_id": "location_operator"}) == "operator"


def test_resource_type_of_falls_back_to_the_authorization_id():
    assert resource_type_of({"resource_type": "robot", "authorization_id": "location_owner"}) == "robot"
    assert resource_type_of({"authorization_id": "location_owner"}) == "location"
    assert resource_type_of({}) == ""


def test_build_is_what_the_python_sdk_sends():
    assert build("owner", "location", "ab1c2d3e45", organization_id=ORG, identity_id=USER) == {
        "authorization_type": "role",
        "authorization_id": "location_owner",
        "resource_type": "location",
        "resource_id": "ab1c2d3e45",
        "identity_id": USER,
        "organization_id": ORG,
        "identity_type": "",
    }
    key_auth = build("operator", "organization", ORG, organization_id=ORG, identity_type="api-key")
    assert key_auth["identity_id"] == "" and key_auth["identity_type"] == "api-key"


@pytest.mark.parametrize("role, resource_type, resource_id, text", [
    ("admin", "location", "x", "role 'admin' is not one of owner, operator"),
    ("owner", "part", "x", "resource_type 'part' is not one of organization, location, robot"),
    ("owner", "robot", "", "a role on a machine needs the machine's ID"),
    (None, "robot", "x", "role None"),
])
def test_build_rejects_bad_words(role, resource_type, resource_id, text):
    with pytest.raises(AuthorizationError) as caught:
        build(role, resource_type, resource_id)
    assert text in str(caught.value)


def test_check_role_accepts_every_combination():
    for role in ("owner", "operator"):
        for resource_type in ("organization", "location", "robot"):
            check_role(role, resource_type)


def test_canonical_of_a_list_authorizations_entry():
    listed = {"authorization_type": "owner", "authorization_id": "location_owner", "resource_type": "location",
              "resource_id": "ab1c2d3e45", "identity_id": USER, "organization_id": ORG, "identity_type": "user"}
    assert canonical(listed) == {
        "role": "owner", "resource_type": "location", "resource_id": "ab1c2d3e45", "organization_id": ORG,
        "authorization_type": "role", "authorization_id": "location_owner", "identity_id": USER,
        "identity_type": "user"}


def test_canonical_of_a_list_keys_entry_uses_org_id():
    details = {"authorization_type": "role", "authorization_id": "robot_operator", "resource_type": "robot",
               "resource_id": "r1", "org_id": ORG}
    out = canonical(details)
    assert out["organization_id"] == ORG
    assert out["role"] == "operator"
    assert "identity_id" not in out  # AuthorizationDetails has no identity


def test_canonical_of_the_go_form_equals_the_python_form():
    go = {"authorization_type": "operator", "authorization_id": "location_operator", "resource_type": "location",
          "resource_id": "l1", "organization_id": ORG}
    python = dict(go, authorization_type="role")
    assert canonical(go) == canonical(python)


def test_canonical_keeps_an_unknown_authorization_id():
    out = canonical({"authorization_type": "custom", "authorization_id": "billing_viewer", "resource_type": "",
                     "resource_id": "x"})
    assert out["role"] == "" and out["authorization_id"] == "billing_viewer"


def test_key_of_any_form():
    expected = ("location", "l1", "owner")
    assert key_of({"role": "owner", "resource_type": "location", "resource_id": "l1"}) == expected
    assert key_of({"authorization_id": "location_owner", "resource_id": "l1"}) == expected
    assert key_of({"authorization_type": "owner", "resource_type": "location", "resource_id": "l1"}) == expected


def test_same_authorizations_ignores_order_repeats_and_form():
    first = [
        {"authorization_type": "role", "authorization_id": "organization_operator", "resource_type": "organization",
         "resource_id": ORG},
        {"authorization_type": "role", "authorization_id": "location_owner", "resource_type": "location",
         "resource_id": "l1"},
    ]
    second = [
        {"role": "owner", "resource_type": "location", "resource_id": "l1"},
        {"authorization_type": "operator", "authorization_id": "organization_operator",
         "resource_type": "organization", "resource_id": ORG, "org_id": ORG},
        {"role": "owner", "resource_type": "location", "resource_id": "l1"},
    ]
    assert same_authorizations(first, second)
    assert not same_authorizations(first, second[:1])
    assert same_authorizations([], [])


def test_same_authorizations_tells_roles_and_resources_apart():
    owner = [{"role": "owner", "resource_type": "location", "resource_id": "l1"}]
    assert not same_authorizations(owner, [{"role": "operator", "resource_type": "location", "resource_id": "l1"}])
    assert not same_authorizations(owner, [{"role": "owner", "resource_type": "location", "resource_id": "l2"}])
    assert not same_authorizations(owner, [{"role": "owner", "resource_type": "robot", "resource_id": "l1"}])


def test_difference_lists_missing_and_extra_sorted():
    current = [{"role": "operator", "resource_type": "organization", "resource_id": ORG},
               {"role": "owner", "resource_type": "location", "resource_id": "l1"}]
    desired = [{"role": "owner", "resource_type": "location", "resource_id": "l1"},
               {"role": "owner", "resource_type": "robot", "resource_id": "r2"},
               {"role": "owner", "resource_type": "robot", "resource_id": "r1"}]
    missing, extra = difference(current, desired)
    assert missing == [("robot", "r1", "owner"), ("robot", "r2", "owner")]
    assert extra == [("organization", ORG, "operator")]
    assert difference(desired, desired) == ([], [])


def test_key_set_is_a_frozenset():
    keys = key_set([{"role": "owner", "resource_type": "robot", "resource_id": "r1"}] * 2)
    assert keys == frozenset([("robot", "r1", "owner")])


def test_sort_authorizations_orders_by_scope_and_drops_repeats():
    auths = [
        {"authorization_id": "robot_owner", "resource_type": "robot", "resource_id": "r1", "org_id": ORG},
        {"authorization_id": "location_operator", "resource_type": "location", "resource_id": "l2"},
        {"authorization_id": "location_operator", "resource_type": "location", "resource_id": "l1"},
        {"authorization_id": "organization_owner", "resource_type": "organization", "resource_id": ORG},
        {"authorization_type": "owner", "authorization_id": "robot_owner", "resource_type": "robot",
         "resource_id": "r1"},
    ]
    out = sort_authorizations(auths)
    assert [(a["resource_type"], a["resource_id"]) for a in out] == [
        ("organization", ORG), ("location", "l1"), ("location", "l2"), ("robot", "r1")]
    assert out[-1]["organization_id"] == ORG  # the first of the repeats is kept


def test_describe_with_and_without_names():
    auth = {"role": "owner", "resource_type": "location", "resource_id": "l1"}
    assert describe(auth) == "owner of location l1"
    assert describe(auth, {("location", "l1"): "lab"}) == "owner of location 'lab' (l1)"
    assert describe(("robot", "r1", "operator"), {("robot", "r1"): "rover-7"}) == "operator of machine 'rover-7' (r1)"


def test_describe_all_is_sorted_and_says_when_empty():
    keys = [("robot", "r1", "operator"), ("location", "l1", "owner")]
    assert describe_all(keys) == "operator of machine r1; owner of location l1"
    assert describe_all([]) == "no roles"


def test_spec_key_checks_the_words():
    assert spec_key({"role": "owner", "resource_type": "robot", "resource": "rover-7"}, "r1") == ("robot", "r1", "owner")
    with pytest.raises(AuthorizationError):
        spec_key({"role": "boss", "resource_type": "robot"}, "r1")
