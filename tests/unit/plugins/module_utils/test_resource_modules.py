# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each resource module on its service, without a server: the desired state, the check mode
prediction and the diff; and the base class (run, result, create_or_find, keep_oldest)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

pytest.importorskip("ansible")

from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.module import CreateRaced, ModuleFailure, ViamModule  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.services.base import NotFound  # noqa: E402
from ansible_collections.viam.cloud.plugins.modules import (  # noqa: E402
    viam_api_key, viam_fleet, viam_fragment, viam_location, viam_robot, viam_robot_part, viam_robot_part_wait, viam_role)
from ansible_collections.viam.cloud.tests.unit.plugins.module_utils.viam_fake_cloud import (  # noqa: E402
    ORG, FakeAnsibleModule, FakeCloud, make_module)


CAMERA = {"name": "c", "api": "rdk:component:camera", "model": "fake"}


@pytest.fixture
def cloud():
    return FakeCloud()


def run(module):
    return module._execute_settled()


# ---------------------------------------------------------------- viam_location

def test_location_check_mode_predicts_the_create_and_writes_nothing(cloud):
    result = run(make_module(viam_location.LocationModule, cloud, check_mode=True, name="lab", region="gcs-us"))
    assert result["changed"] and result["location"] == dict(name="lab", parent_location_id="", region="gcs-us", id="")
    assert result["diff"] == dict(before={}, after=dict(name="lab", parent_location_id="", region="gcs-us"))
    assert not cloud.called("create_location")


def test_location_create_then_nothing_to_do(cloud):
    result = run(make_module(viam_location.LocationModule, cloud, name="lab"))
    assert result["changed"] and result["location"]["name"] == "lab" and "auth" not in result["location"]
    assert len(cloud.called("create_location")) == 1
    again = run(make_module(viam_location.LocationModule, cloud, name="lab"))
    assert not again["changed"] and again["diff"]["before"] == again["diff"]["after"]


def test_location_rename_diff_and_shared_with_in_the_one_diff(cloud):
    lab = cloud.add_location("lab", secret="s")
    module = make_module(viam_location.LocationModule, cloud, id=lab.id, name="lab-2", shared_with=[])
    result = run(module)
    assert result["diff"]["before"] == dict(name="lab", parent_location_id="", region="", shared_with=[])
    assert result["diff"]["after"] == dict(name="lab-2", parent_location_id="", region="", shared_with=[])
    assert cloud.locations[lab.id].name == "lab-2" and "auth" not in result["location"]


def test_location_without_diff_has_no_diff(cloud):
    result = run(make_module(viam_location.LocationModule, cloud, diff=False, name="lab"))
    assert "diff" not in result


def test_location_racing_copy_is_settled_by_reading_again(cloud):
    cloud.add_location("lab")  # a racing run's, older; list_locations hides it until after our create

    module = make_module(viam_location.LocationModule, cloud, name="lab")
    real_list = cloud.list_locations
    seen = []

    def list_locations(**kwargs):
        seen.append(1)
        response = real_list(**kwargs)
        if len(seen) == 1:
            del response.locations[:]  # the first read: before the rival's create
        return response

    cloud.list_locations = list_locations
    result = run(module)
    assert len(cloud.called("delete_location")) == 1 and len(cloud.locations) == 1
    assert not result["changed"]  # read again: the kept one is reported, unchanged


def test_location_absent(cloud):
    lab = cloud.add_location("lab")
    result = run(make_module(viam_location.LocationModule, cloud, name="lab", state="absent"))
    assert result["changed"] and result["diff"]["after"] == {} and lab.id not in cloud.locations


# ---------------------------------------------------------------- viam_robot

def test_robot_check_mode_create(cloud):
    cloud.add_location("lab")
    result = run(make_module(viam_robot.RobotModule, cloud, check_mode=True, name="rover", location="lab"))
    assert result["robot"]["parts"] == [] and result["robot"]["id"] == ""
    assert result["diff"]["after"]["name"] == "rover" and not cloud.called("new_robot")


def test_robot_create_returns_secret_free_parts(cloud):
    cloud.add_location("lab")
    result = run(make_module(viam_robot.RobotModule, cloud, name="rover", location="lab"))
    assert [p["name"] for p in result["robot"]["parts"]] == ["rover-main"]
    assert "secret" not in result["robot"]["parts"][0]
    shown = run(make_module(viam_robot.RobotModule, cloud, name="rover", location="lab", return_secret=True))
    assert not shown["changed"] and shown["robot"]["parts"][0]["secret"] == "part-secret"


