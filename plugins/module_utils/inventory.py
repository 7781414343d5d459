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
# From convert.py (no import of its own) rather than services.parts, which a cache hit of the inventory never uses.
from ansible_collections.viam.cloud.plugins.module_utils.convert import PART_SECRET_FIELDS as SECRET_FIELDS

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
# The single-field sources of the ansible_host option (check_address_source).
ANSIBLE_HOST_CHOICES = ("public_ip_address", "fqdn", "local_fqdn", "dns_name", "id", "name")

# ansible_host sources beyond NAME_SOURCES: a key of the user metadata, "metadata.KEY" (the part's, else its
# machine's), "part_metadata.KEY" or "machine_metadata.KEY". They make the plugin read metadata.
METADATA_SOURCE_RE = re.compile(r"^(metadata|part_metadata|machine_metadata)\.(\S+)$")
METADATA_SOURCE_KEYS = {
    "metadata": ("part_metadata", "machine_metadata"),
    "part_metadata": ("part_metadata",),
    "machine_metadata": ("machine_metadata",),
}
MISSING_ADDRESS_CHOICES = ("warn", "error", "ignore")
# ansible_host source -> record key of a list of addresses (the first wins): the LAN addresses viam-server
# reported for its host (RobotPart.user_supplied_info "ips", read with GetRobotParts).
LIST_ADDRESS_SOURCES = {"private_ip_address": "private_ip_addresses"}
# Optional record keys besides OPTIONAL_FIELDS: present when the parts were read with GetRobotParts.
DETAIL_FIELDS = ("private_ip_addresses",)

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


def probe_machine(response) -> t.Optional[tuple[str, str]]:
    """(machine ID, machine name) of the first machine of a ListMachineSummariesResponse with a part that has a
    DNS name (the plugin learns the FQDN domain from its parts), or None."""
    for loc in response.location_summaries:
        for machine in loc.machine_summaries:
            if any(part.HasField("dns_name") for part in machine.part_summaries):
                return machine.machine_id, machine.machine_name
    return None


def count_machines(response) -> int:
    return sum(len(loc.machine_summaries) for loc in response.location_summaries)


def pack_records(records: list[dict]) -> dict:
    """Records as columns and rows (a much faster JSON load than 3,000 dicts for the cache)."""
    extra = [f for f in OPTIONAL_FIELDS + DETAIL_FIELDS if any(f in r for r in records)]
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
        if not self.active:  # nothing to check: no call per record (the usual inventory file has no filter)
            return list(records)
        return [r for r in records if self(r)]

    @property
    def active(self) -> bool:
        """True when some record may be dropped."""
        return bool(self.main_part_only or self.online_only or self.location_ids is not None or self.machines
                    or self.fragments or self.include_filters or self.exclude_filters)


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


# ------------------------------------------------------------------ ansible_host

def address_source_problem(source: str) -> t.Optional[str]:
    """Why ``source`` is not a valid entry of the ansible_host option (None when it is)."""
    if not isinstance(source, str):
        return "ansible_host entries are strings, not %r" % (source,)
    if source in ANSIBLE_HOST_CHOICES or source in LIST_ADDRESS_SOURCES or METADATA_SOURCE_RE.match(source):
        return None
    names = list(ANSIBLE_HOST_CHOICES) + list(LIST_ADDRESS_SOURCES)
    valid = names + ["metadata.ssh_host", "part_metadata.ssh_host", "machine_metadata.ssh_host"]
    return ("unknown ansible_host source '%s'%s: use %s, or metadata.KEY, part_metadata.KEY or machine_metadata.KEY "
            "for a key of the user metadata" % (source, _did_you_mean(source, valid), ", ".join(names)))


def sources_need_details(sources: t.Iterable[str]) -> bool:
    """True when an ansible_host source needs every part read with GetRobotParts (private_ip_address)."""
    return any(s in LIST_ADDRESS_SOURCES for s in sources or ())


def reported_ips(user_supplied_info: dict) -> list:
    """The addresses viam-server reported for its host (the "ips" of RobotPart.user_supplied_info), as strings;
    loopback and link-local addresses left out (no controller reaches a robot there)."""
    ips = (user_supplied_info or {}).get("ips")
    if not isinstance(ips, list):
        return []
    out = []
    for ip in ips:
        if isinstance(ip, str) and ip.strip() and not ip.startswith(("127.", "::1", "169.254.", "fe80:")):
            out.append(ip.strip())
    return out


