# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task overhead of a viam.cloud module against Ansible's floor (ansible.builtin.ping), and module memory.

Starts two emulators (no added latency, and --latency-ms 20), makes one location and one
machine in each, and then, interleaved in one loop, median of several runs each:

  A0   a playbook of N no-op viam.cloud.viam_robot tasks (the machine already as declared),
       emulator without added latency, run in the controller's worker (the default);
  A0m  A0 as module processes (VIAM_CLOUD_IN_PROCESS=0, the path before issue 17);
  B    the same playbook with ansible.builtin.ping (the floor: Ansible's own cost per task);
  A20  playbook A against the emulator with 20 ms per call;
  C    N viam_robot tasks that each create a machine (changed), in the worker; Cm: as module processes.

Issue 17's per-task targets: A0 <= 1.05x B; C - its round trips <= 1.2x B.

Same controller settings for all (local connection, gather_facts: false, the same Python).
Round trips per task come from the emulators' call logs. Then one task's cost is broken
down (bench/overhead/phases.py on the module's own AnsiballZ payload): process start,
imports, loading grpc and the generated code, authentication, round trips; plus the
payload size. A last phase measures peak memory (max RSS) of module processes: the no-op
viam_robot, ping, and viam_robot_info with parts: true over a seeded fleet.

    python bench/overhead/run.py [--out DIR] [--smoke] [--tasks 50] [--runs 5]
        [--latency-ms 20] [--memory-fleet 10:100:3] [--strict]

Run it inside hack/in-build.sh (the Makefile does) so that ansible finds the collection.
Writes DIR/overhead.json and DIR/memory-modules.json (schema: bench/benchlib.py).
"""

from __future__ import annotations

import argparse
import ast
import base64
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from benchlib import Emulator, load_text, log, row, stop_on_signals, timed, write_result  # noqa: E402  pylint: disable=wrong-import-position

# Issue 17's per-task targets: a no-op task at most TARGET x a ping task; a changing task at most
# TARGET_CHANGING x a ping task plus the time of its own round trips.
TARGET = 1.05
TARGET_CHANGING = 1.2
# The switch of plugins/plugin_utils/in_process.py: VIAM_CLOUD_IN_PROCESS=0 takes the module-process path.
MODULE_PROCESS = {"VIAM_CLOUD_IN_PROCESS": "0"}
LOCATION, MACHINE = "bench-site", "bench-rover"
PHASES = os.path.join(HERE, "phases.py")


def setup_machine(emulator: Emulator) -> None:
    """One location with one machine, made with the collection's own client."""
    from ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient  # pylint: disable=import-outside-toplevel

    ready = emulator.ready
    with ViamClient(app_url=ready["app_url"], api_key_id=ready["api_key_id"], api_key=ready["api_key"]) as client:
        location = client.create_location(organization_id=ready["organization_id"], name=LOCATION).location
        client.new_robot(name=MACHINE, location=location.id)


def connection_vars(emulator: Emulator) -> dict:
    ready = emulator.ready
    return {"app_url": ready["app_url"], "api_key_id": ready["api_key_id"], "api_key": ready["api_key"],
            "organization_id": ready["organization_id"]}


def playbook(path: str, tasks: list[dict], defaults: dict | None = None) -> str:
    play = {"name": "bench", "hosts": "localhost", "gather_facts": False, "tasks": tasks}
    if defaults:
        play["module_defaults"] = {"group/viam.cloud.viam": defaults}
    with open(path, "w") as handle:
        json.dump([play], handle, indent=1)  # JSON is YAML
    return path


def robot_tasks(n: int) -> list[dict]:
    return [{"name": "no-op machine %d" % i, "viam.cloud.viam_robot": {"name": MACHINE, "location": LOCATION}}
            for i in range(n)]


def create_tasks(n: int, prefix: str) -> list[dict]:
    """n tasks that each create a new machine (changed=true), names unique to ``prefix``."""
    return [{"name": "new machine %d" % i, "viam.cloud.viam_robot": {"name": "%s-%d" % (prefix, i), "location": LOCATION}}
            for i in range(n)]


def round_trip_seconds(emulator: Emulator, samples: int = 40) -> float:
    """Median wall time of one round trip (ListLocations) from a warm client of the collection, on loopback."""
    import time  # pylint: disable=import-outside-toplevel

    from ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient  # pylint: disable=import-outside-toplevel

    ready = emulator.ready
    times = []
    with ViamClient(app_url=ready["app_url"], api_key_id=ready["api_key_id"], api_key=ready["api_key"]) as client:
        for i in range(samples + 5):
            started = time.perf_counter()
            client.list_locations(organization_id=ready["organization_id"])
            if i >= 5:
                times.append(time.perf_counter() - started)
    return statistics.median(times)


def ping_tasks(n: int) -> list[dict]:
    return [{"name": "ping %d" % i, "ansible.builtin.ping": {}} for i in range(n)]


def ansible_env(work: str) -> dict:
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_HOST_KEY_CHECKING="false", ANSIBLE_RETRY_FILES_ENABLED="false",
               ANSIBLE_LOCAL_TEMP=os.path.join(work, "local-tmp"), ANSIBLE_REMOTE_TMP=os.path.join(work, "remote-tmp"),
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_DEPRECATION_WARNINGS="false")
    for key in ("VIAM_APP_URL", "VIAM_API_KEY_ID", "VIAM_API_KEY", "VIAM_ORG_ID", "ANSIBLE_KEEP_REMOTE_FILES",
                "ANSIBLE_PIPELINING", "ANSIBLE_CONFIG", "VIAM_CLOUD_IN_PROCESS", "ANSIBLE_CALLBACKS_ENABLED", "ANSIBLE_STDOUT_CALLBACK"):
        env.pop(key, None)
    return env


def write_inventory(work: str) -> str:
    path = os.path.join(work, "hosts.ini")
    with open(path, "w") as handle:
        handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    return path


def per_task_calls(emulator: Emulator, before: int, tasks: int) -> tuple[float, dict]:
    calls = emulator.calls()[before:]
    methods: dict = {}
    for call in calls:
        methods[call["method"]] = methods.get(call["method"], 0) + 1
    return len(calls) / float(tasks), dict((m, c / float(tasks)) for m, c in sorted(methods.items()))


# ------------------------------------------------------------------ payload and phases

def kept_payloads(work: str, env: dict, inventory: str, emulator: Emulator, extra_tasks=None) -> dict:
    """Run one task of each module with ANSIBLE_KEEP_REMOTE_FILES=1; {module short name: AnsiballZ path}."""
    remote = os.path.join(work, "kept")
    shutil.rmtree(remote, ignore_errors=True)
    tasks = robot_tasks(1) + ping_tasks(1) + (extra_tasks or [])
    book = playbook(os.path.join(work, "kept.yml"), tasks, connection_vars(emulator))
    timed(["ansible-playbook", "-i", inventory, book],
          dict(env, ANSIBLE_KEEP_REMOTE_FILES="1", ANSIBLE_REMOTE_TMP=remote, **MODULE_PROCESS),
          stdout_path=os.path.join(work, "kept.out"))
    found = {}
    for root, _dirs, files in os.walk(remote):
        for name in files:
            match = re.match(r"AnsiballZ_(\w+)\.py$", name)
            if match:
                found[match.group(1)] = os.path.join(root, name)
    return found


def ansiballz_parts(path: str, work: str) -> dict:
    """The payload zip, the module's FQN and its arguments, from a kept AnsiballZ file."""
    with open(path) as handle:
        source = handle.read()
    call = None
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_ansiballz_main":
            call = node
    if call is None:
        raise SystemExit("cannot find the _ansiballz_main call in %s" % path)
    values = {}
    for keyword in call.keywords:
        try:
            values[keyword.arg] = ast.literal_eval(keyword.value)
        except ValueError:
            pass
    name = values["ansible_module"]
    payload = os.path.join(work, "payload-%s.zip" % name)
    with open(payload, "wb") as handle:
        handle.write(base64.b64decode(values["zip_data"]))
    args = os.path.join(work, "args-%s.json" % name)
    with open(args, "w") as handle:
        handle.write(values["params"])
    import zipfile  # pylint: disable=import-outside-toplevel

    with zipfile.ZipFile(payload) as archive:
        infos = archive.infolist()
    return {"file": path, "file_kb": os.path.getsize(path) / 1024.0, "zip": payload, "zip_kb": os.path.getsize(payload) / 1024.0,
            "files": len(infos), "source_kb": sum(i.file_size for i in infos) / 1024.0, "fqn": values["module_fqn"],
            "args": args}


def import_profile(python: str, payload: dict, env: dict) -> dict:
    """-X importtime of the module's imports from its payload: cumulative ms of the big pieces."""
    code = "import sys; sys.path.insert(0, %r); import %s" % (payload["zip"], payload["fqn"])
    proc = subprocess.run([python, "-X", "importtime", "-c", code], env=env, capture_output=True, text=True, check=True)
    cumulative = {}
    for line in proc.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            cumulative[match.group(4)] = int(match.group(2)) / 1e6
    keys = ["ansible.module_utils.basic", "grpc", "google.protobuf", "google.protobuf.descriptor_pool",
            "ansible_collections.viam.cloud.plugins.module_utils.module",
            "ansible_collections.viam.cloud.plugins.module_utils.client",
            "ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1.app_pb2", payload["fqn"]]
    return dict((k, cumulative[k]) for k in keys if k in cumulative)


def breakdown(work: str, env: dict, payloads: dict, runs: int) -> dict:
    """Median seconds of each phase of one module process, fresh interpreters, interleaved."""
    python = sys.executable
    samples: dict = {"python -c pass": [], "viam_robot process": [], "ping process": []}
    phases: dict = {"viam_robot": [], "ping": []}
    info = {}
    for dummy in range(runs):
        samples["python -c pass"].append(timed([python, "-c", "pass"], env)[0])
        for name in ("viam_robot", "ping"):
            samples["%s process" % name].append(timed([python, payloads[name]["file"]], env)[0])
            out = os.path.join(work, "phases-%s.json" % name)
            timed([python, PHASES, payloads[name]["zip"], payloads[name]["fqn"], payloads[name]["args"]], env, stdout_path=out)
            with open(out) as handle:
                result = json.load(handle)
            phases[name].append(result["phases"])
            info[name] = result
    medians = dict((k, statistics.median(v)) for k, v in samples.items())
    phase_medians = dict((name, dict((k, statistics.median(p[k] for p in runs_)) for k in runs_[0]))
                         for name, runs_ in phases.items())
    return {"process": medians, "phases": phase_medians, "calls": info["viam_robot"]["calls"],
            "methods": info["viam_robot"]["methods"], "changed": info["viam_robot"]["changed"]}


# ------------------------------------------------------------------ memory

def module_memory(work: str, env: dict, inventory: str, fleet: str, runs: int) -> dict:
    """Max RSS (MB) of module processes: viam_robot_info parts: true over a seeded fleet, the no-op viam_robot, ping."""
    with Emulator(work, "memory", 0, fleet=fleet) as emulator:
        setup_machine(emulator)
        info_task = [{"name": "every machine with its parts", "viam.cloud.viam_robot_info": {"parts": True}}]
        payloads = kept_payloads(work, env, inventory, emulator, info_task)
        result = {}
        for name in ("viam_robot_info", "viam_robot", "ping"):
            samples = [timed([sys.executable, payloads[name]], env, stdout_path=os.path.join(work, "mem-%s.json" % name))
                       for dummy in range(runs)]
            result[name] = {"rss": statistics.median(s[1] for s in samples), "seconds": statistics.median(s[0] for s in samples)}
        with open(os.path.join(work, "mem-viam_robot_info.json")) as handle:
            listed = json.load(handle)
        machines = listed.get("robots") or listed.get("machines") or []
        result["viam_robot_info"]["machines"] = len(machines)
        result["viam_robot_info"]["parts"] = sum(len(m.get("parts") or []) for m in machines)
        return result


# ------------------------------------------------------------------ main

def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--out", default=os.path.join(os.getcwd(), "build", "bench"))
    parser.add_argument("--smoke", action="store_true", help="a handful of tasks, one run: checks the bench works")
    parser.add_argument("--tasks", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--memory-fleet", default="10:100:3", help="seeded fleet of the viam_robot_info memory run, or 'none'")
    parser.add_argument("--baseline-collections", metavar="DIR",
                        help="also run playbook A0 with ANSIBLE_COLLECTIONS_PATH=DIR (another copy of viam.cloud, "
                             "such as a build of the previous commit), interleaved: before/after in one run")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    stop_on_signals()
    if args.smoke:
        args.tasks, args.runs, args.memory_fleet = 3, 1, "1:3:2"

    work = tempfile.mkdtemp(prefix="viam-bench-overhead.")
    env = ansible_env(work)
    inventory = write_inventory(work)
    try:
        rows, extra = measure(args, work, env, inventory)
        mem_rows = []
        if args.memory_fleet != "none":
            mem_rows = memory_rows(module_memory(work, env, inventory, args.memory_fleet, 1 if args.smoke else 3),
                                   args.memory_fleet)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_result(args.out, "overhead", "Task overhead",
                 "%d no-op viam.cloud.viam_robot tasks vs %d ansible.builtin.ping tasks%s"
                 % (args.tasks, args.tasks, " (smoke)" if args.smoke else ""), rows,
                 METHOD % dict(vars(args), target=TARGET, target_changing=TARGET_CHANGING), smoke=args.smoke,
                 **extra)
    if mem_rows:
        write_result(args.out, "memory-modules", "Memory", "peak memory of module processes", mem_rows, MEMORY_METHOD,
                     smoke=args.smoke)
    missed = [r for r in rows if r["met"] is False]
    print(json.dumps(dict((r["name"], r["ratio"] if r["ratio"] is not None else r["value"]) for r in rows), indent=1))
    if args.strict and missed and not args.smoke:
        raise SystemExit(1)


def measure(args, work: str, env: dict, inventory: str):
    n = args.tasks
    slow_key = "A%g" % args.latency_ms
    module_env = dict(env, **MODULE_PROCESS)
    with Emulator(work, "plain", 0) as plain, Emulator(work, "slow", args.latency_ms) as slow:
        setup_machine(plain)
        setup_machine(slow)
        conn_plain, conn_slow = connection_vars(plain), connection_vars(slow)
        # key: (playbook maker for run i, environment, emulator, expected changed tasks)
        books = {
            "A0": (lambda i: robot_tasks(n), env, plain, conn_plain, 0),
            "A0m": (lambda i: robot_tasks(n), module_env, plain, conn_plain, 0),
            "B": (lambda i: ping_tasks(n), env, None, None, 0),
            slow_key: (lambda i: robot_tasks(n), env, slow, conn_slow, 0),
            "C": (lambda i: create_tasks(n, "chg-%s" % i), env, plain, conn_plain, n),
            "Cm": (lambda i: create_tasks(n, "chgm-%s" % i), module_env, plain, conn_plain, n),
        }
        if args.baseline_collections:
            books["A0-baseline"] = (lambda i: robot_tasks(n),
                                    dict(env, ANSIBLE_COLLECTIONS_PATH=os.path.abspath(args.baseline_collections)),
                                    plain, conn_plain, 0)
        for key, (make, key_env, emulator, conn, _changed) in books.items():
            # warm-up with 3 tasks of each: file system caches, .pyc files, the emulators
            tasks = make("warm")[:3]
            small = playbook(os.path.join(work, "warm-%s.yml" % key), tasks, conn)
            timed(["ansible-playbook", "-i", inventory, small], key_env, stdout_path=os.path.join(work, key + ".out"))
        times: dict = dict((k, []) for k in books)
        cpus: dict = dict((k, []) for k in books)
        trips: dict = {}
        for i in range(args.runs):
            for key, (make, key_env, emulator, conn, changed) in books.items():
                book = playbook(os.path.join(work, "%s-%d.yml" % (key, i)), make(i), conn)
                before = len(emulator.calls()) if emulator else 0
                out = os.path.join(work, "%s-%d.out" % (key, i))
                elapsed, _rss, cpu = timed(["ansible-playbook", "-i", inventory, book], key_env, stdout_path=out)
                with open(out) as handle:
                    text = handle.read()
                recap = re.search(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", text)
                if not recap or int(recap.group(1)) != n or int(recap.group(2)) != changed:
                    raise SystemExit("%s: expected %d ok and %d changed tasks:\n%s" % (key, n, changed, text[-2000:]))
                times[key].append(elapsed)
                cpus[key].append(cpu)
                if emulator:
                    trips[key] = per_task_calls(emulator, before, n)
                trips_text = ", %.1f round trips per task" % trips[key][0] if emulator else ""
                log("run %d %-4s %.2fs (cpu %.2fs)%s" % (i + 1, key, elapsed, cpu, trips_text))
        round_trip = round_trip_seconds(plain)
        payloads = dict((name, ansiballz_parts(path, work))
                        for name, path in kept_payloads(work, env, inventory, plain).items())
        parts = breakdown(work, env, payloads, 1 if args.smoke else max(3, args.runs))
        imports = import_profile(sys.executable, payloads["viam_robot"], env)
    med = dict((k, statistics.median(v)) for k, v in times.items())
    return render_rows(args, med, times, cpus, trips, slow_key, payloads, parts, imports, round_trip)


def per_run_text(times: dict, key: str, floor: str = "B", minus: float = 0.0) -> str:
    return ", ".join("%.2f" % ((x - minus) / y) for x, y in zip(times[key], times[floor]))


def render_rows(args, med, times, cpus, trips, slow_key, payloads, parts, imports, round_trip):
    n = args.tasks
    a0, a0m, b, a20, c, cm = med["A0"], med["A0m"], med["B"], med[slow_key], med["C"], med["Cm"]
    ratio0, ratio20 = a0 / b, a20 / b
    rt0, methods0 = trips["A0"]
    rt20 = trips[slow_key][0]
    rt_c, methods_c = trips["C"]
    trips_time = n * rt_c * round_trip  # the changing playbook's own round trips
    ratio_c = (c - trips_time) / b
    ratio_cm = (cm - trips_time) / b
    cpu = dict((k, statistics.median(v)) for k, v in cpus.items())
    proc = parts["process"]
    ph_v, ph_p = parts["phases"]["viam_robot"], parts["phases"]["ping"]
    load = load_text()
    rows = [
        row("no-op task: %d no-op viam_robot tasks vs %d ping tasks, no added latency" % (n, n), a0, "s",
            baseline="ping playbook %.2f s" % b, ratio=ratio0, target="<= %.2fx" % TARGET, met=ratio0 <= TARGET,
            note="in the controller's worker (the default); median of %d interleaved runs; per-run ratios %s; %s"
            % (args.runs, per_run_text(times, "A0"), load)),
        row("changing task: %d viam_robot tasks that each create a machine vs ping + their round trips" % n, c, "s",
            baseline="ping playbook %.2f s + %.2f s of round trips" % (b, trips_time), ratio=ratio_c,
            target="<= %.2fx" % TARGET_CHANGING, met=ratio_c <= TARGET_CHANGING,
            note="ratio (C - round trips) / ping; %.1f round trips per task (%s) x %.2f ms each (a warm client's "
            "median, loopback); per-run ratios %s; %s" % (
                rt_c, ", ".join("%s %g" % (m, x) for m, x in methods_c.items()), round_trip * 1000,
                per_run_text(times, "C", minus=trips_time), load)),
        row("the no-op tasks as module processes (%s=0)" % "VIAM_CLOUD_IN_PROCESS", a0m, "s", baseline="ping playbook %.2f s" % b,
            ratio=a0m / b, note="the path before issue 17 and where a task does not run on the controller; per-run "
            "ratios %s; in-process/module process: %.2fx" % (per_run_text(times, "A0m"), a0 / a0m)),
        row("the changing tasks as module processes (%s=0)" % "VIAM_CLOUD_IN_PROCESS", cm, "s",
            baseline="ping playbook %.2f s + %.2f s of round trips" % (b, trips_time), ratio=ratio_cm,
            note="per-run ratios %s; in-process/module process: %.2fx" % (per_run_text(times, "Cm", minus=trips_time), c / cm)),
        row("no-op tasks, emulator at %g ms per call" % args.latency_ms, a20, "s", baseline="ping playbook %.2f s" % b,
            ratio=ratio20, note="%.1f round trips per task x %g ms = %.2f s of the %.2f s" % (
                rt20, args.latency_ms, rt20 * args.latency_ms / 1000.0 * n, a20)),
        row("%d no-op viam_robot vs %d ping tasks in CPU seconds (controller + modules)" % (n, n), cpu["A0"], "s",
            baseline="ping playbook %.2f s" % cpu["B"], ratio=cpu["A0"] / cpu["B"],
            note="steadier than wall time on a shared machine; the emulator's own CPU is not counted; "
            "as module processes: %.2fx ping" % (cpu["A0m"] / cpu["B"])),
        row("round trips per no-op viam_robot task", rt0, "calls", target="<= 4 (Authenticate + the reads it needs)",
            met=rt0 <= 4, note=", ".join("%s %g" % (m, x) for m, x in methods0.items())),
        row("cost per task over ping, no added latency", (a0 - b) / n, "s",
            note="(A0 - B) / %d tasks (negative: cheaper than ping); ping itself costs %.3f s per task in a playbook; "
            "as module processes %.3f s" % (n, b / n, (a0m - b) / n)),
        row("module process: viam_robot (no-op, AnsiballZ run directly)", proc["viam_robot process"], "s",
            baseline="ping process %.3f s" % proc["ping process"], ratio=proc["viam_robot process"] / proc["ping process"],
            note="python -c pass: %.3f s" % proc["python -c pass"]),
    ]
    labels = list(ph_v)
    for label in labels:
        if label == "in-process total":
            continue
        ping_value = ph_p.get(label)
        note = "ping: %.3f s" % ping_value if ping_value is not None and label.startswith("import") else ""
        rows.append(row("  phase: " + label, ph_v[label], "s", note=note))
    rows.append(row("  phase: in-process total", ph_v["in-process total"], "s",
                    baseline="ping %.3f s" % ph_p["in-process total"],
                    ratio=ph_v["in-process total"] / ph_p["in-process total"], note="%d calls: %s" % (
                        parts["calls"], ", ".join(parts["methods"]))))
    v, p = payloads["viam_robot"], payloads["ping"]
    rows.append(row("payload: AnsiballZ_viam_robot.py", v["file_kb"], "KB", baseline="AnsiballZ_ping.py %.0f KB" % p["file_kb"],
                    ratio=v["file_kb"] / p["file_kb"],
                    note="zip %.0f KB, %d files, %.0f KB of source (ping: %d files, %.0f KB)" % (
                        v["zip_kb"], v["files"], v["source_kb"], p["files"], p["source_kb"])))
    short = {"ansible.module_utils.basic": "ansible basic", "grpc": "grpc", "google.protobuf": "protobuf",
             "google.protobuf.descriptor_pool": "protobuf descriptor_pool",
             "ansible_collections.viam.cloud.plugins.module_utils.module": "module_utils.module (and what it imports)",
             "ansible_collections.viam.cloud.plugins.module_utils.client": "module_utils.client",
             "ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1.app_pb2": "generated app_pb2",
             v["fqn"]: "viam_robot module, all its imports"}
    for key, seconds in imports.items():
        rows.append(row("  import (-X importtime, cumulative): " + short.get(key, key), seconds, "s",
                        note="imported from the payload zip, as in a task"))
    if "A0-baseline" in med:
        base = med["A0-baseline"]
        rows.insert(1, row("before/after: %d no-op viam_robot tasks, this tree vs %s" % (n, args.baseline_collections), a0, "s",
                           baseline="baseline collection %.2f s (%.2fx ping)" % (base, base / b), ratio=a0 / base,
                           note="interleaved in the same run; CPU seconds %.2f vs %.2f" % (
                               statistics.median(cpus["A0"]), statistics.median(cpus["A0-baseline"]))))
    extra = {"raw": {"times": times, "cpu": cpus, "trips": dict((k, v[0]) for k, v in trips.items()), "phases": parts["phases"],
                     "process": proc}}
    return rows, extra


def memory_rows(mem: dict, fleet: str) -> list[dict]:
    info, robot, ping = mem["viam_robot_info"], mem["viam_robot"], mem["ping"]
    return [
        row("module: viam_robot_info parts: true, fleet %s" % fleet, info["rss"], "MB",
            baseline="ping module %.0f MB" % ping["rss"], ratio=info["rss"] / ping["rss"],
            note="%d machines, %d parts returned in %.2f s; max RSS of the module process" % (
                info["machines"], info["parts"], info["seconds"])),
        row("module: no-op viam_robot", robot["rss"], "MB", baseline="ping module %.0f MB" % ping["rss"],
            ratio=robot["rss"] / ping["rss"], note="max RSS of the module process"),
    ]


METHOD = """Two emulators (tests/emulator/viam-app-emulator --port 0 --call-log FILE), one without added
latency and one at --latency-ms %(latency_ms)g, each with one location and one machine made
beforehand. Six playbooks, run interleaved (A0, A0m, B, A%(latency_ms)g, C, Cm, A0, ...), %(runs)d times each after
a 3-task warm-up of each; the table gives the medians. A0: %(tasks)d tasks of viam.cloud.viam_robot
{name, location} that find the machine already as declared (changed=false, checked from the
recap), run in the controller's worker (plugins/plugin_utils/in_process.py, the default); A0m: A0 as
module processes (VIAM_CLOUD_IN_PROCESS=0); B: %(tasks)d tasks of ansible.builtin.ping; A%(latency_ms)g: A0 against
the slow emulator; C: %(tasks)d viam_robot tasks that each create a new machine (changed=true), in the
worker; Cm: C as module processes. Targets (issue 17): A0 <= %(target)gx B; C minus its own round trips
<= %(target_changing)gx B, the round trips being C's calls per task (call log) x the median time of one
ListLocations from a warm client of the collection against the same emulator. Same controller
settings for all: localhost with ansible_connection=local, gather_facts: false, the same
Python for controller and modules, default pipelining (off), connection options through
module_defaults (group/viam.cloud.viam). Round trips per task come from the emulators' call
logs (Authenticate included). The breakdown runs the module's own AnsiballZ payload (kept
with ANSIBLE_KEEP_REMOTE_FILES=1 and VIAM_CLOUD_IN_PROCESS=0) in fresh interpreters: the whole
AnsiballZ file directly (module process wall time), and bench/overhead/phases.py, which puts the
payload zip first on sys.path as the wrapper does and times each phase. Imports come from python
-X importtime over the same zip."""

MEMORY_METHOD = """Max RSS (os.wait4's ru_maxrss) of the module process alone: the AnsiballZ file, kept with
ANSIBLE_KEEP_REMOTE_FILES=1 from a playbook run, run directly with its arguments against an
emulator seeded with --seed-fleet (viam_robot_info with parts: true lists every machine of the
organization with its parts); median of 3 runs. The inventory's peak memory at 30,000 parts
comes from the inventory benchmark's large run."""


if __name__ == "__main__":
    main()
