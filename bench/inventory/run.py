# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make bench-inventory: the viam.cloud.viam inventory against its floor and the naive way.

Starts the emulator (--latency-ms 20 --seed-fleet 10:100:3 --call-log), then measures,
as the median of several runs each, in one process and interleaved:

1. floor: ansible-inventory --list over viam_floor (bench/inventory/plugins), a trivial
   plugin that adds the same hosts, variables and groups from a JSON dump, with no
   network: what Ansible itself costs for an inventory of this size;
2. cold: ansible-inventory --list over viam.cloud.viam, no cache;
3. cache hit: the same with cache: true, the cache already filled;
4. naive: bench/inventory/naive_sdk.py, the official viam-sdk listing locations, then
   machines, then parts, one call after another, printing the same host list.

Round trips per run come from the emulator's call log. Then one cold run at a larger
fleet (--large, default 100:100:3) reports wall time and peak memory (max RSS), and the
floor for the same hosts right after it, so that the large fleet's ratios (targets: peak
RSS <= 1.3x, wall <= 1.1x the floor) come from one machine state. --large-runs N makes N
of each, interleaved; --large-only skips the runs at --fleet.
Prints a table; with --out DIR writes DIR/inventory.json and (after a large run)
DIR/memory-inventory.json for bench/summary.py (schema: bench/benchlib.py); with
--docs PATH also writes the table, with the method, into that file's marked "Inventory"
section (docs/performance.md). --smoke: a tiny fleet, one run each, no large run.
Run inside hack/in-build.sh (the Makefile does), so that ansible finds the collection.

    python bench/inventory/run.py [--out DIR] [--smoke] [--runs 5] [--naive-runs 3]
        [--fleet 10:100:3] [--latency-ms 20] [--large 100:100:3 | --large none]
        [--large-runs 3] [--large-only] [--no-large-floor]
        [--docs PATH] [--strict]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import benchlib  # noqa: E402  pylint: disable=wrong-import-position
from benchlib import row, stop_on_signals, write_result  # noqa: E402  pylint: disable=wrong-import-position

COLLECTION = os.path.dirname(os.path.dirname(HERE))
REPO = os.environ.get("VIAM_REPO_ROOT") or COLLECTION
EMULATOR = os.path.join(COLLECTION, "tests", "emulator", "viam-app-emulator")
START, END = "<!-- bench-inventory: start -->", "<!-- bench-inventory: end -->"
TARGETS = {"cold": 1.1, "cache hit": 1.02}  # at most this many times the floor (issue 17, at 3,000 parts)
NAIVE_TARGET = 8.0  # the naive loop at least this many times slower than cold
LARGE_TARGETS = {"rss": 1.3, "seconds": 1.1}  # the large fleet's cold run against its own floor (issue 17)


def log(message):
    print(message, file=sys.stderr, flush=True)


class Emulator(benchlib.Emulator):
    """benchlib's emulator (tests/emulator/launcher.py) seeded with a fleet; calls() counts the call log."""

    def __init__(self, fleet, latency_ms, workdir, name):
        super().__init__(workdir, name, latency_ms, fleet=fleet)

    def calls(self):
        return len(self.emulator.calls())


def measure(cmd, env, emulator=None, stdout_path=None):
    """(seconds, round trips, max RSS in MB, stdout text or None) of one run; stops on a failure."""
    before = emulator.calls() if emulator else 0
    with open(stdout_path or os.devnull, "w") as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)  # pylint: disable=consider-using-with
        dummy, status, usage = os.wait4(proc.pid, 0)  # the child's own rusage: its peak memory
        elapsed = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            raise SystemExit("%s failed (rc %d):\n%s" % (" ".join(cmd), proc.returncode,
                                                         err.read().decode(errors="replace")[-3000:]))
    time.sleep(0.05)  # the emulator logs a call just after answering it
    trips = (emulator.calls() - before) if emulator else 0
    text = None
    if stdout_path:
        with open(stdout_path) as handle:
            text = handle.read()
    return elapsed, trips, usage.ru_maxrss / 1024.0, text


