# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugins/plugin_utils/in_process.py: a module run in the worker sees what a module process sees, and leaves nothing behind."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys
import types

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common import warnings as module_warnings

from ansible_collections.viam.cloud.plugins.plugin_utils import in_process
from ansible_collections.viam.cloud.plugins.plugin_utils.in_process import (
    ViamInProcessAction,
    module_args_json,
    run_module_main,
    same_python,
    switch_value,
)

FAKE = "ansible_collections.viam.cloud.plugins.modules._fake_in_process"


def fake_module(body):
    """A module whose main() builds an AnsibleModule (option ``name``, check mode) and runs ``body(module)``."""
    mod = types.ModuleType(FAKE)

    def main():
        module = basic.AnsibleModule(argument_spec=dict(name=dict(type="str"), secret=dict(type="str", no_log=True)),
                                     supports_check_mode=True)
        body(module)

    mod.main = main
    sys.modules[FAKE] = mod
    return mod


@pytest.fixture(autouse=True)
def _drop_fake():
    yield
    sys.modules.pop(FAKE, None)


def args(**options):
    options.setdefault("_ansible_check_mode", False)
    options.setdefault("_ansible_diff", False)
    options.setdefault("_ansible_no_log", False)
    options.setdefault("_ansible_tracebacks_for", [])
    return module_args_json(options)


def result_of(stdout):
    return json.loads(stdout.strip().splitlines()[-1])


def test_result_warnings_and_check_mode_as_a_module_process_reports_them():
    def body(module):
        module.warn("careful")
        module.exit_json(changed=True, name=module.params["name"], check=module.check_mode)

    fake_module(body)
    rc, out, err = run_module_main(FAKE, args(name="rover", _ansible_check_mode=True), {})
    assert (rc, err) == (0, "")
    result = result_of(out)
    assert result["changed"] is True and result["name"] == "rover" and result["check"] is True
    assert len(result["warnings"]) == 1 and "careful" in json.dumps(result["warnings"])  # in the result, as from a module process


def test_failure_exit_code_and_message():
    fake_module(lambda module: module.fail_json(msg="location 'x' not found"))
    rc, out, _err = run_module_main(FAKE, args(name="rover"), {})
    assert rc == 1
    assert result_of(out)["msg"] == "location 'x' not found" and result_of(out)["failed"] is True


def test_no_log_values_are_masked_in_the_output():
    fake_module(lambda module: module.exit_json(changed=False, echoed="the key is %s" % module.params["secret"]))
    rc, out, _err = run_module_main(FAKE, args(secret="s3cr3t-value"), {})
    assert rc == 0 and "s3cr3t-value" not in out


def test_a_crash_is_reported_with_its_traceback():
    def body(module):
        raise RuntimeError("boom")

    fake_module(body)
    rc, out, err = run_module_main(FAKE, args(), {})
    assert rc == 1 and out == "" and "RuntimeError: boom" in err


def test_environment_cwd_argv_and_module_globals_are_restored(tmp_path, monkeypatch):
    monkeypatch.delenv("VIAM_API_KEY", raising=False)
    seen = {}

    def body(module):
        seen["key"] = os.environ.get("VIAM_API_KEY")
        os.environ["GRPC_VERBOSITY"] = "ERROR"  # what transport.py does on first use of grpc
        os.chdir(str(tmp_path))
        module.warn("from the first run")
        module.exit_json(changed=False)

    fake_module(body)
    cwd, argv, environ = os.getcwd(), list(sys.argv), dict(os.environ)
    before = (basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE, dict(module_warnings._global_warnings))
    rc, _out, _err = run_module_main(FAKE, args(), {"VIAM_API_KEY": "from-the-task"})
    assert rc == 0 and seen["key"] == "from-the-task"
    assert os.getcwd() == cwd and sys.argv == argv and dict(os.environ) == environ
    assert (basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE, dict(module_warnings._global_warnings)) == before

    # the next run (a loop's next item) sees neither the environment nor the warnings of the first
    def second(module):
        seen["second"] = os.environ.get("VIAM_API_KEY")
        module.exit_json(changed=False)

    fake_module(second)
    rc, out, _err = run_module_main(FAKE, args(), {})
    assert rc == 0 and seen["second"] is None and "warnings" not in result_of(out)


def test_module_args_json_is_what_anisble_module_reads():
    payload = json.loads(module_args_json({"name": "rover", "_ansible_check_mode": True}))
    assert payload == {"ANSIBLE_MODULE_ARGS": {"name": "rover", "_ansible_check_mode": True}}


@pytest.mark.parametrize("var, env, expected", [
    (None, None, True), (False, None, False), ("no", None, False), (True, "0", True),
    (None, "0", False), (None, "off", False), (None, "yes", True), (None, "", True),
])
def test_switch(var, env, expected):
    task_vars = {} if var is None else {"viam_in_process": var}
    environ = {} if env is None else {"VIAM_CLOUD_IN_PROCESS": env}
    assert switch_value(task_vars, None, environ)[0] is expected


