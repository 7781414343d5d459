# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The viam.cloud.viam inventory without a network: records from summaries, filters,
host names, host vars and groups (module_utils/inventory.py), and the plugin's fetch
logic and population against a fake client."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

pytest.importorskip("google.protobuf")

from ansible.errors import AnsibleError  # noqa: E402
from ansible.inventory.data import InventoryData  # noqa: E402
from ansible.plugins.inventory import to_safe_group_name  # noqa: E402

from ansible_collections.viam.cloud.plugins.inventory.viam import InventoryModule  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils import inventory as inv  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1 import app_pb2  # noqa: E402

ORG = "5d6657e9-9882-4bfe-8447-1e6a95a7002c"
LOC1 = "aaaaaaaaa1"
LOC2 = "bbbbbbbbb2"
LOC3 = "ccccccccc3"
FRAG = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"


# ---------------------------------------------------------------- a small fleet as the API returns it

def part_summary(name, main=False, online=True, fragments=(), public_ip=None, dns=True):
    summary = app_pb2.PartSummary(part_id="id-" + name, part_name=name, is_main_part=main,
                                  online_state=app_pb2.ONLINE_STATE_ONLINE if online else app_pb2.ONLINE_STATE_OFFLINE,
                                  seconds_since_online=0 if online else 300,
                                  fragments=[app_pb2.FragmentSummary(id=f, name="kit-" + f[:4]) for f in fragments])
    if dns:
        summary.dns_name = name
    summary.last_access.FromJsonString("2026-01-02T03:04:05Z")
    summary.os = "linux"
    summary.platform = "linux/arm64"
    summary.viam_server_version.major = "v0.96.0"
    if public_ip:
        summary.public_ip_address = public_ip
    return summary


def machine(name, parts):
    return app_pb2.MachineSummary(machine_id="m-" + name, machine_name=name, part_summaries=parts)


def fleet():
    """lab (LOC1): rover-1 (main online, p1 offline with a fragment), rover-2 (main offline);
    yard (LOC2): arm-1 (main online)."""
    return app_pb2.ListMachineSummariesResponse(location_summaries=[
        app_pb2.LocationSummary(location_id=LOC1, location_name="lab", machine_summaries=[
            machine("rover-1", [part_summary("rover-1-main", main=True, public_ip="203.0.113.1"),
                                part_summary("rover-1-p1", online=False, fragments=[FRAG])]),
            machine("rover-2", [part_summary("rover-2-main", main=True, online=False)]),
        ]),
        app_pb2.LocationSummary(location_id=LOC2, location_name="yard", machine_summaries=[
            machine("arm-1", [part_summary("arm-1-main", main=True)]),
        ]),
    ])


def records(domain="viam.cloud"):
    return inv.records_from_summaries(fleet(), ORG, domain)


def by_part(recs):
    return dict((r["part_name"], r) for r in recs)


# ---------------------------------------------------------------- FQDNs

def test_fqdns_follow_the_apps_pattern():
    assert inv.fqdns("rover-1-main", LOC1, "viam.cloud") == (
        "rover-1-main.aaaaaaaaa1.viam.cloud", "rover-1-main.aaaaaaaaa1.local.viam.cloud")
    assert inv.fqdns("", LOC1, "viam.cloud") == ("", "")


@pytest.mark.parametrize("fqdn, local, want", [
    ("a.aaaaaaaaa1.viam.cloud", "a.aaaaaaaaa1.local.viam.cloud", "viam.cloud"),
    ("a.aaaaaaaaa1.viamstg.cloud", "a.aaaaaaaaa1.local.viamstg.cloud", "viamstg.cloud"),
    ("a.aaaaaaaaa1.viam.cloud", "a.local.viam.cloud", None),  # local FQDN built otherwise
    ("other.aaaaaaaaa1.viam.cloud", "other.aaaaaaaaa1.local.viam.cloud", None),  # not <dns_name>.<location>
    ("a.aaaaaaaaa1.", "a.aaaaaaaaa1.local.", None),
])
def test_learn_fqdn_domain(fqdn, local, want):
    assert inv.learn_fqdn_domain("a", LOC1, fqdn, local) == want


# ---------------------------------------------------------------- records

def test_records_from_summaries():
    recs = by_part(records())
    assert list(recs) == ["rover-1-main", "rover-1-p1", "rover-2-main", "arm-1-main"]
    main = recs["rover-1-main"]
    assert set(main) == set(inv.RECORD_FIELDS)
    assert main["part_id"] == "id-rover-1-main" and main["machine_id"] == "m-rover-1"
    assert main["location_id"] == LOC1 and main["location_name"] == "lab" and main["organization_id"] == ORG
    assert main["fqdn"] == "rover-1-main.aaaaaaaaa1.viam.cloud"
    assert main["local_fqdn"] == "rover-1-main.aaaaaaaaa1.local.viam.cloud"
    assert main["main_part"] is True and main["online"] is True and main["online_state"] == "online"
    assert main["last_access"] == "2026-01-02T03:04:05Z" and main["last_online"] is None
    assert main["server_version"] == "v0.96.0" and main["agent_version"] is None
    assert main["public_ip_address"] == "203.0.113.1" and main["os"] == "linux"
    p1 = recs["rover-1-p1"]
    assert p1["online"] is False and p1["online_state"] == "offline" and p1["seconds_since_online"] == 300
    assert p1["fragments"] == [{"id": FRAG, "name": "kit-0b1c"}]
    assert p1["public_ip_address"] is None


def test_records_without_domain_leave_fqdns_empty():
    assert all(r["fqdn"] == "" and r["local_fqdn"] == "" for r in records(domain=None))
    assert inv.count_machines(fleet()) == 3


def test_probe_machine_is_the_first_with_a_dns_name():
    assert inv.probe_machine(fleet()) == ("m-rover-1", "rover-1")
    answer = fleet()
    for part in answer.location_summaries[0].machine_summaries[0].part_summaries:
        part.ClearField("dns_name")
    assert inv.probe_machine(answer) == ("m-rover-2", "rover-2")
    assert inv.probe_machine(app_pb2.ListMachineSummariesResponse()) is None


