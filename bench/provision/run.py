# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The provisioning benchmark: converging a fleet from a playbook vs a straight viam-sdk script.

Converges MACHINES machines (default 100) with PARTS parts each (default 3: the main part
and 2 more) and one fragment on every part, in one new location, against the emulator at
--latency-ms 20 with --call-log, three ways:

(a) fleet: bench/provision/fleet.yml, one viam.cloud.viam_fleet task;
(b) loops: bench/provision/loops.yml, viam_location / viam_robot / viam_robot_part in
    loops, the playbook users would write without the bulk module;
(c) sdk: bench/provision/sdk_script.py, the official viam-sdk making the same writes one
    after another (the floor: no reads to see what exists).

(a) and (b) run twice: the first run creates everything, the second finds nothing to do
(and must report changed=0). Every scenario starts on a fresh emulator, and every first
run is checked afterwards: the location holds the machines, each with its parts, each
part with the fragment. The scenarios are interleaved, repetition by repetition; the
table reports medians, ratios to (c), and round trips per run counted in the emulator's
call log. --smoke (make test runs it, so that the benchmark cannot rot): 3 machines x 2
parts, (b) with 1 machine and its first run only, one repetition, one emulator with a
fresh location per scenario.

    python bench/provision/run.py --out DIR [--smoke] [--reps 3] [--loops-reps 3]
        [--machines 100] [--parts 3] [--latency-ms 20] [--max-concurrency 8]

Run it inside hack/in-build.sh (the Makefile does) so that ansible finds the collection.
Writes DIR/provision.json; never fails on timing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))

import benchlib  # noqa: E402  pylint: disable=wrong-import-position
from benchlib import log  # noqa: E402  pylint: disable=wrong-import-position
FRAGMENT = "bench-fragment"
SDK = "viam-sdk script (c)"
# Issue 17: the bulk module stays at or under the script; single modules in loops within 3x (first
# run) and 2x (no-op run) of it.
FLEET_TARGET_FIRST, FLEET_TARGET_SECOND = 1.0, 1.0
LOOPS_TARGET_FIRST, LOOPS_TARGET_SECOND = 3.0, 2.0
# The switch of plugins/plugin_utils/in_process.py: (b) runs in the controller's worker by default;
# --module-process-reps also runs it as module processes, the path before issue 17.
MODULE_PROCESS = {"VIAM_CLOUD_IN_PROCESS": "0"}


class Emulator(benchlib.Emulator):
    """benchlib's emulator, plus the collection's client and the benchmark's fragment."""

    def __init__(self, latency_ms, workdir, name):
        self._client = None
        super().__init__(workdir, name, latency_ms)

    @property
    def client(self):
        if self._client is None:
            from ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient

            self._client = ViamClient(app_url=self.ready["app_url"], api_key_id=self.ready["api_key_id"],
                                      api_key=self.ready["api_key"], organization_id=self.ready["organization_id"])
        return self._client

    def call_count(self):
        return len(self.calls())

    def fragment_id(self):
        """The benchmark's fragment, made once per emulator (not measured)."""
        if not hasattr(self, "_fragment"):
            org = self.ready["organization_id"]
            listed = [f for f in self.client.list_fragments(organization_id=org).fragments if f.name == FRAGMENT]
            self._fragment = listed[0].id if listed else self.client.create_fragment(
                organization_id=org, name=FRAGMENT).fragment.id
        return self._fragment

    def stop(self):
        if self._client is not None:
            self._client.close()
        super().stop()


def fleet_vars(emulator, location, machines, parts):
    ready = emulator.ready
    declared, loop_parts = [], []
    for index in range(1, machines + 1):
        name = "m%03d" % index
        extra = ["%s-p%d" % (name, k) for k in range(1, parts)]
        declared.append(dict(name=name, location=location, fragments=[FRAGMENT],
                             parts=[dict(name=p, fragments=[FRAGMENT]) for p in extra]))
        loop_parts.extend(dict(robot=name, location=location, name=p, fragments=[FRAGMENT])
                          for p in [name + "-main"] + extra)
    return dict(viam_app_url=ready["app_url"], viam_api_key_id=ready["api_key_id"], viam_api_key=ready["api_key"],
                viam_organization_id=ready["organization_id"], provision_location=location,
                provision_machines=declared, provision_parts=loop_parts)


