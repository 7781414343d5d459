# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets scanner: no secret the emulator issued may appear in any output of a test run.

    python tests/secrets/scan.py --secrets SECRETS_LOG [--secrets ...] [--report OUT.json]
                                 [--allow GLOB=REASON ...] PATH [PATH ...]

SECRETS_LOG is the emulator's --secrets-log (JSON lines {"kind", "secret", "time"}). Every file
under each PATH (recursively; a missing PATH is reported and skipped) is searched for every
secret in these forms: as is (JSON, YAML, URL and shell quoting leave the emulator's secrets,
[a-z0-9] or URL-safe base64, unchanged), base64 and URL-safe base64 at each of the three byte
alignments (so a secret inside a longer encoded blob is found too) and hex.

A leak is reported by file, line, kind of secret, form and a MASKED secret (3 characters, the
length and a sha256 prefix), with the line's context masked the same way; for a JSON-lines file
of the test callback, the task and host of the line. The secret itself is never printed.
Exit status: 0 no leak, 1 leaks, 2 usage or input error (no secrets log, no secret in it).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import fnmatch
import hashlib
import json
import os
import re
import sys
import time
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

MIN_SECRET_LENGTH = 16  # shorter values are not secrets this emulator issues (they are 32+)
# bytes a secret or an encoded form of it is made of; a match is searched only inside runs of these
RUN = re.compile(rb"[A-Za-z0-9_\-+/]+")


def mask(secret: str) -> str:
    """A form of the secret safe to print: 3 characters, the length and a sha256 prefix."""
    digest = hashlib.sha256(secret.encode("utf-8")).hexdigest()[:10]
    return "%s...(%d chars, sha256:%s)" % (secret[:3], len(secret), digest)


