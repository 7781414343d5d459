# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/read_cache.py and its hook in ViamClient: a loop's lookups are reused only where nothing of the
loop may have changed them, only by the same credentials, and never where the plugin leaves it disabled."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import types

import pytest

from ansible_collections.viam.cloud.plugins.module_utils import read_cache
from ansible_collections.viam.cloud.plugins.module_utils.client import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1 import app_pb2
from ansible_collections.viam.cloud.plugins.plugin_utils.in_process import reuses_reads

URL, KID, KEY = "https://app.viam.com:443", "key-id", "key-secret"


@pytest.fixture(autouse=True)
def enabled(monkeypatch):
    monkeypatch.setattr(read_cache, "ENABLED", True)
    read_cache.clear()
    yield
    read_cache.clear()


def locations(app, *names):
    app.handlers["ListLocations"] = lambda request, context: app_pb2.ListLocationsResponse(
        locations=[app_pb2.Location(id="loc-%s" % n, name=n) for n in names])


# ------------------------------------------------------------------ the store


def test_kept_per_credentials_and_request_within_its_lifetime():
    read_cache.put(URL, KID, KEY, "ListLocations", b"org-1", b"answer", now=100.0)
    assert read_cache.get(URL, KID, KEY, "ListLocations", b"org-1", now=101.0) == b"answer"
    assert read_cache.get(URL, KID, KEY, "ListLocations", b"org-2", now=101.0) is None
    assert read_cache.get(URL, KID, KEY + "x", "ListLocations", b"org-1", now=101.0) is None
    assert read_cache.get("https://other:443", KID, KEY, "ListLocations", b"org-1", now=101.0) is None
    assert read_cache.get(URL, KID, KEY, "ListLocations", b"org-1", now=100.0 + read_cache.TTL) is None


def test_only_the_lookups_are_kept_and_never_when_disabled(monkeypatch):
    read_cache.put(URL, KID, KEY, "GetRobotPart", b"p", b"answer")  # a part's own record is what a module polls
    assert read_cache.get(URL, KID, KEY, "GetRobotPart", b"p") is None
    monkeypatch.setattr(read_cache, "ENABLED", False)
    read_cache.put(URL, KID, KEY, "ListLocations", b"", b"answer")
    assert read_cache.get(URL, KID, KEY, "ListLocations", b"") is None


def test_the_credentials_are_not_kept_in_clear():
    read_cache.put(URL, KID, KEY, "ListRobots", b"loc", b"answer")
    assert all(KEY not in key and KID not in key for key in read_cache._answers)


@pytest.mark.parametrize("write, kept, dropped", [
    ("UpdateRobotPart", ["ListLocations", "ListRobots", "ListFragments"], ["GetRobotParts"]),
    ("NewRobot", ["ListFragments"], ["ListLocations", "ListRobots", "GetRobotParts"]),
    ("CreateLocation", ["ListRobots", "GetRobotParts", "ListFragments"], ["ListLocations"]),
    ("SetFragmentTag", ["ListLocations", "ListRobots", "GetRobotParts"], ["ListFragments"]),
    ("DeleteLocation", [], ["ListLocations", "ListRobots", "GetRobotParts", "ListFragments"]),
    ("AddRole", [], ["ListLocations", "ListRobots", "GetRobotParts", "ListFragments"]),
])
def test_a_write_drops_what_it_may_change(write, kept, dropped):
    for rpc in kept + dropped:
        read_cache.put(URL, KID, KEY, rpc, b"", rpc.encode())
    read_cache.written(write)
    assert [rpc for rpc in kept if read_cache.get(URL, KID, KEY, rpc, b"") is None] == []
    assert [rpc for rpc in dropped if read_cache.get(URL, KID, KEY, rpc, b"") is not None] == []


# ------------------------------------------------------------------ the client's hook


def test_a_loop_lists_once_until_a_write_may_change_the_answer(app, make_client):
    locations(app, "lab")
    first, second = make_client(), make_client()  # two loop items: two modules, two clients
    assert [loc.name for loc in first.list_locations(organization_id="o").locations] == ["lab"]
    answer = second.list_locations(organization_id="o")
    assert [loc.name for loc in answer.locations] == ["lab"] and len(app.calls_of("ListLocations")) == 1
    answer.locations[0].name = "changed by its caller"  # each caller gets its own copy
    assert second.list_locations(organization_id="o").locations[0].name == "lab"
    second.list_locations(organization_id="other")  # another request is asked
    assert len(app.calls_of("ListLocations")) == 2
    locations(app, "lab", "yard")
    second.create_location(organization_id="o", name="yard")
    assert [loc.name for loc in second.list_locations(organization_id="o").locations] == ["lab", "yard"]
    assert len(app.calls_of("ListLocations")) == 3


def test_other_credentials_and_pollers_read_afresh(app, make_client):
    locations(app, "lab")
    make_client().list_locations(organization_id="o")
    poller = make_client()
    poller.reuse_reads = False  # ViamModule.reuses_reads = False (viam_robot_part_wait, viam_robot_part_logs)
    poller.list_locations(organization_id="o")
    assert len(app.calls_of("ListLocations")) == 2
    with pytest.raises(ViamError):
        make_client(api_key="another key").list_locations(organization_id="o")  # refused, not answered from memory


def test_a_failure_drops_every_answer_but_a_lookup_that_finds_nothing_does_not(app, make_client):
    locations(app, "lab")
    client = make_client()
    client.list_locations(organization_id="o")
    app.fail("GetRobotPartByNameAndLocation", "NOT_FOUND")  # a free name: an answer
    with pytest.raises(ViamError):
        client.get_robot_part_by_name_and_location(name="arm", location_id="loc-lab")
    client.list_locations(organization_id="o")
    assert len(app.calls_of("ListLocations")) == 1
    app.fail("UpdateRobotPart", "FAILED_PRECONDITION")
    with pytest.raises(ViamError):
        client.update_robot_part(id="p", name="arm")
    client.list_locations(organization_id="o")
    assert len(app.calls_of("ListLocations")) == 2


def test_disabled_every_call_is_made(app, make_client, monkeypatch):
    monkeypatch.setattr(read_cache, "ENABLED", False)
    locations(app, "lab")
    make_client().list_locations(organization_id="o")
    make_client().list_locations(organization_id="o")
    assert len(app.calls_of("ListLocations")) == 2


# ------------------------------------------------------------------ where the plugin enables it


@pytest.mark.parametrize("fields, expected", [
    (dict(loop=["a", "b"]), True),
    (dict(loop=None, loop_with="items"), True),
    (dict(loop=None), False),  # one run: nothing to share
    (dict(loop=["a"], until=["result is succeeded"]), False),  # each attempt polls
    (dict(loop=["a"], retries=3), False),
])
def test_reused_only_by_the_items_of_a_loop_that_is_not_retried(fields, expected):
    task = types.SimpleNamespace(**dict(dict(loop=None, loop_with=None, until=[], retries=None), **fields))
    assert reuses_reads(task) is expected
