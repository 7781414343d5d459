# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resource services over an in-memory cloud: finding (with confirmed absence,
docs/api-assumptions.md §7), creating without duplicates, and the one secret-free view per resource."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.services import api_keys, base, fragments, locations, machines, parts
from ansible_collections.viam.cloud.plugins.module_utils.services.base import AmbiguousName, CreateRaced, NotFound
from ansible_collections.viam.cloud.tests.unit.plugins.module_utils.viam_fake_cloud import ORG, OTHER_ORG, FakeCloud


def denied(rpc):
    return ViamError(code="PERMISSION_DENIED", rpc=rpc)


@pytest.fixture
def cloud():
    return FakeCloud()


# ---------------------------------------------------------------- finding, and confirmed absence

@pytest.mark.parametrize("code", ["PERMISSION_DENIED", "INVALID_ARGUMENT", "UNKNOWN"])
def test_a_machine_read_refused_with_an_unconfirmed_code_is_absent_when_the_listing_confirms(cloud, code):
    cloud.add_robot("rover", cloud.add_location("lab"))
    cloud.fail("get_robot", ViamError(code=code, rpc="GetRobot"))
    assert machines.MachineService(cloud, ORG).get_by_id("11111111-1111-4111-8111-111111111111") is None
    assert cloud.called("list_locations") and cloud.called("list_robots")  # the CLI's way: no ListRobotsForOrg


def test_a_machine_read_refused_for_a_listed_machine_is_the_error(cloud):
    rover = cloud.add_robot("rover", cloud.add_location("lab"))
    cloud.fail("get_robot", denied("GetRobot"))
    with pytest.raises(ViamError) as raised:
        machines.MachineService(cloud, ORG).get_by_id(rover.id)
    assert raised.value.code == "PERMISSION_DENIED"


def test_when_the_confirming_listing_fails_the_original_error_stands(cloud):
    cloud.fail("get_robot_part", denied("GetRobotPart"))
    cloud.fail("list_locations", ViamError(code="UNAVAILABLE", rpc="ListLocations"))
    with pytest.raises(ViamError) as raised:
        parts.PartService(cloud, ORG).get_by_id("11111111-1111-4111-8111-111111111111")
    assert raised.value.rpc == "GetRobotPart"


def test_not_found_is_absent_without_a_listing(cloud):
    assert parts.PartService(cloud, ORG).get_by_id("11111111-1111-4111-8111-111111111111") is None
    assert fragments.FragmentService(cloud, ORG).get_by_id("11111111-1111-4111-8111-111111111111") is None
    assert not cloud.called("list_locations") and not cloud.called("list_fragments")


def test_a_lost_read_is_never_taken_for_absence(cloud):
    cloud.fail("get_fragment", ViamError(code="UNKNOWN", rpc="GetFragment", maybe_applied=True))
    with pytest.raises(ViamError):
        fragments.FragmentService(cloud, ORG).get_by_id("11111111-1111-4111-8111-111111111111")


def test_the_organization_machines_skip_empty_locations(cloud):
    lab = cloud.add_location("lab")
    cloud.add_location("empty")
    cloud.add_robot("rover", lab)
    found = machines.MachineService(cloud, ORG).list_organization()
    assert [r.name for r in found] == ["rover"]
    assert [c["location_id"] for c in cloud.called("list_robots")] == [lab.id]


def test_a_machine_name_used_in_two_locations_is_ambiguous_without_its_location(cloud):
    lab, yard = cloud.add_location("lab"), cloud.add_location("yard")
    cloud.add_robot("rover", lab)
    cloud.add_robot("rover", yard)
    service = machines.MachineService(cloud, ORG)
    with pytest.raises(AmbiguousName):
        service.find_in_organization("rover")
    robot, location = service.resolve("rover", "yard")
    assert (robot.location, location.name) == (yard.id, "yard")
    with pytest.raises(NotFound):
        service.resolve("nothing", "lab")


