# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""fleet: the input checks and the plan of viam_fleet (pure functions, no client)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.viam.cloud.plugins.module_utils import fleet as fl

FRAG_A = "5a0f4b6e-7c1d-4e2f-9a3b-8c7d6e5f4a3b"
FRAG_B = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
LAB = dict(id="lab0000001", name="lab", parent_location_id="")
YARD = dict(id="yard000001", name="yard", parent_location_id="lab0000001")
FRAGMENTS = [dict(id=FRAG_A, name="base"), dict(id=FRAG_B, name="arm")]
ROVER = dict(id="11111111-1111-4111-8111-111111111111", name="rover", location=LAB["id"])


def part(part_id, name, main=False, fragments=(), **config):
    if fragments:
        config["fragments"] = [{"id": f} for f in fragments]
    return dict(id=part_id, name=name, main_part=main, fqdn="%s.x.viam.cloud" % name, robot_config=config)


def snapshot(**extra):
    data = dict(locations=[LAB, YARD], robots=[ROVER], fragments=FRAGMENTS,
                parts={ROVER["id"]: [part("p-main", "rover-main", True, [FRAG_A]), part("p-arm", "rover-arm")]})
    data.update(extra)
    return data


def plan(locations=None, machines=None, existing=None, **extra):
    if existing is not None:
        extra["locations"] = existing
    return fl.plan_fleet(fl.parse_fleet(locations or [], machines or []), snapshot(**extra), "org-1")


def problems(locations=None, machines=None, existing=None, **extra):
    with pytest.raises(fl.FleetInputError) as info:
        plan(locations, machines, existing, **extra)
    return " | ".join(info.value.problems)


def actions(result):
    return dict((p.name, p.action) for m in result.machines for p in m.parts)


# ---------------------------------------------------------------- input checks

@pytest.mark.parametrize("locations, machines, expected", [
    ([dict(name="a"), dict(name="a")], [], "location 'a' is declared twice"),
    ([dict(name="")], [], "locations[0].name must be a non-empty string"),
    ([dict(name="a", parent="a")], [], "cannot be its own parent"),
    ([], [dict(name="m", location="lab"), dict(name="m", location="lab")], "is declared twice"),
    ([], [dict(name="m")], "machines[0].location must be a non-empty string"),
    ([], [dict(name="m", location="lab", parts=["p", {"name": "p"}])], "part 'p' of machine 'm' (location 'lab') is declared twice"),
    ([], [dict(name="m", location="lab", parts=[{"name": "p", "colour": "red"}])], "unknown key(s) colour"),
    ([], [dict(name="m", location="lab", parts=[{"name": "p", "config": "x"}])], "config of part 'p'"),
    ([], [dict(name="m", location="lab", parts=[{"name": "p", "state": "absent", "fragments": []}])],
     "apply to a part that is present"),
    ([], [dict(name="m", location="lab", state="absent", fragments=["base"])], "apply to a machine that is present"),
    ([], [dict(name="m", location="lab", fragments=[""])], "fragments must be a list"),
    ([], [dict(name="m", location="lab", parts=[42])], "must be a name or a dict"),
    ([], [dict(name="x" * 300, location="lab")], "at most 256"),
    ([], [dict(name="m", location="lab", parts=[{"name": "p", "config": {"components": [{"name": "arm"}]}}])],
     "the config of part 'p' of machine 'm' (location 'lab') has the wrong shape"),
    ([], [dict(name="m", location="lab", parts=[{"name": "p", "config": {"components": {"arm": {}}}}])],
     "components must be a list"),
])
def test_bad_input_is_refused_with_every_problem(locations, machines, expected):
    with pytest.raises(fl.FleetInputError) as info:
        fl.parse_fleet(locations, machines)
    assert expected in str(info.value)


def test_all_problems_are_reported_together():
    with pytest.raises(fl.FleetInputError) as info:
        fl.parse_fleet([dict(name="a"), dict(name="a")], [dict(name="", location="lab"), dict(name="m", location="")])
    assert len(info.value.problems) == 3


def test_a_config_key_viam_server_does_not_read_is_kept_with_a_warning():
    config = {"components": [], "componets": []}
    desired = fl.parse_fleet([], [dict(name="m", location="lab", parts=[dict(name="p", config=config)])])
    part = desired.machines[0].parts[0]
    assert part.config == config
    assert len(part.warnings) == 1 and "part 'p' of machine 'm'" in part.warnings[0] and "componets" in part.warnings[0]


