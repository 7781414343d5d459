# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""config_shape: a part or fragment config has the shape viam-server reads, or a sentence says where not."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.viam.cloud.plugins.module_utils.config_shape import (
    check_config_shape, config_shape_message, config_shape_problems, enforce_config_shape)

CAM = {"name": "cam", "api": "rdk:component:camera", "model": "webcam", "attributes": {"video_path": "/dev/video0"}}


@pytest.mark.parametrize("config", [
    None,
    {},
    {"components": []},
    {"components": [CAM], "services": [{"name": "vision", "api": "rdk:service:vision", "model": "mlmodel"}]},
    {"components": [{"name": "arm", "type": "arm", "namespace": "rdk", "model": "fake", "depends_on": ["board"]}]},
    {"services": [{"name": "motion", "type": "motion"}]},  # a builtin service: no model
    {"modules": [{"type": "registry", "name": "xarm", "module_id": "viam:ufactory", "version": "latest"}],
     "remotes": [{"name": "gripper", "address": "gripper.local:8080"}],
     "packages": [{"name": "model", "package": "org/model", "version": "1", "type": "ml_model"}],
     "processes": [{"id": "ping", "name": "ping", "args": ["-c", "1"]}],
     "fragments": [{"id": "0b6f3c3e-2f0e-4a57-9a3c-1d5e8f7a9b21"}, "6a1b3c3e-2f0e-4a57-9a3c-1d5e8f7a9b21"],
     "fragment_mods": [{"fragment_id": "0b6f3c3e-2f0e-4a57-9a3c-1d5e8f7a9b21", "mods": [{"$set": {"a": 1}}]}],
     "network": {"bind_address": ":8080"}, "auth": {"handlers": []}, "debug": True, "enable_web_profile": False,
     "revision": "r1", "log": [{"pattern": "rdk.*", "level": "debug"}], "jobs": []},
])
def test_right_shapes_have_no_problem(config):
    assert config_shape_problems(config) == []
    assert config_shape_message(config) is None


def test_a_mapping_where_the_list_belongs_names_the_path_and_the_fix():
    (problem,) = config_shape_problems({"components": {"name": "cam"}})
    assert problem == ("config.components must be a list of objects, got a mapping; "
                       "did you mean components: [{name: cam, ...}] (a list of one)?")


def test_a_mapping_of_names_suggests_one_object_per_entry():
    (problem,) = config_shape_problems({"services": {"vision": {"api": "rdk:service:vision"}}})
    assert "config.services must be a list of objects, got a mapping" in problem
    assert "[{name: vision, ...}] (each entry an object with its own name)" in problem


@pytest.mark.parametrize("config, words", [
    ({"components": [{"api": "rdk:component:camera", "model": "webcam"}]},
     "config.components[0] has no name: every component needs name"),
    ({"components": [{"name": "cam", "api": "rdk:component:camera"}]},
     "config.components[0] (component 'cam') has no model"),
    ({"components": [{"name": "cam", "model": "webcam"}]},
     "config.components[0] (component 'cam') has no api: every component needs api (e.g. rdk:component:camera) or type"),
    ({"components": [{"name": "cam", "api": "camera", "model": "webcam"}]},
     "config.components[0] (component 'cam').api 'camera' is not an API: give namespace:component:subtype"),
    ({"components": ["cam"]}, "config.components[0] must be an object (a mapping of keys such as name), got a string 'cam'"),
    ({"components": [dict(CAM, attributes=["x"])]}, "attributes must be a mapping, got a list"),
    ({"components": [dict(CAM, depends_on="board")]}, "depends_on must be a list of resource names, got a string"),
    ({"components": [dict(CAM, name=7)]}, "name must be text, got a number 7"),
    ({"services": [{"api": "rdk:service:vision"}]}, "config.services[0] has no name"),
    ({"modules": [{"module_id": "viam:ufactory"}]}, "config.modules[0] has no name"),
    ({"remotes": [{"name": "gripper"}]}, "config.remotes[0] (remote 'gripper') has no address"),
    ({"packages": [{"name": "model"}]}, "has no package"),
    ({"fragments": [{"version": "1"}]}, "config.fragments[0] has no id: each fragment entry is {id: FRAGMENT_ID}"),
    ({"fragments": {"id": "abc"}}, "did you mean fragments: [{id: abc}]?"),
    ({"fragment_mods": [{"mods": []}]}, "config.fragment_mods[0] has no fragment_id"),
    ({"network": ["bind_address"]}, "config.network must be a mapping, got a list"),
    ({"auth": "none"}, "config.auth must be a mapping, got a string"),
    ({"debug": "yes"}, "config.debug must be true or false, got a string 'yes'"),
    ({"revision": 3}, "config.revision must be text, got a number"),
    ({"processes": "ping"}, "config.processes must be a list of objects, got a string"),
    ([CAM], "config must be a mapping (the machine's JSON config object), got a list"),
])
def test_wrong_shapes(config, words):
    problems = config_shape_problems(config)
    assert any(words in p for p in problems), problems


def test_every_problem_is_reported_at_once():
    problems = config_shape_problems({"components": [{"model": "x"}, {"name": "b", "api": "rdk:component:board"}],
                                      "services": {}, "debug": 1})
    assert len(problems) == 5, problems  # [0] no name, [0] no api, [1] no model, services, debug


def test_unknown_top_level_keys_warn_and_do_not_fail():
    problems, warnings = check_config_shape({"components": [CAM], "componets": [], "edited_by": "x"})
    assert problems == []
    assert len(warnings) == 2
    assert warnings[0].startswith("config.componets is not a key viam-server is known to read (known: auth, ")
    assert "Check its spelling" in warnings[0]


class FakeViamModule:
    class module:  # pylint: disable=invalid-name  # the AnsibleModule, for its warn()
        warned = []

        @classmethod
        def warn(cls, msg):
            cls.warned.append(msg)

    def fail(self, msg):
        raise AssertionError("failed: " + msg)


def test_enforce_config_shape_warns_then_fails_with_one_message():
    viam_module = FakeViamModule()
    enforce_config_shape(viam_module, None)
    enforce_config_shape(viam_module, {"components": [CAM], "extra": 1})
    assert len(FakeViamModule.module.warned) == 1
    with pytest.raises(AssertionError) as info:
        enforce_config_shape(viam_module, {"components": {"name": "cam"}})
    assert str(info.value) == ("failed: config has the wrong shape for a Viam machine config, nothing was changed: "
                               "config.components must be a list of objects, got a mapping; "
                               "did you mean components: [{name: cam, ...}] (a list of one)?")


def test_a_long_list_of_problems_is_cut_short():
    config = {"components": [{"name": "c%d" % i, "api": "rdk:component:camera"} for i in range(500)]}
    assert len(config_shape_problems(config)) == 500
    message = config_shape_message(config)
    assert message.count("has no model") == 10 and message.endswith("and 490 more problems of the same kind")