def test_robot_rename_is_refused_when_the_name_is_taken(cloud):
    lab = cloud.add_location("lab")
    rover = cloud.add_robot("rover", lab)
    cloud.add_robot("taken", lab)
    with pytest.raises(ModuleFailure) as failed:
        run(make_module(viam_robot.RobotModule, cloud, id=rover.id, name="taken"))
    assert "already exists" in failed.value.msg and not cloud.called("update_robot")


def test_robot_check_mode_rename_predicts(cloud):
    rover = cloud.add_robot("rover", cloud.add_location("lab"))
    result = run(make_module(viam_robot.RobotModule, cloud, check_mode=True, id=rover.id, name="rover-2"))
    assert result["robot"]["name"] == "rover-2" and result["diff"]["before"]["name"] == "rover"
    assert cloud.robots[rover.id].name == "rover"


def test_robot_diff_names_its_location_from_the_listing_that_found_it(cloud):
    rover = cloud.add_robot("rover", cloud.add_location("lab"))
    result = run(make_module(viam_robot.RobotModule, cloud, name="rover", location="lab"))
    assert not result["changed"] and result["diff"]["after"]["location_name"] == "lab"
    assert result["robot"]["id"] == rover.id and len(cloud.called("list_locations")) == 1


def test_robot_unknown_id_is_confirmed_absent(cloud):
    cloud.fail("get_robot", ViamError(code="PERMISSION_DENIED", rpc="GetRobot"))
    result = run(make_module(viam_robot.RobotModule, cloud, id="11111111-1111-4111-8111-111111111111",
                             state="absent"))
    assert not result["changed"]


# ---------------------------------------------------------------- viam_robot_part

def test_part_check_mode_create_predicts_the_config(cloud):
    rover = cloud.add_robot("rover", cloud.add_location("lab"))
    result = run(make_module(viam_robot_part.RobotPartModule, cloud, check_mode=True, name="arm", robot=rover.id,
                             config={"components": []}))
    assert result["part"]["config"] == {"components": []} and result["config_changes"] == ["components"]
    assert result["diff"]["after"] == dict(name="arm", main_part=False, fragments=[], config={"components": []})
    assert not cloud.called("new_robot_part")


def test_part_create_then_config_update_diff(cloud):
    rover = cloud.add_robot("rover", cloud.add_location("lab"))
    made = run(make_module(viam_robot_part.RobotPartModule, cloud, name="arm", robot=rover.id))
    assert made["changed"] and "secret" not in made["part"]
    result = run(make_module(viam_robot_part.RobotPartModule, cloud, name="arm", robot=rover.id,
                             config={"components": [CAMERA]}))
    assert result["changed"] and result["diff"]["before"]["config"] == {}
    assert result["diff"]["after"]["config"] == {"components": [CAMERA]}
    assert json.loads(cloud.called("update_robot_part")[-1]["robot_config_json"]) == {"components": [CAMERA]}


def test_part_fragment_versions_pin_by_name_and_a_second_run_changes_nothing(cloud):
    rover = cloud.add_robot("rover", cloud.add_location("lab"))
    nav = cloud.add_fragment("nav")
    cloud.add_part("arm", rover, config={"components": [{"name": "c"}], "fragments": [{"id": nav.id}]})
    result = run(make_module(viam_robot_part.RobotPartModule, cloud, name="arm", robot=rover.id,
                             fragment_versions={"nav": "stable"}))
    assert result["changed"] and result["config_changes"] == ["fragments"]
    written = cloud.called("update_robot_part")[-1]["robot_config_json"]
    assert '"version": "stable"' in written and '"components"' in written
    again = run(make_module(viam_robot_part.RobotPartModule, cloud, name="arm", robot=rover.id,
                            fragment_versions={"nav": "stable"}))
    assert not again["changed"]
    with pytest.raises(ModuleFailure) as failed:
        run(make_module(viam_robot_part.RobotPartModule, cloud, name="arm", robot=rover.id,
                        fragment_versions={"nav": "v2"}))
    assert "neither a revision number nor a tag name" in failed.value.msg


