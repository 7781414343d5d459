# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a viam.cloud module in the controller's worker process instead of a new Python process.

Every module of the collection has an action plugin of its own name (plugins/action/<module>.py),
a tiny subclass of ViamInProcessAction. When the task runs on the controller (connection
``local``, as on localhost or with ``delegate_to: localhost``), the action imports the module's
code in the worker that runs the task and calls its ``main()``: no AnsiballZ payload, no
temporary directory, no new interpreter, and the collection's bytecode is cached like any
plugin's. Everywhere else, or when switched off, the task takes Ansible's normal path
(``_execute_module``), exactly as without the action plugin.

What the module sees is what a module process would see:
- its arguments, with the same internal ``_ansible_*`` options (check mode, diff, no_log, verbosity,
  ...) built by ``ActionBase._update_module_args``, after ``module_defaults`` (the group
  ``group/viam.cloud.viam`` included: meta/runtime.yml lists the modules, and the action plugins share
  their names), serialized and read back with the module serialization profile;
- the task's ``environment:`` merged over the worker's environment (``VIAM_API_KEY`` and friends),
  restored when the module returns, so nothing leaks into another task or loop item;
- a fresh set of warnings and deprecations that go into its result (module_utils see
  ``is_controller`` false while it runs, as in a module process), and its own working directory
  (restored).
Its JSON result is parsed by the same ``_parse_returned_data`` as a module process's output, so
failures, warnings, deprecations, ``no_log`` masking (done by AnsibleModule itself) and the
``invocation`` are the ones the normal path gives.

Tokens: the worker runs a task's loop items one after another; an access token one item got is
reused by the next items with the same credentials within its lifetime (module_utils/token_cache.py:
in memory only, never shared with other credentials, gone with the worker at the end of the task).

Lookups within a loop: the items of a loop (not retried with ``until`` or ``retries``) answer their
name lookups (ListLocations, ListRobots, ListFragments, GetRobotParts) from an earlier item's where
no write of the loop may have changed them (module_utils/read_cache.py: in memory, keyed by the
credentials, a write drops what it may change, at most a minute).

Fork safety: the worker is a child the strategy forked for this task; grpc is imported in the
worker, never in the parent, and every channel the module opens is closed by the module before it
returns (ViamModule.run()). What holds no thread, socket or lock across a fork is imported once in
the parent instead (preload_for_workers(): AnsibleModule's basic, the collection's module_utils
and the generated protobuf code), so that each task's worker inherits it rather than importing it
again: the strategy loads this file in the parent to read the action's class.

Switch: the variable ``viam_in_process`` (any Ansible variable scope) or, when that is not set, the
controller's environment variable ``VIAM_CLOUD_IN_PROCESS``; false, 0, no or off take the normal
path. Also the normal path, whatever the switch: become, async, a connection other than local, an
``ansible_python_interpreter`` that is not the controller's Python, or a controller Python without
grpcio/protobuf (the module process then reports what is missing, as before).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import importlib
import io
import json
import os
import re
import sys
import traceback
from importlib.util import find_spec

from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action.normal import ActionModule as NormalAction
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

display = Display()

SWITCH_VARIABLE = "viam_in_process"
SWITCH_ENV = "VIAM_CLOUD_IN_PROCESS"
PROFILE = "legacy"  # the serialization profile of our modules (no metadata: AnsiballZ uses 'legacy')
_PYTHON_NAME = re.compile(r"^python[0-9.]*$")


def switch_value(task_vars, templar, environ=None):
    """(on, where it was decided): the variable first, then the controller's environment, else on."""
    environ = os.environ if environ is None else environ
    raw = task_vars.get(SWITCH_VARIABLE) if task_vars else None
    if raw is not None:
        if templar is not None:
            raw = templar.template(raw)
        return boolean(raw, strict=False), "variable %s" % SWITCH_VARIABLE
    if environ.get(SWITCH_ENV, "").strip():
        return boolean(environ[SWITCH_ENV].strip(), strict=False), "environment variable %s" % SWITCH_ENV
    return True, "default"


def _in_venv(directory):
    return os.path.exists(os.path.join(os.path.dirname(directory), "pyvenv.cfg"))