def sources_need_metadata(sources: t.Iterable[str]) -> bool:
    """True when an ansible_host source reads user metadata (the plugin then reads it as with metadata: true)."""
    return any(isinstance(s, str) and METADATA_SOURCE_RE.match(s) for s in sources or ())


def pick_address(record: dict, sources: t.Iterable[str]) -> tuple[t.Optional[str], t.Optional[str]]:
    """(address, the source it came from) for ansible_host: the first source with a non-empty string, else
    (None, None). Metadata values that are not strings (numbers, lists, ...) do not count."""
    for source in sources:
        found = METADATA_SOURCE_RE.match(source)
        if found:
            kind, key = found.groups()
            for field in METADATA_SOURCE_KEYS[kind]:
                value = (record.get(field) or {}).get(key)
                if isinstance(value, str) and value.strip():
                    return value.strip(), source
            continue
        if source in LIST_ADDRESS_SOURCES:
            values = record.get(LIST_ADDRESS_SOURCES[source]) or []
            if values:
                return values[0], source
            continue
        value = record.get(NAME_SOURCES[source])
        if value:
            return value, source
    return None, None


def describe_hosts(names: t.Sequence[str], limit: int = 5) -> str:
    """'a, b, c and 4 more': a few host names for a message."""
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (" and %d more" % (len(names) - limit) if len(names) > limit else "")


# ------------------------------------------------------------------ inventory file checks

_BOOL_WORDS = ("true", "false", "yes", "no", "on", "off")
_INT_RE = re.compile(r"^[+-]?\d+$")
_FLOAT_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
# Types that may be null (unset): a null list or boolean is more likely a mistake (``locations:`` with its
# entries commented out would otherwise mean every location).
_NULL_OK = ("str", "string", "path", "tmppath", "pathspec", "pathlist", "dict", "dictionary", "raw", None)


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return "a %s" % type(value).__name__


def _show(value) -> str:
    text = repr(value) if not isinstance(value, str) else "'%s'" % value
    return text if len(text) <= 60 else text[:57] + "..."


def _scalar_problem(value, kind: str) -> t.Optional[str]:
    """What is wrong with one value of type ``kind`` (an Ansible option type), or None."""
    if kind in ("bool", "boolean"):
        if isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in _BOOL_WORDS):
            return None
        return "a boolean (true or false)"
    if kind in ("int", "integer"):
        if (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and _INT_RE.match(value)):
            return None
        return "an integer"
    if kind == "float":
        if (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
                isinstance(value, str) and _FLOAT_RE.match(value.strip())):
            return None
        return "a number"
    if kind in ("str", "string", "path", "tmppath", "pathspec"):
        if isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
            return None
        return "a string" + (" (quote it)" if isinstance(value, bool) else "")
    if kind in ("dict", "dictionary"):
        return None if isinstance(value, dict) else "a mapping"
    return None


def _did_you_mean(value, choices) -> str:
    import difflib  # only for a message about a wrong option: not on every run's import

    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.6)
    return " (did you mean '%s'?)" % close[0] if close else ""


def option_problems(config: dict, definitions: dict) -> list[str]:
    """What is wrong with the options of an inventory file (``config``, as YAML loaded it), against the plugin's
    option ``definitions`` (name -> type, elements, choices, aliases): unknown options, with the closest valid
    name, and values of the wrong type or outside their choices. Strict on purpose: a misspelt or mistyped
    filter must fail, not widen the inventory to the whole fleet."""
    names = {}
    for name, definition in definitions.items():
        names[name] = name
        for alias in (definition or {}).get("aliases") or ():
            names[alias] = name
    problems = []
    for key, value in config.items():
        if key not in names:
            import difflib  # only for a message about a wrong option: not on every run's import

            close = difflib.get_close_matches(str(key), sorted(names), n=1, cutoff=0.6)
            hint = (": did you mean '%s'?" % close[0]) if close else \
                " (ansible-doc -t inventory viam.cloud.viam lists the options)"
            problems.append("unknown option '%s'%s" % (key, hint))
            continue
        definition = definitions[names[key]] or {}
        kind = definition.get("type") or "str"
        choices = definition.get("choices")
        if value is None:
            if kind not in _NULL_OK:
                problems.append("option '%s' is empty (null): give it a value%s, or remove it"
                                % (key, " ([] for none)" if kind == "list" else ""))
            continue
        if kind == "list":
            if not isinstance(value, list):
                problems.append("option '%s' must be a list, got %s (%s): write it as %s: [%s]"
                                % (key, _show(value), _kind(value), key,
                                   value if isinstance(value, str) else "..."))
                continue
            elements = definition.get("elements")
            for index, item in enumerate(value):
                want = _scalar_problem(item, elements) if elements else None
                if want:
                    problems.append("option '%s': item %d must be %s, got %s (%s)"
                                    % (key, index + 1, want, _show(item), _kind(item)))
                elif choices and item not in choices:
                    problems.append("option '%s': item %s is not one of %s%s"
                                    % (key, _show(item), ", ".join(choices), _did_you_mean(item, choices)))
            continue
        want = _scalar_problem(value, kind)
        if want:
            problems.append("option '%s' must be %s, got %s (%s)" % (key, want, _show(value), _kind(value)))
        elif choices and value not in choices:
            problems.append("option '%s' must be one of %s, got %s%s"
                            % (key, ", ".join(choices), _show(value), _did_you_mean(value, choices)))
    return problems