def test_pack_unpack_round_trip():
    recs = records()
    recs[0]["machine_metadata"] = {"role": "arm"}
    recs[0]["part_metadata"] = {}
    packed = inv.pack_records(recs)
    assert "machine_metadata" in packed["columns"] and "secret" not in packed["columns"]
    back = inv.unpack_records(packed)
    assert back[0] == recs[0]
    assert back[1]["fragments"] == recs[1]["fragments"]
    assert back[1]["machine_metadata"] is None  # a column: the value of a record that had none


# ---------------------------------------------------------------- locations

LOCATIONS = [
    {"id": LOC1, "name": "lab", "parent_location_id": ""},
    {"id": LOC2, "name": "yard", "parent_location_id": ""},
    {"id": LOC3, "name": "lab annex", "parent_location_id": LOC1},
    {"id": "ddddddddd4", "name": "annex shelf", "parent_location_id": LOC3},
    {"id": "eeeeeeeee5", "name": "lab", "parent_location_id": LOC2},  # names are not unique
]


def test_resolve_locations_by_id_and_name():
    assert inv.resolve_locations([LOC2], LOCATIONS) == ({LOC2}, [])
    assert inv.resolve_locations(["lab"], LOCATIONS) == ({LOC1, "eeeeeeeee5"}, [])
    assert inv.resolve_locations(["lab annex", "nowhere"], LOCATIONS) == ({LOC3}, ["nowhere"])


def test_resolve_locations_with_sub_locations():
    assert inv.resolve_locations([LOC1], LOCATIONS, include_sub_locations=True) == ({LOC1, LOC3, "ddddddddd4"}, [])
    assert inv.sub_location_ids(LOCATIONS, [LOC3]) == {LOC3, "ddddddddd4"}


def test_location_parents():
    assert sorted(inv.location_parents(LOCATIONS)) == sorted([(LOC1, LOC3), (LOC3, "ddddddddd4"), (LOC2, "eeeeeeeee5")])
    assert inv.location_parents([{"id": LOC3, "name": "x", "parent_location_id": "unlisted"}]) == []


# ---------------------------------------------------------------- filters

def kept(**options):
    return [r["part_name"] for r in inv.RecordFilter(**options).apply(records())]


def test_filter_defaults_keep_everything():
    assert kept() == ["rover-1-main", "rover-1-p1", "rover-2-main", "arm-1-main"]


def test_filter_options():
    assert kept(main_part_only=True) == ["rover-1-main", "rover-2-main", "arm-1-main"]
    assert kept(online_only=True) == ["rover-1-main", "arm-1-main"]
    assert kept(machines=["rover-*"]) == ["rover-1-main", "rover-1-p1", "rover-2-main"]
    assert kept(machines=["ROVER-*"]) == []  # case-sensitive
    assert kept(fragments=[FRAG]) == ["rover-1-p1"]
    assert kept(fragments=["kit-0b1c"]) == ["rover-1-p1"]
    assert kept(location_ids={LOC2}) == ["arm-1-main"]
    assert kept(main_part_only=True, online_only=True, machines=["rover-*"]) == ["rover-1-main"]


def test_include_and_exclude_filters():
    assert kept(include_filters=[{"location_name": "yard"}, {"part_name": "*-p1"}]) == ["rover-1-p1", "arm-1-main"]
    # all keys of one filter must match
    assert kept(include_filters=[{"location_name": "lab", "main_part": True, "online": "true"}]) == ["rover-1-main"]
    assert kept(exclude_filters=[{"machine_name": ["rover-2", "arm-*"]}]) == ["rover-1-main", "rover-1-p1"]
    assert kept(exclude_filters=[{"fragments": "kit-*"}]) == ["rover-1-main", "rover-2-main", "arm-1-main"]
    assert kept(include_filters=[{"public_ip_address": "203.0.113.*"}]) == ["rover-1-main"]
    assert kept(include_filters=[{"no_such_key": "*"}]) == ["rover-1-main", "rover-1-p1", "rover-2-main", "arm-1-main"]
    assert kept(include_filters=[{"no_such_key": "?*"}]) == []
    assert kept(include_filters=[{}]) == kept()  # an empty filter is ignored


# ---------------------------------------------------------------- host names

def test_host_name_preferences():
    recs = records()
    names, warnings = inv.assign_host_names(recs, ["fqdn", "id"])
    assert [n for n, _r in names][0] == "rover-1-main.aaaaaaaaa1.viam.cloud" and warnings == []
    names, warnings = inv.assign_host_names(recs, ["name"])
    assert [n for n, _r in names] == ["rover-1-main", "rover-1-p1", "rover-2-main", "arm-1-main"]
    names, warnings = inv.assign_host_names(inv.records_from_summaries(fleet(), ORG, None), ["fqdn", "dns_name"])
    assert names[0][0] == "rover-1-main"


def test_host_name_fallbacks_and_duplicates():
    recs = records()
    recs[1]["fqdn"] = recs[0]["fqdn"]  # two parts claim one name
    recs[2]["fqdn"] = ""
    names, warnings = inv.assign_host_names(recs, ["fqdn"])
    assert [n for n, _r in names] == [recs[0]["fqdn"], "id-rover-1-p1", "id-rover-2-main", recs[3]["fqdn"]]
    assert len(warnings) == 2 and "already used by part id-rover-1-main" in warnings[0]


# ---------------------------------------------------------------- host vars and groups

def test_host_vars_prefix_and_ansible_host():
    recs = by_part(records())
    builder = inv.HostBuilder(prefix="viam_")
    host_vars = builder.host_vars(recs["rover-1-main"])
    assert set(host_vars) == set("viam_" + f for f in inv.RECORD_FIELDS)
    assert "ansible_host" not in host_vars
    builder = inv.HostBuilder(prefix="", ansible_host=["public_ip_address", "local_fqdn"])
    assert builder.host_vars(recs["rover-1-main"])["ansible_host"] == "203.0.113.1"
    assert builder.host_vars(recs["arm-1-main"])["ansible_host"] == "arm-1-main.bbbbbbbbb2.local.viam.cloud"
    assert builder.host_vars(recs["arm-1-main"])["part_id"] == "id-arm-1-main"