@pytest.mark.parametrize("listed", [True, False], ids=["listing-has-configs", "listing-without-configs"])
def test_part_found_as_declared_is_decided_from_its_listing(cloud, listed):
    """No change: GetRobotParts' robot_config decides it, without GetRobotPart; a listing without configs
    (or one that differs) falls back to the exact read, and the result is the same."""
    cloud.list_configs = listed
    rover = cloud.add_robot("rover", cloud.add_location("lab"))
    nav = cloud.add_fragment("nav")
    cloud.add_part("arm", rover, config={"components": [{"name": "c", "attributes": {"n": 1}}],
                                         "fragments": [{"id": nav.id, "version": "stable"}]})
    result = run(make_module(viam_robot_part.RobotPartModule, cloud, name="arm", robot=rover.id, fragments=["nav"],
                             fragment_versions={"nav": "stable"}))
    assert not result["changed"] and result["config_changes"] == []
    assert result["part"]["config"]["components"] == [{"name": "c", "attributes": {"n": 1}}]
    assert result["diff"]["before"] == result["diff"]["after"]
    assert len(cloud.called("get_robot_part")) == (0 if listed else 1)
    assert not cloud.called("update_robot_part")


def test_part_change_returns_the_update_answer_without_reading_again(cloud):
    rover = cloud.add_robot("rover", cloud.add_location("lab"))
    cloud.add_part("arm", rover, config={"components": []})
    result = run(make_module(viam_robot_part.RobotPartModule, cloud, name="arm", robot=rover.id,
                             config={"components": [CAMERA]}))
    assert result["changed"] and result["part"]["config"] == {"components": [CAMERA]}
    assert len(cloud.called("get_robot_part")) == 1  # the read before the write, none after it
    cloud.list_configs = False  # an answer that does not show the config sent: read what the app has
    result = run(make_module(viam_robot_part.RobotPartModule, cloud, name="arm", robot=rover.id,
                             config={"components": []}))
    assert result["changed"] and result["part"]["config"] == {"components": []}
    assert len(cloud.called("get_robot_part")) == 3


def test_part_create_refused_for_another_machines_part_fails_clearly(cloud):
    lab = cloud.add_location("lab")
    rover, other = cloud.add_robot("rover", lab), cloud.add_robot("other", lab)
    cloud.add_part("arm", other)
    cloud.fail("get_robot_part_by_name_and_location", ViamError(code="UNIMPLEMENTED", rpc="X"))
    cloud.fail("new_robot_part", ViamError(code="INVALID_ARGUMENT", rpc="NewRobotPart"))
    with pytest.raises(ModuleFailure) as failed:
        run(make_module(viam_robot_part.RobotPartModule, cloud, name="arm", robot=rover.id))
    assert "already exists in location" in failed.value.msg
    assert failed.value.extra["viam_error"]["code"] == "INVALID_ARGUMENT"


# ---------------------------------------------------------------- viam_fragment

def test_fragment_check_mode_create(cloud):
    result = run(make_module(viam_fragment.FragmentModule, cloud, check_mode=True, name="base",
                             config={"components": []}))
    assert result["fragment"]["organization_owner"] == ORG and result["changed_paths"] == ["components"]
    assert result["diff"]["after"] == dict(name="base", visibility="private", config={"components": []})


def test_fragment_visibility_change_diff(cloud):
    cloud.add_fragment("base")
    result = run(make_module(viam_fragment.FragmentModule, cloud, check_mode=True, name="base", visibility="public"))
    assert (result["diff"]["before"]["visibility"], result["diff"]["after"]["visibility"]) == ("private", "public")
    assert result["fragment"]["public"] is True


def test_fragment_of_another_organization_is_not_managed(cloud):
    foreign = cloud.add_fragment("base", owner="9c1d2e3f-0000-4000-8000-000000000001")
    with pytest.raises(ModuleFailure):
        run(make_module(viam_fragment.FragmentModule, cloud, id=foreign.id, name="base"))


# ---------------------------------------------------------------- viam_api_key

def test_api_key_check_mode_create_has_no_secret(cloud):
    auth = [dict(role="owner", resource_type="organization", resource=None, location=None)]
    result = run(make_module(viam_api_key.ApiKeyModule, cloud, check_mode=True, name="ci", authorizations=auth))
    assert result["changed"] and result["api_key"]["id"] == "" and "key" not in result["api_key"]
    assert result["diff"]["after"]["name"] == "ci"


def test_api_key_unchanged_view_is_secret_free(cloud):
    cloud.add_key("ci").api_key.key = "k3y"
    result = run(make_module(viam_api_key.ApiKeyModule, cloud, name="ci"))
    assert not result["changed"] and "key" not in result["api_key"]