def unwrap(value):
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return dict((k, unwrap(v)) for k, v in value.items())
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def dump_for_floor(listing, path, top="viam"):
    """The hosts, variables and groups of an ansible-inventory --list output, for viam_floor."""
    hosts = unwrap(listing["_meta"]["hostvars"])
    groups, children = {}, {}
    order = [g for g in listing["all"].get("children", []) if g in listing]  # creation order, as Ansible lists it
    order += sorted(set(listing) - set(order))
    for name in order:
        body = listing[name]
        if name in ("_meta", "all", top):
            continue
        if body.get("hosts"):
            groups[name] = body["hosts"]
        if body.get("children"):
            children[name] = body["children"]
    with open(path, "w") as handle:
        json.dump({"top": top, "hosts": hosts, "groups": groups, "children": children}, handle)
    return len(hosts), len(groups) + 1


def comparable(listing):
    """--list output without the values that change between two runs (ages, last-seen times)."""
    text = json.dumps(unwrap(listing), sort_keys=True)
    text = re.sub(r'"viam_seconds_since_online": \d+', '"viam_seconds_since_online": 0', text)
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "T", text)


def write_config(path, emulator, **extra):
    ready = emulator.ready
    config = {"plugin": "viam.cloud.viam", "app_url": ready["app_url"], "api_key_id": ready["api_key_id"],
              "api_key": ready["api_key"], "organization_id": [ready["organization_id"]]}
    config.update(extra)
    with open(path, "w") as handle:
        json.dump(config, handle, indent=2)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--naive-runs", type=int, default=3)
    parser.add_argument("--fleet", default="10:100:3")
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--large", default="100:100:3", help="fleet of the one large cold run, or 'none'")
    parser.add_argument("--large-runs", type=int, default=3, help="cold (and floor) runs at the large fleet, interleaved")
    parser.add_argument("--no-large-floor", dest="large_floor", action="store_false",
                        help="skip the floor run at the large fleet")
    parser.add_argument("--large-only", action="store_true",
                        help="only the large runs (cold and floor), none at --fleet")
    parser.add_argument("--docs", default=None, help="also write the table into this file (docs/performance.md)")
    parser.add_argument("--out", default=None, help="write inventory.json (and memory-inventory.json) here")
    parser.add_argument("--smoke", action="store_true", help="a tiny fleet, one run each, no large run")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    stop_on_signals()
    if args.smoke:
        args.fleet, args.runs, args.naive_runs, args.large = "2:5:2", 1, 1, "none"

    work = tempfile.mkdtemp(prefix="viam-bench-inventory.")
    env = dict(os.environ, ANSIBLE_INVENTORY_PLUGINS=os.path.join(HERE, "plugins", "inventory"),
               ANSIBLE_INVENTORY_UNPARSED_FAILED="true", ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true",
               ANSIBLE_NOCOLOR="1")
    for key in ("VIAM_APP_URL", "VIAM_API_KEY_ID", "VIAM_API_KEY", "VIAM_ORG_ID", "ANSIBLE_CACHE_PLUGIN",
                "ANSIBLE_INVENTORY_CACHE_PLUGIN", "ANSIBLE_INVENTORY_CACHE"):
        env.pop(key, None)
    inventory = shutil.which("ansible-inventory", path=env.get("PATH"))
    results, check_notes = None, []
    try:
        if not args.large_only:
            emulator = Emulator(args.fleet, args.latency_ms, work, "bench")
            try:
                results, check_notes = run_main(args, work, env, inventory, emulator)
            finally:
                emulator.stop()
        large = None
        if args.large and args.large != "none":
            large = run_large(args, work, env, inventory)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    table = render(args, results, large, check_notes)
    print(table)
    if args.out:
        write_results(args, results, large)
    if args.docs and not args.smoke and results:
        write_docs(args.docs, table)
        log("results written to %s" % args.docs)
    missed = [line for line in check_notes if line.startswith("MISSED")]
    if args.strict and missed:
        raise SystemExit(1)


