"""Fragments: ListFragments, GetFragment, CreateFragment, UpdateFragment, DeleteFragment, GetFragmentHistory.

Records: kind "fragment" (Fragment; org = owner, name = name) holding the stored
fields; organization_name, public_namespace and the usage counts are computed on
every read from the organization and from the parts whose config names the
fragment (`"fragments": [{"id": ...}]` or plain ID strings, read by
records.part_fragment_ids). Kind
"fragment_history" (FragmentHistoryEntry; parent = fragment, org = owner), one
per edit.

Behaviours chosen where the public record is unsure (docs/api-assumptions.md §3;
the switches are behaviours.py's, §7):
- Names are unique within an organization (ALREADY_EXISTS), so a module can
  find a fragment by name and stay idempotent. Behaviour duplicate_fragment_name
  makes a taken name (CreateFragment, a rename through UpdateFragment)
  INVALID_ARGUMENT, or allowed (_check_unique).
- `public` is true exactly when visibility is PUBLIC (an unlisted fragment is
  not listed publicly). An UpdateFragment with both `public` and `visibility`
  that disagree is INVALID_ARGUMENT; `public` alone maps to PUBLIC / PRIVATE.
- ListFragments looks at the given organization, or every organization the
  caller may read when organization_id is empty. A non-empty
  fragment_visibility selects those visibilities (PUBLIC also brings other
  organizations' public fragments); otherwise show_public=true means public
  fragments only (SDK docstring) and show_public=false, the CLI's empty request,
  means every fragment the organization owns.
- An UpdateFragment that changes nothing records no history and keeps the
  revision; any change bumps `revision` ("1", "2", ...) and `last_updated`, and
  adds a history entry whose `old` is the fragment before the edit and whose
  `revision`/`config` are the ones the edit produced.
- A stale last_known_update (not equal to the stored last_updated) is
  FAILED_PRECONDITION (behaviour update_conflict_code may name another code).
  Timestamps are kept to the microsecond so a value read through Python
  datetimes compares equal.
- GetFragment's `version` selects a revision (digits) or a tag (anything else); its `tags` lists the
  fragment's tags. Kind "fragment_tag" (FragmentTag; id = "<fragment>|<tag>", parent = fragment)
  holds one tag each. SetFragmentTag creates or moves a tag, DeleteFragmentTag removes it; both
  answer every tag left (app.proto). Tag names follow the docs' rule (lowercase letters, digits,
  `-`, `_`; not starting with a digit or `v`; at most 60 characters), else INVALID_ARGUMENT; a
  revision the fragment never had is NOT_FOUND. They are served only once proto/rpcs.txt lists
  them (generic_handlers serves the methods the generated AppService has). So is GetFragmentUsage:
  per revision that RobotService/Config last served to parts, how many machines run it.
- records.resolve_version is what RobotService/Config uses for a part's pinned imports
  (resolve.py); records.py also holds the revision and tag lookups GetFragment uses.
- Deleting a fragment that parts still use is allowed (the UI only warns).
- Behaviour public_fragments=thousands: 3,000 public fragments owned by an organization
  no key can reach ("Public Fragment Authors") are added on first use, in one transaction
  (ensure_public_fragments); ListFragments returns them wherever it returns other
  organizations' public fragments, and GetFragment serves them as any public fragment.
  With public_fragments=none they are left out of ListFragments even if an earlier
  setting seeded them.
"""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from ..access import allowed, require_org_member, visible_organization_ids
from ..errors import already_exists, invalid, not_found, permission_denied, with_code
from ..ids import new_uuid, now
from ..records import PartOrgs, fragment_history, fragment_tag_key, part_fragment_ids, revision_config, revision_of
from ..registry import Call, rpc
from ..store import Tx
from ..wire import app_pb2

