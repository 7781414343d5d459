# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure part of the viam.cloud.viam inventory plugin: API data in, hosts and groups out.

No network and no Ansible inventory objects here, so all of it is unit-tested
with plain data (tests/unit/plugins/inventory/test_viam.py).

- A *record* is one robot part as a flat, JSON-serialisable dict with the keys
  of RECORD_FIELDS (plus the optional metadata and secret keys). It is built
  from a ListMachineSummaries response by records_from_summaries(), and is what
  the inventory cache stores (columnar: pack_records / unpack_records).
- RecordFilter keeps or drops records (main_part_only, online_only, machine
  name patterns, fragments, include_filters / exclude_filters).
- host_name(), host_vars() and default_groups() turn a record into the host.

FQDNs: ListMachineSummaries gives each part's dns_name but not its FQDNs. The
real service builds them as <dns_name>.<location_id>.<domain> and
<dns_name>.<location_id>.local.<domain> (domain viam.cloud in production).
The plugin learns <domain> from one part the API returns in full
(learn_fqdn_domain) and builds the rest with fqdns(); see the plugin.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import re
import typing as t

from ansible_collections.viam.cloud.plugins.module_utils import validate
from ansible_collections.viam.cloud.plugins.module_utils.services.parts import SECRET_FIELDS

# OnlineState enum numbers (app.proto) -> the words in host vars.
ONLINE_STATES = {0: "unspecified", 1: "online", 2: "offline", 3: "awaiting_setup"}

# Host name / ansible_host sources -> record keys.
NAME_SOURCES = {
    "fqdn": "fqdn",
    "local_fqdn": "local_fqdn",
    "dns_name": "dns_name",
    "id": "part_id",
    "name": "part_name",
    "public_ip_address": "public_ip_address",
}

# Every record has these keys (in this order: also the column order of the cache).
RECORD_FIELDS = (
    "part_id", "part_name", "machine_id", "machine_name", "location_id", "location_name", "organization_id",
    "fqdn", "local_fqdn", "dns_name", "main_part", "online", "online_state", "last_access", "last_online",
    "seconds_since_online", "os", "platform", "public_ip_address", "server_version", "agent_version", "fragments",
)
# Present only when asked for (metadata: true, include_secrets: true).
METADATA_FIELDS = ("organization_metadata", "location_metadata", "machine_metadata", "part_metadata")
OPTIONAL_FIELDS = METADATA_FIELDS + SECRET_FIELDS

LOCATION_ID_RE = re.compile(r"^[a-z0-9]{10}$")
# The plugin matches fragment IDs with it: the collection's one UUID pattern.
UUID_RE = validate.UUID_RE

_FALLBACK_GROUP_RE = re.compile(r"^[\d\W]|[^\w]")


def safe_group_name(name: str) -> str:
    """Ansible's group name rule (used when the plugin does not pass its own sanitizer)."""
    return _FALLBACK_GROUP_RE.sub("_", name)


# ------------------------------------------------------------------ FQDNs

def fqdns(dns_name: str, location_id: str, domain: str) -> tuple[str, str]:
    """(fqdn, local_fqdn) as the Viam app builds them: <dns>.<location>.<domain>, <dns>.<location>.local.<domain>."""
    if not (dns_name and location_id and domain):
        return "", ""
    return ("%s.%s.%s" % (dns_name, location_id, domain), "%s.%s.local.%s" % (dns_name, location_id, domain))


def learn_fqdn_domain(dns_name: str, location_id: str, fqdn: str, local_fqdn: str) -> t.Optional[str]:
    """The <domain> of a part's FQDNs as the API returned them, or None if they do not follow the pattern."""
    head = "%s.%s." % (dns_name, location_id)
    if not dns_name or not location_id or not fqdn.startswith(head):
        return None
    domain = fqdn[len(head):]
    if not domain or fqdns(dns_name, location_id, domain) != (fqdn, local_fqdn):
        return None
    return domain


# ------------------------------------------------------------------ records

def _version(message, field: str) -> t.Optional[str]:
    if message.HasField(field):
        version = getattr(message, field)
        which = version.WhichOneof("version")
        return getattr(version, which) if which else None
    return None