def same_python(interpreter, executable=None):
    """Whether ``interpreter`` (ansible_python_interpreter) is the Python this worker runs in.

    The same path; or another python name in the same bin folder (venv/bin/python vs
    venv/bin/python3.12); or, outside virtualenvs, the same file behind symlinks.
    """
    executable = executable or sys.executable
    if not interpreter or not executable:
        return False
    interpreter = os.path.abspath(os.path.expanduser(str(interpreter).strip()))
    mine = os.path.abspath(executable)
    if interpreter == mine:
        return True
    if (os.path.dirname(interpreter) == os.path.dirname(mine)
            and _PYTHON_NAME.match(os.path.basename(interpreter)) and _PYTHON_NAME.match(os.path.basename(mine))):
        return True
    if _in_venv(os.path.dirname(interpreter)) or _in_venv(os.path.dirname(mine)):
        return False
    try:
        return os.path.realpath(interpreter) == os.path.realpath(mine)
    except OSError:
        return False


# What every module run in a worker imports, grpc aside (preload_for_workers).
PRELOAD = (
    "ansible.module_utils.basic",
    "ansible_collections.viam.cloud.plugins.module_utils.module",
    "ansible_collections.viam.cloud.plugins.module_utils.proto.common.v1.common_pb2",
    "ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1.app_pb2",
    "ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1.robot_pb2",
)


def preload_for_workers(environ=None):
    """Import PRELOAD in this process (ansible-playbook's, where the strategy loads this file) unless the
    environment switches the in-process path off; what was imported, or an empty tuple.

    Each task runs in a worker forked from this process: what is imported here is the workers' at no cost,
    instead of about 0.14 CPU-s of imports in every task's worker (measured: basic 0.08, the module_utils
    0.04, the generated code 0.02). None of it starts a thread or opens anything, so a fork inherits it
    safely; grpc, which does, stays out (the client imports it on the first call, in the worker) and a
    unit test checks it stays out. The imports run as the worker runs a module (is_controller false, as in
    _ModuleState), so they are the same modules the worker would have. Anything failing here is left to
    the worker, where the module reports it as before.
    """
    environ = os.environ if environ is None else environ
    raw = environ.get(SWITCH_ENV, "").strip()
    if raw and not boolean(raw, strict=False):
        return ()
    if not _libraries_present():
        return ()
    done = []
    try:
        from ansible.module_utils import _internal
    except ImportError:  # pragma: nocover  # an ansible-core without it (refused by the modules' guard)
        _internal = None
    was_controller = getattr(_internal, "is_controller", None)
    try:
        if was_controller is not None:
            _internal.is_controller = False
        for name in PRELOAD:
            importlib.import_module(name)
            done.append(name)
    except Exception:  # pylint: disable=broad-exception-caught  # never the parent's failure: the worker imports again
        pass
    finally:
        if was_controller is not None:
            _internal.is_controller = was_controller
    return tuple(done)


def _libraries_present():
    for name in ("grpc", "google.protobuf"):
        try:
            if find_spec(name) is None:
                return False
        except (ImportError, ValueError):
            return False
    return True


