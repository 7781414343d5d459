# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the AWX inventory source and job templates through ansible-runner, as AWX does.

AWX does not call ansible-playbook itself: its task runner lays out a private data directory per
job and hands it to ansible-runner (awx/main/tasks/jobs.py). This script does the same, without a
controller or a container, for examples/awx:

- ``env/envvars``: the "Viam API key" credential type's injectors rendered with the credential's
  inputs (in a Jinja sandbox, as AWX renders them), plus the variables AWX itself sets (JOB_ID,
  AWX_PRIVATE_DATA_DIR, and for an inventory update its STANDARD_INVENTORY_UPDATE_ENV);
- ``env/extravars``: the job template's extra variables, the survey answers and AWX's meta
  variables (awx_job_id, ...); ``env/cmdline``: the job's options (``-u root``, AWX's default
  without a machine credential); ``env/settings``: the runner settings AWX writes;
- ``project/``: a copy of the project (examples/awx), as AWX copies it into each job;
- ``inventory/hosts``: for a job, the synced inventory as the executable JSON script AWX writes;
- ``args``: for the inventory update, AWX's command
  ``ansible-inventory --list --export -i project/<source> --output artifacts/<id>/output.json``.

Then, against the emulator of READY (its ready line):

1. the inventory update: status successful, its output.json has the fleet;
2. the converge job template, with extra variables that add a location and a machine to the
   project's vars/fleet.yml: successful and changed; relaunched: successful, and the runner's
   stats and events show no change;
3. the report job template (an empty survey answer): successful, its events list every location
   with its machines, the new one included; with an offline machine in the survey: failed, naming it;
4. the credential's secret (api_key) is in none of the runner's artifacts (stdout, stderr,
   job_events, the inventory output) but the runner's own ``command`` record of the environment,
   where it must be (proof that the scan looks for the right string and the key was injected).

Usage: python hack/awx-runner.py READY_JSON WORKDIR   (from the collection root; exit 1 on failure)
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time

import yaml

from jinja2.sandbox import ImmutableSandboxedEnvironment

try:
    import ansible_runner
except ImportError:
    sys.exit("ERROR: ansible-runner is not installed in this venv (requirements-dev.txt; make venv)")

AWX = "examples/awx"
# awx/main/constants.py: what every inventory update gets.
STANDARD_INVENTORY_UPDATE_ENV = {
    "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
    "ANSIBLE_INVENTORY_EXPORT": "True",
    "ANSIBLE_VERBOSE_TO_STDERR": "True",
}
# What AWX writes to env/settings (BaseTask.run): no timeout, runner output not echoed. AWX also
# suppresses the stdout file (it rebuilds stdout from the events); here it is kept, to be scanned.
RUNNER_SETTINGS = {"job_timeout": 0, "suppress_ansible_output": True, "suppress_output_file": False}
REPORT_TASK = "Show the machines of each location, with their online state"
# The job template's extra variables for the converge job (AWX: extra_vars of the job template,
# which override the project's vars/fleet.yml): one more location, with a machine.
EXTRA_LOCATION, EXTRA_MACHINE = "depot", "forklift-9"


def fail(msg: str) -> None:
    sys.exit("ERROR: " + msg)


def step(msg: str) -> None:
    print(">>> [awx]   runner: " + msg, flush=True)


def plain(value):
    """Drop ansible-inventory's {"__ansible_unsafe": ...} markers (AWX stores plain values)."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def credential_env(ready_path: str) -> tuple[dict, str]:
    """The injectors of the credential type rendered with the emulator's key, and the secret."""
    with open(ready_path) as f:
        ready = json.loads(f.readline())
    inputs = {"app_url": ready["app_url"], "api_key_id": ready["api_key_id"],
              "api_key": ready["api_key"], "organization_id": ""}
    with open(os.path.join(AWX, "credential_type_injectors.yml")) as f:
        injectors = yaml.safe_load(f)
    with open(os.path.join(AWX, "credential_type_inputs.yml")) as f:
        secret_fields = [fld["id"] for fld in yaml.safe_load(f)["fields"] if fld.get("secret")]
    if secret_fields != ["api_key"]:
        fail("expected api_key as the one secret field, got %s" % secret_fields)
    jinja = ImmutableSandboxedEnvironment()
    env = {name: jinja.from_string(tpl).render(**inputs) for name, tpl in injectors["env"].items()}
    return env, inputs["api_key"]


def write(path: str, content: str, mode: int = 0o600) -> None:
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(path, "w") as f:
        f.write(content)
    os.chmod(path, mode)