def test_api_key_create_returns_the_secret_once_and_settles_on_a_fresh_listing(cloud):
    auth = [dict(role="owner", resource_type="organization", resource=None, location=None)]
    result = run(make_module(viam_api_key.ApiKeyModule, cloud, name="ci", authorizations=auth))
    assert result["changed"] and result["api_key"]["key"] == "secret-of-ci"
    assert "secret-of-ci" not in str(result["diff"]) and len(cloud.called("list_keys")) >= 2
    again = run(make_module(viam_api_key.ApiKeyModule, cloud, name="ci", authorizations=auth))
    assert not again["changed"] and "key" not in again["api_key"]


def _lose_the_answer_to_create_key(cloud):
    """CreateKey applies, then its answer is lost (UNAVAILABLE after the request was sent)."""
    applied = cloud.create_key

    def create_key(**fields):
        applied(**fields)
        raise ViamError(code="UNAVAILABLE", rpc="CreateKey", maybe_applied=True)
    cloud.create_key = create_key


def test_api_key_lost_create_learns_the_secret_by_rotating_the_new_copy(cloud):
    _lose_the_answer_to_create_key(cloud)
    module = make_module(viam_api_key.ApiKeyModule, cloud, name="ci", authorizations=[
        dict(role="operator", resource_type="organization", resource=ORG)])
    result = run(module)
    (made,) = [e.api_key for e in cloud.keys.values() if e.api_key.name == "ci"]
    assert result["changed"] and result["api_key"]["id"] == made.id
    assert [w for w in module.module.warnings if "(id %s) and rotated to learn its secret" % made.id in w]
    assert result["api_key"]["key"] == made.key == "rotated-secret-of-ci"


@pytest.mark.parametrize("code", ["NOT_FOUND", "PERMISSION_DENIED"])
def test_api_key_lost_create_whose_copy_a_racing_run_rotated_away_reads_again(cloud, code):
    """Two runs lost CreateKey's answer and found the same new copy; the other rotated first, on an app that
    rotates by minting a new key and deleting the old (the race a reliability run found): ours reads again
    and reports the key that stayed, instead of failing."""
    _lose_the_answer_to_create_key(cloud)

    def rival_rotated_first(id=None, resource=None):  # pylint: disable=redefined-builtin
        cloud.keys.pop(id)
        cloud.add_key("ci")
        raise ViamError(code=code, rpc="RotateKey", resource=resource)
    cloud.rotate_key = rival_rotated_first
    module = make_module(viam_api_key.ApiKeyModule, cloud, name="ci", authorizations=[
        dict(role="owner", resource_type="organization", resource=ORG)])
    result = run(module)
    (stayed,) = [e.api_key for e in cloud.keys.values() if e.api_key.name == "ci"]
    assert not result["changed"] and result["api_key"]["id"] == stayed.id and "key" not in result["api_key"]
    assert not [w for w in module.module.warnings if "rotated to learn its secret" in w]


def test_api_key_lost_create_rotation_refused_for_a_listed_key_fails(cloud):
    _lose_the_answer_to_create_key(cloud)

    def refused(id=None, resource=None):  # pylint: disable=redefined-builtin,unused-argument
        raise ViamError(code="PERMISSION_DENIED", rpc="RotateKey", resource=resource)
    cloud.rotate_key = refused
    with pytest.raises(ViamError) as raised:
        run(make_module(viam_api_key.ApiKeyModule, cloud, name="ci", authorizations=[
            dict(role="operator", resource_type="organization", resource=ORG)]))
    assert raised.value.code == "PERMISSION_DENIED"


# ---------------------------------------------------------------- viam_fleet: the same services create

def test_fleet_creates_through_the_services(cloud):
    module = make_module(viam_fleet.FleetModule, cloud, locations=[dict(name="site", parent=None, state="present")],
                         machines=[dict(name="m1", location="site", state="present", fragments=None,
                                        parts=[dict(name="m1-arm")])])
    result = run(module)
    assert result["changed"] and len(cloud.called("create_location")) == 1
    assert [c["name"] for c in cloud.called("new_robot")] == ["m1"]
    assert [c["part_name"] for c in cloud.called("new_robot_part")] == ["m1-arm"]
    parts = result["machines"][0]["parts"]
    assert sorted(p["name"] for p in parts) == ["m1-arm", "m1-main"] and all("secret" not in p for p in parts)