def run_main(args, work, env, inventory, emulator):
    cold_cfg, cache_cfg = os.path.join(work, "cold.viam.yml"), os.path.join(work, "cache.viam.yml")
    floor_cfg, dump = os.path.join(work, "bench.floor.yml"), os.path.join(work, "floor-dump.json")
    write_config(cold_cfg, emulator)
    write_config(cache_cfg, emulator, cache=True, cache_connection=os.path.join(work, "cache"))
    with open(floor_cfg, "w") as handle:
        json.dump({"plugin": "viam_floor", "dump": dump}, handle)

    # Warm-up (file system caches, .pyc), the floor's dump, and the cache filled once.
    listing_path = os.path.join(work, "cold.json")
    measure([inventory, "-i", cold_cfg, "--list"], env, emulator, stdout_path=listing_path)
    with open(listing_path) as handle:
        listing = json.load(handle)
    hosts, groups = dump_for_floor(listing, dump)
    log("%d hosts, %d groups" % (hosts, groups))
    measure([inventory, "-i", cache_cfg, "--list"], env, emulator)
    measure([inventory, "-i", floor_cfg, "--list"], env)

    runs = {"floor": [], "cold": [], "cache hit": []}
    commands = {"floor": [inventory, "-i", floor_cfg, "--list"], "cold": [inventory, "-i", cold_cfg, "--list"],
                "cache hit": [inventory, "-i", cache_cfg, "--list"]}
    same = {}
    for i in range(args.runs):
        for name, cmd in commands.items():  # interleaved, so that drift hits all three alike
            path = os.path.join(work, "%s-%d.json" % (name.replace(" ", "_"), i))
            runs[name].append(measure(cmd, env, emulator if name != "floor" else None, stdout_path=path))
            same.setdefault(name, set()).add(comparable(json.loads(runs[name][-1][3])))
            runs[name][-1] = runs[name][-1][:3]
            log("run %d %-9s %.2fs, %d round trips" % (i + 1, name, runs[name][-1][0], runs[name][-1][1]))
    reference = comparable(listing)
    notes = []
    for name, outputs in same.items():
        if outputs != {reference}:
            raise SystemExit("the %s inventory differs from the plugin's own --list output" % name)
    notes.append("check: floor, cold and cache-hit outputs are identical (but for ages and last-seen times)")

    naive_env = dict(env, VIAM_API_KEY_ID=emulator.ready["api_key_id"], VIAM_API_KEY=emulator.ready["api_key"])
    runs["naive viam-sdk"] = []
    want_hosts = sorted(listing["_meta"]["hostvars"])
    for i in range(args.naive_runs):
        result = measure([sys.executable, os.path.join(HERE, "naive_sdk.py"), emulator.ready["address"],
                          emulator.ready["organization_id"]], naive_env, emulator,
                         stdout_path=os.path.join(work, "naive-%d.json" % i))
        runs["naive viam-sdk"].append(result[:3])
        if sorted(json.loads(result[3])) != want_hosts:
            raise SystemExit("the naive loop listed other hosts than the plugin")
        log("run %d naive     %.2fs, %d round trips" % (i + 1, result[0], result[1]))
    if args.naive_runs:
        notes.append("check: the naive loop lists the same %d hosts" % len(want_hosts))
    results = {"hosts": hosts, "groups": groups, "runs": runs}
    return results, notes


