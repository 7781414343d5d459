# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of option values that must fail before any call is made (pure Python, no grpc).

    problem = text_problem("name", value)        # None, or a sentence saying what is wrong
    problem = json_problem("config", config)     # size, nesting depth, NaN/Infinity
    problem = uuid_problem("organization_id", value, "an organization ID")
    problem = name_problem("name", value)        # the one rule for resource names (modules and viam_fleet)
    is_uuid(value)                               # the one UUID pattern (UUID_RE)

Every function returns None for a good value and a message for a bad one, so that
callers decide how to fail (ViamModule.fail, fail_json, an exception).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import json
import re
import typing as t
import unicodedata

# The largest request the Viam app accepts: gRPC's default maximum message
# size, which grpc-go servers (such as app.viam.com) keep unless told otherwise.
# A config or metadata dict is checked against it as JSON text, before sending.
MAX_REQUEST_BYTES = 4 * 1024 * 1024
# Configs and metadata travel as google.protobuf.Struct, where every level of a
# JSON object costs three levels of messages; protobuf parsers refuse messages
# nested deeper than 100 levels, which a JSON value reaches at about 33 levels
# (counted with objects and lists alike). 32 leaves room for the message around it.
MAX_JSON_DEPTH = 32

# Names are free text in Viam; this bound catches mistakes (a pasted config) before any call is made.
MAX_NAME_LENGTH = 256
# Organization, machine, part, fragment and API key IDs (location IDs are not UUIDs).
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Characters a person cannot see: format characters (zero-width space, joiners,
# direction marks), separators and combining marks on their own.
_INVISIBLE = ("Cf", "Zs", "Zl", "Zp", "Mn", "Me")


def _size(count: int) -> str:
    """4194304 -> '4 MiB', 10485760 -> '10.0 MiB'."""
    mib = count / (1024.0 * 1024.0)
    if mib.is_integer():
        return "%d MiB" % mib
    return "%.1f MiB" % mib


def text_problem(option: str, value: t.Any) -> t.Optional[str]:
    """What is wrong with a name-like text option, or None.

    Catches: a non-string; an unpaired surrogate; control characters (a newline,
    NUL, ESC...); only invisible characters; a list or dict that was turned
    into text on the way (Ansible converts a list given to a str option).
    """
    if value is None:
        return None
    if not isinstance(value, str):
        return "%s must be a string, not %s" % (option, type(value).__name__)
    for position, char in enumerate(value):
        category = unicodedata.category(char)
        if category == "Cs":
            return ("%s is not valid Unicode text: it has an unpaired surrogate (U+%04X) at position %d"
                    % (option, ord(char), position))
        if category == "Cc":
            return ("%s contains the control character U+%04X at position %d; names are one line of printable text"
                    % (option, ord(char), position))
    if value and all(char.isspace() or unicodedata.category(char) in _INVISIBLE for char in value) and value.strip():
        return "%s has no visible character (only spaces, zero-width or other invisible characters)" % option
    stripped = value.strip()
    if len(stripped) > 1 and stripped[0] + stripped[-1] in ("[]", "{}"):
        try:
            parsed = ast.literal_eval(stripped)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            parsed = None
        if isinstance(parsed, (list, dict)):
            return ("%s must be a single string, but got a %s turned into text (%s); give one name"
                    % (option, type(parsed).__name__, stripped[:60]))
    return None


def json_depth(value: t.Any, limit: int = MAX_JSON_DEPTH + 1) -> int:
    """Nesting depth of dicts and lists (a scalar is 0), counted up to ``limit`` (then stops)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, (list, tuple)):
            children = list(item)
        else:
            continue
        deepest = max(deepest, level)
        if deepest >= limit:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def json_problem(option: str, value: t.Any, max_bytes: int = MAX_REQUEST_BYTES,
                 max_depth: int = MAX_JSON_DEPTH, default: t.Optional[t.Callable[[t.Any], t.Any]] = None) -> t.Optional[str]:
    """What keeps ``value`` from being sent as JSON/Struct, or None: too deep, not JSON, too big.

    ``default`` is json.dumps's: how values JSON has no type for are written (None: they are refused).
    NaN and infinities are always refused: JSON has no such numbers.
    """
    depth = json_depth(value, max_depth + 1)
    if depth > max_depth:
        return ("%s is nested more than %d levels deep; the Viam app stores it as a protobuf Struct, whose parsers "
                "refuse more than 100 levels of messages (about %d levels of JSON objects and lists)"
                % (option, max_depth, max_depth))
    try:
        text = json.dumps(value, allow_nan=False, separators=(",", ":"), default=default)
    except (TypeError, ValueError) as exc:
        return "%s cannot be stored as JSON: %s" % (option, exc)
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        return ("%s is %s (%d bytes) as JSON; the Viam app accepts requests of at most %s (the gRPC default "
                "maximum message size), so it was not sent" % (option, _size(size), size, _size(max_bytes)))
    return None


def uuid_problem(option: str, value: t.Optional[str], kind: str) -> t.Optional[str]:
    """None for a UUID (or no value); else a message such as "organization_id 'x' is not an organization ID"."""
    if not value or UUID_RE.match(value.strip()):
        return None
    return "%s %r is not %s (%s are UUIDs such as 6f0e5c1a-8d4b-4c1e-9f3a-2b7d9e4a1c55)" % (
        option, value, kind, kind.split(" ", 1)[-1] + "s")


def is_uuid(value: t.Optional[str]) -> bool:
    return bool(UUID_RE.match(value or ""))


def name_problem(option: str, value: t.Any) -> t.Optional[str]:
    """What is wrong with a resource name, or None: the checks of text_problem, then empty or blank,
    then longer than MAX_NAME_LENGTH. The one rule for names, in every module and in viam_fleet."""
    problem = text_problem(option, value)
    if problem:
        return problem
    if value is None or not value.strip():
        return "%s must not be empty" % option
    if len(value) > MAX_NAME_LENGTH:
        return "%s is %d characters long; at most %d are allowed" % (option, len(value), MAX_NAME_LENGTH)
    return None