def test_fragments_public_ones_are_listed_only_when_the_name_is_not_among_the_others(cloud):
    cloud.add_fragment("base")
    cloud.add_fragment("shared", "FRAGMENT_VISIBILITY_PUBLIC")
    cloud.add_fragment("shared", "FRAGMENT_VISIBILITY_PUBLIC", owner=OTHER_ORG)  # never picked
    service = fragments.FragmentService(cloud, ORG)
    assert [f.name for f in service.named("base")] == ["base"]
    assert len(cloud.called("list_fragments")) == 1
    assert [f.organization_owner for f in service.named("shared")] == [ORG]
    asked = [c["fragment_visibility"] for c in cloud.called("list_fragments")]
    assert asked[-2:] == [fragments.NON_PUBLIC_VISIBILITIES, fragments.PUBLIC_VISIBILITIES]
    assert all(c["show_public"] is False and c["organization_id"] == ORG for c in cloud.called("list_fragments"))


def test_fragments_by_name_or_id_in_order(cloud):
    base = cloud.add_fragment("base")
    arm = cloud.add_fragment("arm", "FRAGMENT_VISIBILITY_PUBLIC_UNLISTED")
    service = fragments.FragmentService(cloud, ORG)
    assert [f.id for f in service.require_many(["arm", base.id])] == [arm.id, base.id]
    with pytest.raises(NotFound):
        service.require_many(["missing"])


@pytest.mark.parametrize("code", ["NOT_FOUND", "PERMISSION_DENIED", "UNIMPLEMENTED"])
def test_the_part_name_check_says_not_known_on_any_refusal(cloud, code):
    cloud.fail("get_robot_part_by_name_and_location", ViamError(code=code, rpc="GetRobotPartByNameAndLocation"))
    assert parts.PartService(cloud, ORG).name_taken("arm", "loc") is None


def test_the_part_name_check_raises_transport_errors(cloud):
    cloud.fail("get_robot_part_by_name_and_location", ViamError(code="UNAVAILABLE", rpc="X"))
    with pytest.raises(ViamError):
        parts.PartService(cloud, ORG).name_taken("arm", "loc")


def test_the_part_name_check_names_another_part_only(cloud):
    rover = cloud.add_robot("rover", cloud.add_location("lab"))
    arm = cloud.add_part("arm", rover)
    service = parts.PartService(cloud, ORG)
    assert service.name_taken("arm", rover.location).id == arm.id
    assert service.name_taken("arm", rover.location, except_part=arm.id) is None


# ---------------------------------------------------------------- creating without duplicates

def test_a_refused_part_create_on_the_same_machine_is_a_lost_race(cloud):
    rover = cloud.add_robot("rover", cloud.add_location("lab"))
    cloud.add_part("arm", rover)
    cloud.fail("new_robot_part", ViamError(code="INVALID_ARGUMENT", rpc="NewRobotPart"))
    with pytest.raises(CreateRaced):
        parts.PartService(cloud, ORG).create(rover, "arm", "part 'arm'")


def test_a_refused_part_create_names_the_other_machine(cloud):
    lab = cloud.add_location("lab")
    rover, other = cloud.add_robot("rover", lab), cloud.add_robot("other", lab)
    cloud.add_part("arm", other)
    refusal = ViamError(code="PERMISSION_DENIED", rpc="NewRobotPart")
    cloud.fail("new_robot_part", refusal)
    with pytest.raises(parts.PartNameTaken) as raised:
        parts.PartService(cloud, ORG).create(rover, "arm", "part 'arm'")
    assert "machine id %s" % other.id in raised.value.summary and raised.value.error is refusal


def test_a_refused_part_create_without_a_part_of_that_name_is_the_error(cloud):
    rover = cloud.add_robot("rover", cloud.add_location("lab"))
    cloud.fail("new_robot_part", denied("NewRobotPart"))
    with pytest.raises(ViamError) as raised:
        parts.PartService(cloud, ORG).create(rover, "arm", "part 'arm'")
    assert raised.value.code == "PERMISSION_DENIED"