def run_large(args, work, env, inventory):
    """One cold run over the large fleet, then (unless --large-floor-runs 0) the floor for the same hosts,
    variables and groups, so that the memory and wall ratios come from one run on one machine state.
    With --large-runs N, N cold runs and N floor runs, interleaved; the medians are reported."""
    emulator = Emulator(args.large, args.latency_ms, work, "large")
    try:
        config = os.path.join(work, "large.viam.yml")
        write_config(config, emulator)
        listing_path = os.path.join(work, "large.json")
        floor_cfg, dump = os.path.join(work, "large.floor.yml"), os.path.join(work, "large-dump.json")
        cold, floor = [], []
        for i in range(max(1, args.large_runs)):
            cold.append(measure([inventory, "-i", config, "--list"], env, emulator, stdout_path=listing_path)[:3])
            log("large: cold run %d: %.2fs, %d round trips, %.0f MB" % ((i + 1,) + cold[-1]))
            if i == 0:
                with open(listing_path) as handle:
                    listing = json.load(handle)
                hosts = len(listing["_meta"]["hostvars"])
                if args.large_floor:
                    dump_for_floor(listing, dump)
                    with open(floor_cfg, "w") as handle:
                        json.dump({"plugin": "viam_floor", "dump": dump}, handle)
                del listing
            if args.large_floor:
                floor.append(measure([inventory, "-i", floor_cfg, "--list"], env)[:3])
                log("large: floor run %d: %.2fs, %.0f MB" % (i + 1, floor[-1][0], floor[-1][2]))
        result = {"fleet": args.large, "hosts": hosts, "runs": len(cold),
                  "seconds": statistics.median(r[0] for r in cold), "trips": statistics.median(r[1] for r in cold),
                  "rss": statistics.median(r[2] for r in cold)}
        if floor:
            result["floor_seconds"] = statistics.median(r[0] for r in floor)
            result["floor_rss"] = statistics.median(r[2] for r in floor)
        log("large: %d hosts in %.2fs, %d round trips, %.0f MB%s"
            % (hosts, result["seconds"], result["trips"], result["rss"],
               "; floor %.2fs, %.0f MB" % (result["floor_seconds"], result["floor_rss"]) if floor else ""))
        return result
    finally:
        emulator.stop()


def large_checks(large):
    """The large fleet's targets against its own floor: [(met, text)]."""
    if "floor_rss" not in large:
        return []
    out = []
    for what, key, limit in (("peak RSS", "rss", LARGE_TARGETS["rss"]), ("wall time", "seconds", LARGE_TARGETS["seconds"])):
        ratio = large[key] / large["floor_" + key]
        out.append((ratio <= limit, "%s: large fleet cold %s <= %.1fx the floor (%.2fx)"
                    % ("met" if ratio <= limit else "MISSED", what, limit, ratio)))
    return out


def render_large(large):
    lines = ["Large fleet %s: %d hosts, cold run %.2f s, %d round trips, peak memory (max RSS of "
             "ansible-inventory) %.0f MB%s."
             % (large["fleet"], large["hosts"], large["seconds"], large["trips"], large["rss"],
                " (median of %d runs)" % large["runs"] if large.get("runs", 1) > 1 else "")]
    if "floor_rss" in large:
        lines[0] += " Floor for the same hosts: %.2f s, %.0f MB." % (large["floor_seconds"], large["floor_rss"])
        lines.extend("- " + text for dummy, text in large_checks(large))
    return lines


