# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role authorizations as plain data: build them, read them, compare them.

A Viam role is "<role> on <resource_type> <resource_id>": role owner or
operator, resource_type organization, location or robot. On the wire it is an
Authorization (AddRole, RemoveRole, ChangeRole, CreateKey, ListAuthorizations)
or an AuthorizationDetails (ListKeys), both carrying:

    authorization_type  "role" (Python SDK, CLI) or the role word (Go SDK)
    authorization_id    "<resource_type>_<role>", e.g. "location_owner"

so the role is read from authorization_id first, then authorization_type
(docs/api-assumptions.md §3 Roles). Everything here takes and returns dicts (message_to_dict
output or user options), never proto messages, and imports nothing but the
standard library, so it is unit-tested without grpc.

    build("owner", "location", "ab1c2d3e45", organization_id=org)
        -> the Authorization fields the SDK sends
    canonical(listed) -> {"role", "resource_type", "resource_id", "organization_id", ...}
    key_of(auth) -> ("location", "ab1c2d3e45", "owner"), the identity of a role grant
    same_authorizations(a, b) / difference(current, desired): order-independent
    describe(auth, names) -> "owner of location 'lab' (ab1c2d3e45)"
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import typing as t

ROLES = ("owner", "operator")
RESOURCE_TYPES = ("organization", "location", "robot")
# What the Python SDK puts in authorization_type; the Go SDK puts the role word there.
AUTHORIZATION_TYPE = "role"
# The words a person reads: "machine", not "robot".
RESOURCE_WORDS = {"organization": "organization", "location": "location", "robot": "machine"}

Key = t.Tuple[str, str, str]


class AuthorizationError(ValueError):
    """An authorization (or a user's spec of one) that cannot be understood."""


def authorization_id(resource_type: str, role: str) -> str:
    """("location", "owner") -> "location_owner"."""
    return "%s_%s" % (resource_type, role)


def role_of(auth: t.Mapping[str, t.Any]) -> str:
    """The role word of an authorization in either form; "" when it has none.

    authorization_id "location_operator" -> "operator" (Python SDK form);
    authorization_type "owner" -> "owner" (Go SDK form).
    """
    auth_id = auth.get("authorization_id") or ""
    suffix = auth_id.rsplit("_", 1)[-1] if "_" in auth_id else auth_id
    for candidate in (suffix, auth.get("authorization_type") or ""):
        if candidate in ROLES:
            return candidate
    return ""


def resource_type_of(auth: t.Mapping[str, t.Any]) -> str:
    """resource_type, or the prefix of authorization_id when resource_type is empty."""
    resource_type = auth.get("resource_type") or ""
    if not resource_type:
        auth_id = auth.get("authorization_id") or ""
        if "_" in auth_id:
            resource_type = auth_id.rsplit("_", 1)[0]
    return resource_type


def check_role(role: t.Any, resource_type: t.Any) -> None:
    """AuthorizationError unless role and resource_type are words Viam knows."""
    if role not in ROLES:
        raise AuthorizationError("role %r is not one of %s" % (role, ", ".join(ROLES)))
    if resource_type not in RESOURCE_TYPES:
        raise AuthorizationError("resource_type %r is not one of %s" % (resource_type, ", ".join(RESOURCE_TYPES)))


def build(role: str, resource_type: str, resource_id: str, organization_id: str = "", identity_id: str = "",
          identity_type: str = "") -> t.Dict[str, str]:
    """The Authorization fields the Python SDK sends for one role.

    identity_type is "" for AddRole/RemoveRole/ChangeRole and "api-key" for
    CreateKey; identity_id is "" for CreateKey (the server assigns the key ID).
    """
    check_role(role, resource_type)
    if not resource_id:
        word = RESOURCE_WORDS[resource_type]
        raise AuthorizationError("a role on a %s needs the %s's ID" % (word, word))
    return dict(
        authorization_type=AUTHORIZATION_TYPE,
        authorization_id=authorization_id(resource_type, role),
        resource_type=resource_type,
        resource_id=resource_id,
        identity_id=identity_id,
        organization_id=organization_id,
        identity_type=identity_type,
    )


