# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""shared_secrets: what viam_location_secret and viam_robot_part_secret create and delete."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.viam.cloud.plugins.module_utils import shared_secrets as ss
from ansible_collections.viam.cloud.plugins.module_utils.shared_secrets import SecretPlan, SecretPlanError


def secret(secret_id, created_on, state="STATE_ENABLED", value="s3cr3t"):
    return dict(id=secret_id, created_on=created_on, state=state, secret=value + secret_id)


OLD = secret("a", "2026-11-25T10:00:00Z")
MID = secret("b", "2026-11-25T11:00:00.5Z")
NEW = secret("c", "2026-11-25T12:00:00Z")
OFF = secret("d", "2026-11-25T09:00:00Z", state="STATE_DISABLED")


# ---------------------------------------------------------------- ordering

def test_oldest_first_sorts_by_time_not_api_order():
    assert [s["id"] for s in ss.oldest_first([NEW, OLD, MID])] == ["a", "b", "c"]


def test_created_key_handles_fractions():
    # "...:20Z" is earlier than "...:20.5Z", although it sorts later as text.
    assert ss.created_key("2026-11-25T15:13:20Z") < ss.created_key("2026-11-25T15:13:20.5Z")
    assert ss.created_key("2026-11-25T15:13:20.100Z") == ss.created_key("2026-11-25T15:13:20.1Z")
    assert ss.created_key(None) < ss.created_key("2026-01-01T00:00:00Z")


def test_equal_times_keep_api_order():
    first, second = secret("x", "2026-11-25T10:00:00Z"), secret("y", "2026-11-25T10:00:00Z")
    assert [s["id"] for s in ss.oldest_first([second, first])] == ["y", "x"]


def test_disabled_secrets_do_not_count():
    assert [s["id"] for s in ss.active_secrets([OFF, NEW, OLD])] == ["a", "c"]


# ---------------------------------------------------------------- present

@pytest.mark.parametrize("secrets, count, create", [
    ([], 1, 1),
    ([OFF], 1, 1),
    ([OLD], 1, 0),
    ([OLD, NEW], 1, 0),
    ([], 2, 2),
    ([OLD], 2, 1),
    ([OLD, OFF], 2, 1),
    ([OLD, NEW], 2, 0),
])
def test_present_creates_only_what_is_missing(secrets, count, create):
    plan = ss.plan_present(secrets, count)
    assert plan == SecretPlan(create=create)
    assert plan.changed == bool(create)
    assert plan.deleted == []


@pytest.mark.parametrize("count", [0, 3, -1])
def test_present_count_out_of_range(count):
    with pytest.raises(SecretPlanError, match="between 1 and 2"):
        ss.plan_present([OLD], count)


# ---------------------------------------------------------------- rotate

def test_rotate_without_secret_creates_one():
    assert ss.plan_rotate([]) == SecretPlan(create=1)
    assert ss.plan_rotate([OFF]) == SecretPlan(create=1)


def test_rotate_one_secret_creates_first_then_deletes_it():
    assert ss.plan_rotate([OLD]) == SecretPlan(create=1, delete_after=["a"])
    assert ss.plan_rotate([OLD, OFF]) == SecretPlan(create=1, delete_after=["a"])


def test_rotate_at_the_limit_deletes_the_oldest_first():
    assert ss.plan_rotate([NEW, OLD]) == SecretPlan(delete_first=["a"], create=1)
    assert ss.plan_rotate([NEW, MID, OFF]) == SecretPlan(delete_first=["b"], create=1)


def test_rotate_always_changes():
    for secrets in ([], [OLD], [OLD, NEW]):
        assert ss.plan_rotate(secrets).changed


def test_rotate_honours_a_smaller_limit():
    assert ss.plan_rotate([OLD], limit=1) == SecretPlan(delete_first=["a"], create=1)


# ---------------------------------------------------------------- absent

def test_absent_deletes_an_existing_secret():
    assert ss.plan_absent([OLD, NEW], "a") == SecretPlan(delete_after=["a"])


def test_absent_unknown_secret_is_no_change():
    plan = ss.plan_absent([OLD, NEW], "zzz")
    assert plan == SecretPlan()
    assert not plan.changed


def test_absent_refuses_the_last_active_secret():
    with pytest.raises(SecretPlanError, match="last active secret of location 'lab'.*force: true"):
        ss.plan_absent([OLD, OFF], "a", what="location 'lab'")


def test_absent_last_active_secret_with_force():
    assert ss.plan_absent([OLD], "a", force=True) == SecretPlan(delete_after=["a"])


def test_absent_disabled_secret_even_when_alone():
    assert ss.plan_absent([OFF], "d") == SecretPlan(delete_after=["d"])


@pytest.mark.parametrize("secret_id", ["", "  ", None])
def test_absent_empty_id(secret_id):
    with pytest.raises(SecretPlanError, match="secret_id must not be empty"):
        ss.plan_absent([OLD], secret_id)


# ---------------------------------------------------------------- views

def test_secret_view_hides_the_value_unless_asked():
    assert ss.secret_view(OLD) == dict(id="a", created_on="2026-11-25T10:00:00Z", state="STATE_ENABLED")
    assert ss.secret_view(OLD, with_value=True)["secret"] == "s3cr3ta"


def test_predict_rotation_at_the_limit():
    after = ss.predict([NEW, OLD], ss.plan_rotate([NEW, OLD]))
    assert after == [dict(id="c", created_on=NEW["created_on"], state="STATE_ENABLED"),
                     dict(id="", created_on=None, state="STATE_ENABLED")]
    assert all("secret" not in s for s in after)


def test_predict_two_creates():
    assert [s["id"] for s in ss.predict([], ss.plan_present([], 2))] == ["", ""]


def test_diff_view_has_ids_only():
    view = ss.diff_view(ss.predict([OLD], ss.plan_rotate([OLD])))
    assert view == dict(secret_ids=["(new)"])
    assert "s3cr3t" not in repr(ss.diff_view([OLD, NEW]))


def test_new_secret_ids():
    assert ss.new_secret_ids([OLD], [OLD, NEW, MID]) == ["c", "b"]
    assert ss.new_secret_ids([OLD, NEW], [NEW]) == []