PRIVATE = app_pb2.FRAGMENT_VISIBILITY_PRIVATE
PUBLIC = app_pb2.FRAGMENT_VISIBILITY_PUBLIC
UNLISTED = app_pb2.FRAGMENT_VISIBILITY_PUBLIC_UNLISTED
UNSPECIFIED = app_pb2.FRAGMENT_VISIBILITY_UNSPECIFIED
VISIBILITIES = (PRIVATE, PUBLIC, UNLISTED)
DEFAULT_PAGE_LIMIT = 10
MAX_PAGE_LIMIT = 100

# public_fragments=thousands: the other organization and its fragments (deterministic IDs).
PUBLIC_AUTHORS_ORG_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "viam-app-emulator/public-fragments"))
PUBLIC_AUTHORS_ORG_NAME = "Public Fragment Authors"
PUBLIC_FRAGMENT_COUNT = 3000


# -- which parts use which fragments --------------------------------------------------------

@dataclass
class Usage:
    parts: Set[str] = field(default_factory=set)
    machines: Set[Tuple[str, str]] = field(default_factory=set)  # (robot id, its organization)

    @property
    def orgs(self) -> Set[str]:
        return {org for robot_id, org in self.machines}


def usages(tx: Tx, fragment_ids: Iterable[str]) -> Dict[str, Usage]:
    """Usage of each fragment, from one pass over the parts."""
    result = {fragment_id: Usage() for fragment_id in fragment_ids}
    if not result:
        return result
    orgs = PartOrgs(tx)
    for part in tx.list("part", app_pb2.RobotPart):
        used = [f for f in part_fragment_ids(part) if f in result]
        if not used:
            continue
        org = orgs.of(part)
        for fragment_id in used:
            result[fragment_id].parts.add(part.id)
            result[fragment_id].machines.add((part.robot, org))
    return result


# -- reading ------------------------------------------------------------------------------------

def _decorated(tx: Tx, fragment: app_pb2.Fragment, usage: Usage) -> app_pb2.Fragment:
    shown = app_pb2.Fragment()
    shown.CopyFrom(fragment)
    org = tx.get("organization", fragment.organization_owner, app_pb2.Organization)
    if org is not None:
        shown.organization_name = org.name
        if org.public_namespace:
            shown.public_namespace = org.public_namespace
    shown.robot_part_count = len(usage.parts)
    shown.organization_count = len(usage.orgs)
    shown.only_used_by_owner = usage.orgs <= {fragment.organization_owner}
    return shown


def _usage_message(fragment_id: str, usage: Usage, current_org: str) -> app_pb2.FragmentUsage:
    return app_pb2.FragmentUsage(
        fragment_id=fragment_id, organizations=len(usage.orgs), machines=len(usage.machines),
        machines_in_current_org=sum(1 for robot_id, org in usage.machines if org == current_org))


def _readable(call: Call, fragment: app_pb2.Fragment) -> bool:
    # Public and unlisted fragments are usable by anyone who has the ID.
    return fragment.visibility in (PUBLIC, UNLISTED) or allowed(
        call.tx, call.principal, "read", "organization", fragment.organization_owner)


def _must_get(call: Call, fragment_id: str) -> app_pb2.Fragment:
    if not fragment_id:
        raise invalid("fragment id is required")
    return call.tx.must_get("fragment", fragment_id, app_pb2.Fragment, "fragment")


def _must_read(call: Call, fragment_id: str) -> app_pb2.Fragment:
    fragment = _must_get(call, fragment_id)
    if not _readable(call, fragment):
        raise permission_denied("the caller may not read fragment %r" % fragment_id)
    return fragment


# -- revisions and tags -------------------------------------------------------------------------

# docs reuse-configuration.md "Create a tag": lowercase alphanumerics, - and _, not starting with a
# digit (tags and revision numbers must not look alike) or with "v", at most 60 characters.
TAG_RE = re.compile(r"^[a-uw-z_-][a-z0-9_-]{0,59}$")


def tags_of(tx: Tx, fragment_id: str) -> List[app_pb2.FragmentTag]:
    return sorted(tx.list("fragment_tag", app_pb2.FragmentTag, parent=fragment_id), key=lambda t: t.tag)


# -- writing ------------------------------------------------------------------------------------