def test_parts_as_names_or_dicts():
    desired = fl.parse_fleet([], [dict(name="m", location="lab", parts=["p1", dict(name="p2", fragments=["arm"])])])
    parts = desired.machines[0].parts
    assert [(p.name, p.fragments, p.state) for p in parts] == [("p1", None, "present"), ("p2", ["arm"], "present")]


# ---------------------------------------------------------------- planning

def test_new_location_machine_and_parts():
    result = plan([dict(name="site")], [dict(name="m1", location="site", fragments=["base"],
                                             parts=[dict(name="m1-arm", fragments=["arm", "base"])])])
    site = result.locations[0]
    assert (site.action, site.level) == ("create", 0)
    machine = result.machines[0]
    assert machine.action == "create" and machine.location is site
    main, arm = machine.parts
    assert (main.name, main.main, main.action) == ("m1-main", True, "create")
    assert main.wanted_config == {"fragments": [{"id": FRAG_A}]}
    assert arm.wanted_config == {"fragments": [{"id": FRAG_B}, {"id": FRAG_A}]}
    assert result.part_creates() == [arm]  # the main part comes with the machine
    assert result.config_writes() == [main, arm]
    assert result.machines_to_reread() == [machine]
    assert result.counts()["parts"] == dict(created=2, updated=0, deleted=0, unchanged=0)
    assert result.changed


def test_converged_fleet_is_a_no_op():
    result = plan([dict(name="lab")], [dict(name="rover", location="lab", fragments=["base"], parts=["rover-arm"])])
    assert not result.changed
    assert result.actions() == []
    assert result.counts() == dict(locations=dict(created=0, updated=0, deleted=0, unchanged=1),
                                   machines=dict(created=0, updated=0, deleted=0, unchanged=1),
                                   parts=dict(created=0, updated=0, deleted=0, unchanged=2))
    assert result.view(False) == result.view(True)


def test_fragments_by_id_and_config_compared_semantically():
    parts = {ROVER["id"]: [part("p-main", "rover-main", True, [FRAG_A], speed=1.0), part("p-arm", "rover-arm")]}
    result = plan([], [dict(name="rover", location=LAB["id"], fragments=[FRAG_A],
                            parts=[dict(name="rover-main", config={"speed": 1, "fragments": []})])], parts=parts)
    # fragments (machine level) win over the config's fragments key; 1 == 1.0
    assert not result.changed


def test_fragment_change_keeps_the_rest_of_the_config():
    parts = {ROVER["id"]: [part("p-main", "rover-main", True, [FRAG_A], debug=True)]}
    result = plan([], [dict(name="rover", location="lab", fragments=["arm"])], parts=parts)
    main = result.machines[0].parts[0]
    assert main.action == "update"
    assert main.wanted_config == {"debug": True, "fragments": [{"id": FRAG_B}]}
    assert result.view(False)["machines"]["lab/rover"]["parts"]["rover-main"]["fragments"] == ["base"]
    assert result.view(True)["machines"]["lab/rover"]["parts"]["rover-main"]["fragments"] == ["arm"]


def test_fragment_versions_pin_the_main_part_and_a_part_by_name():
    parts = {ROVER["id"]: [part("p-main", "rover-main", True, [FRAG_A], debug=True), part("p-arm", "rover-arm",
                                                                                          False, [FRAG_B])]}
    result = plan([], [dict(name="rover", location="lab", fragment_versions={"base": "stable"},
                            parts=[dict(name="rover-arm", fragment_versions={FRAG_B: "3"})])], parts=parts)
    main, arm = result.machines[0].parts
    assert main.wanted_config == {"debug": True, "fragments": [{"id": FRAG_A, "version": "stable"}]}
    assert arm.wanted_config == {"fragments": [{"id": FRAG_B, "version": "3"}]}
    main_pinned = part("p-main", "rover-main", True, debug=True)
    main_pinned["robot_config"]["fragments"] = [{"id": FRAG_A, "version": "stable"}]
    pinned = {ROVER["id"]: [main_pinned]}
    assert not plan([], [dict(name="rover", location="lab", fragment_versions={"base": "stable"})],
                    parts=pinned).changed