def records_from_summaries(response, organization_id: str, domain: t.Optional[str] = None) -> list[dict]:
    """One record per PartSummary of a ListMachineSummariesResponse (a message, read field by field).

    FQDNs are built with ``domain`` when given, else left empty (the caller fills them in).
    Written for speed: 3,000 parts take a few tens of milliseconds.
    """
    stamps: dict = {}  # many parts share a timestamp (a machine's parts, "now" for online ones)

    def stamp(ts):
        key = (ts.seconds, ts.nanos)
        text = stamps.get(key)
        if text is None:
            text = stamps[key] = ts.ToJsonString()
        return text

    states = ONLINE_STATES
    records = []
    for loc in response.location_summaries:
        location_id, location_name = loc.location_id, loc.location_name
        for machine in loc.machine_summaries:
            machine_id, machine_name = machine.machine_id, machine.machine_name
            for part in machine.part_summaries:
                has = part.HasField
                dns_name = part.dns_name if has("dns_name") else ""
                if domain and dns_name:
                    fqdn = "%s.%s.%s" % (dns_name, location_id, domain)
                    local_fqdn = "%s.%s.local.%s" % (dns_name, location_id, domain)
                else:
                    fqdn = local_fqdn = ""
                state = states.get(part.online_state, "unspecified")
                records.append({
                    "part_id": part.part_id,
                    "part_name": part.part_name,
                    "machine_id": machine_id,
                    "machine_name": machine_name,
                    "location_id": location_id,
                    "location_name": location_name,
                    "organization_id": organization_id,
                    "fqdn": fqdn,
                    "local_fqdn": local_fqdn,
                    "dns_name": dns_name,
                    "main_part": part.is_main_part,
                    "online": state == "online",
                    "online_state": state,
                    "last_access": stamp(part.last_access) if has("last_access") else None,
                    "last_online": stamp(part.last_online) if has("last_online") else None,
                    "seconds_since_online": part.seconds_since_online,
                    "os": part.os if has("os") else None,
                    "platform": part.platform if has("platform") else None,
                    "public_ip_address": part.public_ip_address if has("public_ip_address") else None,
                    "server_version": _version(part, "viam_server_version"),
                    "agent_version": _version(part, "viam_agent_version"),
                    "fragments": [{"id": f.id, "name": f.name} for f in part.fragments],
                })
    return records


def count_machines(response) -> int:
    return sum(len(loc.machine_summaries) for loc in response.location_summaries)


def pack_records(records: list[dict]) -> dict:
    """Records as columns and rows (a much faster JSON load than 3,000 dicts for the cache)."""
    extra = [f for f in OPTIONAL_FIELDS if any(f in r for r in records)]
    columns = list(RECORD_FIELDS) + extra
    fragment_col = columns.index("fragments")
    rows = []
    for record in records:
        row = [record.get(c) for c in columns]
        row[fragment_col] = [[f["id"], f["name"]] for f in record["fragments"]]
        rows.append(row)
    return {"columns": columns, "rows": rows}


def unpack_records(packed: dict) -> list[dict]:
    columns = list(packed["columns"])
    fragment_col = columns.index("fragments")
    records = []
    for row in packed["rows"]:
        record = dict(zip(columns, row))
        record["fragments"] = [{"id": f[0], "name": f[1]} for f in row[fragment_col]]
        records.append(record)
    return records


# ------------------------------------------------------------------ locations

def sub_location_ids(locations: t.Iterable[dict], roots: t.Iterable[str]) -> set:
    """``roots`` and every location below them (locations: dicts with id and parent_location_id)."""
    children: dict[str, list[str]] = {}
    for loc in locations:
        children.setdefault(loc.get("parent_location_id") or "", []).append(loc["id"])
    found = set()
    todo = list(roots)
    while todo:
        location_id = todo.pop()
        if location_id in found:
            continue
        found.add(location_id)
        todo.extend(children.get(location_id, ()))
    return found


def resolve_locations(wanted: t.Iterable[str], locations: list[dict],
                      include_sub_locations: bool = False) -> tuple[set, list]:
    """Location names or IDs -> (set of location IDs, the entries that matched nothing).

    IDs are matched before names; a name shared by several locations selects all of them.
    """
    by_id = dict((loc["id"], loc) for loc in locations)
    by_name: dict[str, list[str]] = {}
    for loc in locations:
        by_name.setdefault(loc["name"], []).append(loc["id"])
    ids: set = set()
    unknown = []
    for entry in wanted:
        if entry in by_id:
            ids.add(entry)
        elif entry in by_name:
            ids.update(by_name[entry])
        else:
            unknown.append(entry)
    if include_sub_locations:
        ids = sub_location_ids(locations, ids)
    return ids, unknown


def location_parents(locations: t.Iterable[dict]) -> list[tuple[str, str]]:
    """(parent location ID, child location ID) for every nested location whose parent is listed."""
    known = set(loc["id"] for loc in locations)
    return [(loc["parent_location_id"], loc["id"]) for loc in locations
            if loc.get("parent_location_id") and loc["parent_location_id"] in known]


# ------------------------------------------------------------------ filters

def _as_patterns(value) -> list[str]:
    if isinstance(value, (list, tuple, set)):
        return [_text(v) for v in value]
    return [_text(value)]


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def _match_one(value, patterns: list[str]) -> bool:
    if isinstance(value, (list, tuple)):
        return any(_match_one(item, patterns) for item in value)
    if isinstance(value, dict):  # a fragment: its ID or its name
        return any(_match_one(v, patterns) for v in value.values())
    text = _text(value)
    return any(fnmatch.fnmatchcase(text, p) for p in patterns)


