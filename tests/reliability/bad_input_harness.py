# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The machinery of the bad-input tests (test_bad_inputs.py): an emulator, seed data, module runs.

- BadInputEmulator starts an emulator through tests/emulator/launcher.py (with the suite's EMULATOR_ARGS) and a call log
  and seeds a few resources through the collection's own client, so that "unknown parent"
  and "ID of another kind" cases point at real things.
- run_module() runs one module as Ansible does minus the zip: as
  ``python -m ansible_collections.viam.cloud.plugins.modules.<name> ARGS.json`` would, with
  ``{"ANSIBLE_MODULE_ARGS": {...}}``, and returns its JSON result, its output and the API
  calls it made (the call-log lines appended while it ran: the emulator writes a line
  before it answers, so every call of a finished process is in the log).
- writes_in() keeps the calls that are not reads, after client.py's RPC_KINDS.

Fork server. Starting Python and importing ansible.module_utils.basic and the collection's
module_utils is most of the CPU of a case (~0.25 CPU-s, ~460 cases, on a CPU-bound ``make test``).
So each BadInputEmulator starts, on its first run_module(), one ForkServer: this file run as a
script (``--fork-server FD``) that imports once what the modules import at their top level, then
forks one child per run. The child becomes what the new process would have been: the run's
environment (exactly: credentials removed as before), cwd, ``sys.path[0]`` = cwd,
``sys.argv = [module path, ARGS.json]``, stdout and stderr in pipes, the module run as
``__main__`` by runpy; SystemExit and an uncaught exception are left to the interpreter, which
turns them into the exit code (and the traceback on stderr), runs atexit and waits for threads
as at the end of any process. To stay indistinguishable from ``python -m``:

- grpc is never imported before fork (it is not fork-safe once loaded): while preloading, an
  import of grpc fails, and whatever tried it is unloaded and left out (the client imports grpc
  lazily, in the child);
- the modules themselves (plugins/modules) are never preloaded: their top-level code runs in
  the child;
- the server runs no module code, and checks before serving that it has one thread, no grpc,
  ``ansible.module_utils.basic._ANSIBLE_ARGS`` None and no warning or deprecation recorded;
- what the preload printed (a warning of an import, say) is printed again first by every child,
  where a new process would print it;
- a run whose environment differs in what the interpreter reads only at startup (PYTHON*,
  LC_*, LANG, LANGUAGE, TZ) runs as a new process.

A child still shares with its server the hash seed (so the order of a set of strings is the same
in all the runs of one server: Ansible's "Valid booleans include: ..." lists them so), ``sys.orig_argv``
and a frozen garbage collector (gc.freeze(): a cycle made by the preload is never collected).
test_fork_server_child_is_like_a_new_process compares both ways. ``VIAM_BAD_INPUT_FORK=0`` runs every case as a new process, as before (to
compare outcomes or CPU). A server stops with its emulator (BadInputEmulator.close()), at the
exit of pytest, and by itself when its socket reaches end of file (pytest went away), killing a
child in flight first; it creates no file.

Nothing here prints a secret: results are shown with the API key masked.
"""

from __future__ import annotations

import ast
import atexit
import base64
import gc
import io
import json
import os
import runpy
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import typing as t
import weakref

COLLECTION_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ENV_CREDENTIALS = ("VIAM_APP_URL", "VIAM_API_KEY_ID", "VIAM_API_KEY", "VIAM_ORG_ID")
MODULE_TIMEOUT = 120
MODULES_PACKAGE = "ansible_collections.viam.cloud.plugins.modules"
FORK_VARIABLE = "VIAM_BAD_INPUT_FORK"
SERVER_FLAG = "--fork-server"
# Seconds for a server to preload, and to exit once its socket is closed (then it is killed).
SERVER_START_TIMEOUT = 120.0
SERVER_STOP_TIMEOUT = 30.0
# What the interpreter reads from the environment only at startup (flags, sys.path, locale,
# time zone): a forked child keeps its server's, so a run that changes one starts a new process.
STARTUP_PREFIXES = ("PYTHON", "LC_")
STARTUP_VARIABLES = ("LANG", "LANGUAGE", "TZ")


def collections_parent() -> str:
    """The directory holding ansible_collections/viam/cloud (this copy of the collection)."""
    return os.path.abspath(os.path.join(COLLECTION_ROOT, "..", "..", ".."))


def read_kinds() -> t.Dict[str, str]:
    """RPC name -> kind (read, write, delete, create), from the collection's client."""
    from ansible_collections.viam.cloud.plugins.module_utils.client import RPC_KINDS
    return dict(RPC_KINDS)


def writes_in(calls: t.Iterable[dict], kinds: t.Dict[str, str]) -> t.List[str]:
    """The methods of ``calls`` that are not reads; an RPC the client does not know counts as a write."""
    return [c.get("method", "?") for c in calls if kinds.get(c.get("method")) != "read"]


class Ref:
    """A placeholder for a value known only once the emulator is seeded (Ref("robot_id"))."""

    def __init__(self, key: str, fmt: str = "%s") -> None:
        self.key = key
        self.fmt = fmt

    def __repr__(self) -> str:
        return "Ref(%r)" % self.key


def resolve(value: t.Any, seed: t.Dict[str, str]) -> t.Any:
    """``value`` with every Ref replaced by its seeded value, at any depth."""
    if isinstance(value, Ref):
        return value.fmt % seed[value.key]
    if isinstance(value, dict):
        return dict((k, resolve(v, seed)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [resolve(v, seed) for v in value]
    return value


class BadInputEmulator:
    """One emulator (tests/emulator/launcher.py, with the suite's EMULATOR_ARGS) with a call log and a few
    seeded resources (see seed_resources())."""

    def __init__(self) -> None:
        import launcher  # tests/emulator, on sys.path by conftest.py

        self.tmp = tempfile.mkdtemp(prefix="viam-bad-input.")
        try:
            self.emulator = launcher.start(workdir=self.tmp, call_log=True, env_args=True)
        except launcher.EmulatorError:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        self.call_log = self.emulator.call_log
        self.info = self.emulator.info
        self.seed: t.Dict[str, str] = {}
        self._fork_server: t.Optional[ForkServer] = None
        self._fork_lock = threading.Lock()

    @property
    def credentials(self) -> t.Dict[str, str]:
        return dict(app_url=self.info["app_url"], api_key_id=self.info["api_key_id"], api_key=self.info["api_key"])

    def client(self):
        from ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient
        return ViamClient(**self.credentials)

    def seed_resources(self) -> t.Dict[str, str]:
        """A location with a sub-location, a machine with a second part, a fragment, a second key.

        Names are fixed so that cases can name them; IDs are what the emulator made.
        """
        client = self.client()
        org = self.info["organization_id"]
        try:
            loc = client.create_location(organization_id=org, name="bad-site").location
            sub = client.create_location(organization_id=org, name="bad-sub", parent_location_id=loc.id).location
            robot_id = client.new_robot(name="bad-bot", location=loc.id).id
            parts = client.get_robot_parts(robot_id=robot_id).parts
            main = next(p for p in parts if p.main_part)
            arm_id = client.new_robot_part(robot_id=robot_id, part_name="bad-bot-arm").part_id
            fragment = client.create_fragment(organization_id=org, name="bad-frag", config={"components": []}).fragment
            key = client.create_key(name="bad-key", authorizations=[dict(
                authorization_type="role", authorization_id="organization_operator", resource_type="organization",
                resource_id=org, organization_id=org, identity_type="api-key")])
            self.seed = dict(
                organization_id=org, location_id=loc.id, location_name=loc.name, sub_location_id=sub.id,
                robot_id=robot_id, robot_name="bad-bot", main_part_id=main.id, main_part_name=main.name,
                part_id=arm_id, part_name="bad-bot-arm", fragment_id=fragment.id, fragment_name=fragment.name,
                key_id=key.id, bootstrap_key_id=self.info["api_key_id"], app_url=self.info["app_url"],
                unknown_uuid="00000000-0000-4000-8000-000000000000", unknown_location_id="zz9zz9zz9z",
            )
        finally:
            client.close()
        return self.seed

    def log_size(self) -> int:
        return os.path.getsize(self.call_log)

    def calls_since(self, offset: int) -> t.List[dict]:
        with open(self.call_log, "rb") as handle:
            handle.seek(offset)
            data = handle.read().decode("utf-8")
        return [json.loads(line) for line in data.splitlines() if line.strip()]

    def stderr_text(self) -> str:
        with open(self.emulator.stderr_path) as handle:
            return handle.read()

    def fork_server(self) -> ForkServer:
        """This emulator's fork server (see the module doc), started on first use."""
        with self._fork_lock:
            if self._fork_server is None:
                self._fork_server = ForkServer(base_run_env())
            return self._fork_server

    def close(self) -> None:
        try:
            with self._fork_lock:
                server, self._fork_server = self._fork_server, None
            if server is not None:
                server.stop()
        finally:
            self.emulator.stop()
            shutil.rmtree(self.tmp, ignore_errors=True)


class Outcome:
    """What one module run gave: rc, the parsed result (or None), raw output and the calls it made."""

    def __init__(self, rc: int, result: t.Optional[dict], stdout: str, stderr: str, calls: t.List[dict]) -> None:
        self.rc = rc
        self.result = result
        self.stdout = stdout
        self.stderr = stderr
        self.calls = calls

    @property
    def msg(self) -> str:
        return str((self.result or {}).get("msg", ""))

    def describe(self, secret: str = "") -> str:
        text = "rc=%s\nmsg=%s\nresult keys=%s\ncalls=%s\nstderr=%s\nstdout=%s" % (
            self.rc, self.msg[:1500], sorted(self.result or {}), [c.get("method") for c in self.calls],
            self.stderr[-1500:], self.stdout[:1500])
        return text.replace(secret, "***") if secret else text


def fork_enabled() -> bool:
    """Whether run_module() forks from a fork server (the default) rather than starting a new process."""
    return os.environ.get(FORK_VARIABLE, "1") != "0" and hasattr(os, "fork")


def base_run_env() -> t.Dict[str, str]:
    """This process's environment without the VIAM_* credentials, this copy of the collection first on PYTHONPATH."""
    run_env = dict(os.environ)
    for name in ENV_CREDENTIALS:
        run_env.pop(name, None)
    run_env["PYTHONPATH"] = collections_parent() + os.pathsep + run_env.get("PYTHONPATH", "")
    return run_env


def startup_variables(env: t.Mapping[str, str]) -> t.Dict[str, str]:
    """The variables of ``env`` that the interpreter reads only when it starts."""
    return dict((name, value) for name, value in env.items()
                if name.startswith(STARTUP_PREFIXES) or name in STARTUP_VARIABLES)


def as_text(raw: bytes) -> str:
    """``raw`` decoded as subprocess.run(text=True) decodes output: default encoding, universal newlines."""
    return io.TextIOWrapper(io.BytesIO(raw)).read()


def send_message(sock: socket.socket, message: dict) -> None:
    """One message of the fork server's protocol: a line of JSON."""
    sock.sendall(json.dumps(message).encode("utf-8") + b"\n")


def receive_message(sock: socket.socket, buffer: bytearray) -> t.Optional[dict]:
    """The next message on ``sock`` (``buffer`` keeps what was read beyond it); None at end of file."""
    while b"\n" not in buffer:
        data = sock.recv(65536)
        if not data:
            return None
        buffer.extend(data)
    line, _newline, rest = bytes(buffer).partition(b"\n")
    buffer[:] = rest
    return json.loads(line.decode("utf-8"))


def run_python_module(module: str, args: t.Sequence[str], env: t.Dict[str, str], cwd: str,
                      server: t.Optional[ForkServer] = None, timeout: float = MODULE_TIMEOUT) -> t.Tuple[int, str, str]:
    """(rc, stdout, stderr) of ``python -m MODULE ARGS...`` in ``cwd`` with exactly ``env``: forked from ``server``
    when there is one and the run does not change what the interpreter reads at startup, else a new process.

    Raises subprocess.TimeoutExpired after ``timeout`` seconds either way (the run is killed).
    """
    if server is not None and server.can_run(env):
        return server.run(module, args, env, cwd, timeout)
    proc = subprocess.run([sys.executable, "-m", module] + list(args), capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=timeout, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def run_module(emulator: BadInputEmulator, module: str, args: dict, workdir: str,
               env: t.Optional[t.Dict[str, str]] = None, check_mode: bool = False) -> Outcome:
    """Run plugins/modules/<module>.py as ``python -m`` does with ``args`` (forked from the emulator's fork server
    unless VIAM_BAD_INPUT_FORK=0); the calls it made come from the log."""
    payload = dict(args)
    if check_mode:
        payload["_ansible_check_mode"] = True
    fd, path = tempfile.mkstemp(prefix="args.", suffix=".json", dir=workdir)
    with os.fdopen(fd, "w") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": payload}, handle)
    run_env = base_run_env()
    run_env.update(env or {})
    offset = emulator.log_size()
    try:
        server = emulator.fork_server() if fork_enabled() else None
        rc, stdout, stderr = run_python_module("%s.%s" % (MODULES_PACKAGE, module), [path], run_env, workdir, server)
    finally:
        os.unlink(path)
    calls = emulator.calls_since(offset)
    result = None
    try:
        parsed = json.loads(stdout)
        if isinstance(parsed, dict):
            result = parsed
    except ValueError:
        result = None
    return Outcome(rc, result, stdout, stderr, calls)


# --- The fork server, harness side ------------------------------------------------------------

_LIVE_SERVERS: "weakref.WeakSet[ForkServer]" = weakref.WeakSet()


def stop_fork_servers() -> None:
    """Stop every fork server still running (at exit: an interrupted run closes no emulator)."""
    for server in list(_LIVE_SERVERS):
        server.stop()


class ForkServer:
    """One fork server process (this file with ``--fork-server FD``) and our end of its socket; one run at a time.

    ``preloaded``: the imports it ran; ``left_out``: those it unloaded (they tried grpc, loaded a module of
    plugins/modules, or failed), each with why.
    """

    def __init__(self, env: t.Dict[str, str]) -> None:
        self.startup = startup_variables(env)
        self._lock = threading.Lock()
        self._stop_lock = threading.Lock()
        self._stopped = False
        self._buffer = bytearray()
        self._sock, theirs = socket.socketpair()
        try:
            # stdin inherited, as subprocess.run gives it to a module; stdout and stderr pipes, so that the
            # children's sys.stdout and sys.stderr, made at the server's start, are set up as for a captured run.
            # Only the server's own errors reach these pipes; they are read when it stops.
            self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), SERVER_FLAG, str(theirs.fileno())],
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=COLLECTION_ROOT,
                                         pass_fds=(theirs.fileno(),))
        except BaseException:
            self._sock.close()
            raise
        finally:
            theirs.close()
        _LIVE_SERVERS.add(self)
        try:
            self._sock.settimeout(SERVER_START_TIMEOUT)
            ready = receive_message(self._sock, self._buffer)
        except BaseException:
            self.stop()
            raise
        if ready is None or ready.get("problems"):
            errors = self.stop()
            raise RuntimeError("the fork server did not start: %s\n%s\n(%s=0 runs each case as a new process)" % (
                (ready or {}).get("problems") or "no ready message", errors[-3000:], FORK_VARIABLE))
        self.preloaded: t.List[str] = ready["preloaded"]
        self.left_out: t.List[str] = ready["left_out"]

    def can_run(self, env: t.Mapping[str, str]) -> bool:
        """Whether a child of this server can be what a new process with ``env`` would be."""
        return startup_variables(env) == self.startup

    def run(self, module: str, args: t.Sequence[str], env: t.Dict[str, str], cwd: str,
            timeout: float) -> t.Tuple[int, str, str]:
        """(rc, stdout, stderr) of one forked run; see run_python_module()."""
        request = dict(module=module, args=list(args), env=env, cwd=cwd, timeout=timeout)
        with self._lock:
            answer = None
            try:
                if not self._stopped:
                    # the server kills the child at ``timeout``: its answer comes soon after
                    self._sock.settimeout(timeout + SERVER_STOP_TIMEOUT)
                    send_message(self._sock, request)
                    answer = receive_message(self._sock, self._buffer)
            except OSError as err:  # a timeout too: the server did not answer when it had to
                answer = None
                trouble = str(err) or type(err).__name__
            else:
                trouble = "it stopped" if answer is None else ""
            if answer is None:
                errors = self.stop()
                raise RuntimeError("the fork server failed running %s (%s); its stderr:\n%s\n(%s=0 runs each case as a "
                                   "new process)" % (module, trouble, errors[-3000:], FORK_VARIABLE))
        stdout, stderr = base64.b64decode(answer["stdout"]), base64.b64decode(answer["stderr"])
        if answer["timed_out"]:
            raise subprocess.TimeoutExpired([sys.executable, "-m", module] + list(args), timeout, as_text(stdout), as_text(stderr))
        return answer["rc"], as_text(stdout), as_text(stderr)

    def stop(self) -> str:
        """Stop the server (idempotent) and return its stderr: closing our end makes it kill a child in flight and
        exit; it is killed if it does not within SERVER_STOP_TIMEOUT."""
        with self._stop_lock:
            if self._stopped:
                return ""
            self._stopped = True
        try:
            # shutdown, unlike close, also wakes a thread of ours blocked in recv() on this socket
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        err = b""
        try:
            _out, err = self.proc.communicate(timeout=SERVER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _out, err = self.proc.communicate()
        finally:
            if self.proc.poll() is None:  # interrupted while waiting: it does not outlive us either way
                self.proc.kill()
                self.proc.wait()
            _LIVE_SERVERS.discard(self)
        return err.decode("utf-8", "replace")


# --- The fork server, server side (this file run as a script) ------------------------------------

class GrpcBlocker:
    """A meta path finder, in sys.meta_path only while preloading: grpc (or grpc_*) is found as usual (so that
    importlib.util.find_spec("grpc") still answers), but loading it fails, and is noted."""

    def __init__(self) -> None:
        self.attempts: t.List[str] = []

    def find_spec(self, name: str, path: t.Any = None, target: t.Any = None) -> t.Any:
        if name.split(".")[0] != "grpc" and not name.startswith("grpc_"):
            return None
        for finder in sys.meta_path:
            spec = None if finder is self else getattr(finder, "find_spec", lambda *_args: None)(name, path, target)
            if spec is not None:
                spec.loader = self  # a spec is made for each search: this changes no cache
                return spec
        return None

    def create_module(self, spec: t.Any) -> None:
        return None  # the default module object; exec_module refuses to fill it

    def exec_module(self, module: t.Any) -> None:
        self.attempts.append(module.__name__)
        raise ImportError("grpc is not imported before fork (bad_input_harness preload)", name=module.__name__)


def top_level_imports(path: str) -> t.List[t.Tuple[str, t.Tuple[str, ...]]]:
    """The absolute imports that a module file runs when it loads, (module, names of a from-import): those of its
    body, of its if/try/with blocks, not those of functions or classes (they run later, if ever)."""
    with open(path, "rb") as handle:
        tree = ast.parse(handle.read(), path)
    found: t.List[t.Tuple[str, t.Tuple[str, ...]]] = []
    pending: t.List[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, ast.Import):
            found.extend((alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                found.append((node.module, tuple(alias.name for alias in node.names if alias.name != "*")))
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            pending.extend(child for child in ast.iter_child_nodes(node)
                           if isinstance(child, (ast.stmt, ast.excepthandler)))
    return found


def unload(names: t.Iterable[str]) -> None:
    """Forget the modules ``names`` (loaded by an import left out of the preload), and the attributes that bind them
    on their packages, so that a child imports them afresh, as a new process would."""
    for name in names:
        module = sys.modules.pop(name, None)
        parent, _dot, attribute = name.rpartition(".")
        package = sys.modules.get(parent) if parent else None
        if module is not None and package is not None and getattr(package, attribute, None) is module:
            delattr(package, attribute)


def preload(blocker: GrpcBlocker) -> t.Tuple[t.List[str], t.List[str]]:
    """Run the top-level imports of plugins/modules/*.py (the modules themselves are not imported).

    An import that tries grpc, loads a module of plugins/modules or fails is unloaded and left out: the child
    runs it as the new process would. Returns (preloaded, left out with why).
    """
    folder = os.path.join(COLLECTION_ROOT, "plugins", "modules")
    wanted: t.Dict[str, t.Set[str]] = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py") and not name.startswith("_"):
            for module, names in top_level_imports(os.path.join(folder, name)):
                wanted.setdefault(module, set()).update(names)
    preloaded: t.List[str] = []
    left_out: t.List[str] = []
    for module in sorted(wanted):
        before = set(sys.modules)
        del blocker.attempts[:]
        failure = None
        try:
            # as ``from MODULE import NAMES`` does: the names that are submodules are imported too
            __import__(module, fromlist=sorted(wanted[module]))
        except Exception as exc:  # pylint: disable=broad-except  # the child meets it again and reports it itself
            failure = "%s: %s" % (type(exc).__name__, exc)
        added = set(sys.modules) - before
        plugins = sorted(name for name in added if name.startswith(MODULES_PACKAGE + "."))
        why = ("tries %s" % blocker.attempts[0] if blocker.attempts else
               "loads %s" % plugins[0] if plugins else failure)
        if why:
            unload(added)
            left_out.append("%s (%s)" % (module, why))
        else:
            preloaded.append(module)
    return preloaded, left_out


def scratch_file() -> t.BinaryIO:
    """A file without a name: nothing to remove, whatever happens."""
    if hasattr(os, "memfd_create"):
        return os.fdopen(os.memfd_create("bad-input-preload"), "w+b")
    saved = tempfile.tempdir
    try:
        return tempfile.TemporaryFile()
    finally:
        # a new process finds its temporary directory from its own environment: do not leave one cached
        tempfile.tempdir = saved


def printing_into_files(function: t.Callable[[], t.Any]) -> t.Tuple[t.Any, bytes, bytes]:
    """(function(), what it wrote to file descriptors 1 and 2), its writes kept out of the server's pipes."""
    files = [scratch_file(), scratch_file()]
    saved = [os.dup(1), os.dup(2)]
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(files[0].fileno(), 1)
        os.dup2(files[1].fileno(), 2)
        try:
            result = function()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
        printed = []
        for handle in files:
            handle.seek(0)
            printed.append(handle.read())
    finally:
        for fd in saved:
            os.close(fd)
        for handle in files:
            handle.close()
    return result, printed[0], printed[1]


def server_problems() -> t.List[str]:
    """Why a child of this process would not start as a new process does; [] when it would."""
    problems = []
    grpc = sorted(name for name in sys.modules if name.split(".")[0] == "grpc" or name.startswith("grpc_"))
    if grpc:
        problems.append("grpc is loaded: %s" % grpc[:5])
    plugins = sorted(name for name in sys.modules if name.startswith(MODULES_PACKAGE + "."))
    if plugins:
        problems.append("modules are loaded: %s" % plugins)
    basic = sys.modules.get("ansible.module_utils.basic")
    if basic is not None and getattr(basic, "_ANSIBLE_ARGS", None) is not None:
        problems.append("ansible.module_utils.basic._ANSIBLE_ARGS is set")
    warnings = sys.modules.get("ansible.module_utils.common.warnings")
    if warnings is not None:
        for function in ("get_warning_messages", "get_deprecation_messages"):
            if getattr(warnings, function, lambda: ())():
                problems.append("ansible.module_utils.common.warnings.%s() is not empty" % function)
    # fork copies only the thread that calls it: a thread of the server (Python's or a library's) would be missing
    # in the child, with whatever lock it held
    tasks = "/proc/self/task"
    threads = len(os.listdir(tasks)) if os.path.isdir(tasks) else threading.active_count()
    if threads != 1:
        problems.append("%d threads" % threads)
    return problems


class HarnessGone(Exception):
    """The harness closed its end of the socket (or wrote out of turn): the server stops."""


def collect(sock: socket.socket, pid: int, out_fd: int, err_fd: int, timeout: float) -> dict:
    """The answer for child ``pid``: its output (until both pipes reach end of file) and exit code, as subprocess.run
    gets them; the child is killed at ``timeout``, and when the server stops (the harness went away, an interrupt)."""
    output = {out_fd: bytearray(), err_fd: bytearray()}
    deadline = time.monotonic() + timeout
    timed_out = False
    try:
        with selectors.DefaultSelector() as selector:
            for fd in output:
                selector.register(fd, selectors.EVENT_READ)
            # between a request and its answer the harness sends nothing: its socket is readable only at end of file
            selector.register(sock, selectors.EVENT_READ)
            while len(selector.get_map()) > 1:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    timed_out = True
                    os.kill(pid, signal.SIGKILL)
                    break
                for key, _events in selector.select(remaining):
                    if key.fileobj is sock:
                        raise HarnessGone()
                    data = os.read(key.fd, 65536)
                    if data:
                        output[key.fd] += data
                    else:
                        selector.unregister(key.fd)
        rc = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    except BaseException:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        raise
    finally:
        os.close(out_fd)
        os.close(err_fd)
    return dict(rc=rc, timed_out=timed_out, stdout=base64.b64encode(bytes(output[out_fd])).decode("ascii"),
                stderr=base64.b64encode(bytes(output[err_fd])).decode("ascii"))


def serve(fd: int) -> t.Optional[dict]:
    """The fork server on socket ``fd``: preload, say ready, then fork one child per request and answer with its
    outcome. Returns None when the server is done; returns a request only in a child, which then runs it
    (run_request) at the top level of this script, outside of every server frame."""
    sock = socket.socket(fileno=fd)
    blocker = GrpcBlocker()
    sys.meta_path.insert(0, blocker)
    try:
        (preloaded, left_out), printed_out, printed_err = printing_into_files(lambda: preload(blocker))
    finally:
        sys.meta_path.remove(blocker)
    problems = server_problems()
    send_message(sock, dict(preloaded=preloaded, left_out=left_out, problems=problems))
    if problems:
        return None
    # The children's collections then skip what the preload made (a cycle of it is never freed in a child) instead of
    # visiting, and so copying, its pages: a third of a child's CPU
    gc.freeze()
    buffer = bytearray()
    while True:
        try:
            request = receive_message(sock, buffer)
        except OSError:
            request = None
        if request is None:
            return None
        out_fd, out_child = os.pipe()
        err_fd, err_child = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            sock.close()
            os.dup2(out_child, 1)
            os.dup2(err_child, 2)
            for unused in (out_fd, out_child, err_fd, err_child):
                os.close(unused)
            for target, data in ((1, printed_out), (2, printed_err)):
                while data:
                    data = data[os.write(target, data):]
            return request
        os.close(out_child)
        os.close(err_child)
        try:
            answer = collect(sock, pid, out_fd, err_fd, request["timeout"])
        except HarnessGone:
            return None
        send_message(sock, answer)


def run_request(request: dict) -> None:
    """In a child of the server: become ``python -m MODULE ARGS...`` in the request's cwd and environment and run
    the module as __main__; SystemExit or an exception goes on to the interpreter, as in a new process."""
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    # python -m puts the current directory first on sys.path where the server has this file's folder (neither
    # happens under PYTHONSAFEPATH)
    if not getattr(sys.flags, "safe_path", False):
        sys.path[0] = os.getcwd()
    # runpy replaces argv[0] by the module's path, as python -m does
    sys.argv = ["-m"] + list(request["args"])
    runpy.run_module(request["module"], run_name="__main__", alter_sys=True)


if __name__ == "__main__" and sys.argv[1:2] == [SERVER_FLAG]:
    REQUEST = serve(int(sys.argv[2]))
    if REQUEST is not None:
        run_request(REQUEST)
elif __name__ != "__main__":
    atexit.register(stop_fork_servers)
