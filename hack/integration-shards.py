"""Helpers of hack/integration.sh: split the integration targets into shards, filter a shard's output.

    python hack/integration-shards.py plan SHARDS TARGETS_DIR [TIMES.tsv ...]
        One line per shard: the targets it runs, space separated, longest first. Targets go
        longest first to the least loaded shard; a target's length is the newest figure in the
        TIMES files (target<TAB>seconds, written by `console`), else DEFAULT_SECONDS, else the
        median. Only the balance depends on the figures: every target runs exactly once.

    python hack/integration-shards.py console --out FILE [--times FILE] [--prefix TEXT] [--full]
                                              [--console-log FILE]
        Copy stdin to FILE (everything), and to stdout without the connection-level lines of
        -vvvv (--full keeps them), each line prefixed with TEXT (and to --console-log without
        the prefix); write how long each target ran (from one "Running X integration test"
        line to the next) to --times.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time

# Seconds per target (two shards of the main leg on a busy 2-CPU machine); only used to balance the
# shards when no run has recorded its own figures yet (build/LEG/integration-times.tsv).
DEFAULT_SECONDS = {
    "inventory_viam": 39, "role_fleet": 73, "role_machine": 73, "viam_api_key": 75, "viam_fleet": 38,
    "viam_fragment": 49, "viam_location": 60, "viam_location_secret": 32, "viam_module": 31,
    "viam_organization": 18, "viam_organization_info": 9, "viam_organization_invite": 46,
    "viam_organization_member": 21, "viam_permissions_info": 12, "viam_robot": 59, "viam_robot_part": 107,
    "viam_robot_part_logs": 46, "viam_robot_part_secret": 31, "viam_role": 42,
}
QUIET = re.compile(r"^(<[^>]+> |task path: |Using module file |Read .vars_file. )")
RUNNING = re.compile(r"^Running (\S+) integration test (?:role|script)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def read_times(paths):
    times = {}
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    parts = line.rstrip("\n").split("\t")
                    if len(parts) == 2:
                        try:
                            times[parts[0]] = float(parts[1])
                        except ValueError:
                            pass
        except OSError:
            pass
    return times


def plan(shards, targets_dir, time_files):
    targets = sorted(name for name in os.listdir(targets_dir) if os.path.isdir(os.path.join(targets_dir, name)))
    known = dict(DEFAULT_SECONDS)
    known.update(read_times(time_files))
    fallback = statistics.median(known.values()) if known else 1.0
    weight = dict((name, known.get(name, fallback)) for name in targets)
    loads = [[0.0, []] for dummy in range(max(1, shards))]
    for name in sorted(targets, key=lambda n: (-weight[n], n)):
        least = min(loads, key=lambda load: load[0])
        least[0] += weight[name]
        least[1].append(name)
    for load, names in loads:
        if names:
            print(" ".join(names))
    return 0


def console(out, times_path, prefix, full, console_log=None):
    current, started = None, None
    durations = []
    shown = open(console_log, "w", encoding="utf-8", errors="replace") if console_log else None  # pylint: disable=consider-using-with

    def finish(now):
        if current is not None:
            durations.append((current, now - started))

    with open(out, "w", encoding="utf-8", errors="replace") as log:
        for line in sys.stdin:
            log.write(line)
            log.flush()
            plain = ANSI.sub("", line)
            found = RUNNING.match(plain)
            if found:
                now = time.monotonic()
                finish(now)
                current, started = found.group(1), now
            if full or not QUIET.match(plain):
                sys.stdout.write(prefix + line)
                sys.stdout.flush()
                if shown:
                    shown.write(line)
                    shown.flush()
    finish(time.monotonic())
    if shown:
        shown.close()
    if times_path:
        with open(times_path, "w", encoding="utf-8") as handle:
            for name, seconds in durations:
                handle.write("%s\t%.1f\n" % (name, seconds))
    return 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_plan = sub.add_parser("plan")
    p_plan.add_argument("shards", type=int)
    p_plan.add_argument("targets_dir")
    p_plan.add_argument("times", nargs="*")
    p_console = sub.add_parser("console")
    p_console.add_argument("--out", required=True)
    p_console.add_argument("--times")
    p_console.add_argument("--prefix", default="")
    p_console.add_argument("--full", action="store_true")
    p_console.add_argument("--console-log")
    args = parser.parse_args(argv[1:])
    if args.command == "plan":
        return plan(args.shards, args.targets_dir, args.times)
    return console(args.out, args.times, args.prefix, args.full, args.console_log)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
