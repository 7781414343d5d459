# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""retry.py: which failures are retried, per code and kind, and what counts as maybe applied (no grpc needed)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.viam.cloud.plugins.module_utils import retry
from ansible_collections.viam.cloud.plugins.module_utils.retry import CREATE, DELETE, DONE, RAISE, READ, RETRY, WRITE, Attempts

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))

REFUSED = "failed to connect to all addresses; last error: Connection refused"
TOO_BIG = "Received message larger than max (5 vs. 4)"
KINDS = (READ, WRITE, DELETE, CREATE)


def test_every_rpc_of_rpcs_txt_has_a_kind():
    with open(os.path.join(REPO, "proto", "rpcs.txt")) as handle:
        listed = [line.strip().rsplit("/", 1)[1] for line in handle if line.strip() and not line.startswith("#")]
    assert sorted(listed) == sorted(retry.RPC_KINDS)
    assert set(retry.RPC_KINDS.values()) == set(KINDS)
    # spot checks of the classification the modules rely on
    assert retry.RPC_KINDS["GetRobot"] == READ and retry.RPC_KINDS["TailRobotPartLogs"] == READ
    assert retry.RPC_KINDS["UpdateRobot"] == WRITE and retry.RPC_KINDS["DeleteRobot"] == DELETE
    assert retry.RPC_KINDS["NewRobot"] == CREATE and retry.RPC_KINDS["RotateKey"] == CREATE
    assert retry.RPC_KINDS["UploadModuleFile"] == CREATE and retry.RPC_KINDS["ResendOrganizationInvite"] == CREATE