def private_data_dir(work: str, job_id: int, envvars: dict, extravars: dict | None = None,
                     cmdline: str | None = None) -> str:
    """A private data dir as AWX's BaseTask.run lays it out, with the project copied in."""
    pdd = os.path.join(work, "job_%d" % job_id)
    shutil.rmtree(pdd, ignore_errors=True)
    os.makedirs(os.path.join(pdd, "inventory"), mode=0o700)
    shutil.copytree(AWX, os.path.join(pdd, "project", AWX))
    env = dict(envvars, AWX_PRIVATE_DATA_DIR=pdd)
    write(os.path.join(pdd, "env", "envvars"), yaml.safe_dump(env))
    write(os.path.join(pdd, "env", "settings"), json.dumps(RUNNER_SETTINGS))
    if extravars is not None:
        write(os.path.join(pdd, "env", "extravars"), yaml.safe_dump(extravars))
    if cmdline is not None:
        write(os.path.join(pdd, "env", "cmdline"), cmdline)
    return pdd


def run(pdd: str, job_id: int, **kwargs):
    started = time.monotonic()
    result = ansible_runner.run(private_data_dir=pdd, ident=str(job_id), quiet=True, **kwargs)
    elapsed = time.monotonic() - started
    return result, elapsed


def show_failure(result, what: str) -> None:
    for name in ("stdout", "stderr"):
        path = os.path.join(result.config.artifact_dir, name)
        if os.path.exists(path):
            with open(path) as f:
                text = f.read()
            if text.strip():
                sys.stderr.write("--- %s of %s (%s)\n%s\n" % (name, what, path, text[-6000:]))


def expect_status(result, want: str, what: str) -> None:
    if result.status != want:
        show_failure(result, what)
        fail("%s through ansible-runner: status %s (rc %s), expected %s"
             % (what, result.status, result.rc, want))


def changed_tasks(result) -> list[str]:
    """Tasks whose events report a change (what AWX shows as 'changed')."""
    names = []
    for event in result.events:
        data = event.get("event_data") or {}
        if event.get("event") in ("runner_on_ok", "runner_item_on_ok") and (data.get("res") or {}).get("changed"):
            names.append(data.get("task", "?"))
    return names


def stats_total(result, key: str) -> int:
    return sum((result.stats or {}).get(key, {}).values())


def meta_vars(job_id: int, template: str) -> dict:
    """A part of the variables AWX adds to every job's extra variables (Job.awx_meta_vars)."""
    out = {}
    for prefix in ("awx", "tower"):
        out.update({
            prefix + "_job_id": job_id,
            prefix + "_job_launch_type": "manual",
            prefix + "_job_template_name": template,
            prefix + "_user_name": "admin",
            prefix + "_inventory_name": "Viam fleet",
        })
    return out


