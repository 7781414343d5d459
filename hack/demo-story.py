#!/usr/bin/env python
"""What hack/demo.sh prints of its rollout and rotation stories, read from the API and from the
robots' device doubles (their status file <root>/run/viam-server.status.json and their output
<root>/run/viam-server.log, hack/demo-lib.sh). Never prints a secret.

    demo-story.py fragment NAME                      revision R; tags: stable R, ...
    demo-story.py tag NAME TAG                       the revision TAG points at, or "none"
    demo-story.py components SECONDS ROOT...         waits until every double runs the same components; prints them
    demo-story.py halt LOG                           "HOST: WHY" of the rollout's halt in a playbook log
    demo-story.py broken ROOT...                     the robots whose double ever applied a broken component
    demo-story.py fingerprints ROOT...               {root: credential fingerprint} (JSON)
    demo-story.py rotated SECONDS BEFORE_JSON ROOT...  checks every robot's part, config and double after a rotation

The API calls read VIAM_APP_URL, VIAM_API_KEY_ID, VIAM_API_KEY, VIAM_ORG_ID; the collection is
found on PYTHONPATH (the demo's scratch collections path). Exit status 1 when a check fails.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time

from ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient

DISABLED = 2  # SharedSecret.STATE_DISABLED


def client() -> ViamClient:
    return ViamClient(app_url=os.environ["VIAM_APP_URL"], api_key_id=os.environ["VIAM_API_KEY_ID"],
                      api_key=os.environ["VIAM_API_KEY"], organization_id=os.environ.get("VIAM_ORG_ID"))


def short(root: str) -> str:
    return os.path.basename(root.rstrip("/")).split(".")[0]


def status(root: str) -> dict:
    try:
        with open(os.path.join(root, "run", "viam-server.status.json"), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def cloud(root: str) -> dict:
    with open(os.path.join(root, "etc", "viam.json"), encoding="utf-8") as handle:
        return json.load(handle)["cloud"]


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def names(state: dict) -> str:
    return ", ".join(sorted(c.get("name", "?") for c in state.get("components") or [])) or "(none)"


def cmd_fragment(name: str) -> int:
    with client() as api:
        org = api.resolve_organization_id()
        found = [f for f in api.list_fragments(organization_id=org).fragments if f.name == name]
        if len(found) != 1:
            print("no single fragment named %s (%d)" % (name, len(found)))
            return 1
        fragment = api.get_fragment(id=found[0].id)
        tags = ", ".join("%s %s" % (t.tag, t.revision) for t in sorted(fragment.tags, key=lambda t: t.tag))
        print("revision %s; tags: %s" % (fragment.fragment.revision, tags or "none"))
    return 0


def cmd_tag(name: str, tag: str) -> int:
    with client() as api:
        found = [f for f in api.list_fragments(organization_id=api.resolve_organization_id()).fragments if f.name == name]
        tags = dict((t.tag, t.revision) for t in api.get_fragment(id=found[0].id).tags) if len(found) == 1 else {}
    print(tags.get(tag, "none"))
    return 0


def cmd_components(seconds: str, roots: list) -> int:
    deadline = time.monotonic() + float(seconds)
    while True:
        states = [status(root) for root in roots]
        seen = set(names(s) for s in states)
        if len(seen) == 1 and all(s.get("state") == "running" and not s.get("broken_components") for s in states):
            print(seen.pop())
            return 0
        if time.monotonic() > deadline:
            print("; ".join("%s: %s" % (short(r), names(s)) for r, s in zip(roots, states)))
            return 1
        time.sleep(0.5)


def cmd_halt(log: str) -> int:
    text = open(log, encoding="utf-8", errors="replace").read()
    match = re.search(r"viam\.cloud\.rollout: halted at (\S+) \(part [^)]*\), which failed its checks on revision "
                      r"(\S+): (.*?)(?:\. The tag|\")", text)
    if not match:
        print("no halt in %s" % log)
        return 1
    why = re.search(r"logged \d+ error\(s\)", match.group(3))
    print("%s: %s" % (match.group(1).split(".")[0], why.group(0) + " since it moved" if why else match.group(3)[:80]))
    return 0


def cmd_broken(roots: list) -> int:
    for root in roots:
        try:
            text = open(os.path.join(root, "run", "viam-server.log"), encoding="utf-8", errors="replace").read()
        except OSError:
            continue
        if re.search(r"components, [1-9]\d* broken\)", text):
            print(short(root))
    return 0


def cmd_fingerprints(roots: list) -> int:
    print(json.dumps(dict((root, status(root).get("credential_fingerprint")) for root in roots)))
    return 0


def cmd_rotated(seconds: str, before_file: str, roots: list) -> int:
    before = json.load(open(before_file, encoding="utf-8"))
    problems = []
    deadline = time.monotonic() + float(seconds)
    with client() as api:
        for root in roots:
            config = cloud(root)
            part = api.get_robot_part(id=config["id"]).part
            active = [s.secret for s in part.secrets if s.state != DISABLED]
            if active != [config.get("secret")]:
                problems.append("%s: the part has %d active secret(s), its config %s" % (
                    short(root), len(active), "holds one of them" if config.get("secret") in active else "none"))
                continue
            wanted = fingerprint(config["secret"])
            while True:
                state = status(root)
                ok = (state.get("credential_fingerprint") == wanted and state.get("state") == "running"
                      and state.get("authenticated") is True)
                if ok or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            if not ok:
                problems.append("%s: its double is %s with credential %s, not the config's %s" % (
                    short(root), state.get("state"), state.get("credential_fingerprint"), wanted))
            elif wanted == before.get(root):
                problems.append("%s: its double still uses the credential it had before (%s)" % (short(root), wanted))
    if problems:
        print("; ".join(problems))
        return 1
    print("%d/%d" % (len(roots), len(roots)))
    return 0


def main(argv: list) -> int:
    commands = {"fragment": lambda a: cmd_fragment(a[0]), "tag": lambda a: cmd_tag(a[0], a[1]), "components": lambda a: cmd_components(a[0], a[1:]),
                "halt": lambda a: cmd_halt(a[0]), "broken": cmd_broken, "fingerprints": cmd_fingerprints,
                "rotated": lambda a: cmd_rotated(a[0], a[1], a[2:])}
    if len(argv) < 2 or argv[1] not in commands:
        sys.stderr.write(__doc__)
        return 2
    return commands[argv[1]](argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
