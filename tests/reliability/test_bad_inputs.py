# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input, table-driven: every module, every case of bad_input_cases.CASES.

Each case runs the module as a process (as Ansible does, minus the zip; forked from a process
that has imported what the modules import, see bad_input_harness: VIAM_BAD_INPUT_FORK=0 starts
each as a new process instead) against one emulator
seeded with a location, a machine with two parts, a fragment and a second API key, and must:
- fail (failed=true, a non-zero exit), with a message containing the case's substrings;
- show no Python traceback (not in stdout, stderr or the result, no ``exception`` key);
- make no write call: every RPC the emulator logged while it ran is a read (client.py RPC_KINDS).

A handful of cases also run through ansible-playbook (test_playbook_matches_direct_run) to show
that the direct run is what a user sees.

    hack/pytest.sh bad .venv tests/reliability -k bad_input -q
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading

import pytest

from bad_input_cases import CASES, MODULES, ROLE_BASE, ROLE_CASES, Case
from bad_input_harness import (MODULES_PACKAGE, BadInputEmulator, ForkServer, Ref, base_run_env, collections_parent, read_kinds,
                               resolve, run_module, run_python_module)

COLLECTION = os.path.join(collections_parent(), "ansible_collections", "viam", "cloud")
MODULE_DIR = os.path.join(COLLECTION, "plugins", "modules")


WORKERS = int(os.environ.get("VIAM_BAD_INPUT_WORKERS", "3"))


