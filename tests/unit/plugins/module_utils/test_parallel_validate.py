# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""parallel.run_parallel (viam_fleet's thread pool), parallel.map_parallel (the inventory plugin's), and the one
name rule and UUID pattern (validate)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time

import pytest

from ansible_collections.viam.cloud.plugins.module_utils import fleet, inventory, validate
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.parallel import map_parallel, run_alongside, run_parallel


class Stop(Exception):
    pass


def test_every_task_runs_and_successes_are_recorded():
    done = []
    results, failures, stopped = run_parallel([("t%d" % i, lambda i=i: i * 2) for i in range(6)], 3,
                                              on_success=done.append)
    assert results == [0, 2, 4, 6, 8, 10] and failures == [] and stopped == []
    assert sorted(done) == ["t%d" % i for i in range(6)]


def test_the_first_failure_stops_the_tasks_not_yet_started():
    ran = []

    def boom():
        raise ViamError(code="PERMISSION_DENIED", rpc="NewRobot")

    tasks = [("a", lambda: ran.append("a")), ("b", boom), ("c", lambda: ran.append("c"))]
    results, failures, dummy = run_parallel(tasks, 1)
    assert ran == ["a"] and [label for label, err in failures] == ["b"] and results[2] is None


def test_a_bug_becomes_a_failure_and_stop_on_exceptions_are_returned():
    def bug():
        raise KeyError("x")

    dummy, failures, dummy2 = run_parallel([("bug", bug)], 2)
    assert "unexpected KeyError" in str(failures[0][1])

    def raced():
        raise Stop()

    dummy, failures, stopped = run_parallel([("r", raced), ("s", raced)], 2, stop_on=(Stop,))
    assert failures == [] and stopped and all(isinstance(e, Stop) for e in stopped)


def test_tasks_run_in_several_threads():
    names = set()
    barrier = threading.Barrier(2, timeout=5)

    def work():
        names.add(threading.current_thread().name)
        barrier.wait()

    run_parallel([("a", work), ("b", work)], 2)
    assert len(names) == 2


@pytest.mark.parametrize("workers", [1, 3])
def test_map_keeps_every_result_in_order(workers):
    assert map_parallel(lambda x: x * x, range(7), workers) == [0, 1, 4, 9, 16, 25, 36]
    assert map_parallel(lambda x: x, [], workers) == []


@pytest.mark.parametrize("workers", [1, 3])
def test_map_runs_every_item_then_raises_the_first_failure_in_order(workers):
    ran = []
    lock = threading.Lock()

    def work(item):
        with lock:
            ran.append(item)
        if item in ("b", "d"):
            raise ViamError(code="UNAVAILABLE" if item == "b" else "INTERNAL", rpc=item)
        return item

    with pytest.raises(ViamError) as raised:
        map_parallel(work, ["a", "b", "c", "d", "e"], workers)
    assert raised.value.code == "UNAVAILABLE"  # b's, as it was raised, not a wrapped copy
    assert sorted(ran) == ["a", "b", "c", "d", "e"]


def test_map_runs_items_in_several_threads_and_may_nest():
    names = set()
    barrier = threading.Barrier(2, timeout=5)

    def work(item):
        names.add(threading.current_thread().name)
        barrier.wait()
        return map_parallel(lambda x: x + item, [10, 20], 2)

    assert map_parallel(work, [1, 2], 2) == [[11, 21], [12, 22]]
    assert len(names) == 2


def test_map_with_one_worker_stays_in_this_thread():
    here = threading.current_thread().name
    assert map_parallel(lambda x: threading.current_thread().name, [1, 2, 3], 1) == [here] * 3


def test_alongside_runs_the_background_in_a_worker_and_the_foreground_here():
    here = threading.current_thread().name
    barrier = threading.Barrier(2, timeout=5)

    def background():
        barrier.wait()  # both at once, or this times out
        return threading.current_thread().name

    def foreground():
        barrier.wait()
        return threading.current_thread().name

    there, mine = run_alongside(background, foreground)
    assert mine == here and there != here


def test_alongside_waits_for_both_and_raises_the_foregrounds_failure_first():
    done = []

    def background():
        time.sleep(0.05)
        done.append("background")
        raise ViamError(code="INTERNAL", rpc="GetRobotParts")

    def foreground():
        raise ViamError(code="UNAVAILABLE", rpc="convert")

    with pytest.raises(ViamError) as raised:
        run_alongside(background, foreground)
    assert raised.value.code == "UNAVAILABLE" and done == ["background"]
    with pytest.raises(ViamError) as raised:
        run_alongside(background, lambda: "fine")
    assert raised.value.code == "INTERNAL"


@pytest.mark.parametrize("value, words", [
    ("", "must not be empty"), ("  ", "must not be empty"), ("a\nb", "control character"),
    ("x" * (validate.MAX_NAME_LENGTH + 1), "at most 256"), ("['a']", "single string"), ("\u200b", "no visible"),
])
def test_the_one_name_rule(value, words):
    assert words in validate.name_problem("name", value)


def test_the_fleet_uses_the_same_name_rule():
    with pytest.raises(fleet.FleetInputError) as raised:
        fleet.parse_fleet([dict(name="lab\n")], [dict(name="m" * 300, location="lab")])
    assert any("control character" in p for p in raised.value.problems)
    assert any("at most 256" in p for p in raised.value.problems)


def test_one_uuid_pattern():
    assert validate.is_uuid("6f0e5c1a-8d4b-4c1e-9f3a-2b7d9e4a1c55") and not validate.is_uuid("loc0000001")
    assert inventory.UUID_RE is validate.UUID_RE