def test_host_vars_never_hold_secrets_unless_present():
    rec = by_part(records())["rover-1-main"]
    assert not any("secret" in k for k in inv.HostBuilder().host_vars(rec))
    rec = dict(rec, secret="s3cr3t", secrets=[{"id": "x", "secret": "s3cr3t"}])
    assert inv.HostBuilder().host_vars(rec)["viam_secret"] == "s3cr3t"


def test_default_groups_are_sanitized():
    recs = by_part(records())
    builder = inv.HostBuilder(sanitize=to_safe_group_name)
    assert builder.groups(recs["rover-1-main"]) == [
        "viam_location_lab", "viam_machine_rover_1", "viam_main_parts", "viam_online"]
    assert builder.groups(recs["rover-1-p1"]) == [
        "viam_location_lab", "viam_machine_rover_1", "viam_non_main_parts", "viam_offline", "viam_fragment_kit_0b1c"]
    rec = dict(recs["arm-1-main"], location_name="Yard #2", fragments=[{"id": FRAG, "name": ""}])
    assert builder.groups(rec) == ["viam_location_Yard__2", "viam_machine_arm_1", "viam_main_parts", "viam_online",
                                   "viam_fragment_" + FRAG.replace("-", "_")]
    assert inv.HostBuilder(group_prefix="", sanitize=to_safe_group_name).groups(recs["arm-1-main"])[0] == "location_yard"
    assert inv.HostBuilder(default_groups=False).groups(recs["arm-1-main"]) == []
    # the fallback sanitizer follows Ansible's rule
    assert inv.safe_group_name("1-a b.c") == to_safe_group_name("1-a b.c")


# ---------------------------------------------------------------- the plugin against a fake client

class FakeClient:
    """The ViamClient methods the plugin calls, answering from fleet() and LOCATIONS."""

    def __init__(self, summary_cap=None, denied=(), parts_fqdn_domain="viam.cloud"):
        self.calls = []
        self.summary_cap = summary_cap  # a server that answers at most this many machines
        self.denied = set(denied)
        self.domain = parts_fqdn_domain
        import threading
        self.lock = threading.Lock()
        self.in_flight = self.max_in_flight = 0

    def list_organizations(self, resource=None):
        self.calls.append(("ListOrganizations",))
        return app_pb2.ListOrganizationsResponse(organizations=[app_pb2.Organization(id=ORG, name="acme")])

    def list_locations(self, organization_id, resource=None):
        self.calls.append(("ListLocations", organization_id))
        if organization_id != ORG:
            raise ViamError(code="PERMISSION_DENIED", rpc="ListLocations", details="no")
        return app_pb2.ListLocationsResponse(locations=[
            app_pb2.Location(id=LOC1, name="lab", robot_count=2),
            app_pb2.Location(id=LOC2, name="yard", robot_count=1),
            app_pb2.Location(id=LOC3, name="lab annex", parent_location_id=LOC1, robot_count=0)])

    def get_location(self, location_id, resource=None):
        self.calls.append(("GetLocation", location_id))
        if location_id in self.denied:
            raise ViamError(code="PERMISSION_DENIED", rpc="GetLocation")
        raise ViamError(code="NOT_FOUND", rpc="GetLocation")

    def list_machine_summaries(self, organization_id, limit, resource=None, location_ids=(), fragment_ids=()):
        self.calls.append(("ListMachineSummaries", tuple(location_ids), limit))
        out = app_pb2.ListMachineSummariesResponse()
        budget = min(limit, self.summary_cap or limit)
        for loc in fleet().location_summaries:
            if location_ids and loc.location_id not in location_ids:
                continue
            machines = list(loc.machine_summaries)[:budget]
            budget -= len(machines)
            if machines:
                out.location_summaries.add(location_id=loc.location_id, location_name=loc.location_name,
                                           machine_summaries=machines)
        return out

    def get_robot_parts(self, robot_id, resource=None):
        self.calls.append(("GetRobotParts", robot_id))
        parts = []
        for loc in fleet().location_summaries:
            for m in loc.machine_summaries:
                if m.machine_id == robot_id:
                    for p in m.part_summaries:
                        fqdn, local = inv.fqdns(p.dns_name, loc.location_id, self.domain)
                        if self.domain == "odd":
                            fqdn, local = "%s.example.net" % p.dns_name, "%s.local" % p.dns_name
                        part = app_pb2.RobotPart(id=p.part_id, name=p.part_name, dns_name=p.dns_name,
                                                 location_id=loc.location_id, fqdn=fqdn, local_fqdn=local,
                                                 secret="s-" + p.part_id)
                        if p.part_name == "rover-1-main":  # what a connected viam-server reports
                            part.user_supplied_info.update({"host": "rover", "ips": ["127.0.0.1", "192.168.7.1"]})
                        parts.append(part)
        return app_pb2.GetRobotPartsResponse(parts=parts)

    # metadata: slow enough to overlap, counting the calls in flight
    def _metadata(self, kind, ident, response):
        import threading
        import time
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        time.sleep(0.01)
        with self.lock:
            self.in_flight -= 1
        self.calls.append((kind, ident))
        if ident in self.denied:
            raise ViamError(code="PERMISSION_DENIED", rpc=kind)
        answer = response()
        answer.data.update({"of": ident})
        return answer

    def get_organization_metadata(self, organization_id, resource=None):
        return self._metadata("GetOrganizationMetadata", organization_id, app_pb2.GetOrganizationMetadataResponse)

    def get_location_metadata(self, location_id, resource=None):
        return self._metadata("GetLocationMetadata", location_id, app_pb2.GetLocationMetadataResponse)

    def get_robot_metadata(self, id, resource=None):  # pylint: disable=redefined-builtin
        return self._metadata("GetRobotMetadata", id, app_pb2.GetRobotMetadataResponse)

    def get_robot_part_metadata(self, id, resource=None):  # pylint: disable=redefined-builtin
        return self._metadata("GetRobotPartMetadata", id, app_pb2.GetRobotPartMetadataResponse)