def main() -> None:
    ready, work = sys.argv[1:3]
    work = os.path.abspath(work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    cred_env, secret = credential_env(ready)
    pdds = []

    # 1. The inventory update of the inventory source "Sourced from a Project".
    job_id = 1
    pdd = private_data_dir(work, job_id, dict(cred_env, INVENTORY_SOURCE_ID="1",
                                              INVENTORY_UPDATE_ID=str(job_id),
                                              **STANDARD_INVENTORY_UPDATE_ENV))
    source = os.path.join(pdd, "project", AWX, "fleet.viam.yml")
    output = os.path.join(pdd, "artifacts", str(job_id), "output.json")
    write(os.path.join(pdd, "args"), " ".join([
        "ansible-inventory", "--list", "--export", "-i", source, "--output", output,
        "--playbook-dir", os.path.dirname(source)]))
    result, took = run(pdd, job_id)
    pdds.append(pdd)
    expect_status(result, "successful", "the inventory update")
    with open(output) as f:
        inventory = plain(json.load(f))
    hostvars = inventory.get("_meta", {}).get("hostvars", {})
    machines = {hv.get("viam_machine_name") for hv in hostvars.values()}
    # --seed-fleet 2:2:1, and what the plain converge job of awx-check made (rover-1, forklift-1).
    want = {"site-01-m001", "site-01-m002", "site-02-m001", "site-02-m002", "rover-1", "forklift-1"}
    if not want <= machines:
        fail("the inventory update lacks the machines %s (has %s)" % (sorted(want - machines), sorted(machines)))
    offline = sorted(hv["viam_machine_name"] for hv in hostvars.values() if not hv.get("viam_online"))
    online = sorted(hv["viam_machine_name"] for hv in hostvars.values() if hv.get("viam_online"))
    if not offline:
        fail("the inventory update has no offline machine (the seeded fleet has some)")
    step("inventory update (ansible-inventory --list --export): successful, %d hosts, %d groups (%.1f s)"
         % (len(hostvars), len([g for g in inventory if g != "_meta"]), took))

    # The jobs' inventory: what the update synced, as the script AWX writes (BaseTask.write_inventory_file).
    def job_inventory(pdd: str) -> str:
        hosts = os.path.join(pdd, "inventory", "hosts")
        write(hosts, "#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint(%r)\n" % json.dumps(inventory), 0o700)
        return hosts

    job_env = dict(cred_env, INVENTORY_ID="1", ANSIBLE_RETRY_FILES_ENABLED="False")

    # 2. The converge job template, launched twice (a relaunch changes nothing).
    with open(os.path.join(AWX, "vars", "fleet.yml")) as f:
        fleet = yaml.safe_load(f)
    fleet["viam_fleet_locations"].append({"name": EXTRA_LOCATION})
    fleet["viam_fleet_machines"].append({"name": EXTRA_MACHINE, "location": EXTRA_LOCATION})
    template = "Viam fleet converge"
    for launch in (1, 2):
        job_id += 1
        pdd = private_data_dir(work, job_id, dict(job_env, JOB_ID=str(job_id)),
                               dict(fleet, **meta_vars(job_id, template)), "-u root")
        result, took = run(pdd, job_id, playbook=AWX + "/converge_fleet.yml",
                           inventory=job_inventory(pdd))
        pdds.append(pdd)
        expect_status(result, "successful", "the converge job (launch %d)" % launch)
        changed, tasks = stats_total(result, "changed"), changed_tasks(result)
        if launch == 1 and not (changed and tasks):
            show_failure(result, template)
            fail("the first converge job through ansible-runner changed nothing")
        if launch == 2 and (changed or tasks):
            show_failure(result, template)
            fail("the relaunched converge job changed %d task(s): %s" % (changed, ", ".join(tasks)))
        step("converge job, launch %d: successful, changed=%d (stats), %d changed event(s) (%.1f s)"
             % (launch, changed, len(tasks), took))

    # 3. The report job template: the survey left empty, then naming an offline machine.
    template = "Viam fleet report"
    job_id += 1
    pdd = private_data_dir(work, job_id, dict(job_env, JOB_ID=str(job_id)),
                           dict(viam_report_must_be_online="", **meta_vars(job_id, template)), "-u root")
    result, took = run(pdd, job_id, playbook=AWX + "/fleet_report.yml", inventory=job_inventory(pdd))
    pdds.append(pdd)
    expect_status(result, "successful", "the report job")
    lines = [((e.get("event_data") or {}).get("res") or {}).get("msg", "") for e in result.events
             if e.get("event") == "runner_item_on_ok" and (e.get("event_data") or {}).get("task") == REPORT_TASK]
    for prefix in ("lab: rover-1=", "site-01: site-01-m001=", "%s: %s=" % (EXTRA_LOCATION, EXTRA_MACHINE)):
        if not any(line.startswith(prefix) for line in lines):
            show_failure(result, template)
            fail("the report job's events have no line %r: %s" % (prefix, lines))
    step("report job: successful, %d location lines in its events (%.1f s)" % (len(lines), took))

    job_id += 1
    survey = "\n".join(online[:1] + offline[:1])  # the survey's text: one name per line
    pdd = private_data_dir(work, job_id, dict(job_env, JOB_ID=str(job_id)),
                           dict(viam_report_must_be_online=survey, **meta_vars(job_id, template)), "-u root")
    result, took = run(pdd, job_id, playbook=AWX + "/fleet_report.yml", inventory=job_inventory(pdd))
    pdds.append(pdd)
    expect_status(result, "failed", "the report job with offline %s" % offline[0])
    failed = [((e.get("event_data") or {}).get("res") or {}).get("msg", "") for e in result.events
              if e.get("event") == "runner_on_failed"]
    named = [msg.split("not online: ", 1)[1].split(", ") for msg in failed if "not online: " in msg]
    if named != [[offline[0]]]:
        show_failure(result, template)
        fail("the failed report job does not name %s: %s" % (offline[0], failed))
    step("report job, survey naming offline %s: failed, naming it (%.1f s)" % (offline[0], took))

    # 4. The secret, in no artifact but the runner's record of the environment it injected.
    scanned, holders = 0, []
    for pdd in pdds:
        for root, _dirs, files in os.walk(os.path.join(pdd, "artifacts")):
            for name in files:
                path = os.path.join(root, name)
                with open(path, "rb") as f:
                    found = secret.encode() in f.read()
                if name == "command" and os.path.dirname(root) == os.path.join(pdd, "artifacts"):
                    if not found:
                        fail("%s does not hold the injected VIAM_API_KEY: was the credential injected?" % path)
                    continue
                scanned += 1
                if found:
                    holders.append(os.path.relpath(path, work))
    if holders:
        fail("the credential's secret is in the runner's artifacts: %s" % ", ".join(holders))
    step("the API key is in none of %d artifact files of %d runs (stdout, stderr, job_events, output.json): ok"
         % (scanned, len(pdds)))


if __name__ == "__main__":
    main()
