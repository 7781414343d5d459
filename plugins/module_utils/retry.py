# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The retry policy of ViamClient: which failures are tried again, and when a write may have been applied.

- RPC_KINDS: what each RPC of proto/rpcs.txt does (READ, WRITE, DELETE, CREATE), which decides
  whether a transient failure may be retried (see the table below).
- decide(kind, code, details): (retry?, ambiguous?) for one failed attempt.
- backoff(attempt, base, cap): capped exponential backoff with full jitter.
- Attempts: the state of one call across its tries (count, time budget, reads that timed out
  in a row, whether an earlier attempt may have been applied) and what to do after a failure.

Pure Python: no grpc, no protobuf (codes are grpc.StatusCode names, such as "UNAVAILABLE").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import time
import typing as t

from ansible_collections.viam.cloud.plugins.module_utils.transport import transport_problem

# --------------------------------------------------------------------------
# The RPC classification: what may be retried after a transient failure.
#
# READ    no side effect. Retried on UNAVAILABLE, RESOURCE_EXHAUSTED and
#         DEADLINE_EXCEEDED.
# WRITE   idempotent write: sending it twice leaves the same state as once.
#         Retried on UNAVAILABLE and RESOURCE_EXHAUSTED; not on
#         DEADLINE_EXCEEDED (the server may still be applying it): that raises
#         ViamError(maybe_applied=True).
# DELETE  a WRITE that removes something: if an earlier attempt failed
#         ambiguously and the retry answers NOT_FOUND, the first attempt
#         did it, and the call returns the (empty) response.
# CREATE  each call makes something new (an ID, a secret, an email): a
#         repeat could make a duplicate. Retried only when the request
#         certainly never left (connection refused) or was rejected unapplied
#         (RESOURCE_EXHAUSTED); any other UNAVAILABLE/DEADLINE_EXCEEDED raises
#         ViamError(maybe_applied=True) so the module re-checks by name.
# --------------------------------------------------------------------------
READ = "read"
WRITE = "write"
DELETE = "delete"
CREATE = "create"

# proto/generate.py reads this table (by parsing this file) for the docstrings of rpc.py.
RPC_KINDS = {
    # AuthService: a new token each time, nothing else changes.
    "Authenticate": READ,
    # organizations, members, invites
    "GetUserIDByEmail": READ,
    "CreateOrganization": CREATE,
    "ListOrganizations": READ,
    "GetOrganizationsWithAccessToLocation": READ,
    "GetOrganization": READ,
    "GetOrganizationNamespaceAvailability": READ,
    "UpdateOrganization": WRITE,
    "UpdateOrganizationNamespace": WRITE,
    "DeleteOrganization": DELETE,
    "GetOrganizationMetadata": READ,
    "UpdateOrganizationMetadata": WRITE,
    "ListOrganizationMembers": READ,
    "CreateOrganizationInvite": CREATE,
    "UpdateOrganizationInviteAuthorizations": WRITE,
    "DeleteOrganizationMember": DELETE,
    "DeleteOrganizationInvite": DELETE,
    "ResendOrganizationInvite": CREATE,  # sends another email
    # locations
    "CreateLocation": CREATE,
    "GetLocation": READ,
    "UpdateLocation": WRITE,
    "DeleteLocation": DELETE,
    "GetLocationMetadata": READ,
    "UpdateLocationMetadata": WRITE,
    "ListLocations": READ,
    "ShareLocation": WRITE,
    "UnshareLocation": WRITE,
    "LocationAuth": READ,
    "CreateLocationSecret": CREATE,
    "DeleteLocationSecret": DELETE,
    # machines and parts
    "GetRobot": READ,
    "GetRobotMetadata": READ,
    "UpdateRobotMetadata": WRITE,
    "GetRoverRentalRobots": READ,
    "GetRobotParts": READ,
    "GetRobotPart": READ,
    "GetRobotPartByNameAndLocation": READ,
    "GetRobotPartLogs": READ,
    "TailRobotPartLogs": READ,  # server stream: retried only before the first message
    "GetRobotPartHistory": READ,
    "UpdateRobotPart": WRITE,
    "NewRobotPart": CREATE,
    "DeleteRobotPart": DELETE,
    "GetRobotPartMetadata": READ,
    "UpdateRobotPartMetadata": WRITE,
    "GetRobotAPIKeys": READ,
    "MarkPartAsMain": WRITE,
    "MarkPartForRestart": WRITE,
    "CreateRobotPartSecret": CREATE,
    "DeleteRobotPartSecret": DELETE,
    "ListRobots": READ,
    "ListRobotsForLocations": READ,
    "ListRobotsForOrg": READ,
    "NewRobot": CREATE,
    "UpdateRobot": WRITE,
    "DeleteRobot": DELETE,
    "ListMachineSummaries": READ,
    # fragments
    "ListFragments": READ,
    "GetFragment": READ,
    "CreateFragment": CREATE,
    "UpdateFragment": WRITE,
    "DeleteFragment": DELETE,
    "GetFragmentHistory": READ,
    "SetFragmentTag": WRITE,
    "DeleteFragmentTag": DELETE,
    "GetFragmentUsage": READ,
    # roles and permissions
    "AddRole": CREATE,
    "RemoveRole": DELETE,
    "ChangeRole": WRITE,
    "ListAuthorizations": READ,
    "CheckPermissions": READ,
    # registry modules
    "CreateModule": CREATE,
    "UpdateModule": WRITE,
    "UploadModuleFile": CREATE,  # client stream
    "GetModule": READ,
    "ListModules": READ,
    # API keys
    "CreateKey": CREATE,
    "DeleteKey": DELETE,
    "ListKeys": READ,
    "RenameKey": WRITE,
    "RotateKey": CREATE,  # a new secret each time
    "CreateKeyFromExistingKeyAuthorizations": CREATE,
}

