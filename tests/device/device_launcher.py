# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start and stop device doubles (tests/device/viam-device-double) from Python tests and scripts.

    import device_launcher                 # with tests/device on sys.path
    double = device_launcher.start(cloud_config_path, workdir=tmp, args=["--broken-interval", "1"])
    double.status()                        # the status file as a dict ({} before the first write)
    double.wait_for(lambda s: s.get("state") == "running", timeout=20)
    double.hup()                           # restart: the cloud config file is read again
    double.stop()                          # SIGTERM, then SIGKILL after a grace; returns the exit code

    write_cloud_config(path, part_id, app_url, secret=..., api_key=(id, key), refresh_interval="1s")

Each double runs in its own process group, its stderr in ``workdir/<name>.stderr``, its status file
in ``workdir/<name>.status.json``. Its pid is in double.pid, to stop it by id.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
DOUBLE = os.path.join(HERE, "viam-device-double")
STOP_GRACE = 10.0


class DeviceDouble:
    def __init__(self, process: "subprocess.Popen[bytes]", status_path: str, stderr_path: str) -> None:
        self.process = process
        self.pid = process.pid
        self.status_path = status_path
        self.stderr_path = stderr_path

    def status(self) -> Dict[str, Any]:
        try:
            with open(self.status_path, encoding="utf-8") as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return {}

    def stderr_tail(self, lines: int = 20) -> str:
        try:
            with open(self.stderr_path, encoding="utf-8", errors="replace") as handle:
                return "".join(handle.readlines()[-lines:])
        except OSError:
            return ""

    def wait_for(self, predicate: Callable[[Dict[str, Any]], bool], timeout: float = 30.0,
                 what: str = "the condition") -> Dict[str, Any]:
        """The first status that satisfies ``predicate``; TimeoutError (with the last status and the
        double's stderr tail) if none does within ``timeout`` seconds or the double exits."""
        deadline = time.monotonic() + timeout
        status: Dict[str, Any] = {}
        while time.monotonic() < deadline:
            status = self.status()
            if status and predicate(status):
                return status
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise TimeoutError("device double %d: %s not reached in %.0f s (exit code %s); last status %s; stderr:\n%s"
                           % (self.pid, what, timeout, self.process.poll(), json.dumps(status), self.stderr_tail()))

    def hup(self) -> None:
        os.killpg(self.pid, signal.SIGHUP)

    def stop(self, grace: float = STOP_GRACE) -> Optional[int]:
        """SIGTERM to its group, SIGKILL after ``grace``; the exit code (idempotent)."""
        if self.process.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGTERM)
                self.process.wait(timeout=grace)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.process.wait(timeout=grace)
        return self.process.returncode

    def __enter__(self) -> "DeviceDouble":
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.stop()


def write_cloud_config(path: str, part_id: str, app_url: str, secret: Optional[str] = None,
                       api_key: Optional[Tuple[str, str]] = None, refresh_interval: Optional[str] = None) -> None:
    """A cloud config file in the /etc/viam.json shape, mode 0600 (it holds a secret)."""
    cloud: Dict[str, Any] = {"id": part_id, "app_address": app_url}
    if secret is not None:
        cloud["secret"] = secret
    if api_key is not None:
        cloud["api_key"] = {"id": api_key[0], "key": api_key[1]}
    if refresh_interval:
        cloud["refresh_interval"] = refresh_interval
    scratch = path + ".tmp"
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"cloud": cloud}, handle)
    os.replace(scratch, path)


def start(cloud_config: str, workdir: str, name: str = "device", args: Sequence[str] = (),
          python: Optional[str] = None) -> DeviceDouble:
    """Start a double for the cloud config file ``cloud_config``; it runs until stop()."""
    os.makedirs(workdir, exist_ok=True)
    status_path = os.path.join(workdir, name + ".status.json")
    stderr_path = os.path.join(workdir, name + ".stderr")
    env = dict(os.environ)
    env.setdefault("VIAM_DEVICE_PYTHON", python or sys.executable)
    command: List[str] = [DOUBLE, "--config", cloud_config, "--status-file", status_path] + list(args)
    with open(stderr_path, "ab") as stderr:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                                   env=env, start_new_session=True)
    return DeviceDouble(process, status_path, stderr_path)
