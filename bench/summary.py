# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One table of every benchmark result in a directory (make bench, make bench-smoke).

    python bench/summary.py build/bench [--strict] [--markdown]

Reads every DIR/*.json a bench script wrote (schema: bench/benchlib.py) and prints one
table: first the ratios with their targets, then the absolute figures, which are this
machine's (the machine line of each section says which). Files of the same section are
merged. A section whose file is missing (a bench that did not run) is listed as such.
Exits 0: timings never fail a build. With --strict, exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys

ORDER = ["Task overhead", "Provisioning", "Inventory", "Memory"]
EXPECTED = {"Task overhead": "overhead.json", "Provisioning": "provision.json", "Inventory": "inventory.json"}


def load(directory: str) -> tuple[dict, list[str]]:
    sections: dict = {}
    problems = []
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        try:
            with open(path) as handle:
                data = json.load(handle)
            name = data["section"]
            rows = data["rows"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            problems.append("%s: not a bench result (%s)" % (os.path.basename(path), exc))
            continue
        section = sections.setdefault(name, {"titles": [], "machines": [], "rows": [], "files": [], "loads": []})
        if isinstance(data.get("load"), dict) and data["load"].get("start"):
            section["loads"].append(data["load"])
        section["titles"].append(data.get("title") or "")
        if data.get("machine") and data["machine"] not in section["machines"]:
            section["machines"].append(data["machine"])
        section["rows"].extend(r for r in rows if isinstance(r, dict) and "name" in r)
        section["files"].append(os.path.basename(path))
    return sections, problems


def number(value) -> str:
    if value is None:
        return "-"
    value = float(value)
    if value == int(value) and abs(value) < 1e6:
        return "%d" % value
    if abs(value) >= 100:
        return "%.0f" % value
    if abs(value) >= 1:
        return "%.2f" % value
    return "%.3f" % value


def verdict(met) -> str:
    return {True: "met", False: "MISSED", None: ""}[met if met in (True, False) else None]


def table(header: list[str], lines: list[list[str]], markdown: bool) -> list[str]:
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for dummy in header) + "|"]
        out.extend("| " + " | ".join(cell.replace("|", "/") for cell in line) + " |" for line in lines)
        return out
    widths = [max(len(header[i]), *(len(line[i]) for line in lines)) if lines else len(header[i])
              for i in range(len(header))]
    widths[-1] = len(header[-1])  # the last column (notes) is not padded
    fmt = "  ".join("%%-%ds" % w for w in widths)
    out = [fmt % tuple(header), fmt % tuple("-" * w for w in widths)]
    out.extend((fmt % tuple(line)).rstrip() for line in lines)
    return out


def render(sections: dict, problems: list[str], directory: str, markdown: bool = False) -> tuple[str, bool]:
    names = [s for s in ORDER if s in sections] + sorted(s for s in sections if s not in ORDER)
    missed = False
    ratio_lines, value_lines = [], []
    for name in names:
        for entry in sections[name]["rows"]:
            if entry.get("met") is False:
                missed = True
            if entry.get("ratio") is not None or entry.get("target"):
                ratio_lines.append([name, entry["name"], ("%.2fx" % entry["ratio"]) if entry.get("ratio") is not None
                                    else number(entry.get("value")) + " " + entry.get("unit", ""),
                                    entry.get("target") or "-", verdict(entry.get("met")) or "-",
                                    entry.get("baseline") or ""])
            value_lines.append([name, entry["name"], "%s %s" % (number(entry.get("value")), entry.get("unit", "")),
                                entry.get("note") or ""])
    out = ["Benchmark summary (%s)" % directory, ""]
    out.append("Ratios and targets (ratios are what to compare across machines):")
    if markdown:
        out.append("")
    out.extend(table(["section", "measure", "ratio", "target", "verdict", "against"], ratio_lines, markdown))
    out.append("")
    out.append("Absolute figures (this machine's; see the machine lines below):")
    if markdown:
        out.append("")
    out.extend(table(["section", "measure", "value", "note"], value_lines, markdown))
    out.append("")
    for name in names:
        titles = "; ".join(title for title in sections[name]["titles"] if title)
        machines = " | ".join(sections[name]["machines"]) or "unknown"
        out.append("- %s: %s (%s); machine: %s" % (name, titles, ", ".join(sections[name]["files"]), machines))
    for name, filename in EXPECTED.items():
        if name not in sections:
            out.append("- %s: no result (%s missing: that bench did not run or failed)" % (name, filename))
    out.extend("- " + p for p in problems)
    loads = [entry for s in names for entry in sections[s]["loads"]]
    if loads:
        starts = [entry["start"][0] for entry in loads]
        ends = [entry["end"][0] for entry in loads if entry.get("end")]
        cpus = loads[0].get("cpus") or 0
        out.append("")
        out.append("Load average (1-min) of the run: %.1f to %.1f at the benches' starts, %.1f to %.1f at their ends, on %d CPUs%s"
                   % (min(starts), max(starts), min(ends or starts), max(ends or starts), cpus,
                      ("; above %d the machine was shared and wall-time ratios are less trustworthy" % cpus)
                      if cpus and max(starts + ends) > cpus else ""))
    targets = [r for s in names for r in sections[s]["rows"] if r.get("met") is not None]
    out.append("")
    out.append("Targets: %d met, %d missed." % (sum(1 for r in targets if r["met"]), sum(1 for r in targets if not r["met"])))
    return "\n".join(out), missed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("directory", nargs="?", default=os.path.join("build", "bench"))
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables (for docs/performance.md)")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.directory):
        print("bench/summary.py: no results in %s (run make bench)" % args.directory)
        return 0
    sections, problems = load(args.directory)
    text, missed = render(sections, problems, args.directory, args.markdown)
    print(text)
    return 1 if (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