def test_a_lost_location_create_settles_copies_and_keeps_the_oldest(cloud):
    older = cloud.add_location("site")
    cloud.fail("create_location", ViamError(code="DEADLINE_EXCEEDED", rpc="CreateLocation", maybe_applied=True))
    service = locations.LocationService(cloud, ORG)
    assert service.create("site").id == older.id
    assert not cloud.called("delete_location")


def test_keep_oldest_deletes_this_runs_younger_copy_and_reads_again(cloud):
    rival = cloud.add_robot("rover", cloud.add_location("lab"))
    location = cloud.locations[rival.location]
    service = machines.MachineService(cloud, ORG)
    made = cloud.robots[service.create("rover", location)]
    with pytest.raises(CreateRaced):
        service.settle(made, "rover", location)
    assert [c["id"] for c in cloud.called("delete_robot")] == [made.id]
    assert list(cloud.robots) == [rival.id]


def test_keep_oldest_returns_the_copy_that_is_the_oldest(cloud):
    service = fragments.FragmentService(cloud, ORG)
    made = service.create("base", {"components": []}, "private")
    cloud.add_fragment("base")  # a rival's, younger
    assert service.settle(made, "base").id == made.id
    assert not cloud.called("delete_fragment")


def test_a_copy_already_deleted_by_its_maker_is_fine(cloud):
    copy = cloud.add_fragment("base")
    gone = ViamError(code="PERMISSION_DENIED", rpc="DeleteFragment")
    cloud.fail("delete_fragment", gone)
    cloud.fragments.pop(copy.id)
    service = fragments.FragmentService(cloud, ORG)
    base.delete_copy(service.delete_copy, copy, lambda: service.named("base"))


def test_create_or_find_resends_after_unavailable_when_nothing_was_made():
    answers = [ViamError(code="UNAVAILABLE", rpc="NewRobot", maybe_applied=True), "made"]

    def create():
        answer = answers.pop(0)
        if isinstance(answer, ViamError):
            raise answer
        return answer

    assert base.create_or_find(create, lambda: None, retries=3) == "made"


@pytest.mark.parametrize("code", base.NAME_TAKEN_CODES)
def test_a_create_refused_for_a_taken_name_is_a_lost_race_only_when_the_name_exists(code):
    def refused():
        raise ViamError(code=code, rpc="CreateFragment")

    with pytest.raises(CreateRaced):
        base.create_or_find(refused, lambda: "there")
    with pytest.raises(ViamError):
        base.create_or_find(refused, lambda: None)


# ---------------------------------------------------------------- one secret-free view per resource

def test_part_view_has_no_secrets_unless_asked(cloud):
    part = cloud.add_part("arm", cloud.add_robot("rover", cloud.add_location("lab")))
    part.robot_config_json = '{"a": 1}'
    shown = parts.view(part)
    assert "secret" not in shown and "secrets" not in shown and "robot_config_json" not in shown
    assert parts.view(part, return_secret=True)["secret"] == "part-secret"


def test_location_view_has_no_auth_unless_asked(cloud):
    location = cloud.add_location("lab", secret="loc-secret")
    assert "auth" not in locations.view(location)
    assert locations.view(location, return_secret=True)["auth"]["secret"] == "loc-secret"


def test_machine_view_shows_its_parts_secret_free(cloud):
    rover = cloud.add_robot("rover", cloud.add_location("lab"))
    shown = machines.view(rover, list(cloud.parts.values()))
    assert [p["name"] for p in shown["parts"]] == ["rover-main"] and "secret" not in shown["parts"][0]


def test_fragment_view_words_and_config(cloud):
    fragment = cloud.add_fragment("base", "FRAGMENT_VISIBILITY_PUBLIC_UNLISTED")
    fragment.fragment.update({"components": []})
    shown = fragments.view(fragment)
    assert shown["visibility"] == "public_unlisted" and shown["config"] == {"components": []}
    assert fragments.managed(shown) == dict(name="base", visibility="public_unlisted", config={"components": []})