def run_cases(cases, workers=WORKERS):
    """Run ``cases`` on ``workers`` emulators (each seeded alike), each emulator one case at a time.

    One case at a time per emulator keeps the call log attributable: the lines a case added
    are those between the log's size before and after its process ran.
    Returns {case id: (outcome, the emulator's API key for masking)} and the emulators' stderr.
    """
    pending = queue.Queue()
    for case in cases:
        pending.put(case)
    outcomes = {}
    stderr = []
    kinds = read_kinds()

    def worker():
        emulator = BadInputEmulator()
        workdir = tempfile.mkdtemp(prefix="viam-bad-input-runs.")
        try:
            seed = emulator.seed_resources()
            while True:
                try:
                    case = pending.get_nowait()
                except queue.Empty:
                    return
                args = resolve(case.arguments(emulator.credentials), seed)
                outcome = run_module(emulator, case.module, args, workdir, env=resolve(case.env, seed),
                                     check_mode=case.check_mode)
                outcomes[case.id] = (outcome, emulator.info["api_key"])
        finally:
            stderr.append(emulator.stderr_text())
            emulator.close()
            shutil.rmtree(workdir, ignore_errors=True)

    threads = [threading.Thread(target=worker, name="bad-input-%d" % count) for count in range(max(1, min(workers, len(cases))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, stderr, kinds


@pytest.fixture(scope="module")
def bad_input_outcomes(request):
    """The outcome of every selected test_bad_input case, run up front in parallel."""
    selected = [item.callspec.params["case"] for item in request.session.items
                if getattr(item, "originalname", "") == "test_bad_input" and hasattr(item, "callspec")]
    outcomes, stderr, kinds = run_cases(selected)
    write_figures(outcomes, kinds)
    yield outcomes, kinds
    for text in stderr:
        assert "Traceback" not in text, "the emulator failed:\n" + text[-3000:]


def test_bad_input_table_covers_every_module():
    """Every module of plugins/modules has a base task and at least 10 cases."""
    on_disk = sorted(name[:-3] for name in os.listdir(MODULE_DIR) if name.startswith("viam_") and name.endswith(".py"))
    assert on_disk == MODULES
    counts = dict((m, sum(1 for case in CASES if case.module == m)) for m in MODULES)
    assert min(counts.values()) >= 10, counts
    assert len(set(case.id for case in CASES)) == len(CASES)


# A module that reports what it sees, then ends as its arguments say ("mode"), for
# test_fork_server_child_is_like_a_new_process. "preloaded" is read before it imports anything of Ansible.
FORK_PROBE = r'''
import json, os, sys
preloaded = "ansible.module_utils.basic" in sys.modules
import atexit, signal, tempfile, threading, time
import ansible.module_utils.basic as basic
from ansible.module_utils.common import warnings

with open(sys.argv[1]) as handle:
    mode = json.load(handle)["ANSIBLE_MODULE_ARGS"]["mode"]
if mode == "state":
    umask = os.umask(0o22)
    os.umask(umask)
    print(json.dumps(dict(
        preloaded=preloaded, name=__name__, spec=__spec__.name, file=__file__, argv=sys.argv, path=sys.path,
        main=sys.modules["__main__"].__dict__ is globals(), cwd=os.getcwd(), env=dict(os.environ), umask=umask,
        fds=sorted(os.listdir("/proc/self/fd")), pgrp=os.getpgrp(), flags=str(sys.flags), tempdir=tempfile.tempdir,
        stdio=[[stream.encoding, stream.errors, stream.line_buffering, stream.write_through, stream.isatty()]
               for stream in (sys.stdin, sys.stdout, sys.stderr)],
        signals=dict((name, str(signal.getsignal(getattr(signal, name))))
                     for name in ("SIGINT", "SIGTERM", "SIGPIPE", "SIGCHLD", "SIGHUP")),
        threads=threading.active_count(), grpc=sorted(n for n in sys.modules if n.split(".")[0] == "grpc"),
        modules=sorted(n for n in sys.modules if n.startswith("ansible_collections.viam.cloud.plugins.modules.")),
        ansible_args=basic._ANSIBLE_ARGS, warnings=list(warnings.get_warning_messages()),
        deprecations=list(warnings.get_deprecation_messages())), sort_keys=True))
    sys.stderr.write("carriage\r\nreturns\r")
    atexit.register(print, "atexit ran")
    threading.Thread(target=lambda: (time.sleep(0.2), print("thread ran", flush=True))).start()
elif mode == "exit3":
    sys.exit(3)
elif mode == "exit-text":
    sys.exit("bye")
elif mode == "sleep":
    print(os.getpid(), flush=True)
    time.sleep(60)
else:
    raise ValueError("boom")
'''


@pytest.mark.skipif(not hasattr(os, "fork") or not os.path.isdir("/proc/self/fd"), reason="fork and /proc (Linux)")
def test_fork_server_child_is_like_a_new_process(tmp_path):
    """A run forked from the fork server sees and does what ``python -m`` does: environment, cwd, argv, sys.path,
    __main__, open files, standard streams, signals, no grpc, no module preloaded, no Ansible state (module
    arguments, warnings); exit codes, tracebacks, atexit, threads, timeouts. And the preload is not empty."""
    (tmp_path / "bad_input_fork_probe.py").write_text(FORK_PROBE)
    env = dict(base_run_env(), VIAM_FORK_PROBE="1")
    server = ForkServer(base_run_env())
    try:
        assert server.left_out == [], "left out of the preload (grpc must stay lazy): %s" % server.left_out
        assert "ansible.module_utils.basic" in server.preloaded
        assert "ansible_collections.viam.cloud.plugins.module_utils.module" in server.preloaded
        assert not [name for name in server.preloaded if name.startswith(MODULES_PACKAGE)]
        assert not server.can_run(dict(env, LC_ALL=env.get("LC_ALL", "") + ".other"))

        def both(mode, timeout=60):
            args = tmp_path / ("%s.json" % mode)
            args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"mode": mode}}))
            return [run_python_module("bad_input_fork_probe", [str(args)], env, str(tmp_path), way, timeout)
                    for way in (None, server)]

        new, forked = both("state")
        assert new[0] == forked[0] == 0, (new, forked)
        assert new[2] == forked[2] == "carriage\nreturns\n"
        new_lines, forked_lines = new[1].splitlines(), forked[1].splitlines()
        assert new_lines[1:] == forked_lines[1:] == ["thread ran", "atexit ran"]
        new_state, forked_state = json.loads(new_lines[0]), json.loads(forked_lines[0])
        assert (new_state.pop("preloaded"), forked_state.pop("preloaded")) == (False, True)
        assert forked_state == new_state
        assert forked_state["argv"] == [str(tmp_path / "bad_input_fork_probe.py"), str(tmp_path / "state.json")]
        assert (forked_state["ansible_args"], forked_state["warnings"], forked_state["grpc"]) == (None, [], [])
        new, forked = both("exit3")
        assert new == forked == (3, "", "")
        new, forked = both("exit-text")
        assert new == forked == (1, "", "bye\n")
        new, forked = both("raise")
        for rc, stdout, stderr in (new, forked):
            assert (rc, stdout) == (1, "")
            assert stderr.startswith("Traceback (most recent call last):\n") and stderr.endswith("ValueError: boom\n")
        for way in (None, server):
            args = tmp_path / "sleep.json"
            args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"mode": "sleep"}}))
            with pytest.raises(subprocess.TimeoutExpired) as timed_out:
                run_python_module("bad_input_fork_probe", [str(args)], env, str(tmp_path), way, 2)
            assert not os.path.exists("/proc/%d" % int(timed_out.value.stdout)), "the timed-out run still runs"
    finally:
        server.stop()
    assert server.proc.returncode is not None