# (code, details) -> {kind: (retry?, ambiguous?)}
DECISIONS = [
    ("UNAVAILABLE", "", {READ: (True, False), WRITE: (True, True), DELETE: (True, True), CREATE: (False, True)}),
    ("UNAVAILABLE", REFUSED, dict((k, (True, False)) for k in KINDS)),  # never sent
    ("UNAVAILABLE", "connection refused", dict((k, (True, False)) for k in KINDS)),
    ("DEADLINE_EXCEEDED", "", {READ: (True, False), WRITE: (False, True), DELETE: (False, True), CREATE: (False, True)}),
    ("RESOURCE_EXHAUSTED", "rate limited", dict((k, (True, False)) for k in KINDS)),  # rejected unapplied
    ("RESOURCE_EXHAUSTED", TOO_BIG, {READ: (False, False), WRITE: (False, True), DELETE: (False, True), CREATE: (False, True)}),
    ("INTERNAL", "", {READ: (False, False), WRITE: (False, True), DELETE: (False, True), CREATE: (False, True)}),
    ("CANCELLED", "", {READ: (False, False), WRITE: (False, True), DELETE: (False, True), CREATE: (False, True)}),
    ("UNAVAILABLE", "Tls handshake failed: CERTIFICATE_VERIFY_FAILED", dict((k, (False, False)) for k in KINDS)),
    ("UNAVAILABLE", "Peer name x is not in peer certificate", dict((k, (False, False)) for k in KINDS)),
    ("UNAVAILABLE", "SSL routines:WRONG_VERSION_NUMBER", dict((k, (False, False)) for k in KINDS)),
    ("UNAVAILABLE", "DNS resolution failed for x", dict((k, (False, False)) for k in KINDS)),
] + [(code, "", dict((k, (False, False)) for k in KINDS)) for code in (
    "NOT_FOUND", "ALREADY_EXISTS", "INVALID_ARGUMENT", "PERMISSION_DENIED", "UNAUTHENTICATED", "FAILED_PRECONDITION",
    "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "DATA_LOSS", "UNKNOWN")]


@pytest.mark.parametrize("code, details, expected", DECISIONS)
@pytest.mark.parametrize("kind", KINDS)
def test_decide(kind, code, details, expected):
    assert retry.decide(kind, code, details) == expected[kind]


@pytest.mark.parametrize("rpc, code, details, expected", [
    ("GetRobot", "UNAVAILABLE", "", (True, False)),
    ("GetRobot", "DEADLINE_EXCEEDED", "", (True, False)),
    ("GetRobot", "NOT_FOUND", "", (False, False)),
    ("UpdateRobot", "UNAVAILABLE", "", (True, True)),
    ("UpdateRobot", "DEADLINE_EXCEEDED", "", (False, True)),
    ("NewRobot", "UNAVAILABLE", "", (False, True)),
    ("NewRobot", "DEADLINE_EXCEEDED", "", (False, True)),
    ("NewRobot", "RESOURCE_EXHAUSTED", "rate limited", (True, False)),
    ("NewRobot", "RESOURCE_EXHAUSTED", TOO_BIG, (False, True)),
    ("NewRobot", "UNAVAILABLE", REFUSED, (True, False)),
    ("NewRobot", "ALREADY_EXISTS", "", (False, False)),
    ("GetRobot", "UNAVAILABLE", "Tls handshake failed: CERTIFICATE_VERIFY_FAILED", (False, False)),
    ("GetRobot", "UNAVAILABLE", "DNS resolution failed for x", (False, False)),
])
def test_decide_by_rpc(rpc, code, details, expected):
    assert retry.decide(retry.RPC_KINDS[rpc], code, details) == expected


@pytest.mark.parametrize("attempt, ceiling", [(1, 0.25), (2, 0.5), (3, 1.0), (5, 4.0), (6, 8.0), (20, 8.0)])
def test_backoff_is_capped_full_jitter(attempt, ceiling, monkeypatch):
    seen = []
    monkeypatch.setattr(retry.random, "uniform", lambda low, high: seen.append((low, high)) or high)
    assert retry.backoff(attempt, 0.25, 8.0) == ceiling
    assert seen == [(0, ceiling)]


def test_backoff_varies():
    delays = set(retry.backoff(4, 0.25, 8.0) for dummy in range(50))
    assert len(delays) > 1 and all(0 <= d <= 2.0 for d in delays)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def attempts(kind=READ, tries=10, budget=60.0, replayable=True, clock=None):
    return Attempts(kind, tries, budget, 0.25, 8.0, replayable=replayable, clock=clock or Clock())


def run(state, failures):
    """Feed ``failures`` (codes) to ``state``; the actions, up to the first that is not RETRY."""
    actions = []
    for code in failures:
        state.begin()
        action, delay = state.after(code)
        actions.append(action)
        if action != RETRY:
            break
        assert 0 <= delay <= 8.0
    return actions


def test_tries_are_bounded():
    state = attempts(tries=3)
    assert run(state, ["UNAVAILABLE"] * 10) == [RETRY, RETRY, RAISE]
    assert state.count == 3 and not state.maybe_applied


def test_one_try():
    assert run(attempts(tries=1), ["UNAVAILABLE"]) == [RAISE]


def test_budget_stops_retries():
    clock = Clock()
    state = attempts(budget=1.0, clock=clock)
    state.begin()
    assert state.after("UNAVAILABLE")[0] == RETRY  # pause of at most 0.25 s fits
    clock.now += 5.0
    state.begin()
    assert state.after("UNAVAILABLE") == (RAISE, 0.0)
    assert run(attempts(budget=0.0), ["UNAVAILABLE"]) == [RAISE]


def test_reads_stop_after_deadlines_in_a_row():
    assert run(attempts(), ["DEADLINE_EXCEEDED"] * 10) == [RETRY, RETRY, RAISE]
    assert retry.DEADLINE_TRIES == 3
    # a different failure in between starts the count again
    assert run(attempts(), ["DEADLINE_EXCEEDED", "DEADLINE_EXCEEDED", "UNAVAILABLE", "DEADLINE_EXCEEDED",
                            "DEADLINE_EXCEEDED", "DEADLINE_EXCEEDED"]) == [RETRY] * 5 + [RAISE]


@pytest.mark.parametrize("kind, failures, actions, maybe_applied", [
    (WRITE, ["UNAVAILABLE", "UNAVAILABLE", "NOT_FOUND"], [RETRY, RETRY, RAISE], True),
    (WRITE, ["DEADLINE_EXCEEDED"], [RAISE], True),
    (WRITE, ["NOT_FOUND"], [RAISE], False),
    (WRITE, ["RESOURCE_EXHAUSTED", "INVALID_ARGUMENT"], [RETRY, RAISE], False),
    (CREATE, ["UNAVAILABLE"], [RAISE], True),
    (CREATE, ["RESOURCE_EXHAUSTED", "ALREADY_EXISTS"], [RETRY, RAISE], False),
    (READ, ["UNAVAILABLE", "INTERNAL"], [RETRY, RAISE], False),  # a read is never "maybe applied"
    (READ, ["DEADLINE_EXCEEDED", "DEADLINE_EXCEEDED", "DEADLINE_EXCEEDED"], [RETRY, RETRY, RAISE], False),
    # an ambiguous delete whose retry finds nothing: the first attempt did it
    (DELETE, ["UNAVAILABLE", "NOT_FOUND"], [RETRY, DONE], True),
    (DELETE, ["INTERNAL", "NOT_FOUND"], [RAISE], True),  # INTERNAL is ambiguous but not retried
    (DELETE, ["NOT_FOUND"], [RAISE], False),  # a plain not-found is an error
    (DELETE, ["RESOURCE_EXHAUSTED", "NOT_FOUND"], [RETRY, RAISE], False),  # rejected unapplied, then not found
])
def test_maybe_applied(kind, failures, actions, maybe_applied):
    state = attempts(kind)
    assert run(state, failures) == actions
    assert state.maybe_applied is maybe_applied


def test_connection_refused_is_retried_for_a_create():
    state = attempts(CREATE)
    state.begin()
    assert state.after("UNAVAILABLE", REFUSED)[0] == RETRY
    assert not state.maybe_applied


def test_not_replayable_is_not_retried():
    state = attempts(WRITE, replayable=False)
    assert run(state, ["UNAVAILABLE"]) == [RAISE]
    assert state.maybe_applied


def test_resend_does_not_count_as_an_attempt():
    state = attempts(tries=2)
    state.begin()
    state.resend()  # re-authenticated: the same attempt is sent again
    state.begin()
    assert state.count == 1
    assert state.after("UNAVAILABLE")[0] == RETRY