def run(cmd, env, emulator):
    """(seconds, round trips, stdout) of one command; stops the benchmark when it fails."""
    before = emulator.call_count()
    started = time.monotonic()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
    elapsed = time.monotonic() - started
    if proc.returncode:
        raise SystemExit("%s failed (rc %d):\n%s\n%s"
                         % (" ".join(cmd), proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))
    return elapsed, emulator.call_count() - before, proc.stdout


def recap_changed(stdout):
    found = re.findall(r"changed=(\d+)", stdout)
    if not found:
        raise SystemExit("no PLAY RECAP in the playbook output:\n%s" % stdout[-2000:])
    return int(found[-1])


def verify(emulator, location, machines, parts):
    """The location holds the machines, each with its parts, each part using the fragment."""
    from concurrent.futures import ThreadPoolExecutor

    client = emulator.client
    fragment = emulator.fragment_id()
    org = emulator.ready["organization_id"]
    found = [loc for loc in client.list_locations(organization_id=org).locations if loc.name == location]
    if len(found) != 1:
        raise SystemExit("verify: %d locations named %r" % (len(found), location))
    robots = list(client.list_robots(location_id=found[0].id).robots)
    if sorted(r.name for r in robots) != ["m%03d" % i for i in range(1, machines + 1)]:
        raise SystemExit("verify: location %r holds %d machines, expected %d" % (location, len(robots), machines))

    def check(robot):
        listed = client.get_robot_parts(robot_id=robot.id).parts
        ok = len(listed) == parts and all(
            [f.get("id") for f in (json.loads(client.get_robot_part(id=p.id).config_json).get("fragments") or [])]
            == [fragment] for p in listed)
        return robot.name, ok

    with ThreadPoolExecutor(max_workers=8) as pool:
        bad = [name for name, ok in pool.map(check, robots) if not ok]
    if bad:
        raise SystemExit("verify: machines without the expected parts and fragment: %s" % ", ".join(bad[:10]))


def machine_label():
    model = ""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = benchlib.load_text()
    except OSError:
        load = ""
    return ", ".join(x for x in ("%s %s" % (platform.system(), platform.machine()), "%d CPUs" % (os.cpu_count() or 0),
                                 model, "Python %s" % platform.python_version(), load) if x)


class Bench:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.shared = None
        self.env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="false",
                        ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_RETRY_FILES_ENABLED="false")
        for key in ("VIAM_APP_URL", "VIAM_API_KEY_ID", "VIAM_API_KEY", "VIAM_ORG_ID", "VIAM_CLOUD_IN_PROCESS"):
            self.env.pop(key, None)
        self.results = dict((name, []) for name in ("fleet first", "fleet second", "loops first", "loops second",
                                                    "loops-m first", "loops-m second", "sdk"))
        self.counter = 0

    def emulator(self):
        if self.args.smoke:
            if self.shared is None:
                self.shared = Emulator(self.args.latency_ms, self.work, "shared")
            return self.shared
        self.counter += 1
        return Emulator(self.args.latency_ms, self.work, "run%d" % self.counter)

    def done(self, emulator):
        if emulator is not self.shared:
            emulator.stop()

    def playbook(self, name, machines, parts, rep, record=True, module_process=False):
        key = name + ("-m" if module_process else "")
        env = dict(self.env, **MODULE_PROCESS) if module_process else self.env
        emulator = self.emulator()
        try:
            emulator.fragment_id()
            location = "bench-%s-%d-%d" % (name, rep, self.counter)
            path = os.path.join(self.work, "%s-%d.json" % (name, rep))
            data = fleet_vars(emulator, location, machines, parts)
            data["provision_max_concurrency"] = self.args.max_concurrency
            with open(path, "w") as handle:
                json.dump(data, handle)
            cmd = ["ansible-playbook", os.path.join(HERE, name + ".yml"), "-e", "@" + path]
            first = run(cmd, env, emulator)
            verify(emulator, location, machines, parts)
            if self.args.smoke and name == "loops":  # the slow one: its first run is enough not to rot
                self.results["loops first"].append(first[:2])
                log("rep %d loops first %6.2fs %4d calls (second run skipped with --smoke)" % (rep, first[0], first[1]))
                return
            second = run(cmd, env, emulator)
            if recap_changed(second[2]):
                raise SystemExit("the second %s run changed something:\n%s" % (key, second[2][-3000:]))
            if record:
                self.results[key + " first"].append(first[:2])
                self.results[key + " second"].append(second[:2])
            log("rep %d %-7s first %6.2fs %4d calls, second %6.2fs %4d calls"
                % (rep, key, first[0], first[1], second[0], second[1]))
        finally:
            self.done(emulator)

    def sdk(self, machines, parts, rep, record=True):
        emulator = self.emulator()
        try:
            fragment = emulator.fragment_id()
            location = "bench-sdk-%d-%d" % (rep, self.counter)
            env = dict(self.env, VIAM_API_KEY_ID=emulator.ready["api_key_id"], VIAM_API_KEY=emulator.ready["api_key"])
            result = run([sys.executable, os.path.join(HERE, "sdk_script.py"), emulator.ready["address"],
                          emulator.ready["organization_id"], fragment, location, str(machines), str(parts)],
                         env, emulator)
            verify(emulator, location, machines, parts)
            if record:
                self.results["sdk"].append(result[:2])
            log("rep %d sdk   %6.2fs %4d calls" % (rep, result[0], result[1]))
        finally:
            self.done(emulator)