def test_fleet_refuses_a_name_the_single_modules_refuse(cloud):
    module = make_module(viam_fleet.FleetModule, cloud, locations=[dict(name="bad\nname", parent=None,
                                                                        state="present")])
    with pytest.raises(ModuleFailure) as failed:
        run(module)
    assert "control character" in failed.value.msg
    with pytest.raises(ModuleFailure) as single:
        run(make_module(viam_location.LocationModule, cloud, name="bad\nname"))
    assert "control character" in single.value.msg


# ---------------------------------------------------------------- the base class

class _Exit(Exception):
    pass


class _Ansible(FakeAnsibleModule):
    def exit_json(self, **result):
        raise _Exit(("exit", result))

    def fail_json(self, **result):
        raise _Exit(("fail", result))


class _Probe(ViamModule):
    def __init__(self, outcome):  # pylint: disable=super-init-not-called
        self.module = _Ansible()
        self.params = {}
        self.check_mode = False
        self._client = FakeCloud()
        self._organization_id = ORG
        self.outcome = outcome
        self.runs = 0

    def execute(self):
        self.runs += 1
        return self.outcome(self)


def outcome_of(probe):
    with pytest.raises(_Exit) as ended:
        probe.run()
    return ended.value.args[0]


def test_run_exits_with_the_result():
    kind, result = outcome_of(_Probe(lambda m: m.result(True, before={"a": 1}, after={"a": 2}, thing={})))
    assert kind == "exit" and result == dict(changed=True, thing={}, diff=dict(before={"a": 1}, after={"a": 2}))


def test_run_fails_with_the_modules_message():
    kind, result = outcome_of(_Probe(lambda m: m.fail("bad option", extra=1)))
    assert kind == "fail" and result["msg"] == "bad option" and result["extra"] == 1


def test_run_adds_the_visibility_hint_to_not_found():
    def missing(module):
        raise NotFound("machine 'x' not found")

    kind, result = outcome_of(_Probe(missing))
    assert kind == "fail" and "may lack permission" in result["msg"]


def test_run_reads_again_after_a_lost_race():
    def racing(module):
        if module.runs == 1:
            raise CreateRaced(ViamError(code="ALREADY_EXISTS"))
        return module.result(False)

    probe = _Probe(racing)
    kind, dummy = outcome_of(probe)
    assert kind == "exit" and probe.runs == 2


def test_result_removes_secrets_from_the_diff_and_takes_a_file_diff_as_is():
    probe = _Probe(None)
    result = probe.result(True, before={"secret": "x", "name": "a"}, after={"name": "a", "key": "k"})
    assert "secret" not in result["diff"]["before"] and "key" not in result["diff"]["after"]
    file_diff = dict(before_header="f", after_header="f", before="", after="x")
    assert probe.result(True, diff=file_diff)["diff"] is file_diff


def test_validate_name_is_the_one_rule():
    probe = _Probe(None)
    for bad, words in (("", "must not be empty"), ("a\nb", "control character"), ("x" * 257, "at most 256"),
                       ("['a', 'b']", "single string")):
        with pytest.raises(ModuleFailure) as failed:
            probe.validate_name("name", bad)
        assert words in failed.value.msg
    assert probe.validate_name("name", "ok") == "ok"


def test_the_base_class_create_or_find_and_keep_oldest_are_the_services():
    probe = _Probe(None)
    cloud = probe.client
    lab = cloud.add_location("lab")
    made = cloud.add_location("lab")
    with pytest.raises(CreateRaced):
        probe.keep_oldest(made, lambda: [loc for loc in cloud.locations.values() if loc.name == "lab"],
                          lambda copy: cloud.delete_location(location_id=copy.id))
    assert list(cloud.locations) == [lab.id]

    def lost():
        raise ViamError(code="UNAVAILABLE", rpc="CreateLocation", maybe_applied=True)

    assert probe.create_or_find(lost, lambda: "found") == "found"


# ---------------------------------------------------------------- check mode on an empty organization

WRITES = ("create_location", "update_location", "new_robot", "update_robot", "new_robot_part", "update_robot_part",
          "create_key", "create_fragment", "create_location_secret", "create_robot_part_secret")


def assert_wrote_nothing(cloud):
    assert not [name for name, _kwargs in cloud.calls if name in WRITES]