def _valid_name(name: str) -> str:
    if not name.strip():
        raise invalid("fragment name must not be empty")
    return name


def _check_unique(call: Call, org_id: str, name: str, fragment_id: str = "") -> None:
    """A name another fragment of the organization has: behaviour duplicate_fragment_name."""
    answer = call.settings.behaviour("duplicate_fragment_name")
    if answer == "allowed":
        return
    for other_id in call.tx.list_ids("fragment", org=org_id, name=name):
        if other_id != fragment_id:
            message = "organization %r already has a fragment named %r (%s)" % (org_id, name, other_id)
            raise invalid(message) if answer == "invalid_argument" else already_exists(message)


def _valid_visibility(value: int) -> int:
    if value not in VISIBILITIES:
        raise invalid("fragment visibility %r is not PRIVATE, PUBLIC or PUBLIC_UNLISTED" % value)
    return value


def _config_from_json(text: str) -> dict:
    try:
        parsed = json.loads(text)
    except ValueError as err:
        raise invalid("fragment_config_json is not valid JSON: %s" % err)
    if not isinstance(parsed, dict):
        raise invalid("fragment_config_json must be a JSON object")
    return parsed


def _save(tx: Tx, fragment: app_pb2.Fragment) -> None:
    tx.put("fragment", fragment.id, fragment, name=fragment.name, org=fragment.organization_owner)


def _next_update_time(previous: app_pb2.Fragment):
    """Now, but strictly after the stored last_updated, so every edit is distinguishable."""
    stamp = now()
    if previous.HasField("last_updated"):
        floor = previous.last_updated.ToDatetime(tzinfo=stamp.tzinfo) + timedelta(microseconds=1)
        stamp = max(stamp, floor)
    return stamp


def _requested_visibility(request: app_pb2.UpdateFragmentRequest, current: int) -> int:
    visibility = current
    if request.HasField("visibility") and request.visibility != UNSPECIFIED:
        visibility = _valid_visibility(request.visibility)
    if request.HasField("public"):
        if request.HasField("visibility") and request.visibility != UNSPECIFIED:
            if request.public != (visibility == PUBLIC):
                raise invalid("public=%s contradicts visibility %s"
                              % (request.public, app_pb2.FragmentVisibility.Name(visibility)))
        else:
            visibility = PUBLIC if request.public else PRIVATE
    return visibility


# -- RPCs -------------------------------------------------------------------------------------

def _listed_orgs(call: Call, organization_id: str) -> List[str]:
    if organization_id:
        require_org_member(call.tx, call.principal, organization_id)
        return [organization_id]
    return [org_id for org_id in visible_organization_ids(call.tx, call.principal)
            if allowed(call.tx, call.principal, "read", "organization", org_id)]


def _selection(request: app_pb2.ListFragmentsRequest) -> Tuple[Set[int], bool]:
    """(visibilities of the organization's own fragments to list, whether to add others' public ones)."""
    wanted = {v for v in request.fragment_visibility if v != UNSPECIFIED}
    for value in wanted:
        _valid_visibility(value)
    if wanted:
        return wanted, PUBLIC in wanted
    if request.show_public:
        return {PUBLIC}, True
    return set(VISIBILITIES), False


def ensure_public_fragments(tx: Tx) -> None:
    """public_fragments=thousands: the other organization and its 3,000 public fragments, made once."""
    if tx.get("organization", PUBLIC_AUTHORS_ORG_ID, app_pb2.Organization) is not None:
        return
    stamp = now()
    org = app_pb2.Organization(id=PUBLIC_AUTHORS_ORG_ID, name=PUBLIC_AUTHORS_ORG_NAME, default_region="us-central")
    org.created_on.FromDatetime(stamp)
    tx.put("organization", org.id, org, name=org.name, org=org.id)
    template = app_pb2.Fragment(organization_owner=org.id, visibility=PUBLIC, public=True, revision="1")
    template.created_on.FromDatetime(stamp)
    template.last_updated.FromDatetime(stamp)
    for number in range(1, PUBLIC_FRAGMENT_COUNT + 1):
        fragment = app_pb2.Fragment()
        fragment.CopyFrom(template)
        fragment.id = str(uuid.uuid5(uuid.NAMESPACE_URL, "viam-app-emulator/public-fragments/%d" % number))
        fragment.name = "community-fragment-%04d" % number
        fragment.fragment.update({"components": [{"name": "camera-%d" % number, "api": "rdk:component:camera",
                                                  "model": "rdk:builtin:fake", "attributes": {}}]})
        _save(tx, fragment)


