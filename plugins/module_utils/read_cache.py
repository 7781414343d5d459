# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Answers of the name lookups kept for the next items of the same loop, in the controller's worker.

A loop of single modules (100 machines, 300 parts) asks the same questions on every item: the
location by name (ListLocations), the machines of that location (ListRobots), the fragments by
name (ListFragments), the parts of a machine (GetRobotParts). Within one task's loop those answers
change only by the loop's own writes, so the worker keeps them for the next items
(docs/performance.md, "Reads within a loop"):

- only where the plugin enables it: the controller's worker, for a task with a loop and no
  ``until`` (plugins/plugin_utils/in_process.py), so a retried task always reads afresh; a
  module process runs one module and keeps it disabled;
- only the lookups of CACHED (never a part's own record, its config, logs or status: what a
  module polls); a module that polls sets ``reuses_reads = False`` and never uses it;
- in memory only, keyed by a SHA-256 of app_url, the key ID and the key, the RPC and its request:
  other credentials never see an answer;
- a write drops the answers it may change before it is sent (CLEARS; a write not listed there
  drops everything); any failure drops everything; an answer is kept at most TTL seconds.

The client's hook (plugins/module_utils/client.py, ViamClient._unary):
    before a read of CACHED:   get() -> the stored answer, parsed anew (callers may change it)
    after it:                  put() -> stored as bytes
    before any other RPC:      written(rpc)
    after any failure:         clear()
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time
import typing as t

from ansible_collections.viam.cloud.plugins.module_utils.token_cache import credentials_key

ENABLED = False  # plugins/plugin_utils/in_process.py sets it for the items of a loop
TTL = 60.0  # seconds an answer is reused at most (a loop that runs longer reads again)

# The reads kept: the name lookups a loop item makes before it knows what to change.
CACHED = frozenset(("ListOrganizations", "ListLocations", "ListRobots", "GetRobotParts", "ListFragments"))

_PART_WRITES = ("UpdateRobotPart", "NewRobotPart", "DeleteRobotPart", "MarkPartAsMain", "MarkPartForRestart",
                "CreateRobotPartSecret", "DeleteRobotPartSecret", "UpdateRobotPartMetadata")
_MACHINE_WRITES = ("NewRobot", "UpdateRobot", "DeleteRobot", "UpdateRobotMetadata")
_LOCATION_WRITES = ("CreateLocation", "UpdateLocation", "ShareLocation", "UnshareLocation", "CreateLocationSecret",
                    "DeleteLocationSecret", "UpdateLocationMetadata")
_FRAGMENT_WRITES = ("CreateFragment", "UpdateFragment", "DeleteFragment", "SetFragmentTag", "DeleteFragmentTag")
_ORGANIZATION_WRITES = ("CreateOrganization", "UpdateOrganization", "UpdateOrganizationNamespace",
                        "DeleteOrganization", "UpdateOrganizationMetadata")

# Which kept answers each write may change. A machine write changes its location's robot_count
# (which the organization-wide machine listing reads) and, deleted, its parts. A part write
# changes a fragment's usage counts only, which no lookup reads, so ListFragments stays.
CLEARS: t.Dict[str, t.FrozenSet[str]] = {}
for _rpc in _PART_WRITES:
    CLEARS[_rpc] = frozenset(("GetRobotParts",))
for _rpc in _MACHINE_WRITES:
    CLEARS[_rpc] = frozenset(("ListRobots", "ListLocations", "GetRobotParts"))
for _rpc in _LOCATION_WRITES:
    CLEARS[_rpc] = frozenset(("ListLocations",))
for _rpc in _FRAGMENT_WRITES:
    CLEARS[_rpc] = frozenset(("ListFragments",))
for _rpc in _ORGANIZATION_WRITES:
    CLEARS[_rpc] = frozenset(("ListOrganizations",))
del _rpc

_lock = threading.Lock()
# key -> (rpc, answer bytes, when it stops being reused)
_answers: t.Dict[str, t.Tuple[str, bytes, float]] = {}


def _key(app_url: t.Optional[str], api_key_id: t.Optional[str], api_key: t.Optional[str], rpc: str,
         request: bytes) -> t.Optional[str]:
    return credentials_key(app_url, api_key_id, api_key, rpc.encode("ascii") + b"\0" + request)


def get(app_url: t.Optional[str], api_key_id: t.Optional[str], api_key: t.Optional[str], rpc: str, request: bytes,
        now: t.Optional[float] = None) -> t.Optional[bytes]:
    """The kept answer (bytes) to this request with these credentials, or None."""
    if not ENABLED or rpc not in CACHED:
        return None
    key = _key(app_url, api_key_id, api_key, rpc, request)
    if key is None:
        return None
    now = time.monotonic() if now is None else now
    with _lock:
        entry = _answers.get(key)
        if entry is None:
            return None
        if entry[2] <= now:
            del _answers[key]
            return None
        return entry[1]


def put(app_url: t.Optional[str], api_key_id: t.Optional[str], api_key: t.Optional[str], rpc: str, request: bytes,
        answer: bytes, now: t.Optional[float] = None) -> None:
    if not ENABLED or rpc not in CACHED:
        return
    key = _key(app_url, api_key_id, api_key, rpc, request)
    if key is None:
        return
    now = time.monotonic() if now is None else now
    with _lock:
        _answers[key] = (rpc, answer, now + TTL)


def written(rpc: str) -> None:
    """Drop what a write of ``rpc`` may change (everything for a write CLEARS does not list)."""
    if not _answers:
        return
    cleared = CLEARS.get(rpc)
    with _lock:
        if cleared is None:
            _answers.clear()
            return
        for key in [k for k, entry in _answers.items() if entry[0] in cleared]:
            del _answers[key]


def clear() -> None:
    with _lock:
        _answers.clear()