def encoded_forms(secret: str) -> List[Tuple[str, bytes]]:
    """(form name, bytes) the secret may take in a file; base64 forms are the stable core at each alignment."""
    raw = secret.encode("utf-8")
    forms = [("raw", raw), ("hex", binascii.hexlify(raw))]
    for name, encode in (("base64", base64.b64encode), ("base64url", base64.urlsafe_b64encode)):
        for shift in range(3):
            encoded = encode(b"\0" * shift + raw)
            first = -(-8 * shift // 6)  # the first character made only of the secret's bits
            last = 8 * (shift + len(raw)) // 6  # one past the last such character
            core = encoded[first:last]
            if core not in [known for _name, known in forms]:
                forms.append((name, core))
    return forms


class Needles:
    """Every form of every secret, in hash sets by length, for a sliding-window search of each run."""

    def __init__(self, secrets: Dict[str, str]) -> None:
        self.by_length: Dict[int, Dict[bytes, Tuple[str, str, str]]] = {}
        for secret, kind in secrets.items():
            for form, needle in encoded_forms(secret):
                self.by_length.setdefault(len(needle), {})[needle] = (secret, kind, form)
        self.lengths = sorted(self.by_length)
        self.count = sum(len(table) for table in self.by_length.values())

    def find(self, data: bytes) -> Iterator[Tuple[int, str, str, str]]:
        """(offset, secret, kind, form) of every occurrence in data."""
        if not self.lengths:
            return
        shortest = self.lengths[0]
        for run in RUN.finditer(data):
            start, end = run.span()
            if end - start < shortest:
                continue
            chunk = run.group()
            for length in self.lengths:
                if length > len(chunk):
                    break
                table = self.by_length[length]
                for index in range(len(chunk) - length + 1):
                    found = table.get(chunk[index:index + length])
                    if found is not None:
                        yield (start + index,) + found


def load_secrets(paths: Sequence[str]) -> Dict[str, str]:
    """secret -> kind, from the emulator's --secrets-log files."""
    secrets: Dict[str, str] = {}
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                    secret, kind = entry["secret"], entry["kind"]
                except (ValueError, KeyError, TypeError):
                    raise SystemExit("%s:%d: not a secrets-log line" % (path, number)) from None
                if isinstance(secret, str) and len(secret) >= MIN_SECRET_LENGTH:
                    if kind == "bootstrap_key" or secret not in secrets:  # it was logged as api_key first
                        secrets[secret] = kind
    return secrets


def walk(paths: Sequence[str]) -> Iterator[str]:
    for path in paths:
        if os.path.isfile(path):
            yield path
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                if os.path.isfile(full) and not os.path.islink(full):
                    yield full


TASK_HEADER = re.compile(rb"TASK \[([^\]\n]*)\]")


def task_before(data: bytes, offset: int) -> str:
    """The task of an Ansible text output (log, stdout) that an offset falls in: its last TASK [...] header."""
    start = data.rfind(b"TASK [", 0, offset)
    if start < 0:
        return ""
    found = TASK_HEADER.match(data, start)
    return found.group(1).decode("utf-8", "replace") if found else ""


def load_allowed_tasks(path: Optional[str]) -> List[Tuple[str, str]]:
    """(task name pattern, reason) per line "PATTERN<TAB>REASON" of an allowed-tasks file; # comments."""
    allowed: List[Tuple[str, str]] = []
    if not path:
        return allowed
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            pattern, _tab, reason = line.partition("\t")
            allowed.append((pattern.strip(), reason.strip() or "allowed"))
    return allowed


def describe_line(path: str, line: bytes) -> Dict[str, str]:
    """For a JSON line of the test callback: where it came from (task, host, playbook)."""
    if not path.endswith(".jsonl"):
        return {}
    try:
        record = json.loads(line)
    except ValueError:
        return {}
    if not isinstance(record, dict):
        return {}
    return dict((key, str(record[key])) for key in ("event", "playbook", "task", "action", "host") if record.get(key))


def masked_context(line: bytes, offset: int, needle_length: int, secrets: Dict[str, str], needles: Needles) -> str:
    """Up to 80 characters either side of the match, every secret in them masked."""
    start = max(0, offset - 80)
    snippet = line[start:offset + needle_length + 80]
    pieces = []
    last = 0
    for where, secret, _kind, form in sorted(needles.find(snippet)):
        if where < last:
            continue
        length = len(dict(encoded_forms(secret)).get(form, b"")) if form != "raw" else len(secret)
        pieces.append(snippet[last:where].decode("utf-8", "replace"))
        pieces.append("<%s %s>" % (form, mask(secret)))
        last = where + max(length, 1)
    pieces.append(snippet[last:].decode("utf-8", "replace"))
    return "".join(pieces).replace("\n", " ")


def scan(paths: Sequence[str], secrets: Dict[str, str], allow: Sequence[Tuple[str, str]] = (),
         allow_tasks: Sequence[Tuple[str, str]] = ()) -> Dict:
    needles = Needles(secrets)
    leaks: List[Dict] = []
    allowed: List[Dict] = []
    files = 0
    size = 0
    started = time.monotonic()
    for path in walk(paths):
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as err:
            leaks.append({"file": path, "error": "unreadable: %s" % err})
            continue
        files += 1
        size += len(data)
        file_reason = next((why for pattern, why in allow if fnmatch.fnmatch(path, pattern)), None)
        for offset, secret, kind, form in needles.find(data):
            line_start = data.rfind(b"\n", 0, offset) + 1
            line_end = data.find(b"\n", offset)
            line = data[line_start:line_end if line_end >= 0 else len(data)]
            entry = {"file": path, "line": data.count(b"\n", 0, offset) + 1, "kind": kind, "form": form,
                     "secret": mask(secret)}
            entry.update(describe_line(path, line))
            if "task" not in entry and task_before(data, offset):
                entry["task"] = task_before(data, offset)
            reason = file_reason
            if reason is None and entry.get("task"):
                reason = next((why for pattern, why in allow_tasks if fnmatch.fnmatchcase(entry["task"], pattern)), None)
            if reason is not None:
                entry["reason"] = reason
                allowed.append(entry)
                continue
            needle_length = len(secret) if form == "raw" else len(dict(encoded_forms(secret))[form])
            entry["context"] = masked_context(line, offset - line_start, needle_length, secrets, needles)
            leaks.append(entry)
    kinds: Dict[str, int] = {}
    for kind in secrets.values():
        kinds[kind] = kinds.get(kind, 0) + 1
    return {"secrets": len(secrets), "secrets_by_kind": kinds, "needles": needles.count, "files": files,
            "bytes": size, "seconds": round(time.monotonic() - started, 2), "leaks": leaks,
            "allowed": allowed, "paths": list(paths)}


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--secrets", action="append", required=True, metavar="SECRETS_LOG",
                        help="the emulator's --secrets-log file (repeatable)")
    parser.add_argument("--report", help="write the full report (masked) as JSON here")
    parser.add_argument("--allow", action="append", default=[], metavar="GLOB=REASON",
                        help="files whose occurrences are expected (e.g. the credentials handed to the tests)")
    parser.add_argument("--allow-tasks", metavar="FILE",
                        help="tasks whose output may hold a secret they asked for: lines 'TASK NAME GLOB<TAB>REASON'")
    parser.add_argument("--min-secrets", type=int, default=1,
                        help="fail (exit 2) when the logs hold fewer secrets than this (default 1)")
    parser.add_argument("paths", nargs="+", help="files or directories to scan")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    allow = []
    for item in args.allow:
        pattern, _sep, reason = item.partition("=")
        allow.append((pattern, reason or "allowed"))
    missing = [path for path in args.secrets if not os.path.isfile(path)]
    if missing:
        print("secrets scan: no secrets log at %s" % ", ".join(missing), file=sys.stderr)
        return 2
    secrets = load_secrets(args.secrets)
    if len(secrets) < args.min_secrets:
        print("secrets scan: only %d secret(s) in %s: nothing meaningful to scan for" % (
            len(secrets), ", ".join(args.secrets)), file=sys.stderr)
        return 2
    absent = [path for path in args.paths if not os.path.exists(path)]
    report = scan([path for path in args.paths if os.path.exists(path)], secrets, allow,
                  load_allowed_tasks(args.allow_tasks))
    report["absent"] = absent
    if args.report:
        with open(args.report, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=1, sort_keys=True)
    kinds = ", ".join("%d %s" % (n, kind) for kind, n in sorted(report["secrets_by_kind"].items()))
    print("secrets scan: %d secrets (%s; %d searched forms), %d files, %d bytes scanned in %.1fs: %d leak(s)%s" % (
        report["secrets"], kinds, report["needles"], report["files"], report["bytes"], report["seconds"],
        len(report["leaks"]), ", %d allowed occurrence(s)" % len(report["allowed"]) if report["allowed"] else ""))
    for path in absent:
        print("  (not present, not scanned: %s)" % path)
    for entry in report["allowed"][:20]:
        print("  allowed: %s:%s %s %s [task=%r] (%s)" % (entry["file"], entry["line"], entry["kind"], entry["secret"],
                                                         entry.get("task", ""), entry["reason"]))
    for entry in report["leaks"]:
        if "error" in entry:
            print("  LEAK? %s: %s" % (entry["file"], entry["error"]))
            continue
        where = " ".join("%s=%r" % (key, entry[key]) for key in ("task", "host", "playbook") if key in entry)
        print("  LEAK: %s:%d: %s (%s form) %s%s\n        %s" % (
            entry["file"], entry["line"], entry["kind"], entry["form"], entry["secret"],
            " [%s]" % where if where else "", entry["context"]))
    return 1 if report["leaks"] else 0


if __name__ == "__main__":
    sys.exit(main())