def canonical(auth: t.Mapping[str, t.Any]) -> t.Dict[str, str]:
    """An Authorization or AuthorizationDetails dict in the one form modules return.

    Keys: role, resource_type, resource_id, organization_id (from
    ``organization_id`` or ListKeys' ``org_id``), authorization_type,
    authorization_id, and identity_id / identity_type when the input has them.
    authorization_type is "role" and authorization_id "<type>_<role>" whatever
    form the server used, so results compare equal across SDK conventions.
    """
    role = role_of(auth)
    resource_type = resource_type_of(auth)
    out = dict(
        role=role,
        resource_type=resource_type,
        resource_id=auth.get("resource_id") or "",
        organization_id=auth.get("organization_id") or auth.get("org_id") or "",
        authorization_type=AUTHORIZATION_TYPE,
        authorization_id=authorization_id(resource_type, role) if role and resource_type else (
            auth.get("authorization_id") or ""),
    )
    for extra in ("identity_id", "identity_type"):
        if extra in auth:
            out[extra] = auth.get(extra) or ""
    return out


def key_of(auth: t.Mapping[str, t.Any]) -> Key:
    """(resource_type, resource_id, role): what makes two grants the same grant.

    Takes a canonical dict, a raw Authorization/AuthorizationDetails dict, or a
    dict with ``role`` already set.
    """
    role = auth.get("role") or role_of(auth)
    return (resource_type_of(auth), auth.get("resource_id") or "", role)


def key_set(auths: t.Iterable[t.Mapping[str, t.Any]]) -> t.FrozenSet[Key]:
    return frozenset(key_of(a) for a in auths)


def same_authorizations(first: t.Iterable[t.Mapping[str, t.Any]], second: t.Iterable[t.Mapping[str, t.Any]]) -> bool:
    """True when both hold the same grants, in any order and with any repeats."""
    return key_set(first) == key_set(second)


def difference(current: t.Iterable[t.Mapping[str, t.Any]], desired: t.Iterable[t.Mapping[str, t.Any]]
               ) -> t.Tuple[t.List[Key], t.List[Key]]:
    """(missing, extra): grants desired but not current, and current but not desired; each sorted."""
    have, want = key_set(current), key_set(desired)
    return sorted(want - have), sorted(have - want)


def sort_authorizations(auths: t.Iterable[t.Mapping[str, t.Any]]) -> t.List[t.Dict[str, t.Any]]:
    """Canonical dicts, without repeats, in a stable order (by type, resource, role)."""
    seen = {}
    for auth in auths:
        item = canonical(auth)
        seen.setdefault(key_of(item), item)
    type_rank = dict((name, rank) for rank, name in enumerate(RESOURCE_TYPES))
    return [seen[k] for k in sorted(seen, key=lambda k: (type_rank.get(k[0], len(RESOURCE_TYPES)), k[1], k[2]))]


def describe(auth: t.Union[t.Mapping[str, t.Any], Key], names: t.Optional[t.Mapping[t.Tuple[str, str], str]] = None
             ) -> str:
    """"owner of location 'lab' (ab1c2d3e45)"; names maps (resource_type, resource_id) to a name."""
    resource_type, resource_id, role = auth if isinstance(auth, tuple) else key_of(auth)
    name = (names or {}).get((resource_type, resource_id))
    word = RESOURCE_WORDS.get(resource_type, resource_type or "resource")
    if name and name != resource_id:
        return "%s of %s %r (%s)" % (role or "no role", word, name, resource_id)
    return "%s of %s %s" % (role or "no role", word, resource_id)


def describe_all(auths: t.Iterable[t.Union[t.Mapping[str, t.Any], Key]],
                 names: t.Optional[t.Mapping[t.Tuple[str, str], str]] = None) -> str:
    """describe() of each, joined with "; ", sorted; "no roles" when empty."""
    texts = sorted(set(describe(a, names) for a in auths))
    return "; ".join(texts) if texts else "no roles"


def spec_key(spec: t.Mapping[str, t.Any], resource_id: str) -> Key:
    """The key of a user's {role, resource_type, resource} once its resource is resolved to an ID."""
    check_role(spec.get("role"), spec.get("resource_type"))
    return (spec["resource_type"], resource_id, spec["role"])


def conflicts(keys: t.Iterable[Key]) -> t.List[t.Tuple[str, str, t.List[str]]]:
    """[(resource_type, resource_id, [roles])] for each resource given more than one role; sorted.

    An organization invite holds one authorization per resource (docs/api-assumptions.md §3 Invites).
    """
    roles: t.Dict[t.Tuple[str, str], t.Set[str]] = {}
    for resource_type, resource_id, role in keys:
        roles.setdefault((resource_type, resource_id), set()).add(role)
    return [(rt, rid, sorted(rs)) for (rt, rid), rs in sorted(roles.items()) if len(rs) > 1]