def _others_public(call: Call, org_ids: List[str]) -> List[app_pb2.Fragment]:
    """Other organizations' public fragments (with public_fragments=thousands, the seeded ones too)."""
    seeded = call.settings.behaviour("public_fragments") == "thousands"
    if seeded:
        ensure_public_fragments(call.tx)
    return [f for f in call.tx.list("fragment", app_pb2.Fragment)
            if f.visibility == PUBLIC and f.organization_owner not in org_ids
            and (seeded or f.organization_owner != PUBLIC_AUTHORS_ORG_ID)]


@rpc("ListFragments")
def list_fragments(call: Call, request: app_pb2.ListFragmentsRequest) -> app_pb2.ListFragmentsResponse:
    org_ids = _listed_orgs(call, request.organization_id)
    own_visibilities, others_public = _selection(request)
    chosen: List[app_pb2.Fragment] = []
    for org_id in org_ids:
        owned = call.tx.list("fragment", app_pb2.Fragment, org=org_id)
        chosen += [f for f in owned if f.visibility in own_visibilities]
    if others_public:
        chosen += _others_public(call, org_ids)
    used = usages(call.tx, [f.id for f in chosen])
    current_org = request.organization_id or (org_ids[0] if org_ids else "")
    return app_pb2.ListFragmentsResponse(
        fragments=[_decorated(call.tx, f, used[f.id]) for f in chosen],
        fragment_usages=[_usage_message(f.id, used[f.id], current_org) for f in chosen])


@rpc("GetFragment")
def get_fragment(call: Call, request: app_pb2.GetFragmentRequest) -> app_pb2.GetFragmentResponse:
    current = _must_read(call, request.id)
    history = fragment_history(call.tx, current.id)
    shown = current
    if request.HasField("version") and request.version:
        # A revision number or a tag name (GetFragmentRequest.version: "revision or tag").
        revision = revision_of(call.tx, current, request.version)
        if revision is None:
            raise not_found("version %r of fragment %r" % (request.version, current.id))
        if revision != current.revision:
            past = [h.old for h in history if h.old.revision == revision]
            if not past:
                raise not_found("version %r of fragment %r" % (request.version, current.id))
            shown = past[0]
    usage = usages(call.tx, [current.id])[current.id]
    response = app_pb2.GetFragmentResponse(
        fragment=_decorated(call.tx, shown, usage),
        fragment_usage=_usage_message(current.id, usage,
                                      request.current_organization_id or current.organization_owner))
    response.revisions.add(revision=current.revision, created_at=current.last_updated)
    for entry in history:
        response.revisions.add(revision=entry.old.revision, created_at=entry.old.last_updated)
    response.tags.extend(tags_of(call.tx, current.id))
    return response


@rpc("CreateFragment")
def create_fragment(call: Call, request: app_pb2.CreateFragmentRequest) -> app_pb2.CreateFragmentResponse:
    org = require_org_member(call.tx, call.principal, request.organization_id, "write")
    name = _valid_name(request.name)
    _check_unique(call, org.id, name)
    visibility = PRIVATE  # private unless asked otherwise (docs)
    if request.HasField("visibility") and request.visibility != UNSPECIFIED:
        visibility = _valid_visibility(request.visibility)
    fragment = app_pb2.Fragment(id=new_uuid(), name=name, organization_owner=org.id, visibility=visibility,
                                public=visibility == PUBLIC, revision="1")
    fragment.fragment.CopyFrom(request.config)  # an absent config is an empty one
    stamp = now()
    fragment.created_on.FromDatetime(stamp)
    fragment.last_updated.FromDatetime(stamp)
    _save(call.tx, fragment)
    return app_pb2.CreateFragmentResponse(fragment=_decorated(call.tx, fragment, Usage()))


