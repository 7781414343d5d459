# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each phase of a cold viam.cloud.viam inventory keeps in memory (docs/performance.md, Memory).

Runs `ansible-inventory --list` in this process (ansible.cli.inventory.InventoryCLI) against a
seeded emulator and prints, at the end of each phase, the process's RSS, its peak so far (VmHWM)
and, with --tracemalloc, the bytes Python holds (traced) and their peak within the phase:

    fetch      the plugin's _fetch: API answers -> records (what the payload holds)
    populate   the plugin's _populate: records -> hosts, variables and groups
    parse      the whole inventory source (fetch + populate + what the plugin drops)
    json       ansible-inventory building its --list document (Ansible's own)
    dump       ansible-inventory serialising it (Ansible's own)

tracemalloc slows the run 2-3x; the RSS figures are best read without it. Run inside
hack/in-build.sh, so that ansible finds the collection:

    python bench/inventory/phases.py [--fleet 100:100:3] [--tracemalloc] [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import benchlib  # noqa: E402  pylint: disable=wrong-import-position

STARTED = time.monotonic()
ROWS = []


def status():
    """(RSS, peak RSS) of this process in MB, from /proc/self/status."""
    values = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                values[key] = int(value.split()[0]) / 1024.0
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def mark(phase):
    rss, hwm = status()
    traced = peak = None
    if tracemalloc.is_tracing():
        traced, peak = (x / 1048576.0 for x in tracemalloc.get_traced_memory())
        tracemalloc.reset_peak()
    ROWS.append((phase, time.monotonic() - STARTED, rss, hwm, traced, peak))
    benchlib.log("%-10s %6.2fs  RSS %6.0f MB  peak %6.0f MB%s" % (
        phase, ROWS[-1][1], rss, hwm, "" if traced is None else "  traced %6.0f MB  traced peak %6.0f MB"
        % (traced, peak)))


def wrap(owner, name, phase):
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        mark(phase)
        return result

    static = isinstance(owner.__dict__.get(name), staticmethod)
    setattr(owner, name, staticmethod(wrapper) if static else wrapper)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--fleet", default="100:100:3")
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=JSON",
                        help="an option of the inventory file, e.g. metadata=true")
    args = parser.parse_args(argv)
    # Before ansible reads its configuration: a source that fails must fail the run, not vanish.
    os.environ["ANSIBLE_INVENTORY_UNPARSED_FAILED"] = "true"
    os.environ["ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED"] = "true"

    from ansible.cli.inventory import InventoryCLI
    from ansible.plugins.loader import init_plugin_loader, inventory_loader

    import warnings

    warnings.simplefilter("ignore", UserWarning)  # InventoryCLI configures the collection finder again
    init_plugin_loader()  # the collection loader, so that the plugin below is the module Ansible will use
    plugin = sys.modules[type(inventory_loader.get("viam.cloud.viam")).__module__]

    work = tempfile.mkdtemp(prefix="viam-bench-phases.")
    emulator = benchlib.Emulator(work, "phases", args.latency_ms, fleet=args.fleet)
    try:
        ready = emulator.ready
        config = {"plugin": "viam.cloud.viam", "app_url": ready["app_url"], "api_key_id": ready["api_key_id"],
                  "api_key": ready["api_key"], "organization_id": [ready["organization_id"]]}
        for option in args.option:
            key, value = option.split("=", 1)
            config[key] = json.loads(value)
        path = os.path.join(work, "phases.viam.yml")
        with open(path, "w") as handle:
            json.dump(config, handle)
        wrap(plugin.InventoryModule, "_fetch", "fetch")
        wrap(plugin.InventoryModule, "_populate", "populate")
        wrap(plugin.InventoryModule, "parse", "parse")
        wrap(InventoryCLI, "json_inventory", "json")
        wrap(InventoryCLI, "dump", "dump")
        if args.tracemalloc:
            tracemalloc.start()
        mark("start")
        cli = InventoryCLI(["ansible-inventory", "-i", path, "--list", "--output", os.path.join(work, "out.json")])
        cli.run()
    finally:
        emulator.stop()
    traced_columns = " traced | traced peak in phase |" if args.tracemalloc else ""
    print("| phase | seconds | RSS at its end | peak RSS so far |%s" % traced_columns)
    print("|---|---:|---:|---:|%s" % ("---:|---:|" if args.tracemalloc else ""))
    for phase, seconds, rss, hwm, traced, peak in ROWS:
        extra = "" if traced is None else " %.0f MB | %.0f MB |" % (traced, peak)
        print("| %s | %.2f | %.0f MB | %.0f MB |%s" % (phase, seconds, rss, hwm, extra))


if __name__ == "__main__":
    main()