class _ModuleState:
    """Process-global state a module process owns alone, saved before and restored after a run in the worker."""

    def __init__(self, args_json, environment):
        self.args_json = args_json
        self.environment = environment
        self.saved = {}

    def __enter__(self):
        from ansible.module_utils import _internal, basic
        from ansible.module_utils.common import warnings as module_warnings

        self.saved = dict(
            is_controller=getattr(_internal, "is_controller", None),
            args=getattr(basic, "_ANSIBLE_ARGS", None), profile=getattr(basic, "_ANSIBLE_PROFILE", None),
            parsed=getattr(basic, "_PARSED_MODULE_ARGS", None),
            warnings=copy.copy(module_warnings._global_warnings),
            deprecations=copy.copy(module_warnings._global_deprecations),
            environ=dict(os.environ), cwd=self._cwd(), argv=list(sys.argv),
            stdout=sys.stdout, stdin=sys.stdin,
        )
        # module_utils act as in a module process: warnings and deprecations go into the result (the
        # controller's Display would show them at once and the result would lack them), target-side JSON.
        if self.saved["is_controller"] is not None:
            _internal.is_controller = False
        basic._ANSIBLE_ARGS = self.args_json
        basic._ANSIBLE_PROFILE = PROFILE
        basic._PARSED_MODULE_ARGS = None
        module_warnings._global_warnings.clear()
        module_warnings._global_deprecations.clear()
        os.environ.update(self.environment)
        sys.argv = [sys.argv[0] if sys.argv else "ansible-module"]
        sys.stdin = io.StringIO()  # a module that reads stdin gets nothing, not the worker's stdin
        sys.stdout = io.StringIO()
        return self

    @staticmethod
    def _cwd():
        try:
            return os.getcwd()
        except OSError:
            return None

    def output(self):
        return sys.stdout.getvalue()

    def __exit__(self, *exc_info):
        from ansible.module_utils import _internal, basic
        from ansible.module_utils.common import warnings as module_warnings

        saved = self.saved
        if saved["is_controller"] is not None:
            _internal.is_controller = saved["is_controller"]
        sys.stdout = saved["stdout"]
        sys.stdin = saved["stdin"]
        sys.argv = saved["argv"]
        if saved["cwd"] is not None and self._cwd() != saved["cwd"]:
            os.chdir(saved["cwd"])
        if dict(os.environ) != saved["environ"]:
            os.environ.clear()
            os.environ.update(saved["environ"])
        module_warnings._global_warnings.clear()
        module_warnings._global_warnings.update(saved["warnings"])
        module_warnings._global_deprecations.clear()
        module_warnings._global_deprecations.update(saved["deprecations"])
        basic._ANSIBLE_ARGS = saved["args"]
        basic._ANSIBLE_PROFILE = saved["profile"]
        basic._PARSED_MODULE_ARGS = saved["parsed"]
        return False


def module_args_json(module_args):
    """The module's input, as a module process reads it: {"ANSIBLE_MODULE_ARGS": ...}, profile-encoded."""
    from ansible.module_utils.common.json import Direction, get_module_encoder

    encoder = get_module_encoder(PROFILE, Direction.CONTROLLER_TO_MODULE)
    return json.dumps({"ANSIBLE_MODULE_ARGS": module_args}, cls=encoder).encode()


def enable_token_cache():
    """Let the next module run of this worker (a loop's next item) reuse this one's token (module_utils/token_cache.py).

    In memory only, keyed by the credentials, gone with the worker at the end of the task.
    """
    try:
        from ansible_collections.viam.cloud.plugins.module_utils import token_cache
    except ImportError:  # pragma: nocover  # an older copy of the collection
        return
    token_cache.ENABLED = True


def enable_read_cache(on):
    """Let this module run answer its lookups from an earlier loop item's (module_utils/read_cache.py) when ``on``."""
    try:
        from ansible_collections.viam.cloud.plugins.module_utils import read_cache
    except ImportError:  # pragma: nocover  # an older copy of the collection
        return
    if not on:
        read_cache.clear()
    read_cache.ENABLED = bool(on)


def reuses_reads(task):
    """True for the items of a loop that is not retried: a task with ``until`` or ``retries`` polls, and each
    of its attempts must read afresh (module_utils/read_cache.py)."""
    looped = getattr(task, "loop", None) is not None or bool(getattr(task, "loop_with", None))
    retried = bool(getattr(task, "until", None)) or getattr(task, "retries", None) is not None
    return looped and not retried


def run_module_main(module_name, args_json, environment, reuse_reads=False):
    """Import module ``module_name`` and run its main() in this process; (rc, stdout, stderr).

    rc is the module's exit code (SystemExit), 1 with the traceback as stderr when it raised.
    ``reuse_reads``: the task is a loop whose items may share their lookups (reuses_reads()).
    """
    stderr = ""
    rc = 0
    with _ModuleState(args_json, environment) as state:
        try:
            enable_token_cache()
            enable_read_cache(reuse_reads)
            module = importlib.import_module(module_name)
            module.main()
        except SystemExit as exc:
            code = exc.code
            rc = code if isinstance(code, int) else (0 if code is None else 1)
            if isinstance(code, str):
                stderr = code
        except Exception:  # pylint: disable=broad-exception-caught  # a module crash, as a module process reports it
            rc = 1
            stderr = traceback.format_exc()
        stdout = state.output()
    return rc, stdout, stderr