def median(runs, index):
    return statistics.median(r[index] for r in runs) if runs else None


def per_run(runs, sdk_runs):
    """'; per-run ratios 1.2, 1.3' to the sdk run of the same repetition, when there are several."""
    if len(runs) < 2:
        return ""
    return "; per-run ratios " + ", ".join("%.2f" % (r[0] / s[0]) for r, s in zip(runs, sdk_runs))


def rows_of(bench, args):
    res = bench.results
    sdk = median(res["sdk"], 0)
    size = "%d machines x %d parts" % (args.machines, args.parts)
    rows = [dict(name=SDK + ", sequential", value=round(sdk, 2), unit="s", baseline=None, ratio=None, target=None,
                 met=None, note="%s, median of %d" % (size, len(res["sdk"])))]
    specs = [("fleet first", "viam_fleet playbook (a), first run", FLEET_TARGET_FIRST),
             ("fleet second", "viam_fleet playbook (a), second (no-op) run", FLEET_TARGET_SECOND),
             ("loops first", "single modules in loops (b), first run", LOOPS_TARGET_FIRST),
             ("loops second", "single modules in loops (b), second (no-op) run", LOOPS_TARGET_SECOND),
             ("loops-m first", "(b) as module processes (VIAM_CLOUD_IN_PROCESS=0), first run", None),
             ("loops-m second", "(b) as module processes (VIAM_CLOUD_IN_PROCESS=0), second run", None)]
    for key, label, target in specs:
        value = median(res[key], 0)
        if value is None:
            continue
        if target is None:
            rows.append(dict(name=label, value=round(value, 2), unit="s", baseline=SDK, ratio=round(value / sdk, 2),
                             target=None, met=None, note="median of %d; the path before issue 17" % len(res[key])))
            continue
        if args.smoke and key.startswith("loops"):  # a smaller fleet: no ratio
            rows.append(dict(name=label, value=round(value, 2), unit="s", baseline=None, ratio=None, target=None,
                             met=None, note="--smoke: 1 machine x %d parts, first run only" % args.parts))
            continue
        ratio = value / sdk
        if args.smoke:  # fixed costs dominate a fleet this small: the targets are for the full run
            rows.append(dict(name=label, value=round(value, 2), unit="s", baseline=SDK, ratio=round(ratio, 2),
                             target=None, met=None, note="--smoke: targets apply to the full run only"))
            continue
        rows.append(dict(name=label, value=round(value, 2), unit="s", baseline=SDK, ratio=round(ratio, 2),
                         target="<= %gx" % target, met=ratio <= target,
                         note="median of %d%s; %s" % (len(res[key]), per_run(res[key], res["sdk"]), benchlib.load_text())))
    for key, label in (("sdk", SDK), ("fleet first", "viam_fleet, first run"),
                       ("fleet second", "viam_fleet, second run"), ("loops first", "loops, first run"),
                       ("loops second", "loops, second run"), ("loops-m first", "loops as module processes, first run"),
                       ("loops-m second", "loops as module processes, second run")):
        trips = median(res[key], 1)
        if trips is None:
            continue
        rows.append(dict(name="round trips: " + label, value=int(trips), unit="calls", baseline=None, ratio=None,
                         target=None, met=None, note="emulator call log, Authenticate included"))
    return rows