OPTION_DEFAULTS = {
    "hostnames": ["fqdn", "local_fqdn", "dns_name", "id"], "ansible_host": [], "missing_address": "warn",
    "hostvars_prefix": "viam_",
    "group": "viam", "default_groups": True, "group_prefix": "viam_", "machines": [], "main_part_only": False,
    "online_only": False, "include_filters": [], "exclude_filters": [], "strict": False, "compose": {},
    "groups": {}, "keyed_groups": [], "leading_separator": True, "use_extra_vars": False,
}


def settings(**overrides):
    s = dict(organization_ids=[ORG], locations=[], include_sub_locations=False, fragments=[], server_fragments=False,
             metadata=False, part_details=False, fqdn_domain=None, include_secrets=False, strict_permissions=False,
             max_concurrency=4)
    s.update(overrides)
    return s


def plugin(**options):
    module = InventoryModule()
    values = dict(OPTION_DEFAULTS, **options)
    module.get_option = values.get
    module.inventory = InventoryData()
    return module


def fetch(module, client, s):
    module._start(s)
    return module._fetch_with(client, s)


def test_cold_fetch_makes_few_calls_and_learns_the_domain():
    client = FakeClient(parts_fqdn_domain="viamstg.cloud")
    payload = fetch(plugin(), client, settings())
    # ListLocations and ListMachineSummaries go at once; the summaries' limit is generous, the counts check it
    assert sorted(c[0] for c in client.calls) == ["GetRobotParts", "ListLocations", "ListMachineSummaries"]
    assert client.calls[-1][0] == "GetRobotParts"
    assert ("ListMachineSummaries", (), 100000) in client.calls
    recs = by_part(payload["records"])
    assert recs["arm-1-main"]["fqdn"] == "arm-1-main.bbbbbbbbb2.viamstg.cloud"
    assert payload["warnings"] == []


def test_given_domain_saves_the_probe():
    client = FakeClient()
    payload = fetch(plugin(), client, settings(fqdn_domain="viam.cloud"))
    assert [c[0] for c in client.calls] == ["ListLocations", "ListMachineSummaries"]
    assert by_part(payload["records"])["rover-1-p1"]["fqdn"] == "rover-1-p1.aaaaaaaaa1.viam.cloud"


def test_unusual_fqdns_are_read_per_machine():
    client = FakeClient(parts_fqdn_domain="odd")
    payload = fetch(plugin(), client, settings())
    assert [c[0] for c in client.calls].count("GetRobotParts") == 1 + 3
    assert by_part(payload["records"])["arm-1-main"]["fqdn"] == "arm-1-main.example.net"


def test_a_short_answer_is_asked_again_per_location():
    # The server answers one machine at most, whatever the limit: lab (2 machines) and yard (1) came back short.
    client = FakeClient(summary_cap=1)
    payload = fetch(plugin(), client, settings(fqdn_domain="viam.cloud"))
    summaries = [c for c in client.calls if c[0] == "ListMachineSummaries"]
    assert summaries == [("ListMachineSummaries", (), 100000), ("ListMachineSummaries", (LOC1,), 100),
                         ("ListMachineSummaries", (LOC2,), 100)]
    assert sorted(r["machine_name"] for r in payload["records"]) == ["arm-1", "rover-1", "rover-1"]
    assert payload["warnings"] == ["location %s: ListMachineSummaries returned 1 of its 2 machines (the API has no "
                                   "paging); the list may be incomplete" % LOC1]


def test_a_full_answer_is_asked_again_with_a_larger_limit(monkeypatch):
    import ansible_collections.viam.cloud.plugins.inventory.viam as viam_plugin
    monkeypatch.setattr(viam_plugin, "SUMMARY_PAGE", 1)
    monkeypatch.setattr(viam_plugin, "OPEN_LIMIT", 1)
    client = FakeClient()
    client.list_locations = lambda organization_id, resource=None: app_pb2.ListLocationsResponse(locations=[
        app_pb2.Location(id=LOC1, name="lab", robot_count=0), app_pb2.Location(id=LOC2, name="yard", robot_count=0)])
    payload = fetch(plugin(), client, settings(fqdn_domain="viam.cloud"))  # robot counts say 0: limit 1, answer full
    summaries = [c for c in client.calls if c[0] == "ListMachineSummaries"]
    assert summaries[0] == ("ListMachineSummaries", (), 1)
    assert ("ListMachineSummaries", (LOC1,), 1) in summaries and ("ListMachineSummaries", (LOC1,), 4) in summaries
    assert len(payload["records"]) == 4 and payload["warnings"] == []


def test_a_complete_answer_is_one_call():
    client = FakeClient()
    fetch(plugin(), client, settings(fqdn_domain="viam.cloud"))
    assert [c for c in client.calls if c[0] == "ListMachineSummaries"] == [("ListMachineSummaries", (), 100000)]


def test_a_refused_limit_is_asked_again_with_the_counts():
    client = FakeClient()
    answer = client.list_machine_summaries

    def refuse_big(organization_id, limit, **kwargs):
        if limit > 1000:
            client.calls.append(("refused", limit))
            raise ViamError(code="INVALID_ARGUMENT", rpc="ListMachineSummaries", details="limit too large")
        return answer(organization_id, limit, **kwargs)

    client.list_machine_summaries = refuse_big
    payload = fetch(plugin(), client, settings(fqdn_domain="viam.cloud"))
    assert ("refused", 100000) in client.calls and ("ListMachineSummaries", (), 100) in client.calls
    assert len(payload["records"]) == 4