class ViamInProcessAction(NormalAction):
    """Ansible's normal action, but a viam.cloud module that runs on the controller runs in this worker."""

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars if task_vars is not None else {}
        reason = self.in_process_refusal(task_vars)
        if reason:
            display.vvvv("viam.cloud: %s runs as a module process: %s" % (self._module_fqcn(), reason),
                         host=self._play_context.remote_addr)
            return super(ViamInProcessAction, self).run(tmp, task_vars)
        result = super(NormalAction, self).run(tmp, task_vars)  # ActionBase.run: its checks, no module run
        del tmp
        display.vvv("viam.cloud: running %s in the controller's worker (%s=false for a module process)"
                    % (self._module_fqcn(), SWITCH_VARIABLE), host=self._play_context.remote_addr)
        return merge_hash(result, self._execute_in_process(task_vars))

    # ------------------------------------------------------------------ deciding

    def _module_fqcn(self):
        return getattr(self._task, "resolved_action", None) or self._task.action

    def _host_vars(self, task_vars):
        if self._task.delegate_to:
            delegated = (task_vars.get("ansible_delegated_vars") or {}).get(self._task.delegate_to)
            if delegated is not None:
                return delegated
        return task_vars

    def in_process_refusal(self, task_vars):
        """Why this task must take the normal path (a sentence), or None to run in this worker."""
        on, where = switch_value(task_vars, self._templar)
        if not on:
            return "switched off by the %s" % where
        if self._task.async_val:
            return "async task"
        if getattr(self._connection, "transport", None) != "local":
            return "connection %s is not local" % getattr(self._connection, "transport", None)
        if self._play_context.become or getattr(self._connection, "become", None) is not None:
            return "become"
        interpreter = self._host_vars(task_vars).get("ansible_python_interpreter")
        if interpreter is not None:
            interpreter = self._templar.template(interpreter)
            # auto, auto_silent, auto_legacy...: discovery, which on the controller finds a Python of its own
            # choosing; the worker's Python is the one the collection is installed for.
            if interpreter and not str(interpreter).startswith("auto") and not same_python(interpreter):
                return "ansible_python_interpreter %s is not the controller's Python %s" % (interpreter, sys.executable)
        if not _libraries_present():
            return "grpcio or protobuf is missing from the controller's Python"
        return None

    # ------------------------------------------------------------------ running

    def _execute_in_process(self, task_vars):
        module_fqcn = self._module_fqcn()
        module_args = dict(self._task.args)
        self._update_module_args(module_fqcn, module_args, task_vars)
        environment = {}
        self._compute_environment_string(environment)
        environment = dict((to_text(k), to_text(v)) for k, v in environment.items())
        module_name = "ansible_collections.%s.plugins.modules.%s" % tuple(module_fqcn.rsplit(".", 1))
        rc, stdout, stderr = run_module_main(module_name, module_args_json(module_args), environment,
                                             reuse_reads=reuses_reads(self._task))
        return self._module_result(dict(rc=rc, stdout=stdout, stderr=stderr,
                                        stdout_lines=stdout.splitlines(), stderr_lines=stderr.splitlines()))

    def _module_result(self, res):
        """The module's output as _execute_module returns it (ansible-core 2.19 and 2.20+)."""
        parsed = self._parse_returned_data(res, PROFILE)
        if hasattr(parsed, "as_result_dict"):  # ansible-core 2.20+: a UnifiedTaskResult
            parsed.remove_internal_keys()
            return parsed.as_result_dict(for_round_trip=True)
        from ansible.vars.clean import remove_internal_keys

        parsed.pop("_ansible_suppress_tmpdir_delete", None)
        remove_internal_keys(parsed)
        for name in ("stdout", "stderr"):
            if name in parsed and name + "_lines" not in parsed:
                parsed[name + "_lines"] = (parsed.get(name) or u"").splitlines()
        return parsed


preload_for_workers()