def render(rows, title, machine):
    lines = [title, "machine: " + machine, ""]
    lines.append("%-52s %10s  %-7s %-8s %s" % ("measure", "value", "ratio", "target", "met"))
    for row in rows:
        value = ("%.2f s" % row["value"]) if row["unit"] == "s" else "%d %s" % (row["value"], row["unit"])
        lines.append("%-52s %10s  %-7s %-8s %s" % (
            row["name"], value, "" if row["ratio"] is None else "%.2fx" % row["ratio"], row["target"] or "",
            "" if row["met"] is None else ("yes" if row["met"] else "NO")))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--out", default=os.path.join(os.environ.get("VIAM_REPO_ROOT") or COLLECTION, "build", "bench"))
    parser.add_argument("--smoke", action="store_true",
                        help="3 machines x 2 parts (loops: 1 machine, first run), one repetition, one emulator")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of (a) and (c)")
    parser.add_argument("--loops-reps", type=int, default=3, help="repetitions of (b)")
    parser.add_argument("--module-process-reps", type=int, default=0,
                        help="repetitions of (b) as module processes (VIAM_CLOUD_IN_PROCESS=0), the path before issue 17")
    parser.add_argument("--machines", type=int, default=100)
    parser.add_argument("--parts", type=int, default=3, help="parts per machine, the main part included")
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--max-concurrency", type=int, default=8)
    parser.add_argument("--no-warmup", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        args.machines, args.parts, args.reps, args.loops_reps, args.no_warmup = 3, 2, 1, 1, True

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="viam-bench-provision.") as work:
        bench = Bench(args, work)
        try:
            if not args.no_warmup:  # .pyc files, file system caches: not measured
                bench.playbook("fleet", 2, 2, 0, record=False)
                bench.sdk(2, 2, 0, record=False)
            for rep in range(1, max(args.reps, args.loops_reps, args.module_process_reps) + 1):
                if rep <= args.reps:
                    bench.playbook("fleet", args.machines, args.parts, rep)
                    bench.sdk(args.machines, args.parts, rep)
                if rep <= args.loops_reps:  # --smoke: one machine, enough for the playbook not to rot
                    bench.playbook("loops", 1 if args.smoke else args.machines, args.parts, rep)
                if rep <= args.module_process_reps and not args.smoke:
                    bench.playbook("loops", args.machines, args.parts, rep, module_process=True)
        finally:
            if bench.shared is not None:
                bench.shared.stop()

    title = "Provisioning: %d machines x %d parts, a fragment on every part, emulator at %g ms per call" % (
        args.machines, args.parts, args.latency_ms)
    machine = machine_label()
    rows = rows_of(bench, args)
    method = (
        "bench/provision/run.py%s: the emulator at --latency-ms %g with --call-log; one new location with %d machines "
        "of %d parts each (the main part and %d more), the fragment %r on every part. (a) one viam.cloud.viam_fleet "
        "task (max_concurrency %d); (b) viam_location, viam_robot and viam_robot_part in loops (one module run per "
        "item); (c) bench/provision/sdk_script.py, the official viam-sdk AppClient making the same writes "
        "sequentially (create_location, new_robot, get_robot_parts for the main part, new_robot_part, "
        "update_robot_part with the fragment). (a) and (b) run twice; the second run must report changed=0. Each "
        "scenario on a fresh emulator%s, first runs verified afterwards (machines, parts, fragment). Interleaved "
        "repetitions; medians of %d for (a) and (c), %d for (b); ratios are to (c)'s first run; round trips from "
        "the call log. Wall time includes process start (ansible-playbook, python). Timings are this machine's and "
        "noisy (2 shared cores); compare the ratios."
        % (" --smoke" if args.smoke else "", args.latency_ms, args.machines, args.parts, args.parts - 1, FRAGMENT,
           args.max_concurrency, " (--smoke: one emulator, a fresh location per scenario)" if args.smoke else "",
           args.reps, args.loops_reps))
    print(render(rows, title, machine))
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "provision.json")
    with open(path, "w") as handle:
        json.dump(dict(section="Provisioning", title=title, machine=machine, rows=rows, method=method,
                       load={"start": benchlib.START_LOAD, "end": benchlib.load_average(), "cpus": os.cpu_count()}),
                  handle, indent=2)
    log("written %s (%.0fs in all)" % (path, time.monotonic() - started))


if __name__ == "__main__":
    main()