def test_location_scope_is_sent_to_the_api():
    client = FakeClient()
    payload = fetch(plugin(), client, settings(locations=["lab"], include_sub_locations=True, fqdn_domain="x.y"))
    assert client.calls[1] == ("ListMachineSummaries", (LOC1, LOC3), 100)
    assert set(r["location_id"] for r in payload["records"]) == {LOC1}


def test_unknown_location_fails_with_what_the_key_sees():
    with pytest.raises(AnsibleError, match=r"unknown location 'nowhere'.*lab \(aaaaaaaaa1\)"):
        fetch(plugin(), FakeClient(), settings(locations=["nowhere"]))
    with pytest.raises(AnsibleError, match=r"unknown location 'zzzzzzzzz9'"):
        fetch(plugin(), FakeClient(), settings(locations=["zzzzzzzzz9"]))


def test_a_denied_location_is_a_warning_or_with_strict_permissions_a_failure():
    client = FakeClient(denied=["zzzzzzzzz9"])
    payload = fetch(plugin(), client, settings(locations=["yard", "zzzzzzzzz9"], fqdn_domain="viam.cloud"))
    assert payload["warnings"] == ["location zzzzzzzzz9: the API key may not read it, so its parts are left out"]
    assert set(r["location_id"] for r in payload["records"]) == {LOC2}
    with pytest.raises(AnsibleError, match="strict_permissions"):
        fetch(plugin(), FakeClient(denied=["zzzzzzzzz9"]), settings(locations=["zzzzzzzzz9"], strict_permissions=True))


def test_unknown_organization_fails_clearly():
    with pytest.raises(AnsibleError, match=r"unknown organization 'nope'.*The API key sees: acme \(%s\)" % ORG):
        fetch(plugin(), FakeClient(), settings(organization_ids=[ORG, "nope"]))


def test_no_organization_means_every_visible_one():
    client = FakeClient()
    fetch(plugin(), client, settings(organization_ids=[], fqdn_domain="viam.cloud"))
    assert client.calls[0] == ("ListOrganizations",)


def test_secrets_only_when_asked():
    client = FakeClient()
    payload = fetch(plugin(), client, settings(include_secrets=True))
    recs = by_part(payload["records"])
    assert recs["rover-1-main"]["secret"] == "s-id-rover-1-main"
    payload = fetch(plugin(), FakeClient(), settings())
    assert not any("secret" in r for r in payload["records"])


def test_populate_hosts_groups_and_nesting():
    payload = fetch(plugin(), FakeClient(), settings(fqdn_domain="viam.cloud"))
    payload["locations"].append({"id": "ffffffffff", "name": "lab", "parent_location_id": ""})
    module = plugin(ansible_host=["public_ip_address"])
    module._populate(payload, settings())
    data = module.inventory
    assert sorted(data.hosts) == sorted(r["fqdn"] for r in payload["records"])
    host = data.get_host("rover-1-main.aaaaaaaaa1.viam.cloud")
    assert host.vars["viam_machine_name"] == "rover-1" and host.vars["ansible_host"] == "203.0.113.1"
    groups = dict((g, sorted(h.name for h in data.groups[g].get_hosts())) for g in data.groups)
    assert groups["viam"] == sorted(data.hosts)
    assert groups["viam_location_yard"] == ["arm-1-main.bbbbbbbbb2.viam.cloud"]
    assert groups["viam_fragment_kit_0b1c"] == ["rover-1-p1.aaaaaaaaa1.viam.cloud"]
    assert len(groups["viam_online"]) == 2 and len(groups["viam_offline"]) == 2


def test_populate_nests_sub_location_groups():
    payload = {"records": [dict(r, location_id=LOC3, location_name="lab annex") for r in records()][:1],
               "locations": [{"id": LOC1, "name": "lab", "parent_location_id": ""},
                             {"id": LOC3, "name": "lab annex", "parent_location_id": LOC1}]}
    module = plugin()
    module._populate(payload, settings())
    assert [g.name for g in module.inventory.groups["viam_location_lab"].child_groups] == ["viam_location_lab_annex"]


def test_populate_applies_client_side_filters():
    payload = fetch(plugin(), FakeClient(), settings(fqdn_domain="viam.cloud"))
    module = plugin(main_part_only=True, hostnames=["name"], default_groups=False, group="")
    module._populate(payload, settings())
    assert sorted(module.inventory.hosts) == ["arm-1-main", "rover-1-main", "rover-2-main"]
    assert set(module.inventory.groups) == {"all", "ungrouped"}


def test_populate_can_take_the_records_over():
    # parse() hands the records over, so that each is freed once its host is added: same inventory
    payload = fetch(plugin(), FakeClient(), settings(fqdn_domain="viam.cloud"))
    kept = plugin()
    kept._populate(dict(payload, records=list(payload["records"])), settings())
    taken = plugin()
    handed = dict(payload)
    taken._populate(handed, settings(), consume=True)
    assert "records" not in handed
    assert sorted(taken.inventory.hosts) == sorted(kept.inventory.hosts) and len(taken.inventory.hosts) == 4
    assert sorted(taken.inventory.groups) == sorted(kept.inventory.groups)
    for name in kept.inventory.hosts:
        assert taken.inventory.get_host(name).vars == kept.inventory.get_host(name).vars


def test_the_probe_is_the_first_machine_with_a_dns_name_in_the_organizations_order():
    # the first organization's answer has no DNS name: the probe takes the second's first machine
    client = FakeClient(parts_fqdn_domain="viamstg.cloud")
    first = app_pb2.ListMachineSummariesResponse(location_summaries=[app_pb2.LocationSummary(
        location_id=LOC2, location_name="yard",
        machine_summaries=[machine("bare-1", [app_pb2.PartSummary(part_id="id-bare-1", part_name="bare-1")])])])
    answers = {"org-a": first, "org-b": fleet()}

    def list_machine_summaries(organization_id, limit, resource=None, location_ids=(), fragment_ids=()):
        client.calls.append(("ListMachineSummaries", organization_id))
        return answers[organization_id]

    client.list_machine_summaries = list_machine_summaries
    client.list_locations = lambda organization_id, resource=None: app_pb2.ListLocationsResponse()
    payload = fetch(plugin(), client, settings(organization_ids=["org-a", "org-b"]))
    # the probe, then the machine whose part has no DNS name (its FQDN cannot be built)
    assert [c for c in client.calls if c[0] == "GetRobotParts"] == [("GetRobotParts", "m-rover-1"),
                                                                    ("GetRobotParts", "m-bare-1")]
    assert by_part(payload["records"])["arm-1-main"]["fqdn"] == "arm-1-main.bbbbbbbbb2.viamstg.cloud"