def test_fragment_versions_are_checked_before_any_write():
    parts = {ROVER["id"]: [part("p-main", "rover-main", True, [FRAG_A])]}
    assert "neither a revision number nor a tag name" in problems(
        [], [dict(name="rover", location="lab", fragment_versions={"base": "v1"})], parts=parts)
    assert "is not one of the part's fragments" in problems(
        [], [dict(name="rover", location="lab", fragment_versions={"arm": "stable"})], parts=parts)


def test_unmanaged_parts_and_configs_are_left_alone():
    result = plan([], [dict(name="rover", location="lab")])
    assert not result.changed and [p.name for p in result.machines[0].parts] == ["rover-main"]


def test_delete_part_and_machine():
    gone = [dict(name="rover-arm", state="absent"), dict(name="gone", state="absent")]
    result = plan([], [dict(name="rover", location="lab", parts=gone)])
    assert actions(result) == {"rover-main": "none", "rover-arm": "delete", "gone": "none"}
    assert result.part_deletes()[0].id == "p-arm"
    result = plan([], [dict(name="rover", location="lab", state="absent"),
                       dict(name="ghost", location="lab", state="absent")])
    assert [m.action for m in result.machines] == ["delete", "none"]
    assert result.counts()["machines"]["deleted"] == 1 and result.counts()["parts"]["deleted"] == 0
    assert result.view(True)["machines"] == {}


def test_main_part_cannot_be_deleted():
    main = dict(name="rover-main", state="absent")
    assert "main part" in problems([], [dict(name="rover", location="lab", parts=[main])])


def test_main_part_fragments_given_twice():
    text = problems([], [dict(name="rover", location="lab", fragments=["base"],
                              parts=[dict(name="rover-main", fragments=["arm"])])])
    assert "given twice" in text


def test_unknown_location_and_fragment_fail_before_any_write():
    text = problems([], [dict(name="m", location="nowhere", parts=[dict(name="p", fragments=["nope"])]),
                         dict(name="rover", location="lab", fragments=["nope"])])
    assert "location 'nowhere' of machine 'm' is neither declared" in text
    assert "fragment 'nope'" in text and "not found" in text


def test_ambiguous_names_are_never_guessed():
    twin = dict(id="lab0000002", name="lab", parent_location_id="")
    text = problems([], [dict(name="rover", location="lab")], existing=[LAB, twin])
    assert "2 locations are named 'lab'" in text and "give the ID" in text
    twin_fragment = dict(id="77777777-7777-4777-8777-777777777777", name="base")
    text = problems([], [dict(name="rover", location="lab", fragments=["base"])],
                    fragments=FRAGMENTS + [twin_fragment])
    assert "2 fragments are named 'base'" in text


def test_part_names_unique_within_a_location():
    text = problems([], [dict(name="rover", location="lab", parts=["p"]),
                         dict(name="other", location="lab", parts=["p"])])
    assert "a part named 'p' already exists in location 'lab'" in text
    # a new machine's main part takes <name>-main
    text = problems([], [dict(name="rover", location="lab", parts=["new-main"]), dict(name="new", location="lab")])
    assert "'new-main' already exists" in text
    # a name freed by a deleted part may be used again
    result = plan([], [dict(name="rover", location="lab", parts=[dict(name="rover-arm", state="absent")]),
                       dict(name="other", location="lab", parts=["rover-arm"])])
    assert [p.name for p in result.part_creates()] == ["rover-arm"]


def test_location_parents_and_levels():
    result = plan([dict(name="top"), dict(name="mid", parent="top"), dict(name="leaf", parent="mid"),
                   dict(name="yard", parent="")])
    levels = [[loc.name for loc in level] for level in result.location_levels()]
    assert levels == [["top", "yard"], ["mid"], ["leaf"]]
    yard = result.locations[3]
    assert yard.action == "update" and yard.wanted_parent() == ""
    assert result.view(True)["locations"]["mid"] == {"parent": "top"}
    assert result.view(False)["locations"]["yard"] == {"parent": "lab"}  # parents by name, before and after
    assert result.view(True)["locations"]["yard"] == {"parent": ""}
    assert "move location 'yard' under the top level" in result.actions()


def test_existing_location_parent_unchanged_when_not_given():
    result = plan([dict(name="yard")])
    assert result.locations[0].action == "none"
    result = plan([dict(name="yard", parent="lab")])
    assert result.locations[0].action == "none"


def test_location_parent_cycle():
    assert "each other's parents" in problems([dict(name="a", parent="b"), dict(name="b", parent="a")])