def test_same_python(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    python = str(venv / "bin" / "python")
    assert same_python(python, python)
    assert same_python(str(venv / "bin" / "python3.12"), python)
    assert not same_python("/usr/bin/python3", python)
    assert not same_python(str(venv / "bin" / "pip"), python)
    assert not same_python("", python)


class Obj:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


def action(transport="local", become=False, async_val=0, delegate_to=None):
    act = ViamInProcessAction.__new__(ViamInProcessAction)
    act._task = Obj(async_val=async_val, delegate_to=delegate_to, action="viam.cloud.viam_robot",
                    resolved_action="viam.cloud.viam_robot")
    act._connection = Obj(transport=transport, become=None)
    act._play_context = Obj(become=become, remote_addr="localhost")
    act._templar = Obj(template=lambda value: value)
    return act


def test_runs_in_the_worker_on_the_controller_only(monkeypatch):
    monkeypatch.delenv("VIAM_CLOUD_IN_PROCESS", raising=False)
    monkeypatch.setattr(in_process, "_libraries_present", lambda: True)
    here = {"ansible_python_interpreter": sys.executable}
    assert action().in_process_refusal(here) is None
    assert action().in_process_refusal({}) is None
    assert action().in_process_refusal({"ansible_python_interpreter": "auto_silent"}) is None
    assert "not local" in action(transport="ssh").in_process_refusal(here)
    assert "become" in action(become=True).in_process_refusal(here)
    assert "async" in action(async_val=30).in_process_refusal(here)
    assert "switched off" in action().in_process_refusal(dict(here, viam_in_process=False))
    assert "not the controller's Python" in action().in_process_refusal({"ansible_python_interpreter": "/nowhere/python9"})
    delegated = {"ansible_delegated_vars": {"ctl": {"ansible_python_interpreter": "/nowhere/python9"}}}
    assert "not the controller's Python" in action(delegate_to="ctl").in_process_refusal(delegated)
    monkeypatch.setenv("VIAM_CLOUD_IN_PROCESS", "0")
    assert "VIAM_CLOUD_IN_PROCESS" in action().in_process_refusal(here)
    monkeypatch.setattr(in_process, "_libraries_present", lambda: False)
    monkeypatch.delenv("VIAM_CLOUD_IN_PROCESS")
    assert "grpcio" in action().in_process_refusal(here)


def test_every_module_has_its_action_plugin():
    """A module without plugins/action/<module>.py would silently keep paying a module process per task."""
    import ansible_collections.viam.cloud.plugins as plugins_package

    root = list(plugins_package.__path__)[0]

    def names(folder):
        return sorted(f[:-3] for f in os.listdir(os.path.join(root, folder)) if f.endswith(".py") and not f.startswith("_"))

    assert names("modules") == names("action")
    for name in names("action"):
        with open(os.path.join(root, "action", name + ".py")) as handle:
            assert "class ActionModule(ViamInProcessAction)" in handle.read(), name


PRELOAD_PROBE = """
import json, sys
from ansible.module_utils import _internal
import ansible.plugins.action.normal  # as in ansible-playbook: the controller's imports set is_controller
before = _internal.is_controller if hasattr(_internal, "is_controller") else None
from ansible_collections.viam.cloud.plugins.plugin_utils import in_process
print(json.dumps(dict(
    loaded=[name for name in in_process.PRELOAD if name in sys.modules],
    grpc=sorted(name for name in sys.modules if name == "grpc" or name.startswith("grpc.")),
    modules=sorted(name for name in sys.modules if name.startswith("ansible_collections.viam.cloud.plugins.modules.")),
    threads=__import__("threading").active_count(),
    controller_kept=(_internal.is_controller if before is not None else None) == before,
    switched_off=in_process.preload_for_workers({"VIAM_CLOUD_IN_PROCESS": "0"}),
)))
"""


def test_the_parent_preloads_what_workers_import_but_never_grpc():
    """Imported where the strategy loads the action (ansible-playbook's process): basic, the module_utils and the
    generated code, so that every task's forked worker has them; never grpc, no thread, nothing of a module."""
    import subprocess

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    env.pop("VIAM_CLOUD_IN_PROCESS", None)
    out = subprocess.run([sys.executable, "-c", PRELOAD_PROBE], capture_output=True, text=True, env=env, check=True)
    seen = json.loads(out.stdout)
    assert seen["loaded"] == list(in_process.PRELOAD)
    assert seen["grpc"] == [] and seen["modules"] == [] and seen["threads"] == 1
    assert seen["controller_kept"] and seen["switched_off"] == []