def test_metadata_is_read_concurrently_within_the_bound():
    client = FakeClient()
    module = plugin()
    payload = fetch(module, client, settings(metadata=True, max_concurrency=2, fqdn_domain="viam.cloud"))
    assert client.max_in_flight == 2 and module.max_in_flight == 2
    rec = by_part(payload["records"])["rover-1-p1"]
    assert rec["part_metadata"] == {"of": "id-rover-1-p1"} and rec["machine_metadata"] == {"of": "m-rover-1"}
    assert rec["location_metadata"] == {"of": LOC1} and rec["organization_metadata"] == {"of": ORG}
    kinds = [c[0] for c in client.calls]
    assert kinds.count("GetRobotPartMetadata") == 4 and kinds.count("GetRobotMetadata") == 3
    assert kinds.count("GetLocationMetadata") == 2 and kinds.count("GetOrganizationMetadata") == 1


def test_denied_metadata_is_a_warning():
    client = FakeClient(denied=[ORG])
    payload = fetch(plugin(), client, settings(metadata=True, fqdn_domain="viam.cloud"))
    assert payload["warnings"] == ["the API key may not read the metadata of 1 organization(s): left empty"]
    assert all(r["organization_metadata"] == {} for r in payload["records"])
    with pytest.raises(AnsibleError, match="strict_permissions"):
        fetch(plugin(), FakeClient(denied=[ORG]), settings(metadata=True, strict_permissions=True))


def test_nested_concurrency_does_not_deadlock_with_one_slot():
    # two organizations' listings in threads, each asking again per location in threads, one call at a time
    client = FakeClient(summary_cap=1)
    module = plugin()
    payload = fetch(module, client, settings(organization_ids=[ORG, ORG], max_concurrency=1, fqdn_domain="viam.cloud"))
    assert module.max_in_flight == 1
    assert len(payload["records"]) == 3


# ---------------------------------------------------------------- ansible_host: where SSH connects

def test_pick_address_from_metadata_then_the_public_ip():
    rec = dict(by_part(records())["rover-1-main"], part_metadata={"ssh_host": " 192.0.2.7 "},
               machine_metadata={"ssh_host": "192.0.2.1", "port": 22})
    sources = ["metadata.ssh_host", "public_ip_address"]
    assert inv.pick_address(rec, sources) == ("192.0.2.7", "metadata.ssh_host")  # the part's wins, trimmed
    assert inv.pick_address(dict(rec, part_metadata={}), sources) == ("192.0.2.1", "metadata.ssh_host")
    assert inv.pick_address(rec, ["part_metadata.nope", "machine_metadata.ssh_host"]) == (
        "192.0.2.1", "machine_metadata.ssh_host")
    # not a string (a number, a list) or empty: not an address
    assert inv.pick_address(rec, ["machine_metadata.port", "public_ip_address"]) == (
        "203.0.113.1", "public_ip_address")
    assert inv.pick_address(dict(rec, part_metadata={"ssh_host": " "}, machine_metadata={}), sources) == (
        "203.0.113.1", "public_ip_address")
    # records without metadata (not read) and without a public IP: nothing
    assert inv.pick_address(by_part(records())["arm-1-main"], sources) == (None, None)
    assert inv.pick_address(by_part(records())["arm-1-main"], ["local_fqdn"]) == (
        "arm-1-main.bbbbbbbbb2.local.viam.cloud", "local_fqdn")


def test_private_ip_address_is_the_first_reported_lan_address():
    rec = dict(by_part(records())["rover-1-main"], private_ip_addresses=["192.168.1.20", "10.0.0.2"])
    assert inv.pick_address(rec, ["private_ip_address", "public_ip_address"]) == (
        "192.168.1.20", "private_ip_address")
    assert inv.pick_address(dict(rec, private_ip_addresses=[]), ["private_ip_address"]) == (None, None)
    assert inv.reported_ips({"ips": ["127.0.0.1", "fe80::1", " 192.168.1.20 ", 5, "10.0.0.2"], "host": "x"}) == [
        "192.168.1.20", "10.0.0.2"]
    assert inv.reported_ips({}) == [] and inv.reported_ips({"ips": "10.0.0.1"}) == []
    assert inv.sources_need_details(["private_ip_address"]) and not inv.sources_need_details(["public_ip_address"])
    assert inv.address_source_problem("private_ip_address") is None
    assert "did you mean 'private_ip_address'" in inv.address_source_problem("private_ip")


def test_part_details_read_the_reported_addresses():
    client = FakeClient()
    payload = fetch(plugin(), client, settings(part_details=True))
    recs = by_part(payload["records"])
    assert recs["rover-1-main"]["private_ip_addresses"] == ["192.168.7.1"]
    assert all("private_ip_addresses" in r for r in payload["records"])
    assert inv.unpack_records(inv.pack_records(payload["records"])) == payload["records"]
    payload = fetch(plugin(), FakeClient(), settings(fqdn_domain="viam.cloud"))
    assert not any("private_ip_addresses" in r for r in payload["records"])


def test_address_sources_are_checked_and_metadata_ones_read_metadata():
    for good in ("public_ip_address", "local_fqdn", "metadata.ssh_host", "part_metadata.lan.ip",
                 "machine_metadata.ssh_host"):
        assert inv.address_source_problem(good) is None, good
    assert "did you mean 'metadata.ssh_host'" in inv.address_source_problem("metdata.ssh_host")
    assert "did you mean 'public_ip_address'" in inv.address_source_problem("public_ip")
    assert "metadata.KEY" in inv.address_source_problem("metadata.")
    assert inv.sources_need_metadata(["public_ip_address", "metadata.ssh_host"])
    assert not inv.sources_need_metadata(["public_ip_address", "local_fqdn"]) and not inv.sources_need_metadata(None)