def test_location_absent_needs_it_empty():
    text = problems([dict(name="lab", state="absent")])
    assert "still has machine(s) not declared absent: rover" in text
    assert "still has sub-location(s): yard" in text
    result = plan([dict(name="yard", state="absent"), dict(name="lab", state="absent")],
                  [dict(name="rover", location="lab", state="absent")])
    assert [[loc.name for loc in level] for level in result.location_deletes()] == [["yard"], ["lab"]]
    assert "declared absent" in problems([dict(name="lab", state="absent")], [dict(name="rover", location="lab")])


def test_machine_declared_twice_by_name_and_location_id():
    assert "declared twice" in problems([], [dict(name="rover", location="lab"),
                                             dict(name="rover", location=LAB["id"])])


def test_check_mode_result_predicts_ids_only_for_existing():
    result = plan([], [dict(name="rover", location="lab", parts=["rover-cam"])])
    cam = [p for p in result.machines[0].parts if p.name == "rover-cam"][0]
    assert cam.action == "create" and cam.id == ""
    assert "create part 'rover-cam' of machine 'rover' (location 'lab')" in result.actions()


def test_part_names_of_undeclared_machines_are_checked_where_parts_are_created():
    desired = fl.parse_fleet([], [dict(name="new", location="lab", parts=["rover-arm"])])
    planner = fl.FleetPlanner(desired, [LAB, YARD], "org-1")
    planner.add_robots([ROVER])
    assert planner.robot_ids_to_read() == []  # rover is not declared
    assert planner.robot_ids_to_check() == [ROVER["id"]]  # but it shares the location where a part is created
    planner.add_neighbour_parts(ROVER["id"], snapshot()["parts"][ROVER["id"]])
    with pytest.raises(fl.FleetInputError) as info:
        planner.plan()
    assert "a part named 'rover-arm' already exists in location 'lab' (machine 'rover')" in str(info.value)
    # nothing to create in the location: nothing more to read
    desired = fl.parse_fleet([], [dict(name="rover", location="lab", parts=["rover-arm"])])
    planner = fl.FleetPlanner(desired, [LAB, YARD], "org-1")
    planner.add_robots([ROVER])
    planner.add_parts(ROVER["id"], snapshot()["parts"][ROVER["id"]])
    assert planner.robot_ids_to_check() == []


# ---------------------------------------------------------------- applying (viam_fleet's stages, with a fake client)

class FakeClient:
    """Records the writes; ``fail`` maps an RPC name to the ViamError it raises."""

    def __init__(self, fail=None):
        from ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1 import app_pb2

        self.pb = app_pb2
        self.fail = fail or {}
        self.calls = []
        self.parts = {}

    def _call(self, rpc, **fields):
        self.calls.append((rpc, fields.get("name") or fields.get("part_name") or fields.get("id")))
        if rpc in self.fail:
            raise self.fail[rpc]

    def create_location(self, resource=None, **fields):
        self._call("CreateLocation", **fields)
        return self.pb.CreateLocationResponse(location=self.pb.Location(id="newloc0001", name=fields["name"]))

    def new_robot(self, resource=None, **fields):
        self._call("NewRobot", **fields)
        robot_id = "robot-%s" % fields["name"]
        self.parts[robot_id] = [self.pb.RobotPart(id="part-%s-main" % fields["name"], name=fields["name"] + "-main",
                                                  main_part=True)]
        return self.pb.NewRobotResponse(id=robot_id)

    def list_robots(self, resource=None, **fields):
        self._call("ListRobots", **fields)
        return self.pb.ListRobotsResponse(robots=[self.pb.Robot(id="robot-found", name="m1")])

    def new_robot_part(self, resource=None, **fields):
        self._call("NewRobotPart", **fields)
        part = self.pb.RobotPart(id="part-%s" % fields["part_name"], name=fields["part_name"])
        self.parts.setdefault(fields["robot_id"], []).append(part)
        return self.pb.NewRobotPartResponse(part_id=part.id)

    def get_robot_parts(self, resource=None, **fields):
        self._call("GetRobotParts", **fields)
        return self.pb.GetRobotPartsResponse(parts=self.parts.get(fields["robot_id"], []))

    def update_robot_part(self, resource=None, **fields):
        self._call("UpdateRobotPart", **fields)
        part = self.pb.RobotPart(id=fields["id"], name=fields["name"])
        part.robot_config.update(fields["robot_config"])
        return self.pb.UpdateRobotPartResponse(part=part)


