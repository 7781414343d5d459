# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security of the viam.cloud.viam inventory plugin (issue 12, findings 1, 7 and 8).

1. Names and metadata from the API are data, never templates. A fleet whose machine, location
   and metadata hold ``{{ lookup('pipe', 'touch ...') }}`` must not run anything on the controller:
   under ansible-core 2.18 (which templated such strings) the plugin refuses to run; under the
   ansible-core of this venv the strings come through literally; and the plugin marks every string
   from the API unsafe before it reaches host variables, groups or ``compose``.
7. The inventory cache is 0600 files in a 0700 directory.
8. ``include_secrets: true`` warns where the secrets end up (host variables, AWX's database).

The 2.18 test needs a second venv, build/venv-ansible-2.18 in the repository (created on first use
with this Python, reused while its stamp matches). It is never skipped: if it cannot be built, the
test fails.
"""
from __future__ import annotations

import fcntl
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

REPO = Path(os.environ.get("VIAM_REPO_ROOT") or ROOT)
OLD_CORE = "ansible-core>=2.18,<2.19"
OLD_CORE_VENV = REPO / "build" / "venv-ansible-2.18"
INVENTORY_TIMEOUT = 180

COMPOSE = {
    # the plugin's own example: ansible_user from the machine's metadata
    "ansible_user": "viam_machine_metadata.ssh_user | default('viam')",
    "machine_label": "viam_machine_name",
    "location_label": "viam_location_name",
    "part_label": "viam_part_name",
}
KEYED_GROUPS = [{"key": "viam_machine_metadata.role", "prefix": "role"}]


def hostile(trap: Path, tag: str) -> str:
    return "{{ lookup('pipe', 'touch %s/pwned-%s') }}" % (trap, tag)


def hostile_fleet(emulator, trap: Path) -> dict:
    """A location and a machine named by a template, and metadata that is one (what anyone who may
    rename a machine or edit its metadata can do)."""
    trap.mkdir(parents=True, exist_ok=True)
    names = dict(location=hostile(trap, "location"), machine=hostile(trap, "machine"),
                 metadata=hostile(trap, "metadata"), part_metadata=hostile(trap, "part-metadata"))
    org = emulator.organization_id
    with emulator.client() as client:
        location = client.create_location(organization_id=org, name=names["location"]).location.id
        robot = client.new_robot(name=names["machine"], location=location).id
        part = client.get_robot_parts(robot_id=robot).parts[0]
        client.update_robot_metadata(id=robot, data={"ssh_user": names["metadata"], "role": names["metadata"]})
        client.update_robot_part_metadata(id=part.id, data={"note": names["part_metadata"]})
    return dict(names, location_id=location, machine_id=robot, part_id=part.id, part_name=part.name)


def pwned(trap: Path) -> list:
    return sorted(p.name for p in trap.iterdir())


def write_source(path: Path, **options) -> Path:
    config = {"plugin": "viam.cloud.viam"}
    config.update(options)
    path.write_text(json.dumps(config))  # JSON is YAML
    return path


def ansible_inventory(emulator, source: Path, workdir: Path, executable: str = "ansible-inventory", env=None):
    run_env = dict(os.environ)
    for name in list(run_env):
        if name.startswith("VIAM_") and name != "VIAM_REPO_ROOT":
            del run_env[name]
    run_env.update(emulator.env())
    run_env.update(ANSIBLE_INVENTORY_UNPARSED_FAILED="true", ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                   ANSIBLE_LOCAL_TEMP=str(workdir / "ansible-tmp"))
    run_env.update(env or {})
    # A usual umask, so that the modes checked below are the plugin's doing, not the test's.
    return subprocess.run([executable, "-i", str(source), "--list"], env=run_env, cwd=str(workdir),
                          capture_output=True, text=True, timeout=INVENTORY_TIMEOUT, check=False, umask=0o022)


def literal(value):
    """A value of ansible-inventory's JSON as text. ansible-core 2.19+ writes a string that looks like a
    template as {"__ansible_unsafe": text}, so that whoever loads the JSON (AWX, a script inventory) keeps it
    untrusted; the text inside must still be exactly what the API holds."""
    if isinstance(value, dict) and set(value) == {"__ansible_unsafe"}:
        return value["__ansible_unsafe"]
    if isinstance(value, dict):
        return dict((k, literal(v)) for k, v in value.items())
    return value


def one_line(text: str) -> str:
    """Warnings are wrapped to the terminal width: compare them as one line."""
    return " ".join(text.split())


# ------------------------------------------------------------------ finding 1

def old_core_venv() -> Path:
    """build/venv-ansible-2.18: ansible-core 2.18 with the collection's runtime requirements, for this Python.

    Built once and reused while the stamp (what was asked for) is unchanged; a lock keeps two test
    runs from building it at the same time. A failed build fails the test, it does not skip it.
    """
    requirements = (REPO / "requirements.txt").read_text()
    wanted = json.dumps({"python": sys.version, "executable": sys.executable, "core": OLD_CORE,
                         "requirements": requirements}, sort_keys=True)
    stamp = OLD_CORE_VENV / ".viam-stamp"
    python = OLD_CORE_VENV / "bin" / "python"
    OLD_CORE_VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(str(OLD_CORE_VENV) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.exists() and stamp.read_text() == wanted and python.exists():
            return OLD_CORE_VENV
        if stamp.exists():
            stamp.unlink()
        build = subprocess.run([sys.executable, "-m", "venv", "--clear", str(OLD_CORE_VENV)],
                               capture_output=True, text=True, timeout=300, check=False)
        assert build.returncode == 0, "python -m venv failed:\n%s" % (build.stdout + build.stderr)[-3000:]
        install = subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", OLD_CORE,
                                  "-r", str(REPO / "requirements.txt")],
                                 capture_output=True, text=True, timeout=900, check=False)
        assert install.returncode == 0, "pip install of %s failed:\n%s" % (OLD_CORE, install.stderr[-3000:])
        stamp.write_text(wanted)
    return OLD_CORE_VENV


def test_hostile_fleet_data_runs_nothing_under_ansible_core_2_18(emulator_factory, tmp_path):
    venv = old_core_venv()
    version = subprocess.run([str(venv / "bin" / "python"), "-c", "import ansible.release as r; print(r.__version__)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert version.startswith("2.18."), version
    emulator = emulator_factory()
    trap = tmp_path / "trap"
    hostile_fleet(emulator, trap)
    source = write_source(tmp_path / "hostile.viam.yml", metadata=True, compose=COMPOSE, keyed_groups=KEYED_GROUPS)

    done = ansible_inventory(emulator, source, tmp_path, executable=str(venv / "bin" / "ansible-inventory"),
                             env=dict(PATH="%s:%s" % (venv / "bin", os.environ.get("PATH", ""))))

    assert pwned(trap) == [], "ansible-core %s ran the fleet's templates on the controller: %s\n%s" % (
        version, pwned(trap), done.stderr[-2000:])
    assert done.returncode != 0, done.stdout[-2000:]
    said = one_line(done.stderr)
    assert "needs ansible-core >= 2.19.0" in said and "found %s" % version in said, done.stderr[-3000:]
    assert "Traceback" not in done.stderr


def test_hostile_fleet_data_comes_through_literally(emulator_factory, tmp_path):
    emulator = emulator_factory()
    trap = tmp_path / "trap"
    fleet = hostile_fleet(emulator, trap)
    source = write_source(tmp_path / "hostile.viam.yml", metadata=True, compose=COMPOSE, keyed_groups=KEYED_GROUPS)

    done = ansible_inventory(emulator, source, tmp_path)

    assert pwned(trap) == [], "the fleet's templates ran on the controller: %s" % pwned(trap)
    assert done.returncode == 0, done.stderr[-3000:]
    listed = json.loads(done.stdout)
    hostvars = listed["_meta"]["hostvars"]
    assert len(hostvars) == 1, sorted(hostvars)
    host = literal(next(iter(hostvars.values())))
    assert host["viam_machine_name"] == fleet["machine"]
    assert host["viam_location_name"] == fleet["location"]
    assert host["viam_part_name"] == fleet["part_name"] and fleet["machine"] in fleet["part_name"]
    assert host["viam_machine_metadata"] == {"ssh_user": fleet["metadata"], "role": fleet["metadata"]}
    assert host["viam_part_metadata"] == {"note": fleet["part_metadata"]}
    # compose sees the text, not what it would render to
    assert host["ansible_user"] == fleet["metadata"]
    assert host["machine_label"] == fleet["machine"]
    assert host["location_label"] == fleet["location"]
    assert host["part_label"] == fleet["part_name"]


class Marked(str):
    """A string that went through the plugin's unsafe wrapping (see the spy below)."""


def marking_wrap_var(value):
    """Stands in for ansible's wrap_var in the plugin: what it wraps comes out Marked, recursively.

    On ansible-core 2.19+ the real wrap_var returns plain str (nothing is templated there anyway),
    so only a spy can tell whether the plugin wraps at all.
    """
    if isinstance(value, dict):
        return dict((marking_wrap_var(k), marking_wrap_var(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(marking_wrap_var(v) for v in value)
    if isinstance(value, str):
        return Marked(value)
    return value


def strings(value):
    """Every string in a value: dict keys and values, list items."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings(item)


def test_plugin_marks_every_string_from_the_api_unsafe(emulator_factory, tmp_path, monkeypatch):
    from ansible.inventory.data import InventoryData

    from ansible_collections.viam.cloud.plugins.inventory import viam as plugin_module

    monkeypatch.setattr(plugin_module, "wrap_var", marking_wrap_var)  # the old plugin has no wrapping at all
    emulator = emulator_factory()
    trap = tmp_path / "trap"
    fleet = hostile_fleet(emulator, trap)

    options = {
        "hostnames": ["name"], "ansible_host": ["name"], "hostvars_prefix": "viam_", "group": "viam",
        "default_groups": True, "group_prefix": "viam_", "machines": [], "main_part_only": False,
        "online_only": False, "include_filters": [], "exclude_filters": [], "strict": False, "compose": COMPOSE,
        "groups": {"hostile": "viam_machine_name is defined"}, "keyed_groups": KEYED_GROUPS,
        "leading_separator": True, "use_extra_vars": False,
    }
    settings = dict(organization_ids=[emulator.organization_id], locations=[], include_sub_locations=False,
                    fragments=[], server_fragments=False, metadata=True, part_details=False, fqdn_domain=None,
                    include_secrets=False, strict_permissions=False, max_concurrency=4)
    module = plugin_module.InventoryModule()
    module.get_option = options.get
    module.inventory = InventoryData()
    from ansible.template import Templar
    from ansible.parsing.dataloader import DataLoader
    module.templar = Templar(loader=DataLoader())
    module._vars = {}

    seen = {}
    for name in ("_set_composite_vars", "_add_host_to_composed_groups", "_add_host_to_keyed_groups"):
        def spy(rules, variables, host, *args, _name=name, _real=getattr(module, name), **kwargs):
            seen.setdefault(_name, []).append((host, variables))
            return _real(rules, variables, host, *args, **kwargs)
        monkeypatch.setattr(module, name, spy)

    with emulator.client() as client:
        module._start(settings)
        payload = module._fetch_with(client, settings)
    module._populate(payload, settings)

    data = module.inventory
    host = data.get_host(fleet["part_name"])
    assert host is not None, sorted(data.hosts)
    assert isinstance(host.name, Marked), "host name %r is not marked unsafe" % host.name
    unmarked = [(k, s) for k, v in host.vars.items() if k.startswith("viam_") or k == "ansible_host"
                for s in strings(v) if not isinstance(s, Marked)]
    assert unmarked == [], "host variables not marked unsafe: %r" % unmarked
    assert host.vars["viam_machine_name"] == fleet["machine"]
    assert host.vars["ansible_host"] == fleet["part_name"]

    # every group that a name from the API went into (default groups of location and machine)
    from_api = [g for g in data.groups if g.startswith(("viam_location_", "viam_machine_"))]
    assert len(from_api) == 2, sorted(data.groups)
    assert all(isinstance(data.groups[g].name, Marked) for g in from_api), \
        [(g, type(data.groups[g].name)) for g in from_api]

    # compose, groups and keyed_groups were given marked data only
    assert set(seen) == {"_set_composite_vars", "_add_host_to_composed_groups", "_add_host_to_keyed_groups"}, seen
    for name, calls in seen.items():
        for dummy, variables in calls:
            unmarked = [s for k, v in variables.items() if k.startswith("viam_") for s in strings(v)
                        if not isinstance(s, Marked)]
            assert unmarked == [], "%s got unmarked strings: %r" % (name, unmarked)
    assert pwned(trap) == []


# ------------------------------------------------------------------ finding 7

def modes(directory: Path) -> dict:
    found = {".": stat.S_IMODE(directory.stat().st_mode)}
    for path in directory.rglob("*"):
        found[str(path.relative_to(directory))] = stat.S_IMODE(path.stat().st_mode)
    return found


@pytest.mark.parametrize("existing", [False, True], ids=["new-dir", "existing-0755-dir"])
def test_inventory_cache_is_private(emulator_factory, tmp_path, existing):
    """Files 0600 in a 0700 directory. A directory that exists already (an older cache, or made by
    the user) is tightened to 0700 too, and its older cache file to 0600: the cache holds the fleet's
    names, addresses and metadata, and the directory must be the inventory cache's own (documented)."""
    emulator = emulator_factory()
    with emulator.client() as client:
        location = client.create_location(organization_id=emulator.organization_id, name="site").location.id
        client.new_robot(name="m1", location=location)
    cache_dir = tmp_path / "cache" / "viam_inventory"
    stale = cache_dir / "left-by-an-older-version"
    if existing:
        cache_dir.mkdir(parents=True)
        os.chmod(str(cache_dir), 0o755)
        stale.write_text("{}")
        os.chmod(str(stale), 0o644)
    source = write_source(tmp_path / "cached.viam.yml", cache=True, cache_connection=str(cache_dir),
                          cache_timeout=3600)

    first = ansible_inventory(emulator, source, tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    assert cache_dir.is_dir()
    found = modes(cache_dir)
    assert len(found) >= 2, found  # the directory and at least one cache file
    assert found["."] == 0o700, "cache directory mode %o" % found["."]
    loose = dict((name, "%o" % mode) for name, mode in found.items() if name != "." and mode != 0o600)
    assert not loose, "cache files not 0600: %s" % loose

    calls = len(emulator.calls())
    again = ansible_inventory(emulator, source, tmp_path)  # a cache hit writes nothing and stays private
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(emulator.calls()) == calls, "the second run did not come from the cache"
    assert json.loads(again.stdout)["_meta"] == json.loads(first.stdout)["_meta"]
    assert modes(cache_dir) == found


# ------------------------------------------------------------------ finding 8

def test_include_secrets_warns_where_the_secrets_go(emulator_factory, tmp_path):
    emulator = emulator_factory()
    with emulator.client() as client:
        location = client.create_location(organization_id=emulator.organization_id, name="site").location.id
        client.new_robot(name="m1", location=location)
    source = write_source(tmp_path / "secrets.viam.yml", include_secrets=True)

    done = ansible_inventory(emulator, source, tmp_path)

    assert done.returncode == 0, done.stderr[-3000:]
    host = next(iter(json.loads(done.stdout)["_meta"]["hostvars"].values()))
    assert host.get("viam_secret"), "include_secrets did not list the secret"
    said = one_line(done.stderr)
    assert "include_secrets" in said and "host variables" in said, done.stderr
    assert "AWX" in said and "database" in said, done.stderr
    assert "ansible-inventory" in said, done.stderr

    quiet = ansible_inventory(emulator, write_source(tmp_path / "plain.viam.yml"), tmp_path)
    assert quiet.returncode == 0, quiet.stderr[-3000:]
    assert "AWX" not in one_line(quiet.stderr)
