# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the benchmark scripts share: the emulator, timed runs, and the result file.

Every bench script writes ``<out>/<name>.json``:

    {"section": str, "title": str, "machine": str, "method": str,
     "load": {"start": [1, 5, 15-min load], "end": [...], "cpus": int},
     "rows": [{"name": str, "value": float, "unit": "s" | "MB" | "calls" | "KB" | ...,
               "baseline": str | None, "ratio": float | None, "target": str | None,
               "met": bool | None, "note": str}]}

bench/summary.py prints every file of a directory as one table.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.dirname(HERE)
EMULATOR = os.path.join(COLLECTION, "tests", "emulator", "viam-app-emulator")
sys.path.insert(0, os.path.dirname(EMULATOR))
# tests/emulator/launcher.py starts and stops every emulator
import launcher  # noqa: E402  pylint: disable=wrong-import-position


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def stop_on_signals() -> None:
    """SIGTERM and SIGINT end the bench through SystemExit, so every emulator is stopped on the way out.

    (A background job of a non-interactive shell starts with SIGINT ignored; set it anyway.)
    """
    def handler(signum, _frame):
        raise SystemExit("stopped by signal %d" % signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def load_average() -> tuple | None:
    """(1, 5, 15-minute) load averages now, or None where the system has none."""
    return tuple(round(x, 2) for x in os.getloadavg()) if hasattr(os, "getloadavg") else None


# The load when the bench script started: a shared machine's load says how far to trust wall times.
START_LOAD = load_average()


def load_text(start: tuple | None = None, end: tuple | None = None) -> str:
    """'load 0.4 at start (5-min 1.2), 0.9 at end (5-min 1.0)': the run's load averages, 2 CPUs being a full load of 2."""
    start = START_LOAD if start is None else start
    end = load_average() if end is None else end
    if not start:
        return "load unknown"
    text = "load %.1f at start (5-min %.1f)" % (start[0], start[1])
    if end:
        text += ", %.1f at end (5-min %.1f)" % (end[0], end[1])
    return text


def machine() -> str:
    """This machine, in the words every result file uses (the load: at the script's start and now)."""
    return "%s, %d CPUs, Python %s, %s" % (platform.machine(), os.cpu_count() or 0, platform.python_version(), load_text())


class Emulator:
    """tests/emulator/viam-app-emulator on a free port, with a call log (tests/emulator/launcher.py).

    ready: its ready line; calls(): its call log; stop(): ends its process group.
    """

    def __init__(self, workdir: str, name: str, latency_ms: float = 0, fleet: str | None = None) -> None:
        self.call_log = os.path.join(workdir, name + "-calls.log")
        args = ["--latency-ms", str(latency_ms)] + (["--seed-fleet", fleet] if fleet else [])
        started = time.monotonic()
        try:
            self.emulator = launcher.start(*args, workdir=workdir, name=name, call_log=self.call_log)
        except launcher.EmulatorError as err:
            raise SystemExit(str(err)) from err
        self.proc = self.emulator.process
        self.stderr = self.emulator.stderr_path
        self.ready = self.emulator.info
        log("emulator %s ready in %.1fs (latency %g ms%s)" % (self.ready["app_url"], time.monotonic() - started,
                                                              latency_ms, ", fleet " + fleet if fleet else ""))

    def calls(self) -> list[dict]:
        """Every call logged so far (one dict per line: method, code, ms, ...)."""
        time.sleep(0.05)  # the emulator logs a call just after answering it
        return self.emulator.calls()

    def stop(self) -> None:
        self.emulator.stop(grace=15)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


def timed(cmd: list[str], env: dict | None = None, stdout_path: str | None = None, cwd: str | None = None):
    """(wall seconds, max RSS in MB, CPU seconds) of one run.

    Max RSS and CPU (user + system) cover the process and the descendants it waited for
    (a playbook's module processes included). CPU time is steadier than wall time on a
    busy machine, so the overhead bench reports both.

    Stops the benchmark (SystemExit with the tail of stderr) when the command fails.
    """
    with open(stdout_path or os.devnull, "w") as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd)  # pylint: disable=consider-using-with
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-3000:]
            if stdout_path:
                with open(stdout_path) as handle:
                    tail = handle.read()[-3000:] + "\n" + tail
            raise SystemExit("%s failed (rc %d):\n%s" % (" ".join(cmd), proc.returncode, tail))
    return elapsed, usage.ru_maxrss / 1024.0, usage.ru_utime + usage.ru_stime


def row(name: str, value: float, unit: str, baseline: str | None = None, ratio: float | None = None,
        target: str | None = None, met: bool | None = None, note: str = "") -> dict:
    return {"name": name, "value": round(float(value), 4), "unit": unit, "baseline": baseline,
            "ratio": None if ratio is None else round(float(ratio), 4), "target": target, "met": met, "note": note}


def write_result(out_dir: str, name: str, section: str, title: str, rows: list[dict], method: str,
                 smoke: bool = False, **extra) -> str:
    """Write <out_dir>/<name>.json in the schema above; returns its path.

    smoke: a tiny run that only proves the bench works; its figures say nothing of the
    targets, so target and met are dropped (the note says so).
    """
    if smoke:
        for entry in rows:
            if entry.get("target"):
                entry["note"] = ("smoke run, target %s not judged; " % entry["target"]) + (entry.get("note") or "")
            entry["target"], entry["met"] = None, None
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name + ".json")
    data = {"section": section, "title": title, "machine": machine(), "rows": rows, "method": method,
            "load": {"start": START_LOAD, "end": load_average(), "cpus": os.cpu_count()}}
    data.update(extra)
    with open(path, "w") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
    log("wrote %s" % path)
    return path