def test_check_mode_predicts_a_machine_in_a_location_an_earlier_task_creates(cloud):
    module = make_module(viam_robot.RobotModule, cloud, check_mode=True, name="rover", location="lab")
    result = run(module)
    assert result["changed"] and result["robot"]["name"] == "rover"
    assert result["check_mode_assumptions"] == [
        "location 'lab' does not exist yet: check mode assumes an earlier task creates it (the real run fails here "
        "if none does)"]
    assert module.module.warnings == result["check_mode_assumptions"]
    assert "lab" in result["diff"]["after"]["location"]
    assert_wrote_nothing(cloud)


def test_outside_check_mode_a_missing_location_still_fails_naming_the_candidates(cloud):
    cloud.add_location("labs")
    with pytest.raises(NotFound) as raised:
        run(make_module(viam_robot.RobotModule, cloud, name="rover", location="lab"))
    assert "Did you mean 'labs'?" in str(raised.value)
    assert_wrote_nothing(cloud)


def test_check_mode_predicts_a_part_of_a_machine_not_created_yet(cloud):
    result = run(make_module(viam_robot_part.RobotPartModule, cloud, check_mode=True, name="arm", robot="rover",
                             location="lab", config={"components": []}))
    assert result["changed"]
    assert [a.split(" does not")[0] for a in result["check_mode_assumptions"]] == ["location 'lab'", "machine 'rover'"]
    assert_wrote_nothing(cloud)


def test_check_mode_predicts_a_location_under_a_parent_not_created_yet(cloud):
    result = run(make_module(viam_location.LocationModule, cloud, check_mode=True, name="bay-1", parent="site"))
    assert result["changed"] and result["check_mode_assumptions"][0].startswith("location 'site' does not exist yet")
    assert_wrote_nothing(cloud)


def test_check_mode_predicts_a_key_on_a_location_not_created_yet(cloud):
    result = run(make_module(viam_api_key.ApiKeyModule, cloud, check_mode=True, name="ci", authorizations=[
        dict(role="operator", resource_type="location", resource="lab", location=None)]))
    assert result["changed"] and result["check_mode_assumptions"][0].startswith("location 'lab'")
    assert_wrote_nothing(cloud)


def test_a_check_run_with_every_parent_present_assumes_nothing(cloud):
    cloud.add_location("lab")
    result = run(make_module(viam_robot.RobotModule, cloud, check_mode=True, name="rover", location="lab"))
    assert result["changed"] and "check_mode_assumptions" not in result


# ---------------------------------------------------------------- option shapes, before AnsibleModule

@pytest.mark.parametrize("value, expected", [
    ("owner", "authorizations[0] must be a dict (JSON or key=value), not the text 'owner'"),
    ([1], "authorizations[0] must be a dict, got int 1"),
    ("role=owner,resource_type=organization", None),
    ([{"role": "owner"}], None),
])
def test_shape_problems_are_found_before_ansible_core_can_leak_the_key(monkeypatch, value, expected):
    # ansible-core 2.19 fails 'authorizations: owner' before it masks no_log options (docs/security.md)
    from ansible.module_utils import basic
    from ansible_collections.viam.cloud.plugins.module_utils import module as base_module

    monkeypatch.setattr(basic, "_load_params", lambda: {"authorizations": value, "api_key": "k"})
    problems = base_module._shape_problems(viam_api_key.ApiKeyModule.argument_spec)
    assert problems == ([expected] if expected else [])


# ---------------------------------------------------------------- viam_robot_part_wait

def _part_seen(cloud, online, seconds):
    part = cloud.add_part("rover-main", cloud.add_robot("rover", cloud.add_location("lab")), main=True)
    part.online_state = 1 if online else 2
    part.last_access.seconds = seconds
    return part


def test_wait_returns_at_once_for_a_part_online_after_since(cloud):
    part = _part_seen(cloud, True, 1796400000)
    result = run(make_module(viam_robot_part_wait.RobotPartWaitModule, cloud, part=part.id,
                             since="2026-12-04T00:00:00Z", wait_timeout=5, sleep=1))
    assert result["online"] and not result["changed"] and result["errors"] == []
    assert "secret" not in result["part"] and "secrets" not in result["part"]


def test_wait_fails_saying_when_the_app_last_saw_the_part(cloud):
    part = _part_seen(cloud, True, 1700000000)  # online, but last seen before "since"
    with pytest.raises(ModuleFailure) as raised:
        run(make_module(viam_robot_part_wait.RobotPartWaitModule, cloud, part=part.id,
                        since="2026-12-04T00:00:00Z", wait_timeout=0, sleep=1))
    assert "did not come online after 2026-12-04T00:00:00Z within 0 s" in raised.value.msg
    assert "last saw it at 2023-11-14T22:13:20Z, before 2026-12-04T00:00:00Z" in raised.value.msg
    assert "cloud.id %s" % part.id in raised.value.msg