@rpc("UpdateFragment")
def update_fragment(call: Call, request: app_pb2.UpdateFragmentRequest) -> app_pb2.UpdateFragmentResponse:
    old = _must_get(call, request.id)
    call.require("write", "fragment", old.id, "fragment %r" % old.id)
    if request.HasField("last_known_update") and request.last_known_update != old.last_updated:
        # FAILED_PRECONDITION by default; behaviour update_conflict_code may name another code.
        raise with_code(call.settings.behaviour("update_conflict_code"),
                        "fragment %r was changed since last_known_update (%s); it was last updated %s: re-read it "
                        "and retry" % (old.id, request.last_known_update.ToJsonString(),
                                       old.last_updated.ToJsonString()))
    new = app_pb2.Fragment()
    new.CopyFrom(old)
    new.name = _valid_name(request.name)
    if new.name != old.name:
        _check_unique(call, old.organization_owner, new.name, old.id)
    if request.HasField("fragment_config_json"):  # the JSON text wins over the Struct, as for parts
        new.fragment.Clear()  # our Struct lives in the wire's own descriptor pool: fill it in place
        new.fragment.update(_config_from_json(request.fragment_config_json))
    elif request.HasField("config"):
        new.fragment.CopyFrom(request.config)
    new.visibility = _requested_visibility(request, old.visibility)
    new.public = new.visibility == PUBLIC
    if new == old:
        return app_pb2.UpdateFragmentResponse(fragment=_decorated(call.tx, old, usages(call.tx, [old.id])[old.id]))
    stamp = _next_update_time(old)
    new.last_updated.FromDatetime(stamp)
    new.revision = str(int(old.revision or "0") + 1)
    entry = app_pb2.FragmentHistoryEntry(
        fragment=old.id, old=old, revision=new.revision, config=new.fragment,
        edited_by=app_pb2.AuthenticatorInfo(type=app_pb2.AUTHENTICATION_TYPE_API_KEY,
                                            value=call.principal.identity_id))
    entry.edited_on.FromDatetime(stamp)
    call.tx.put("fragment_history", new_uuid(), entry, parent=old.id, org=old.organization_owner)
    _save(call.tx, new)
    return app_pb2.UpdateFragmentResponse(fragment=_decorated(call.tx, new, usages(call.tx, [new.id])[new.id]))


@rpc("DeleteFragment")
def delete_fragment(call: Call, request: app_pb2.DeleteFragmentRequest) -> app_pb2.DeleteFragmentResponse:
    fragment = _must_get(call, request.id)
    call.require("write", "fragment", fragment.id, "fragment %r" % fragment.id)
    call.tx.delete_where("fragment_history", parent=fragment.id)
    call.tx.delete_where("fragment_tag", parent=fragment.id)
    call.tx.delete("fragment", fragment.id)
    return app_pb2.DeleteFragmentResponse()


def _page(request: app_pb2.GetFragmentHistoryRequest) -> Tuple[int, int]:
    limit = request.page_limit if request.HasField("page_limit") else DEFAULT_PAGE_LIMIT
    if limit < 0:
        raise invalid("page_limit must not be negative")
    limit = min(limit or DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT)
    offset = 0
    if request.page_token:
        try:
            offset = int(request.page_token)
        except ValueError:
            offset = -1
        if offset < 0:
            raise invalid("page_token %r is not one this server handed out" % request.page_token)
    return offset, limit


@rpc("GetFragmentHistory")
def get_fragment_history(call: Call, request: app_pb2.GetFragmentHistoryRequest
                         ) -> app_pb2.GetFragmentHistoryResponse:
    fragment = _must_read(call, request.id)
    offset, limit = _page(request)
    history = fragment_history(call.tx, fragment.id)
    end = offset + limit
    return app_pb2.GetFragmentHistoryResponse(history=history[offset:end],
                                              next_page_token=str(end) if end < len(history) else "")


