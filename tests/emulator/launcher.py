# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way to start and stop tests/emulator/viam-app-emulator (tests, bench, hack scripts).

Python (put tests/emulator on sys.path, then ``import launcher``)::

    emulator = launcher.start("--seed-fleet", "2:3:2", workdir=tmp, call_log=True)
    emulator.app_url, emulator.api_key_id, emulator.api_key, emulator.organization_id, emulator.tls_cert
    emulator.env()      # VIAM_APP_URL, VIAM_API_KEY_ID, VIAM_API_KEY, VIAM_ORG_ID
    emulator.calls()    # the call log, one dict per call
    emulator.stop()     # TERM to its process group, KILL after a grace; idempotent
    with launcher.start(...) as emulator: ...   # stopped on the way out

``start`` runs ``viam-app-emulator --host 127.0.0.1 --port 0 [EMULATOR_ARGS] [args]`` in its own
process group, with stdout and stderr in files of ``workdir`` (a temporary directory, removed by
stop(), when none is given), and waits for its one JSON ready line (EMULATOR_START_TIMEOUT, 60 s).
A failed start raises EmulatorError with the tail of the emulator's stderr. Options:

- ``call_log``, ``secrets_log``: True (a file in workdir) or a path: --call-log, --secrets-log;
- ``env_args``: put the options of the EMULATOR_ARGS environment variable first (the test's own
  options come after them and so win), e.g. EMULATOR_ARGS='--behaviours pessimistic';
- any emulator option as an argument: --tls, --latency-ms, --fail-rate, --lose-rate,
  --token-ttl, --seed-fleet, --behaviour(s) ... (tests/emulator/README.md);
- ``python``: the interpreter that runs it (default: this one);
- ``cls``: a subclass of Emulator to return (for helpers of its own).

Command line, for shell scripts (the emulator outlives the command; stop it by its file)::

    python tests/emulator/launcher.py start --out FILE [--env-args] [--call-log P] [--secrets-log P]
                                            [--workdir D] [--timeout S] [-- EMULATOR OPTIONS...]
    python tests/emulator/launcher.py stop FILE [FILE...]

``start`` writes the ready line to FILE with a "launcher" entry added (pid, stderr, call_log,
secrets_log, workdir) and prints the app URL; ``stop`` stops the emulator FILE names (no error if
it is gone already; exits 1 only if it cannot be stopped). write-integration-config.py and any
``json.loads(first line)`` read FILE as they read the ready line.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "viam-app-emulator")
DEFAULT_TIMEOUT = 60.0
STOP_GRACE = 10.0


class EmulatorError(RuntimeError):
    """The emulator did not start (the message ends with the tail of its stderr)."""


def args_from_env():
    """The options of the EMULATOR_ARGS environment variable, as a list."""
    return shlex.split(os.environ.get("EMULATOR_ARGS", ""))


def _alive(pid):
    """Whether pid runs (a zombie does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def stop_pid(pid, grace=STOP_GRACE, process=None):
    """TERM the process group of pid (a group leader), then KILL it after ``grace`` seconds.

    Returns True when the process is gone. ``process``: its Popen, to reap it.
    """
    def gone(wait):
        if process is not None:
            try:
                process.wait(timeout=wait)
                return True
            except subprocess.TimeoutExpired:
                return False
        deadline = time.monotonic() + wait
        while _alive(pid):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    if process is not None and process.poll() is not None:
        return True
    if process is None and not _alive(pid):
        return True
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        if gone(wait):
            return True
    return False


def _path(option, workdir, default_name):
    if option is True:
        return os.path.join(workdir, default_name)
    return str(option) if option else None


class Emulator:
    """A running emulator: its ready line (``info``, also ``ready``), its files, stop()."""

    def __init__(self, pid, info, workdir, stderr_path, call_log=None, secrets_log=None, process=None,
                 owns_workdir=False):
        self.pid = pid
        self.process = process
        self.info = info
        self.ready = info
        self.workdir = workdir
        self.stderr_path = stderr_path
        self.stderr = stderr_path
        self.call_log = call_log
        self.secrets_log = secrets_log
        self._owns_workdir = owns_workdir
        self.address = info.get("address", "")
        self.app_url = info.get("app_url", "")
        self.organization_id = info.get("organization_id", "")
        self.api_key_id = info.get("api_key_id", "")
        self.api_key = info.get("api_key", "")
        self.tls_cert = info.get("tls_cert")
        self.behaviours = info.get("behaviours")

    def env(self, **override):
        """The VIAM_* variables of the owner key, plus ``override``."""
        values = dict(VIAM_APP_URL=self.app_url, VIAM_API_KEY_ID=self.api_key_id, VIAM_API_KEY=self.api_key,
                      VIAM_ORG_ID=self.organization_id)
        values.update(override)
        return values

    def calls(self):
        """Every call logged so far (one dict per call-log line); [] without a call log."""
        if not self.call_log or not os.path.exists(self.call_log):
            return []
        with open(self.call_log, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def stderr_tail(self, lines=40):
        try:
            with open(self.stderr_path, encoding="utf-8", errors="replace") as handle:
                return "\n".join(handle.read().splitlines()[-lines:])
        except OSError:
            return ""

    @property
    def running(self):
        if self.process is not None:
            return self.process.poll() is None
        return _alive(self.pid)

    def stop(self, grace=STOP_GRACE):
        """Stop the emulator's process group (idempotent); True when it is gone."""
        done = stop_pid(self.pid, grace, self.process)
        if done and self._owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self._owns_workdir = False
        return done

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


