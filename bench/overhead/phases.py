# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One module process, timed phase by phase (run by bench/overhead/run.py in a fresh interpreter).

    python bench/overhead/phases.py PAYLOAD.zip MODULE_FQN ARGS.json

PAYLOAD.zip is the module's AnsiballZ payload (taken from a kept AnsiballZ file), put first
on sys.path as the AnsiballZ wrapper does, so imports compile from the zip as they do in a
real task. Prints one JSON object: seconds per phase, and for a viam.cloud module the round
trips and the time spent in them.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import importlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402


def main() -> None:
    payload, module_fqn, args_path = sys.argv[1:4]
    sys.path.insert(0, payload)
    with open(args_path, "rb") as handle:
        params = handle.read()
    marks = {}
    started = time.perf_counter()
    from ansible.module_utils import basic  # pylint: disable=import-outside-toplevel
    marks["import ansible.module_utils.basic"] = time.perf_counter() - started
    basic._ANSIBLE_ARGS = params  # pylint: disable=protected-access
    basic._ANSIBLE_PROFILE = "legacy"  # pylint: disable=protected-access

    started = time.perf_counter()
    module = importlib.import_module(module_fqn)
    marks["import the module and its module_utils"] = time.perf_counter() - started

    stats = {"libs": 0.0, "auth": 0.0, "calls": 0, "call_seconds": 0.0, "methods": []}
    if module_fqn.startswith("ansible_collections.viam.cloud."):
        from ansible_collections.viam.cloud.plugins.module_utils import client as client_mod  # pylint: disable=import-outside-toplevel

        real_libs, real_auth, real_run = client_mod._libs, client_mod.ViamClient.authenticate, client_mod.ViamClient._run

        def libs():
            first = time.perf_counter()
            try:
                return real_libs()
            finally:
                stats["libs"] += time.perf_counter() - first

        def authenticate(self):
            first = time.perf_counter()
            try:
                return real_auth(self)
            finally:
                stats["auth"] += time.perf_counter() - first

        depth = [0]

        def run(self, spec, *args, **kwargs):
            first = time.perf_counter()
            stats["calls"] += 1
            stats["methods"].append(spec.name)
            depth[0] += 1
            try:
                return real_run(self, spec, *args, **kwargs)
            finally:
                depth[0] -= 1
                if not depth[0]:  # Authenticate runs inside the first call's _run: count the outer one only
                    stats["call_seconds"] += time.perf_counter() - first

        client_mod._libs = libs
        client_mod.ViamClient.authenticate = authenticate
        client_mod.ViamClient._run = run

    out = io.StringIO()
    real_stdout, sys.stdout = sys.stdout, out
    started = time.perf_counter()
    try:
        module.main()
    except SystemExit:
        pass
    finally:
        sys.stdout = real_stdout
    total_main = time.perf_counter() - started
    result = json.loads(out.getvalue())
    if result.get("failed"):
        raise SystemExit("the module failed: %s" % result.get("msg"))
    calls = stats["call_seconds"] - stats["auth"]
    marks["load grpc and the generated code (first use)"] = stats["libs"]
    marks["connect and authenticate"] = stats["auth"]
    marks["other round trips"] = max(0.0, calls)
    marks["argument parsing, logic, exit_json"] = max(0.0, total_main - stats["call_seconds"] - stats["libs"])
    marks["in-process total"] = time.perf_counter() - T0
    print(json.dumps({"phases": marks, "calls": stats["calls"], "methods": stats["methods"],
                      "changed": result.get("changed")}))


if __name__ == "__main__":
    main()
