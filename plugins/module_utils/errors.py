# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception type of the viam.cloud client.

Pure Python on purpose: modules can import it (and catch it) without grpcio.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import typing as t

# Plain words for the gRPC status codes a person is likely to meet. The
# codes that need context (the URL, the timeout) are filled in by describe().
_PLAIN_WORDS = {
    "CANCELLED": "the call was cancelled",
    "UNKNOWN": "the Viam app rejected the request",
    "INVALID_ARGUMENT": "invalid argument",
    "NOT_FOUND": "not found",
    "ALREADY_EXISTS": "already exists",
    "PERMISSION_DENIED": "permission denied: the API key cannot do this",
    "RESOURCE_EXHAUSTED": "rate limited or over a quota",
    "FAILED_PRECONDITION": "the resource is not in a state that allows this",
    "ABORTED": "aborted by a concurrent change",
    "OUT_OF_RANGE": "a value is out of range",
    "UNIMPLEMENTED": "the Viam app does not implement this call",
    "INTERNAL": "internal error in the Viam app",
    "DATA_LOSS": "data loss",
    "UNAUTHENTICATED": "authentication failed: check api_key_id and api_key",
}


def describe(code: t.Optional[str], app_url: t.Optional[str] = None, timeout: t.Optional[float] = None) -> str:
    """Plain words for a gRPC status code name such as "NOT_FOUND"."""
    if code == "UNAVAILABLE":
        return "the Viam app at %s is unavailable" % (app_url or "app_url")
    if code == "DEADLINE_EXCEEDED":
        if timeout is None:
            return "timed out"
        return "timed out after %s s" % seconds_text(timeout)
    return _PLAIN_WORDS.get(code or "", "failed")


def seconds_text(value: float) -> str:
    """30.0 -> "30", 0.25 -> "0.25"."""
    if float(value).is_integer():
        return str(int(value))
    return ("%.3f" % value).rstrip("0").rstrip(".")


class ViamError(Exception):
    """A failed call to the Viam app API (or a client-side problem before it).

    Attributes:
      code: gRPC status name ("NOT_FOUND", "UNAVAILABLE", ...) or None for a
        problem found before any call (bad option, missing library).
      rpc: the RPC name ("GetRobot"), or None.
      resource: what the caller was working on, e.g. "machine 'rover-7'".
      details: the server's own message (or grpcio's, for transport errors).
      maybe_applied: True when a write failed in a way that leaves it unknown
        whether the server applied it (timeout, connection lost mid-call). The
        caller should re-read (for example look the resource up by name)
        before trying again.
      summary: the plain-words description used in str().
      attempts: how many times the call was sent.
    """

    def __init__(self, code: t.Optional[str] = None, rpc: t.Optional[str] = None, details: str = "",
                 resource: t.Optional[str] = None, maybe_applied: bool = False, summary: t.Optional[str] = None,
                 attempts: int = 1, hint: t.Optional[str] = None) -> None:
        self.code = code
        self.rpc = rpc
        self.details = details or ""
        self.resource = resource
        self.maybe_applied = maybe_applied
        self.summary = summary if summary is not None else describe(code)
        self.attempts = attempts
        self.hint = hint
        super(ViamError, self).__init__(self.message)

    @property
    def message(self) -> str:
        """The sentence str() returns, e.g.
        "GetRobot failed for machine 'rover-7': not found (NOT_FOUND): no robot with id ..."
        """
        head = ""
        if self.rpc:
            head = "%s failed" % self.rpc
            if self.resource:
                head += " for %s" % self.resource
            head += ": "
        elif self.resource:
            head = "%s: " % self.resource
        text = head + self.summary
        if self.code:
            text += " (%s)" % self.code
        details = self.details.strip()
        if details and details not in self.summary:
            text += ": " + details
        if self.attempts > 1:
            text += " [after %d attempts]" % self.attempts
        if self.hint:
            text = text.rstrip(". ") + ". " + self.hint
        if self.maybe_applied:
            text = text.rstrip(". ") + ". The change may have been applied anyway: check the current state before retrying"
        return text

    def __str__(self):
        return self.message

    @property
    def not_found(self) -> bool:
        return self.code == "NOT_FOUND"

    def to_dict(self) -> dict:
        """The machine-readable part, for fail_json(viam_error=...)."""
        return {
            "code": self.code,
            "rpc": self.rpc,
            "resource": self.resource,
            "details": self.details,
            "maybe_applied": self.maybe_applied,
            "attempts": self.attempts,
        }