class FakeDisplay:
    def __init__(self):
        self.warnings = []

    def warning(self, text):
        self.warnings.append(text)

    def vv(self, text):
        pass

    vvv = vv


def populated(payload, **options):
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar

    module = plugin(**options)
    module.display = FakeDisplay()
    module.templar = Templar(loader=DataLoader())
    module._populate(payload, settings())
    return module


def with_metadata(payload):
    for rec in payload["records"]:
        rec["part_metadata"], rec["machine_metadata"] = {}, {}
        if rec["machine_name"] == "rover-2":
            rec["machine_metadata"] = {"ssh_host": "192.0.2.2"}
    return payload


def test_hosts_without_an_address_are_reported_and_grouped():
    payload = with_metadata(fetch(plugin(), FakeClient(), settings(fqdn_domain="viam.cloud")))
    module = populated(payload, ansible_host=["metadata.ssh_host", "public_ip_address"])
    data = module.inventory
    host_vars = dict((h, data.get_host(h).vars) for h in data.hosts)
    by_name = dict((v["viam_part_name"], v) for v in host_vars.values())
    assert by_name["rover-1-main"]["ansible_host"] == "203.0.113.1"
    assert by_name["rover-1-main"]["viam_address_source"] == "public_ip_address"
    assert by_name["rover-2-main"]["ansible_host"] == "192.0.2.2"
    assert by_name["rover-2-main"]["viam_address_source"] == "metadata.ssh_host"
    missing = sorted(h for h, v in host_vars.items() if v["viam_address_source"] is None)
    assert [host_vars[h]["viam_part_name"] for h in missing] == ["arm-1-main", "rover-1-p1"]
    assert all("ansible_host" not in host_vars[h] for h in missing)
    assert sorted(h.name for h in data.groups["viam_no_address"].get_hosts()) == missing
    [warning] = module.display.warnings
    assert "2 of 4 hosts without an address" in warning and missing[0] in warning and missing[1] in warning
    assert "hosts: 'viam:!viam_no_address'" in warning and "missing_address: ignore" in warning


def test_missing_address_error_ignore_and_the_default_configuration():
    payload = fetch(plugin(), FakeClient(), settings(fqdn_domain="viam.cloud"))
    module = populated(payload)  # the default: no ansible_host at all
    [warning] = module.display.warnings
    assert "4 of 4 hosts" in warning and "ansible_host option is empty" in warning
    assert "ansible_host: [metadata.ssh_host, public_ip_address]" in warning
    module = populated(payload, missing_address="ignore")
    assert module.display.warnings == [] and len(module.inventory.groups["viam_no_address"].get_hosts()) == 4
    with pytest.raises(AnsibleError, match="4 of 4 hosts without an address.*missing_address is error"):
        populated(payload, missing_address="error")
    # without default groups: no group, the host variable still says it
    module = populated(payload, default_groups=False, missing_address="ignore")
    assert "viam_no_address" not in module.inventory.groups
    assert all(h.vars["viam_address_source"] is None for h in module.inventory.hosts.values())
    # every host has an address: no group, no warning
    module = populated(payload, ansible_host=["local_fqdn"])
    assert module.display.warnings == [] and module.inventory.groups["viam_no_address"].get_hosts() == []


def test_compose_sets_or_completes_ansible_host():
    payload = fetch(plugin(), FakeClient(), settings(fqdn_domain="viam.cloud"))
    from ansible.template import trust_as_template  # as the YAML of an inventory file is

    module = populated(payload, ansible_host=["public_ip_address"],
                       compose={"ansible_host": trust_as_template("ansible_host | default(viam_part_name ~ '.lan')")})
    host_vars = dict((h.vars["viam_part_name"], h.vars) for h in module.inventory.hosts.values())
    assert host_vars["rover-1-main"]["ansible_host"] == "203.0.113.1"
    assert host_vars["rover-1-main"]["viam_address_source"] == "public_ip_address"
    assert host_vars["arm-1-main"]["ansible_host"] == "arm-1-main.lan"
    assert host_vars["arm-1-main"]["viam_address_source"] == "compose"
    assert module.display.warnings == []
    # a host that compose makes local needs no address
    module = populated(payload, compose={"ansible_connection": trust_as_template("'local'")})
    assert module.display.warnings == []
    assert all(h.vars["viam_address_source"] == "local" for h in module.inventory.hosts.values())


# ---------------------------------------------------------------- the inventory file is checked strictly

@pytest.fixture(scope="module")
def definitions():
    """The plugin's option definitions as ansible-core reads them: DOCUMENTATION with its doc fragments."""
    from ansible.plugins.loader import fragment_loader
    from ansible.utils.plugin_docs import get_docstring

    from ansible_collections.viam.cloud.plugins.inventory import viam

    doc = get_docstring(viam.__file__, fragment_loader, collection_name="viam.cloud")[0]
    assert "keyed_groups" in doc["options"] and "cache_timeout" in doc["options"]
    return doc["options"]