def test_wait_fails_on_errors_logged_since(cloud):
    from ansible_collections.viam.cloud.plugins.module_utils.proto.common.v1 import common_pb2

    part = _part_seen(cloud, True, 1796400000)
    entry = common_pb2.LogEntry(level="error", message="camera cam: model broken")
    entry.time.seconds = 1796400001
    cloud.logs[part.id] = [entry]
    module = make_module(viam_robot_part_wait.RobotPartWaitModule, cloud, part=part.id,
                         since="2026-12-04T00:00:00Z", wait_timeout=5, sleep=1)
    with pytest.raises(ModuleFailure) as raised:
        run(module)
    assert "is online but logged 1 error(s)" in raised.value.msg and "camera cam: model broken" in raised.value.msg
    module = make_module(viam_robot_part_wait.RobotPartWaitModule, cloud, part=part.id, wait_timeout=5, sleep=1,
                         since="2026-12-04T00:00:00Z", fail_on_errors=False)
    assert run(module)["errors"][0]["message"] == "camera cam: model broken"


def test_wait_in_check_mode_reads_once_and_never_fails(cloud):
    part = _part_seen(cloud, False, 0)
    result = run(make_module(viam_robot_part_wait.RobotPartWaitModule, cloud, check_mode=True, part=part.id,
                             wait_timeout=60, sleep=1))
    assert not result["online"] and result["waited"] < 1 and len(cloud.called("get_robot_part")) == 1


# ---------------------------------------------------------------- viam_role

def roles_of(cloud, identity_id):
    return sorted((r["authorization_id"], r["resource_id"]) for r in cloud.roles if r["identity_id"] == identity_id)


def test_role_grant_is_predicted_in_check_mode_then_made_once(cloud):
    user = cloud.add_user("ops@example.com")
    lab = cloud.add_location("lab")
    options = dict(email="ops@example.com", role="operator", resource_type="location", resource="lab")
    predicted = run(make_module(viam_role.RoleModule, cloud, check_mode=True, **options))
    assert predicted["changed"] and predicted["diff"]["before"] == {} and not cloud.called("add_role")
    assert predicted["authorization"]["role"] == "operator" and predicted["authorization"]["resource_name"] == "lab"
    made = run(make_module(viam_role.RoleModule, cloud, **options))
    assert made["changed"] and made["authorization"] == predicted["authorization"]
    assert roles_of(cloud, user) == [("location_operator", lab.id)]
    again = run(make_module(viam_role.RoleModule, cloud, **options))
    assert not again["changed"] and len(cloud.called("add_role")) == 1


def test_role_change_is_one_change_role_and_the_diff_shows_both(cloud):
    user = cloud.add_user("ops@example.com")
    cloud.roles.append(dict(authorization_type="role", authorization_id="organization_operator",
                            resource_type="organization", resource_id=ORG, identity_id=user, organization_id=ORG))
    result = run(make_module(viam_role.RoleModule, cloud, identity_id=user, role="owner"))
    assert result["changed"] and result["diff"]["before"]["role"] == "operator" and result["diff"]["after"]["role"] == "owner"
    assert len(cloud.called("change_role")) == 1 and not cloud.called("add_role")
    assert roles_of(cloud, user) == [("organization_owner", ORG)]


def test_role_absent_removes_only_that_role_and_absent_again_changes_nothing(cloud):
    user = cloud.add_user("ops@example.com")
    lab = cloud.add_location("lab")
    for role, resource_type, resource_id in (("location_owner", "location", lab.id),
                                             ("organization_operator", "organization", ORG)):
        cloud.roles.append(dict(authorization_type="role", authorization_id=role, resource_type=resource_type,
                                resource_id=resource_id, identity_id=user, organization_id=ORG))
    options = dict(identity_id=user, role="owner", resource_type="location", resource=lab.id, state="absent")
    predicted = run(make_module(viam_role.RoleModule, cloud, check_mode=True, **options))
    assert predicted["changed"] and predicted["diff"]["after"] == {} and len(cloud.roles) == 2
    result = run(make_module(viam_role.RoleModule, cloud, **options))
    assert result["changed"] and roles_of(cloud, user) == [("organization_operator", ORG)]
    assert not run(make_module(viam_role.RoleModule, cloud, **options))["changed"]