def test_api_key_view_has_no_secret_nor_identity(cloud):
    entry = cloud.add_key("ci")
    entry.api_key.key = "k3y"
    shown = api_keys.view(entry)
    assert "key" not in shown and shown["authorizations"][0]["resource_id"] == ORG


def test_api_key_settle_deletes_the_younger_copy(cloud):
    rival, made = cloud.add_key("ci"), cloud.add_key("ci")
    service = api_keys.ApiKeyService(cloud, ORG)
    with pytest.raises(CreateRaced):
        service.settle(made.api_key)
    assert list(cloud.keys) == [rival.api_key.id]


def test_the_organization_is_resolved_only_when_needed(cloud):
    asked = []
    service = locations.LocationService(cloud, lambda: asked.append(1) or ORG)
    assert not asked
    service.list()
    service.list()
    assert asked == [1] and cloud.called("list_locations")[0]["organization_id"] == ORG


# ---------------------------------------------------------------- messages that say what to do

def test_a_location_not_found_names_the_closest_and_the_existing_ones(cloud):
    cloud.add_location("labs")
    cloud.add_location("factory")
    with pytest.raises(NotFound) as raised:
        locations.LocationService(cloud, ORG).require("lab")
    message = str(raised.value)
    assert message.startswith("location 'lab' not found in organization")
    assert "Did you mean 'labs'?" in message
    assert "Existing locations: 'factory', 'labs'." in message


def test_a_part_not_found_names_the_parts_the_machine_has(cloud):
    robot = cloud.add_robot("rover", cloud.add_location("lab"))
    cloud.add_part("rover-main", robot, main=True)
    with pytest.raises(NotFound) as raised:
        parts.PartService(cloud, ORG).require(robot.id, "arm", "rover")
    assert "part 'arm' not found in machine 'rover'." in str(raised.value)
    assert "Existing parts: 'rover-main'." in str(raised.value)


def test_nothing_to_name_says_there_is_nothing_yet():
    assert base.candidates_text("lab", [], "location") == " There are no locations there yet."


def test_a_long_candidate_list_is_cut_with_a_count():
    text = base.candidates_text("x", ["n%02d" % i for i in range(12)], "machine")
    assert text.endswith("and %d more." % (12 - base.LISTED_CANDIDATES))


def test_a_machine_name_used_in_two_locations_says_location_decides(cloud):
    cloud.add_robot("rover-1", cloud.add_location("lab"))
    cloud.add_robot("rover-1", cloud.add_location("factory"))
    with pytest.raises(AmbiguousName) as raised:
        machines.MachineService(cloud, ORG).require_in_organization("rover-1")
    assert "2 machines are named 'rover-1'" in str(raised.value)
    assert "give location" in str(raised.value)


def test_a_lost_key_create_among_racing_copies_deletes_the_younger_ones_and_reads_again(cloud):
    known = cloud.add_key("other").api_key.id
    older, ours = cloud.add_key("ci"), cloud.add_key("ci")  # a racing run's copy, then ours (answer lost)
    service = api_keys.ApiKeyService(cloud, ORG)
    with pytest.raises(CreateRaced):
        service.new_copy_after_a_lost_create("ci", {known})
    assert [k.api_key.id for k in cloud.keys.values() if k.api_key.name == "ci"] == [older.api_key.id]
    assert ours.api_key.id not in cloud.keys


def test_a_lost_key_create_alone_is_ours(cloud):
    ours = cloud.add_key("ci")
    assert api_keys.ApiKeyService(cloud, ORG).new_copy_after_a_lost_create("ci", set()) == ours.api_key.id
    assert api_keys.ApiKeyService(cloud, ORG).new_copy_after_a_lost_create("nope", set()) is None