def fleet_module(client):
    import threading

    from ansible_collections.viam.cloud.plugins.modules import viam_fleet

    module = viam_fleet.FleetModule.__new__(viam_fleet.FleetModule)
    module._client = client
    module._organization_id = "org-1"
    module.workers = 4
    module._lock = threading.Lock()
    module.applied = []
    module.raw_parts = {}
    return module, viam_fleet


def new_site_plan():
    machines = [dict(name=name, location="site", fragments=["base"], parts=[dict(name=name + "-arm", fragments=["arm"])])
                for name in ("m1", "m2")]
    return plan([dict(name="site")], machines)


def test_apply_runs_the_stages_in_order():
    client = FakeClient()
    module, dummy = fleet_module(client)
    result = new_site_plan()
    module.apply(result)
    order = [rpc for rpc, name in client.calls]
    assert order[0] == "CreateLocation"
    assert set(order[1:3]) == {"NewRobot"} and set(order[3:5]) == {"NewRobotPart"}
    assert set(order[5:7]) == {"GetRobotParts"} and set(order[7:]) == {"UpdateRobotPart"} and len(order) == 11
    assert len(module.applied) == 9  # the reads are not writes
    machines = module.machines_result(result)
    assert [p["fragments"] for p in machines[0]["parts"]] == [[FRAG_A], [FRAG_B]]
    assert machines[0]["id"] == "robot-m1" and machines[0]["location_id"] == "newloc0001"


def test_a_failed_write_stops_later_stages():
    from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError

    denied = ViamError(code="PERMISSION_DENIED", rpc="NewRobot", resource="machine 'm1'")
    client = FakeClient(fail={"NewRobot": denied})
    module, viam_fleet = fleet_module(client)
    with pytest.raises(viam_fleet.StageFailed) as info:
        module.apply(new_site_plan())
    assert info.value.stage == "create machines"
    assert [label for label, err in info.value.failures][0].startswith("create machine ")
    assert module.applied == ["create location 'site'"]
    assert [rpc for rpc, name in client.calls if rpc not in ("CreateLocation", "NewRobot")] == []


def test_a_lost_create_answer_is_looked_up_not_resent():
    from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError

    lost = ViamError(code="DEADLINE_EXCEEDED", rpc="NewRobot", maybe_applied=True)
    client = FakeClient(fail={"NewRobot": lost})
    module, dummy = fleet_module(client)
    result = plan([], [dict(name="m1", location="lab")])
    module.create_machine(result.machines[0])
    assert result.machines[0].created_id == "robot-found"
    assert [rpc for rpc, name in client.calls] == ["NewRobot", "ListRobots"]


def test_purge_deletes_undeclared_machines_of_declared_locations_only():
    other = dict(id="22222222-2222-4222-8222-222222222222", name="stray", location=LAB["id"])
    yard_robot = dict(id="33333333-3333-4333-8333-333333333333", name="far", location=YARD["id"])
    robots = [ROVER, other, yard_robot]
    result = plan([dict(name="lab")], [dict(name="rover", location="lab"), dict(name="new", location="yard")],
                  robots=robots)
    assert [m.action for m in result.machines] == ["none", "create"]  # purge is off by default
    desired = fl.parse_fleet([dict(name="lab")], [dict(name="rover", location="lab"), dict(name="new", location="yard")])
    result = fl.plan_fleet(desired, snapshot(robots=robots), "org-1", purge=True)
    purged = [m for m in result.machines if m.purged]
    assert [(m.name, m.action) for m in purged] == [("stray", "delete")]  # yard is not declared: "far" stays
    assert result.counts()["machines"]["deleted"] == 1
    assert "delete machine 'stray' (location 'lab') (not declared: purge)" in result.actions()
    assert "lab/stray" in result.view(False)["machines"] and "lab/stray" not in result.view(True)["machines"]


def test_a_lost_race_for_a_name_reads_again():
    from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError

    client = FakeClient(fail={"NewRobot": ViamError(code="ALREADY_EXISTS", rpc="NewRobot")})
    module, viam_fleet = fleet_module(client)
    if viam_fleet.CreateRaced is None:
        pytest.skip("module_utils without race handling")
    with pytest.raises(viam_fleet.CreateRaced):  # ViamModule.run() then executes the task again
        module.apply(new_site_plan())
    assert module.applied == ["create location 'site'"]
    assert "NewRobotPart" not in [rpc for rpc, name in client.calls]