def set_fragment_tag(call: Call, request: Any) -> Any:
    """Create the tag, or move it to another revision; answers every tag of the fragment."""
    fragment = _must_get(call, request.fragment_id)
    call.require("write", "fragment", fragment.id, "fragment %r" % fragment.id)
    if not TAG_RE.match(request.tag):
        raise invalid("tag %r is not valid: lowercase letters, digits, '-' and '_', not starting with a digit "
                      "or 'v', at most 60 characters" % request.tag)
    if not request.revision.isdigit() or revision_config(call.tx, fragment, request.revision) is None:
        raise not_found("revision %r of fragment %r" % (request.revision, fragment.id))
    tag = app_pb2.FragmentTag(tag=request.tag, revision=request.revision)
    call.tx.put("fragment_tag", fragment_tag_key(fragment.id, request.tag), tag, parent=fragment.id,
                name=request.tag, org=fragment.organization_owner)
    return app_pb2.SetFragmentTagResponse(tags=tags_of(call.tx, fragment.id))


def delete_fragment_tag(call: Call, request: Any) -> Any:
    """Remove a tag; parts pinned to it then resolve nothing (reported in their config status)."""
    fragment = _must_get(call, request.fragment_id)
    call.require("write", "fragment", fragment.id, "fragment %r" % fragment.id)
    if not call.tx.delete("fragment_tag", fragment_tag_key(fragment.id, request.tag)):
        raise not_found("tag %r of fragment %r" % (request.tag, fragment.id))
    return app_pb2.DeleteFragmentTagResponse(tags=tags_of(call.tx, fragment.id))


def get_fragment_usage(call: Call, request: Any) -> Any:
    """Usage "across versions" (app.proto): one FragmentUsage per revision of the fragment that
    RobotService/Config last served to some part (kind "part_served", handlers/device.py), i.e. the
    version actually deployed, which the docs' "Fragments in use" view shows beside the pinned one
    (docs/api-assumptions.md §10; L). Parts no device fetched a config for are not counted."""
    from google.protobuf import json_format, struct_pb2  # lazy: only this RPC reads the Struct records

    fragment = _must_read(call, request.fragment_id)
    orgs = PartOrgs(call.tx)
    by_revision: Dict[str, Usage] = {}
    for row_id in call.tx.list_ids("part_served"):
        served = json_format.MessageToDict(call.tx.get("part_served", row_id, struct_pb2.Struct))
        part = call.tx.get("part", row_id, app_pb2.RobotPart)
        if part is None:
            continue
        for entry in served.get("fragments") or []:
            if entry.get("id") == fragment.id and entry.get("revision"):
                usage = by_revision.setdefault(entry["revision"], Usage())
                usage.parts.add(part.id)
                usage.machines.add((part.robot, orgs.of(part)))
    usages_out = []
    for revision in sorted(by_revision, key=lambda r: int(r) if r.isdigit() else 0):
        message = _usage_message(fragment.id, by_revision[revision], fragment.organization_owner)
        message.version = revision
        usages_out.append(message)
    return app_pb2.GetFragmentUsageResponse(version_usages=usages_out)


# Served once proto/rpcs.txt lists them: the client's retry table (plugins/module_utils/retry.py
# RPC_KINDS) must name every RPC of rpcs.txt, so adding them there is the client side's step. Until
# then the generated AppService has no such methods and no handler is registered for them.
_APP_METHODS = app_pb2.DESCRIPTOR.services_by_name["AppService"].methods_by_name
for _name, _handler in (("SetFragmentTag", set_fragment_tag), ("DeleteFragmentTag", delete_fragment_tag),
                        ("GetFragmentUsage", get_fragment_usage)):
    if _name in _APP_METHODS:
        rpc(_name)(_handler)


def fragment_for(tx: Tx, fragment_id: str) -> Optional[app_pb2.Fragment]:
    """The stored fragment, for other handlers (summaries, part configs)."""
    return tx.get("fragment", fragment_id, app_pb2.Fragment)