def problems_of(case: Case, outcome, kinds: dict) -> list:
    """What is wrong with a bad input's outcome: [] when it failed clearly, without a trace or a write."""
    if outcome.result is None:
        return ["no JSON result on stdout"]
    problems = []
    if outcome.result.get("failed") is not True or outcome.rc == 0:
        problems.append("the module did not fail")
    msg = outcome.msg.lower()
    problems.extend("message lacks %r" % part for part in case.expect if part.lower() not in msg)
    if any("Traceback (most recent call last)" in where
           for where in (outcome.stdout, outcome.stderr, json.dumps(outcome.result))) or "exception" in outcome.result:
        problems.append("a traceback")
    writes = [c.get("method") for c in outcome.calls if kinds.get(c.get("method")) != "read"]
    if writes:
        problems.append("write calls %s" % writes)
    return problems


def write_figures(outcomes, kinds) -> None:
    """The figures of this run, for docs/reliability.md: tests/output/reliability/bad_input_figures.json."""
    by_id = dict((case.id, case) for case in CASES)
    checked = [(by_id[case_id], outcome) for case_id, (outcome, _secret) in outcomes.items()]
    figures = dict(
        modules=len(set(case.module for case, _outcome in checked)),
        bad_inputs=len(checked),
        failed_clearly=sum(1 for case, outcome in checked if not problems_of(case, outcome, kinds)),
        not_failed=sum(1 for case, outcome in checked if (outcome.result or {}).get("failed") is not True),
        tracebacks=sum(1 for case, outcome in checked if "a traceback" in problems_of(case, outcome, kinds)),
        write_calls=sum(1 for case, outcome in checked for call in outcome.calls
                        if kinds.get(call.get("method")) != "read"),
        api_calls=sum(len(outcome.calls) for case, outcome in checked),
        without_api_call=sum(1 for case, outcome in checked if not outcome.calls),
    )
    folder = os.path.join(COLLECTION, "tests", "output", "reliability")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "bad_input_figures.json"), "w") as handle:
        json.dump(figures, handle, indent=2, sort_keys=True)
    print("RELIABILITY bad_input %s" % json.dumps(figures, sort_keys=True))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input(case: Case, bad_input_outcomes):
    outcomes, kinds = bad_input_outcomes
    assert case.id in outcomes, "the case did not run (see the emulator errors)"
    outcome, secret = outcomes[case.id]
    problems = problems_of(case, outcome, kinds)
    assert problems == [], "%s:\n%s" % ("; ".join(problems), outcome.describe(secret))


# Cases that also run through ansible-playbook: the message a user sees must be the direct run's.
PLAYBOOK_CASES = [
    "viam_robot-name-empty",
    "viam_robot-location-unknown",
    "viam_robot-organization-id-is-a-location-id",
    "viam_location-name-newline",
    "viam_fragment-visibility-and-public",
    "viam_robot_part-config-too-deep",
    "viam_robot_part-last-known-update-stale",
    "viam_organization_invite-email-no-at",
    "viam_fleet-location-declared-twice",
]


def play_collected(tasks, collect, emulator, kinds, secret, tmp_path, name, what, timeout):
    """Run tasks (plus one that writes the Jinja expression collect to a file) as one playbook with no
    VIAM_* variables from our environment; assert it ran, with no traceback, no secret and no write
    call; return what collect evaluated to."""
    results = tmp_path / "results.json"
    tasks = tasks + [{"name": "Collect the results", "ansible.builtin.copy": {
        "content": "{{ %s | to_json }}" % collect, "dest": str(results), "mode": "0600"}}]
    playbook = tmp_path / name
    playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "connection": "local",
                                     "vars": {"ansible_python_interpreter": sys.executable},
                                     "tasks": tasks}]))
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    for variable in ("VIAM_APP_URL", "VIAM_API_KEY_ID", "VIAM_API_KEY", "VIAM_ORG_ID"):
        env.pop(variable, None)
    offset = emulator.log_size()
    proc = subprocess.run(["ansible-playbook", "-i", "localhost,", str(playbook)], capture_output=True, text=True,
                          env=env, cwd=str(tmp_path), timeout=timeout, check=False)
    output = (proc.stdout + proc.stderr).replace(secret, "***")
    writes = [c.get("method") for c in emulator.calls_since(offset) if kinds.get(c.get("method")) != "read"]
    assert proc.returncode == 0, output[-4000:]
    assert "Traceback" not in output, output[-4000:]
    assert secret not in proc.stdout + proc.stderr
    assert writes == [], "write calls %s during %s" % (writes, what)
    return json.loads(results.read_text())