def start(*args, workdir=None, name="emulator", call_log=None, secrets_log=None, env_args=False,
          python=None, host="127.0.0.1", port=0, timeout=None, env=None, cls=None):
    """Start one emulator in its own process group and wait for its ready line; see the module doc.

    ``cls``: a subclass of Emulator to return (same constructor).
    """
    owns = workdir is None
    workdir = tempfile.mkdtemp(prefix="viam-emulator.") if owns else str(workdir)
    os.makedirs(workdir, exist_ok=True)
    call_log = _path(call_log, workdir, name + ".calls.jsonl")
    secrets_log = _path(secrets_log, workdir, name + ".secrets.jsonl")
    stdout_path = os.path.join(workdir, name + ".ready.json")
    stderr_path = os.path.join(workdir, name + ".stderr")
    if timeout is None:
        timeout = float(os.environ.get("EMULATOR_START_TIMEOUT") or DEFAULT_TIMEOUT)
    command = [EMULATOR, "--host", host, "--port", str(port)]
    if call_log:
        command += ["--call-log", call_log]
    if secrets_log:
        command += ["--secrets-log", secrets_log]
    command += (args_from_env() if env_args else []) + [str(a) for a in args]
    run_env = dict(os.environ if env is None else env)
    run_env["VIAM_EMULATOR_PYTHON"] = python or sys.executable
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err,  # pylint: disable=consider-using-with
                                   env=run_env, start_new_session=True, close_fds=True)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with open(stdout_path, "rb") as handle:
                line = handle.readline()
            if line.endswith(b"\n"):
                info = json.loads(line.decode("utf-8"))
                break
            if process.poll() is not None:
                raise EmulatorError("the emulator exited with %s before it was ready" % process.returncode)
            if time.monotonic() >= deadline:
                raise EmulatorError("the emulator printed no ready line within %g s" % timeout)
            time.sleep(0.02)
    except BaseException as err:
        stop_pid(process.pid, 2.0, process)
        try:
            with open(stderr_path, encoding="utf-8", errors="replace") as handle:
                tail = "\n".join(handle.read().splitlines()[-40:])
        except OSError:
            tail = ""
        if owns:
            shutil.rmtree(workdir, ignore_errors=True)
        if isinstance(err, (EmulatorError, ValueError)):
            raise EmulatorError("%s (%s); its stderr:\n%s" % (err, " ".join(shlex.quote(c) for c in command), tail)) from err
        raise
    return (cls or Emulator)(process.pid, info, workdir, stderr_path, call_log, secrets_log, process, owns)


def from_file(path):
    """The Emulator a ``launcher.py start --out FILE`` left running (not a child of this process)."""
    with open(path, encoding="utf-8") as handle:
        info = json.loads(handle.readline())
    meta = info.get("launcher") or {}
    return Emulator(int(meta["pid"]), info, meta.get("workdir"), meta.get("stderr"), meta.get("call_log"),
                    meta.get("secrets_log"))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="launcher.py", description="Start or stop the Viam app emulator.")
    sub = parser.add_subparsers(dest="command", required=True)
    begin = sub.add_parser("start", help="start an emulator and write its ready line to --out")
    begin.add_argument("--out", required=True, help="the file to write the ready line to")
    begin.add_argument("--workdir", help="where its stdout and stderr go (default: beside --out)")
    begin.add_argument("--name", default="emulator", help="file name prefix in the workdir")
    begin.add_argument("--call-log", help="--call-log for the emulator")
    begin.add_argument("--secrets-log", help="--secrets-log for the emulator")
    begin.add_argument("--env-args", action="store_true", help="add the options of $EMULATOR_ARGS first")
    begin.add_argument("--python", help="the interpreter to run the emulator with (default: this one)")
    begin.add_argument("--timeout", type=float, help="seconds to wait for the ready line (default 60)")
    begin.add_argument("--quiet", action="store_true", help="print nothing when ready")
    begin.add_argument("emulator_args", nargs=argparse.REMAINDER, help="emulator options (after --)")
    end = sub.add_parser("stop", help="stop the emulators that these --out files name")
    end.add_argument("files", nargs="+")
    args = parser.parse_args(argv)

    if args.command == "stop":
        rc = 0
        for path in args.files:
            try:
                emulator = from_file(path)
            except (OSError, ValueError, KeyError):
                continue  # never started, or its start failed: nothing to stop
            if not emulator.stop():
                print("launcher.py: emulator pid %d would not stop" % emulator.pid, file=sys.stderr)
                rc = 1
        return rc

    extra = args.emulator_args[1:] if args.emulator_args[:1] == ["--"] else args.emulator_args
    out = os.path.abspath(args.out)
    workdir = args.workdir or os.path.dirname(out)
    try:
        os.unlink(out)
    except FileNotFoundError:
        pass
    try:
        emulator = start(*extra, workdir=workdir, name=args.name, call_log=args.call_log,
                         secrets_log=args.secrets_log, env_args=args.env_args, python=args.python,
                         timeout=args.timeout)
    except EmulatorError as err:
        print("launcher.py: %s" % err, file=sys.stderr)
        return 1
    info = dict(emulator.info, launcher=dict(pid=emulator.pid, stderr=emulator.stderr_path, workdir=workdir,
                                             call_log=emulator.call_log, secrets_log=emulator.secrets_log))
    with open(out + ".tmp", "w", encoding="utf-8") as handle:
        handle.write(json.dumps(info) + "\n")
    os.replace(out + ".tmp", out)
    if not args.quiet:
        print("emulator (pid %d) ready: %s" % (emulator.pid, emulator.app_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