class HostBuilder:
    """Host variables and default groups of records, with the options applied once.

    ``sanitize`` is the group name sanitizer (the plugin passes Ansible's); results are memoised.
    """

    def __init__(self, prefix: str = "viam_", ansible_host: t.Sequence[str] = (), group_prefix: str = "viam_",
                 sanitize: t.Optional[t.Callable[[str], str]] = None, default_groups: bool = True) -> None:
        fields = RECORD_FIELDS + OPTIONAL_FIELDS + DETAIL_FIELDS
        self.var_names = dict((f, prefix + f) for f in fields)
        self.ansible_host = list(ansible_host)
        self.group_prefix = group_prefix
        self.default_groups = default_groups
        self._sanitize = sanitize or safe_group_name
        self._names: dict[str, str] = {}
        self._fixed_key: t.Optional[tuple] = None
        self._fixed: list[str] = []
        self._states: dict[tuple, list[str]] = {}

    def group(self, raw: str) -> str:
        name = self._names.get(raw)
        if name is None:
            name = self._names[raw] = self._sanitize(raw)
        return name

    def host_vars(self, record: dict) -> dict:
        return self.host_vars_and_source(record)[0]

    def host_vars_and_source(self, record: dict, mark: t.Optional[t.Callable[[t.Any], t.Any]] = None
                             ) -> tuple[dict, t.Optional[str]]:
        """(host variables, the ansible_host source that gave ansible_host, or None) of a record.

        ``mark`` is applied to every value (the plugin marks API data unsafe with it), in the same pass that
        names the variables: a second pass over the 20-odd values of every host was measurable at 3,000 parts.
        (A dict comprehension: measured faster than dict() over a generator, and than skipping ``mark`` for
        plain values with a type check.)
        """
        names = self.var_names
        if mark is None:
            out = {names[k]: v for k, v in record.items()}
        else:
            out = {names[k]: mark(v) for k, v in record.items()}
        address, source = self.address(record)
        if address:
            out["ansible_host"] = address if mark is None else mark(address)
        return out, source

    def address(self, record: dict) -> tuple[t.Optional[str], t.Optional[str]]:
        """(ansible_host, its source) from the ansible_host sources, or (None, None)."""
        if not self.ansible_host:
            return None, None
        return pick_address(record, self.ansible_host)

    def location_group(self, location_name: str) -> str:
        return self.group(self.group_prefix + "location_" + location_name)

    def groups(self, record: dict) -> list[str]:
        """The default groups of a record's host (empty when default groups are off)."""
        if not self.default_groups:
            return []
        # A machine's parts come one after another: the sanitised names of its location and machine groups are
        # reused from the previous host when they are the same (one entry, not a table: nothing grows with the
        # fleet); the main part and online state groups are four names in all, built once each.
        key = (record["location_name"] or record["location_id"], record["machine_name"] or record["machine_id"])
        if key != self._fixed_key:
            self._fixed_key = key
            self._fixed = [self.location_group(key[0]), self.group(self.group_prefix + "machine_" + key[1])]
        state = (bool(record["main_part"]), bool(record["online"]))
        flags = self._states.get(state)
        if flags is None:
            p = self.group_prefix
            flags = self._states[state] = [self.group(p + ("main_parts" if state[0] else "non_main_parts")),
                                           self.group(p + ("online" if state[1] else "offline"))]
        out = self._fixed + flags  # the caller's own list
        for fragment in record["fragments"]:
            out.append(self.group(self.group_prefix + "fragment_" + (fragment["name"] or fragment["id"])))
        return out