def matches(record: dict, conditions: dict) -> bool:
    """True if every key of ``conditions`` matches (fnmatch patterns; a list means any of them).

    Keys are record keys without the prefix (machine_name, location_name, os, online_state,
    main_part, fragments, ...). A list value in the record (fragments) matches if any item does.
    """
    for key, value in conditions.items():
        if not _match_one(record.get(key), _as_patterns(value)):
            return False
    return True


class RecordFilter:
    """Client-side selection of records; ``filter(record)`` is True to keep it."""

    def __init__(self, machines: t.Optional[list] = None, main_part_only: bool = False, online_only: bool = False,
                 fragments: t.Optional[list] = None, include_filters: t.Optional[list] = None,
                 exclude_filters: t.Optional[list] = None, location_ids: t.Optional[set] = None) -> None:
        self.machines = list(machines or [])
        self.main_part_only = main_part_only
        self.online_only = online_only
        self.fragments = set(fragments or [])
        self.include_filters = [f for f in (include_filters or []) if f]
        self.exclude_filters = [f for f in (exclude_filters or []) if f]
        self.location_ids = location_ids

    def __call__(self, record: dict) -> bool:
        if self.main_part_only and not record["main_part"]:
            return False
        if self.online_only and not record["online"]:
            return False
        if self.location_ids is not None and record["location_id"] not in self.location_ids:
            return False
        if self.machines and not any(fnmatch.fnmatchcase(record["machine_name"], p) for p in self.machines):
            return False
        if self.fragments and not any(f["id"] in self.fragments or f["name"] in self.fragments
                                      for f in record["fragments"]):
            return False
        if self.include_filters and not any(matches(record, f) for f in self.include_filters):
            return False
        if any(matches(record, f) for f in self.exclude_filters):
            return False
        return True

    def apply(self, records: t.Iterable[dict]) -> list[dict]:
        return [r for r in records if self(r)]


# ------------------------------------------------------------------ hosts and groups

def pick(record: dict, sources: t.Iterable[str]) -> t.Optional[str]:
    """The first non-empty value among ``sources`` (NAME_SOURCES keys), or None."""
    for source in sources:
        value = record.get(NAME_SOURCES[source])
        if value:
            return value
    return None


def assign_host_names(records: list[dict], hostnames: t.Sequence[str]) -> tuple[list[tuple[str, dict]], list[str]]:
    """[(host name, record)] and warnings. A record without any of the sources, or whose name another
    part already took, is named by its part ID (unique), with a warning."""
    hosts = []
    seen: dict[str, str] = {}
    warnings = []
    for record in records:
        name = pick(record, hostnames)
        if not name:
            name = record["part_id"]
            warnings.append("part %s (%s, machine %s) has none of %s: named by its part ID"
                            % (record["part_id"], record["part_name"], record["machine_name"], ", ".join(hostnames)))
        elif name in seen:
            warnings.append("host name %s of part %s is already used by part %s: named by its part ID"
                            % (name, record["part_id"], seen[name]))
            name = record["part_id"]
        seen[name] = record["part_id"]
        hosts.append((name, record))
    return hosts, warnings


class HostBuilder:
    """Host variables and default groups of records, with the options applied once.

    ``sanitize`` is the group name sanitizer (the plugin passes Ansible's); results are memoised.
    """

    def __init__(self, prefix: str = "viam_", ansible_host: t.Sequence[str] = (), group_prefix: str = "viam_",
                 sanitize: t.Optional[t.Callable[[str], str]] = None, default_groups: bool = True) -> None:
        fields = RECORD_FIELDS + OPTIONAL_FIELDS
        self.var_names = dict((f, prefix + f) for f in fields)
        self.ansible_host = list(ansible_host)
        self.group_prefix = group_prefix
        self.default_groups = default_groups
        self._sanitize = sanitize or safe_group_name
        self._names: dict[str, str] = {}

    def group(self, raw: str) -> str:
        name = self._names.get(raw)
        if name is None:
            name = self._names[raw] = self._sanitize(raw)
        return name

    def host_vars(self, record: dict) -> dict:
        names = self.var_names
        out = dict((names[k], v) for k, v in record.items())
        if self.ansible_host:
            address = pick(record, self.ansible_host)
            if address:
                out["ansible_host"] = address
        return out

    def location_group(self, location_name: str) -> str:
        return self.group(self.group_prefix + "location_" + location_name)

    def groups(self, record: dict) -> list[str]:
        """The default groups of a record's host (empty when default groups are off)."""
        if not self.default_groups:
            return []
        p = self.group_prefix
        out = [
            self.location_group(record["location_name"] or record["location_id"]),
            self.group(p + "machine_" + (record["machine_name"] or record["machine_id"])),
            self.group(p + ("main_parts" if record["main_part"] else "non_main_parts")),
            self.group(p + ("online" if record["online"] else "offline")),
        ]
        for fragment in record["fragments"]:
            out.append(self.group(p + "fragment_" + (fragment["name"] or fragment["id"])))
        return out
