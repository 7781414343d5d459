"""The emulator in users' CI: a start that cannot work ends at once with one line; --ready-file.

Each failure is run as a real process through tests/emulator/viam-app-emulator. "Does not hang"
is a generous subprocess timeout, not a timing assertion (the machine may be loaded).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
EMULATOR = REPO / "tests" / "emulator" / "viam-app-emulator"
LAUNCHER = REPO / "tests" / "emulator" / "launcher.py"
NO_HANG = 30.0  # seconds: far more than a failed start takes; only a hang reaches it


def run(*args: str, env: Optional[dict] = None) -> subprocess.CompletedProcess:
    run_env = dict(os.environ, VIAM_EMULATOR_PYTHON=sys.executable)
    run_env.pop("VIAM_EMULATOR_DEBUG", None)
    # As a user's shell has it: the collection's client sets GRPC_VERBOSITY in this test process once it
    # has used grpc, and the emulator keeps a GRPC_VERBOSITY it is given.
    run_env.pop("GRPC_VERBOSITY", None)
    run_env.update(env or {})
    return subprocess.run([str(EMULATOR), *args], cwd="/", env=run_env, capture_output=True, text=True,
                          timeout=NO_HANG, check=False)


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, "expected one line on stderr, got:\n" + stderr
    assert "Traceback" not in stderr
    assert lines[0].startswith("viam-app-emulator: "), lines[0]
    return lines[0]


@pytest.fixture
def taken_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    yield sock.getsockname()[1]
    sock.close()


def test_port_already_taken_exits_2_with_one_line(taken_port, tmp_path):
    ready = tmp_path / "ready.json"
    ready.write_text('{"stale": true}\n')  # from an earlier run: must not look ready
    done = run("--port", str(taken_port), "--ready-file", str(ready))
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert "port %d" % taken_port in line and "already in use" in line and "--port 0" in line, line
    assert done.stdout == ""
    assert not ready.exists()


def test_host_not_of_this_machine(tmp_path):
    done = run("--host", "192.0.2.1", "--port", "0")  # TEST-NET-1: never a local address
    assert done.returncode == 2
    assert "not an address of this machine" in one_line(done.stderr)


@pytest.mark.parametrize("args, words", [
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--port", "eighty"], "--port"),
    (["--fail-rate", "2"], "--fail-rate must be between 0 and 1"),
])
def test_bad_option_is_one_line_not_a_usage_block(args: List[str], words: str):
    done = run(*args)
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert words in line and "--help" in line, line


def test_unwritable_files_are_named(tmp_path):
    done = run("--port", "0", "--db", str(tmp_path / "missing" / "state.db"))
    assert done.returncode == 2
    assert "--db" in one_line(done.stderr)
    done = run("--port", "0", "--call-log", str(tmp_path / "missing" / "calls.jsonl"))
    assert done.returncode == 2
    assert str(tmp_path / "missing" / "calls.jsonl") in one_line(done.stderr)


@pytest.mark.parametrize("module, package", [("grpc", "grpcio"), ("google.protobuf", "protobuf")])
def test_missing_package_names_what_to_pip_install(tmp_path, module, package):
    # A package on PYTHONPATH that fails to import as the missing one would.
    fake = tmp_path / "fake"
    if module == "grpc":
        (fake / "grpc").mkdir(parents=True)
        (fake / "grpc" / "__init__.py").write_text("raise ImportError(\"No module named 'grpc'\", name='grpc')\n")
    else:
        (fake / "google" / "protobuf").mkdir(parents=True)
        (fake / "google" / "protobuf" / "__init__.py").write_text(
            "raise ImportError(\"No module named 'google.protobuf'\", name='google.protobuf')\n")
    done = run("--port", "0", env={"PYTHONPATH": str(fake)})
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert "package %s is missing" % package in line, line
    assert "pip install grpcio" in line and "protobuf" in line and "make venv" not in line, line


def test_no_python_says_what_to_install(tmp_path):
    done = run("--port", "0", env={"VIAM_EMULATOR_PYTHON": str(tmp_path / "no-python")})
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert "pip install grpcio protobuf" in line and "make" not in line, line


def test_script_uses_python3_when_the_collection_has_no_venv(tmp_path):
    """An installed collection: no .venv beside tests/, no VIAM_EMULATOR_PYTHON: python3 from PATH."""
    text = EMULATOR.read_text()
    assert "command -v python3" in text and "make venv" not in text


def test_ready_file_is_written_once_serving_and_removed_on_stop(tmp_path):
    ready = tmp_path / "ready.json"
    env = dict(os.environ, VIAM_EMULATOR_PYTHON=sys.executable)
    process = subprocess.Popen([str(EMULATOR), "--port", "0", "--ready-file", str(ready)], cwd=str(tmp_path), env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()  # printed once serving; the file comes right after
        assert line, process.stderr.read()
        deadline = time.monotonic() + NO_HANG
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert json.loads(ready.read_text()) == json.loads(line)
        assert ready.read_text().endswith("\n")
        assert stat.S_IMODE(ready.stat().st_mode) == 0o600  # it holds the API key
        assert [p.name for p in tmp_path.iterdir()] == ["ready.json"]  # no temporary file left
        host, port = json.loads(line)["address"].rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5):
            pass  # it listens
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=NO_HANG)
    assert process.returncode == 0
    assert not ready.exists()


def test_launcher_start_fails_at_once_on_a_taken_port(taken_port, tmp_path):
    out = tmp_path / "emulator.json"
    done = subprocess.run([sys.executable, str(LAUNCHER), "start", "--out", str(out), "--timeout", str(NO_HANG),
                           "--", "--port", str(taken_port)], capture_output=True, text=True, timeout=NO_HANG * 2,
                          check=False)
    assert done.returncode == 1
    assert "already in use" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not out.exists()