def test_role_for_an_identity_outside_the_organization_fails_before_any_write(cloud):
    with pytest.raises(NotFound) as failed:
        run(make_module(viam_role.RoleModule, cloud, identity_id="11111111-1111-4111-8111-111111111111", role="owner"))
    assert "neither an API key nor a member" in str(failed.value) and not cloud.called("add_role")
    with pytest.raises(ModuleFailure) as bad:
        run(make_module(viam_role.RoleModule, cloud, identity_id="not-a-uuid", role="owner"))
    assert "UUIDs" in bad.value.msg


def test_role_for_a_user_an_earlier_task_invites_is_predicted_in_check_mode(cloud):
    result = run(make_module(viam_role.RoleModule, cloud, check_mode=True, email="new@example.com", role="operator"))
    assert result["changed"] and result["check_mode_assumptions"] and "new@example.com" in result["check_mode_assumptions"][0]
    with pytest.raises(NotFound):
        run(make_module(viam_role.RoleModule, cloud, email="new@example.com", role="operator"))


# ---------------------------------------------------------------- viam_fragment tags

def test_fragment_tags_set_move_and_purge(cloud):
    nav = cloud.add_fragment("nav")
    nav.revision = "3"
    cloud.revisions[nav.id] = ["1", "2", "3"]
    cloud.tags[nav.id] = {"old": "1"}
    result = run(make_module(viam_fragment.FragmentModule, cloud, name="nav", tags={"stable": "2", "canary": "latest"}))
    assert result["changed"] and result["fragment"]["tags"] == {"old": "1", "stable": "2", "canary": "3"}
    assert result["diff"]["before"]["tags"] == {"old": "1"} and result["diff"]["after"]["tags"]["canary"] == "3"
    again = run(make_module(viam_fragment.FragmentModule, cloud, name="nav", tags={"stable": "2", "canary": "latest"}))
    assert not again["changed"]
    purged = run(make_module(viam_fragment.FragmentModule, cloud, name="nav", tags={"stable": "3"}, purge_tags=True))
    assert purged["changed"] and cloud.tags[nav.id] == {"stable": "3"}


def test_fragment_tags_check_mode_writes_nothing_and_unknown_revisions_fail(cloud):
    nav = cloud.add_fragment("nav")
    nav.revision = "2"
    cloud.revisions[nav.id] = ["1", "2"]
    result = run(make_module(viam_fragment.FragmentModule, cloud, check_mode=True, name="nav", tags={"stable": "1"}))
    assert result["changed"] and not cloud.called("set_fragment_tag")
    with pytest.raises(ModuleFailure) as failed:
        run(make_module(viam_fragment.FragmentModule, cloud, name="nav", tags={"stable": "9"}))
    assert "has no revision stable: 9; its revisions: 1, 2" in failed.value.msg
    with pytest.raises(ModuleFailure) as failed:
        run(make_module(viam_fragment.FragmentModule, cloud, name="nav", tags={"v1": "1"}))
    assert "is not a tag name" in failed.value.msg


def test_fragment_tag_null_deletes_it_and_a_missing_one_is_no_change(cloud):
    nav = cloud.add_fragment("nav")
    cloud.revisions[nav.id] = ["1"]
    cloud.tags[nav.id] = {"stable": "1", "rollout": "1"}
    result = run(make_module(viam_fragment.FragmentModule, cloud, name="nav", tags={"rollout": None}))
    assert result["changed"] and cloud.tags[nav.id] == {"stable": "1"}
    assert not run(make_module(viam_fragment.FragmentModule, cloud, name="nav", tags={"rollout": None}))["changed"]


# ---------------------------------------------------------------- names beside IDs in diffs

def test_robot_diff_names_the_locations_it_moves_between(cloud):
    lab, yard = cloud.add_location("lab"), cloud.add_location("yard")
    rover = cloud.add_robot("rover", lab)
    result = run(make_module(viam_robot.RobotModule, cloud, id=rover.id, location="yard"))
    assert result["changed"] and result["diff"]["before"]["location_name"] == "lab"
    assert result["diff"]["after"] == dict(name="rover", location=yard.id, location_name="yard")


def test_location_diff_names_the_parent_even_a_predicted_one(cloud):
    result = run(make_module(viam_location.LocationModule, cloud, check_mode=True, name="bay", parent="site"))
    assert result["diff"]["after"]["parent_location_name"] == "site"