@pytest.mark.parametrize("config, message", [
    ({"location": ["lab"]}, "unknown option 'location': did you mean 'locations'?"),
    ({"online_ony": True}, "unknown option 'online_ony': did you mean 'online_only'?"),
    ({"zzz": 1}, "unknown option 'zzz' (ansible-doc -t inventory viam.cloud.viam lists the options)"),
    ({"online_only": "maybe"}, "option 'online_only' must be a boolean (true or false), got 'maybe' (a string)"),
    ({"main_part_only": 2}, "option 'main_part_only' must be a boolean (true or false), got 2 (a number)"),
    ({"locations": "lab"}, "option 'locations' must be a list, got 'lab' (a string): write it as locations: [lab]"),
    ({"locations": None}, "option 'locations' is empty (null): give it a value ([] for none), or remove it"),
    ({"machines": [True]}, "option 'machines': item 1 must be a string (quote it), got True (a boolean)"),
    ({"include_filters": ["x"]}, "option 'include_filters': item 1 must be a mapping, got 'x' (a string)"),
    ({"hostnames": ["fqnd"]}, "option 'hostnames': item 'fqnd' is not one of fqdn, local_fqdn, dns_name, id, name "
                              "(did you mean 'fqdn'?)"),
    ({"timeout": "soon"}, "option 'timeout' must be a number, got 'soon' (a string)"),
    ({"max_concurrency": 1.5}, "option 'max_concurrency' must be an integer, got 1.5 (a number)"),
    ({"group": ["a"]}, "option 'group' must be a string, got ['a'] (a list)"),
    ({"compose": ["a"]}, "option 'compose' must be a mapping, got ['a'] (a list)"),
    ({"missing_address": "loud"}, "option 'missing_address' must be one of warn, error, ignore, got 'loud'"),
])
def test_option_problems(definitions, config, message):
    assert inv.option_problems(dict(config, plugin="viam.cloud.viam"), definitions) == [message]


def test_valid_options_pass_including_the_constructed_and_cache_ones(definitions):
    config = {
        "plugin": "viam.cloud.viam", "app_url": "http://127.0.0.1:8080", "api_key_id": "{{ id }}", "api_key": "k",
        "organization_ids": [ORG], "validate_certs": "yes", "timeout": 5, "max_concurrency": "8",
        "locations": ["lab", 2024], "online_only": True, "main_part_only": False, "include_filters": [{"os": "linux"}],
        "ansible_host": ["metadata.ssh_host"], "missing_address": "ignore", "ca_path": None, "fqdn_domain": None,
        "compose": {"ansible_user": "'pi'"}, "groups": {"arm": "true"}, "keyed_groups": [{"key": "viam_os"}],
        "strict": True, "leading_separator": False, "use_extra_vars": True, "cache": True, "cache_timeout": 60,
        "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": "/tmp/x", "cache_prefix": "p_",
    }
    assert inv.option_problems(config, definitions) == []


def test_every_problem_of_a_file_is_reported_at_once(definitions):
    problems = inv.option_problems({"plugin": "viam", "location": ["lab"], "online_only": "maybe"}, definitions)
    assert len(problems) == 2


def test_the_plugin_refuses_a_file_with_a_typo_before_any_call(definitions):
    module = InventoryModule()
    module._defs = definitions
    module._path = "fleet.viam.yml"
    with pytest.raises(AnsibleError, match="fleet.viam.yml: unknown option 'location': did you mean 'locations'"):
        module.set_options(direct={"plugin": "viam.cloud.viam", "location": ["lab"]})
    with pytest.raises(AnsibleError, match="unknown ansible_host source 'public_ip' .did you mean 'public_ip_address'"):
        module.set_options(direct={"plugin": "viam.cloud.viam", "ansible_host": ["public_ip"]})


# ---------------------------------------------------------------- what a cache hit imports and marks

def test_secret_fields_are_the_parts_service_ones():
    """One definition (shared_secrets.PART_SECRET_FIELDS) for the inventory and the parts service."""
    from ansible_collections.viam.cloud.plugins.module_utils.services.parts import SECRET_FIELDS

    assert inv.SECRET_FIELDS is SECRET_FIELDS


def test_marking_unsafe_skips_only_what_wrap_var_leaves_as_it_is(monkeypatch):
    """On ansible-core 2.19+ wrap_var returns a plain str unchanged, so the plugin skips it for exactly str; any
    other string type, and any wrap_var that does change a plain str, still goes through wrap_var."""
    from ansible_collections.viam.cloud.plugins.inventory import viam

    class Tagged(str):
        pass

    calls = []

    def counting(value):
        calls.append(value)
        return value

    monkeypatch.setattr(viam, "wrap_var", counting)
    mark = viam._marker()
    assert mark is viam._unsafe_plain_str_kept
    value = {"a": ["b", Tagged("c"), 1, None, True], Tagged("d"): {"e": 2.5}}
    assert mark(value) == value
    assert [c for c in calls if c != "{{ viam }}"] == ["c", "d"]  # the probe, then the tagged strings only

    class Marked(str):
        pass

    def marking(value):
        return Marked(value) if isinstance(value, str) else value

    monkeypatch.setattr(viam, "wrap_var", marking)
    mark = viam._marker()
    assert mark is viam._unsafe
    out = mark({"a": ["b", 1], "c": "d"})
    assert all(isinstance(s, Marked) for s in list(out) + [out["a"][0], out["c"]])


def test_host_vars_and_source_marks_every_value_in_one_pass():
    recs = by_part(records())
    builder = inv.HostBuilder(prefix="viam_", ansible_host=["public_ip_address", "local_fqdn"])
    out, source = builder.host_vars_and_source(recs["rover-1-main"], lambda v: ("marked", v))
    assert source == "public_ip_address"
    assert out["ansible_host"] == ("marked", "203.0.113.1")
    assert all(isinstance(v, tuple) and v[0] == "marked" for v in out.values())
    assert dict((k, v[1]) for k, v in out.items()) == builder.host_vars(recs["rover-1-main"])
    assert inv.HostBuilder().host_vars_and_source(recs["rover-1-main"])[1] is None


def test_a_filter_without_conditions_keeps_every_record_without_checking_them():
    recs = records()
    assert not inv.RecordFilter().active
    assert inv.RecordFilter().apply(recs) == recs
    for kwargs in ({"machines": ["rover-*"]}, {"main_part_only": True}, {"online_only": True}, {"fragments": [FRAG]},
                   {"include_filters": [{"os": "linux"}]}, {"exclude_filters": [{"os": "linux"}]},
                   {"location_ids": set()}):
        keep = inv.RecordFilter(**kwargs)
        assert keep.active, kwargs
        assert keep.apply(recs) == [r for r in recs if keep(r)], kwargs