TRANSIENT = frozenset(("UNAVAILABLE", "RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED"))
# A read that timed out this many times in a row is not tried again: the
# timeout is too short for the server (retrying would only make the user wait).
DEADLINE_TRIES = 3
# Codes after which a write may or may not have been applied.
AMBIGUOUS = frozenset(("UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "CANCELLED"))

# What Attempts.after() tells the caller to do.
RETRY = "retry"  # wait the delay, then send again
DONE = "done"  # an earlier attempt did it: return the empty response
RAISE = "raise"  # give up: raise the error (Attempts.maybe_applied says whether it may have been applied)


def decide(kind: str, code: str, details: str = "") -> t.Tuple[bool, bool]:
    """(retry?, ambiguous?) for a failed attempt of an RPC of ``kind`` that got ``code`` (a StatusCode name).

    ambiguous: the attempt may have been applied (only ever true for a write).
    """
    problem = transport_problem(code, details)
    if problem in ("cert", "hostname", "not_tls", "dns"):
        return False, False
    if code == "RESOURCE_EXHAUSTED" and "message larger than max" in details.lower():
        return False, kind != READ  # grpcio's own limit: the server did answer
    if problem == "connect":
        # Never sent: safe for every kind. Only a reconnect gets here: a connection that was never
        # made at all fails before any attempt, without retries (ViamClient._connect).
        return True, False
    if code not in TRANSIENT:
        return False, kind != READ and code in AMBIGUOUS
    if code == "RESOURCE_EXHAUSTED":
        return True, False  # rejected unapplied (rate limit)
    if code == "DEADLINE_EXCEEDED":
        return kind == READ, kind != READ
    # UNAVAILABLE after the connection was made: the request may have arrived.
    return kind != CREATE, kind != READ


def backoff(attempt: int, base: float, cap: float) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1, 2, ...): full jitter,
    uniform in [0, min(cap, base * 2 ** (attempt - 1))]."""
    return random.uniform(0, min(cap, base * (2 ** (attempt - 1))))


class Attempts:
    """The tries of one call: ``begin()`` before each, ``after(code, details)`` after a failure.

    ``tries`` is the most attempts in all, ``budget`` the seconds they may take (a retry
    whose pause would end past it is not made), ``base``/``cap`` the backoff. ``replayable``
    is false for a request that cannot be sent again (a client stream from a one-shot iterator).
    """

    def __init__(self, kind: str, tries: int, budget: float, base: float, cap: float, replayable: bool = True,
                 clock: t.Callable[[], float] = time.monotonic):
        self.kind = kind
        self.tries = tries
        self.budget = budget
        self.base = base
        self.cap = cap
        self.replayable = replayable
        self.clock = clock
        self.start = clock()
        self.count = 0  # attempts made (re-sends after a re-authentication not counted)
        self.ambiguous = False  # an attempt may have been applied
        self.deadlines = 0  # DEADLINE_EXCEEDED in a row

    @property
    def maybe_applied(self) -> bool:
        return self.ambiguous and self.kind != READ

    def begin(self) -> None:
        self.count += 1

    def resend(self) -> None:
        """The attempt just made is sent again as the same attempt (after a re-authentication)."""
        self.count -= 1

    def after(self, code: str, details: str = "") -> t.Tuple[str, float]:
        """(RETRY, seconds to wait first), (DONE, 0) or (RAISE, 0) after a failed attempt."""
        retry, was_ambiguous = decide(self.kind, code, details)
        self.deadlines = self.deadlines + 1 if code == "DEADLINE_EXCEEDED" else 0
        if self.deadlines >= DEADLINE_TRIES:
            retry = False
        if self.kind == DELETE and code == "NOT_FOUND" and self.ambiguous:
            return DONE, 0.0  # an earlier attempt did delete it
        self.ambiguous = self.ambiguous or was_ambiguous
        if retry and self.replayable and self.count < self.tries:
            delay = backoff(self.count, self.base, self.cap)
            if self.clock() - self.start + delay < self.budget:
                return RETRY, delay
        return RAISE, 0.0