def test_playbook_matches_direct_run(tmp_path):
    """A few cases as tasks of one playbook: failed, the same message as the direct run, no traceback, no write."""
    by_id = dict((case.id, case) for case in CASES)
    cases = [by_id[name] for name in PLAYBOOK_CASES]
    emulator = BadInputEmulator()
    try:
        seed = emulator.seed_resources()
        kinds = read_kinds()
        secret = emulator.info["api_key"]
        direct = {}
        tasks = []
        for index, case in enumerate(cases):
            args = resolve(case.arguments(emulator.credentials), seed)
            direct[case.id] = run_module(emulator, case.module, args, str(tmp_path))
            tasks.append({"name": case.id, "viam.cloud.%s" % case.module: args, "register": "r%d" % index,
                          "ignore_errors": True})
        collected = "{%s}" % ", ".join("'%s': r%d" % (case.id, index) for index, case in enumerate(cases))
        played = play_collected(tasks, collected, emulator, kinds, secret, tmp_path, "bad_input.yml",
                                "the playbook", 600)
        for case in cases:
            result = played[case.id]
            assert result.get("failed") is True, (case.id, result)
            assert result.get("msg") == direct[case.id].msg, (case.id, result.get("msg"), direct[case.id].msg)
            for part in case.expect:
                assert part.lower() in result["msg"].lower(), (case.id, part, result["msg"])
            # ansible-core >= 2.19 puts "(traceback unavailable)" in every failed result that has no trace
            trace = str(result.get("exception", ""))
            assert "Traceback" not in trace and 'File "' not in trace, (case.id, trace)
    finally:
        emulator.close()


ROLE_CREDENTIALS = {
    "fleet": ("viam_fleet_app_url", "viam_fleet_api_key_id", "viam_fleet_api_key"),
    "machine": ("viam_machine_app_url", "viam_machine_api_key_id", "viam_machine_api_key"),
}


@pytest.mark.parametrize("role", sorted(ROLE_CASES))
def test_role_bad_variables(role, tmp_path):
    """Each bad variable set of a role, as one block of one playbook: failed, the message, no traceback, no write.

    The writes are counted over the whole playbook: zero there is zero for every case.
    """
    emulator = BadInputEmulator()
    try:
        seed = emulator.seed_resources()
        kinds = read_kinds()
        secret = emulator.info["api_key"]
        url_var, key_id_var, key_var = ROLE_CREDENTIALS[role]
        credentials = {url_var: emulator.info["app_url"], key_id_var: emulator.info["api_key_id"], key_var: secret}
        tasks = [{"name": "No results yet", "ansible.builtin.set_fact": {"bad_results": {}}}]
        for name, variables, _expect in ROLE_CASES[role]:
            role_vars = dict(credentials, **ROLE_BASE[role])
            if role == "machine":
                role_vars["viam_machine_root"] = str(tmp_path / "root" / name)
            role_vars.update(resolve(variables, seed))
            record = "{{ bad_results | combine({%r: %s}) }}"
            tasks.append({"name": name, "block": [
                {"name": "Role %s with %s" % (role, name),
                 "ansible.builtin.include_role": {"name": "viam.cloud.%s" % role}, "vars": role_vars},
                {"name": "It did not fail", "ansible.builtin.set_fact": {
                    "bad_results": record % (name, "{'failed': false}")}},
            ], "rescue": [
                {"name": "It failed", "ansible.builtin.set_fact": {"bad_results": record % (
                    name, "{'failed': true, 'msg': (ansible_failed_result.msg | default('') | string) ~ ' ' ~ "
                          "(ansible_failed_result.argument_errors | default([]) | join(' ')) ~ ' ' ~ "
                          "(ansible_failed_result.results | default([]) | selectattr('failed', 'defined') "
                          "| selectattr('failed') | map(attribute='msg', default='') | join(' ')), "
                          "'exception': ansible_failed_result.exception | default('') | string}")}},
            ]})
        played = play_collected(tasks, "bad_results", emulator, kinds, secret, tmp_path, "bad_%s.yml" % role,
                                "the %s role's bad variables" % role, 900)
        problems = []
        for name, _variables, expect in ROLE_CASES[role]:
            result = played.get(name, {})
            expect = resolve((expect,) if isinstance(expect, (str, Ref)) else expect, seed)
            msg = str(result.get("msg", ""))
            if result.get("failed") is not True:
                problems.append("%s: did not fail" % name)
            elif any(part.lower() not in msg.lower() for part in expect):
                problems.append("%s: message lacks %r: %s" % (name, expect, msg[:600]))
            elif "Traceback" in result.get("exception", "") or 'File "' in result.get("exception", ""):
                problems.append("%s: a traceback: %s" % (name, result["exception"][:600]))
        assert problems == [], "\n".join(problems)
    finally:
        emulator.close()