def render(args, results, large, notes):
    if results is None:
        return "\n".join(render_large(large) if large else [])
    runs = dict((name, rs) for name, rs in results["runs"].items() if rs)  # --naive-runs 0: no naive row
    median = dict((name, statistics.median(r[0] for r in rs)) for name, rs in runs.items())
    trips = dict((name, statistics.median(r[1] for r in rs)) for name, rs in runs.items())
    rss = dict((name, statistics.median(r[2] for r in rs if r[2]) if any(r[2] for r in rs) else None)
               for name, rs in runs.items())
    floor = median["floor"]
    lines = [
        "Fleet %s (%d parts as hosts, %d groups), emulator latency %g ms per call; median of %d runs "
        "(naive: %d). Times are this machine's: %s, %d CPUs, Python %s."
        % (args.fleet, results["hosts"], results["groups"], args.latency_ms, args.runs, args.naive_runs,
           platform.machine(), os.cpu_count(), platform.python_version()),
        "",
        "| run | median wall time | x floor | round trips per run | max RSS |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in [n for n in ("floor", "cold", "cache hit", "naive viam-sdk") if n in runs]:
        lines.append("| %s | %.2f s | %.2f | %d | %s |" % (
            name, median[name], median[name] / floor, trips[name],
            "%.0f MB" % rss[name] if rss[name] else "-"))
    lines.append("")
    checks = []
    for name, limit in TARGETS.items():
        ratio = median[name] / floor
        checks.append("%s: %s <= %.2fx the floor (%.2fx)" % ("met" if ratio <= limit else "MISSED", name, limit, ratio))
    if "naive viam-sdk" in median:
        speedup = median["naive viam-sdk"] / median["cold"]
        checks.append("%s: naive >= %.0fx cold (%.1fx)"
                      % ("met" if speedup >= NAIVE_TARGET else "MISSED", NAIVE_TARGET, speedup))
        like = median["naive viam-sdk"] + floor
        checks.append("like for like (derived, not a target): the naive loop as an inventory would cost about naive "
                      "+ floor = %.1f s, %.1fx cold (the naive script prints host names only; Ansible's own %.1f s "
                      "for %d hosts is in every inventory run)" % (like, like / median["cold"], floor, results["hosts"]))
    notes[:0] = checks
    lines.extend("- " + n for n in notes)
    if large:
        lines.append("")
        lines.extend(render_large(large))
    return "\n".join(lines)


def write_results(args, results, large):
    """DIR/inventory.json (and DIR/memory-inventory.json after a large run) for bench/summary.py."""
    if results is None:
        write_large(args, large, None)
        return
    runs = dict((name, rs) for name, rs in results["runs"].items() if rs)  # --naive-runs 0: no naive row
    median = dict((name, statistics.median(r[0] for r in rs)) for name, rs in runs.items())
    trips = dict((name, statistics.median(r[1] for r in rs)) for name, rs in runs.items())
    rss = dict((name, statistics.median(r[2] for r in rs)) for name, rs in runs.items())
    floor = median["floor"]
    fleet = "%s fleet (%d hosts)" % (args.fleet, results["hosts"])
    rows = [row("floor: ansible-inventory over a trivial plugin, %s" % fleet, floor, "s",
                note="Ansible's own cost for this inventory; max RSS %.0f MB" % rss["floor"])]
    for name, label in (("cold", "cold: viam.cloud.viam, no cache"), ("cache hit", "cache hit: viam.cloud.viam, cache: true")):
        ratio = median[name] / floor
        rows.append(row("%s, %s" % (label, fleet), median[name], "s", baseline="floor %.2f s" % floor, ratio=ratio,
                        target="<= %.2fx" % TARGETS[name], met=ratio <= TARGETS[name],
                        note="%d round trips per run; max RSS %.0f MB" % (trips[name], rss[name])))
    if "naive viam-sdk" in median:
        speedup = median["naive viam-sdk"] / median["cold"]
        rows.append(row("naive viam-sdk loop (one call per machine), %s" % fleet, median["naive viam-sdk"], "s",
                        baseline="cold %.2f s" % median["cold"], ratio=speedup, target=">= %.0fx cold" % NAIVE_TARGET,
                        met=speedup >= NAIVE_TARGET, note="%d round trips per run" % trips["naive viam-sdk"]))
    if large:
        rows.append(row("cold run at %s (%d hosts)" % (large["fleet"], large["hosts"]), large["seconds"], "s",
                        note="%d round trips; one run" % large["trips"]))
    method = ("%s\nMedian of %d runs (naive: %d), interleaved, emulator latency %g ms per call."
              % (METHOD.split("\n", 2)[2].strip(), args.runs, args.naive_runs, args.latency_ms))
    write_result(args.out, "inventory", "Inventory", "viam.cloud.viam inventory vs its floor and a naive viam-sdk loop%s"
                 % (" (smoke)" if args.smoke else ""), rows, method, smoke=args.smoke)
    if large:
        write_large(args, large, rss["floor"])


def write_large(args, large, small_floor_rss):
    """DIR/memory-inventory.json: the large fleet's peak memory (and wall time) against its own floor."""
    if not large:
        return
    fleet = "%s fleet (%d hosts)" % (large["fleet"], large["hosts"])
    if "floor_rss" in large:
        ratio = large["rss"] / large["floor_rss"]
        rows = [row("inventory: ansible-inventory --list, cold, %s" % fleet, large["rss"], "MB",
                    baseline="floor %.0f MB" % large["floor_rss"], ratio=ratio,
                    target="<= %.1fx" % LARGE_TARGETS["rss"], met=ratio <= LARGE_TARGETS["rss"],
                    note="max RSS of ansible-inventory; %.1f s" % large["seconds"])]
        ratio = large["seconds"] / large["floor_seconds"]
        rows.append(row("inventory wall time: ansible-inventory --list, cold, %s" % fleet, large["seconds"], "s",
                        baseline="floor %.2f s" % large["floor_seconds"], ratio=ratio,
                        target="<= %.1fx" % LARGE_TARGETS["seconds"], met=ratio <= LARGE_TARGETS["seconds"],
                        note="%d round trips" % large["trips"]))
    else:
        rows = [row("inventory: ansible-inventory --list, cold, %s" % fleet, large["rss"], "MB",
                    baseline="floor at %s: %.0f MB" % (args.fleet, small_floor_rss) if small_floor_rss else None,
                    note="max RSS of ansible-inventory; %.1f s" % large["seconds"])]
    write_result(args.out, "memory-inventory", "Memory", "peak memory of ansible-inventory", rows,
                 "Max RSS (os.wait4's ru_maxrss) of a cold ansible-inventory --list over the large seeded fleet, and of "
                 "the floor plugin adding the same hosts, variables and groups (median of %d run(s) each)."
                 % large.get("runs", 1))


METHOD = """## Inventory

`make bench-inventory` (bench/inventory/run.py) measures the `viam.cloud.viam` inventory plugin
against the local emulator (`tests/emulator/viam-app-emulator --latency-ms 20 --seed-fleet 10:100:3
--call-log FILE`: 10 locations x 100 machines x 3 parts = 3,000 hosts, every call delayed 20 ms).
In one run, interleaved, median of several runs each:

1. **floor**: `ansible-inventory --list` over `bench/inventory/plugins/inventory/viam_floor.py`, a
   trivial plugin that adds the same hosts, host variables and groups (taken from the real plugin's
   own `--list` output, read from a JSON file) with the same `InventoryData` calls and nothing else:
   Ansible's own cost for an inventory of this size. (A static YAML inventory is not the floor:
   Ansible parses it several times slower.)
2. **cold**: `ansible-inventory --list` over `viam.cloud.viam` with no cache.
3. **cache hit**: the same with `cache: true` (the default JSON file cache), filled by an earlier run.
4. **naive viam-sdk**: `bench/inventory/naive_sdk.py`, the official `viam-sdk` listing locations, then
   each location's machines, then each machine's parts, one call after another (one round trip per
   machine), printing the same host list.

Round trips are counted from the emulator's call log (`Authenticate` included). The runner checks
that floor, cold and cache hit print the same inventory and that the naive loop lists the same
hosts. Then a cold run against a 100 x 100 x 3 fleet (30,000 parts), and the floor for the same
30,000 hosts right after it (`--large-runs N`: N of each, interleaved), give wall time and peak
memory. Targets (issue 17): cold <= 1.1x the floor, cache hit <= 1.02x the floor, naive >= 8x cold; at 30,000
parts, peak RSS <= 1.3x and wall time <= 1.1x the floor of the same run.

A cold run's round trips: `Authenticate`, then at once `ListLocations` and `ListMachineSummaries`
(per organization; the summaries hold every machine with its parts in one answer, asked with a
generous limit since the API has a limit but no page token, and checked against the locations'
machine counts), and one `GetRobotParts` to learn the FQDN domain (the summaries carry each part's
DNS name but not its FQDN), overlapped with turning the summaries into hosts. A cache hit makes none.
"""


def write_docs(path, table):
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    section = "%s\n%s\nResults of `make bench-inventory` on %s:\n\n%s\n%s" % (START, METHOD, stamp, table, END)
    text = ""
    if os.path.exists(path):
        with open(path) as handle:
            text = handle.read()
    if START in text and END in text:
        text = text[:text.index(START)] + section + text[text.index(END) + len(END):]
    else:
        if not text:
            text = "# Performance\n\nBenchmarks behind `make bench`; each section says how its numbers were made.\n"
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)


if __name__ == "__main__":
    main()
