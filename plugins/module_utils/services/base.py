# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every resource service shares: finding by name or ID, and creating without duplicates.

Finding: a name shared by several resources is never guessed (AmbiguousName lists the
candidates); a read by ID refused with a code the app may use for an unknown ID counts as
"absent" only when a listing confirms it (absent_unless_listed, docs/api-assumptions.md §7).

Creating: create_or_find() turns a refused or lost create into what was made (or CreateRaced,
when another run made the name first); keep_oldest() settles racing copies of a name the API
lets repeat: every racing run keeps the oldest (created_on, then ID) and deletes its own copy.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import time
import typing as t

from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError

# How often (at most) create_or_find sends a creating call whose earlier answer was lost and whose
# resource the look-up by name did not find (so it was not applied); the client's own ``retries`` when lower.
CREATE_TRIES = 10

# What app.viam.com answers a read by an ID that does not exist is not documented
# (docs/api-assumptions.md §7, unknown_id_code): NOT_FOUND is taken at its word; these
# others are "absent" only when a listing of the parent confirms it.
UNCONFIRMED_ABSENT_CODES = ("PERMISSION_DENIED", "INVALID_ARGUMENT", "UNKNOWN")

# Codes a create may be refused with when the name is taken: ALREADY_EXISTS is the convention, but the
# app answers many domain errors otherwise (docs/api-assumptions.md §7). Such a refusal is a lost
# race only when the name is found afterwards; otherwise the error stands.
NAME_TAKEN_CODES = ("INVALID_ARGUMENT", "FAILED_PRECONDITION", "UNKNOWN")

# Codes an update guarded by last_known_update may be refused with when the resource changed since it
# was read (docs/api-assumptions.md §7, update_conflict_code). A refusal is a conflict only when a
# fresh read shows the resource changed; otherwise the error is the server's own.
CONFLICT_CODES = ("FAILED_PRECONDITION", "ABORTED", "INVALID_ARGUMENT", "UNKNOWN")


class ResourceLookupError(ViamError):
    """A lookup that found nothing, or too much: a ViamError so modules fail the usual way."""

    def __init__(self, message: str) -> None:
        super().__init__(summary=message)


class AmbiguousName(ResourceLookupError):
    pass


class NotFound(ResourceLookupError):
    pass


class CreateRaced(Exception):
    """Another run made the same name first: ViamModule.run() reads the state again and decides anew."""

    def __init__(self, error: ViamError) -> None:
        super().__init__(str(error))
        self.error = error


class Predicted:
    """A resource a task names that does not exist yet, assumed in check mode to be made by an earlier task.

    Only check mode makes these (Service.missing): a playbook's first task may create the location
    that its next task puts a machine in, and ``--check`` cannot run the first for real. The ID is a
    readable placeholder that no real ID looks like; every listing below it is empty (docs/check-mode.md).
    """

    def __init__(self, kind: str, name: str, **fields: str) -> None:
        self.kind = kind
        self.name = name
        self.id = predicted_id(kind, name)
        self.robot_count = 0
        self.parent_location_id = ""
        self.location = fields.get("location", "")  # a machine's location ID
        self.robot = fields.get("robot", "")  # a part's machine ID
        self.location_id = fields.get("location_id", "")  # a part's location ID

    def __repr__(self) -> str:
        return "Predicted(%r, %r)" % (self.kind, self.name)


def predicted_id(kind: str, name: str) -> str:
    return "<%s %r, not created yet>" % (kind, name)


def predict_or_raise(predictions: t.Optional[t.List[str]], kind: str, ref: str, error: NotFound,
                     **fields: str) -> Predicted:
    """Raise ``error`` outside check mode (``predictions`` None); in check mode, record the assumption
    in ``predictions`` and return the resource as an earlier task would create it."""
    if predictions is None:
        raise error
    assumption = ("%s %r does not exist yet: check mode assumes an earlier task creates it (the real run "
                  "fails here if none does)" % (kind, ref))
    if assumption not in predictions:
        predictions.append(assumption)
    return Predicted(kind, ref, **fields)


def is_predicted(resource_id: t.Any) -> bool:
    """True for the placeholder ID of a Predicted resource (real IDs never start with '<')."""
    return isinstance(resource_id, str) and resource_id.startswith("<")


def micros(stamp: t.Any) -> int:
    """A Timestamp at the precision the API compares last_known_update with."""
    return stamp.seconds * 1000000 + stamp.nanos // 1000


# How many names a "not found" message lists before it says how many more there are.
LISTED_CANDIDATES = 8


def candidates_text(ref: str, names: t.Iterable[str], kind: str) -> str:
    """" Did you mean 'labs'? The organization's locations: 'factory', 'labs'." for a not-found message."""
    import difflib

    unique = sorted(set(n for n in names if n))
    if not unique:
        return " There are no %ss there yet." % kind
    close = difflib.get_close_matches(ref, unique, n=3, cutoff=0.6)
    text = " Did you mean %s?" % " or ".join(repr(n) for n in close) if close else ""
    shown = ", ".join(repr(n) for n in unique[:LISTED_CANDIDATES])
    more = " and %d more" % (len(unique) - LISTED_CANDIDATES) if len(unique) > LISTED_CANDIDATES else ""
    return "%s Existing %ss: %s%s." % (text, kind, shown, more)


def not_found(kind: str, ref: str, where: str, candidates: t.Iterable[t.Any]) -> NotFound:
    """NotFound for ``ref``, naming the closest names among ``candidates`` (objects with .name)."""
    names = [c.name for c in candidates]
    return NotFound("%s %r not found %s.%s" % (kind, ref, where, candidates_text(ref, names, kind)))


def pick_one(candidates: t.Sequence[t.Any], ref: str, kind: str, where: str,
             hint: str = "give the ID instead") -> t.Optional[t.Any]:
    """The candidate whose id is ref, else the only one named ref; None when nothing matches."""
    for candidate in candidates:
        if candidate.id == ref:
            return candidate
    named = [c for c in candidates if c.name == ref]
    if len(named) > 1:
        raise AmbiguousName("%d %ss are named %r %s: %s; %s" % (
            len(named), kind, ref, where, ", ".join("%s (id %s)" % (c.name, c.id) for c in named), hint))
    return named[0] if named else None


def absent_unless_listed(err: ViamError, listed_ids: t.Callable[[], t.Iterable[str]], resource_id: str) -> None:
    """Return (meaning "absent") when ``err`` says the ID does not exist; re-raise ``err`` otherwise.

    NOT_FOUND means absent. A code in UNCONFIRMED_ABSENT_CODES means absent only when
    ``listed_ids()`` (a documented listing of where the resource would be) does not hold
    ``resource_id``; when that listing itself fails, the original error stands.
    """
    if err.not_found:
        return
    if err.code not in UNCONFIRMED_ABSENT_CODES or err.maybe_applied:
        raise err
    try:
        ids = set(listed_ids())
    except ViamError:
        raise err
    if resource_id in ids:
        raise err


# ------------------------------------------------------------------ creating without duplicates

Finder = t.Callable[[], t.Any]
Lister = t.Callable[[], t.Sequence[t.Any]]
Deleter = t.Callable[[t.Any], None]


def _age(item: t.Any) -> t.Tuple[int, int, str]:
    """Sort key of racing copies: created_on, then ID (so every run picks the same oldest)."""
    stamp = getattr(item, "created_on", None)
    return (getattr(stamp, "seconds", 0), getattr(stamp, "nanos", 0), item.id)


def delete_copy(delete: Deleter, copy: t.Any, same_name: t.Optional[Lister] = None) -> None:
    """Delete a racing copy; one that is already gone (another run deleted it) is fine.

    "Gone" is NOT_FOUND, or any code the app may use for an unknown ID (docs/api-assumptions.md §7,
    unknown_id_code) or a delete whose answer was lost, when ``same_name()`` no longer lists the copy.
    """
    try:
        delete(copy)
    except ViamError as err:
        if err.not_found:
            return
        if same_name is not None and (err.maybe_applied or err.code in UNCONFIRMED_ABSENT_CODES):
            if not any(c.id == copy.id for c in same_name()):
                return
        raise


def settle_copies(copies: t.Sequence[t.Any], delete: Deleter, same_name: t.Optional[Lister] = None) -> t.Any:
    """The oldest of ``copies`` (same name, made by racing runs); the others are deleted.

    Every racing run keeps the oldest (keep_oldest), so deleting a younger copy here
    never removes one another run keeps; a copy already gone (its maker deleted it) is fine.
    """
    oldest = min(copies, key=_age)
    for copy in copies:
        if copy.id != oldest.id:
            delete_copy(delete, copy, same_name)
    return oldest


def _name_exists(find_existing: Finder, same_name: t.Optional[Lister]) -> bool:
    if same_name is not None:
        return bool(list(same_name()))
    try:
        return find_existing() is not None
    except AmbiguousName:
        return True


def create_or_find(create: Finder, find_existing: Finder, same_name: t.Optional[Lister] = None,
                   delete: t.Optional[Deleter] = None, retries: int = 1) -> t.Any:
    """create(); if it was refused or its answer lost, what it made (or a rival made) may exist: look first.

    The client never sends a creating call twice, so a lost answer leaves the
    caller to decide; looking the resource up by name is what keeps a flaky
    network from turning into a duplicate or a false failure:
    - found: the create was applied, return what it made. For names the API
      lets repeat, give ``same_name`` (every resource now carrying the name) and
      ``delete``: a lost answer may have left copies beside a rival's, and all but
      the oldest are deleted, the rule keep_oldest() applies (so exactly one stays);
    - not found after UNAVAILABLE: it was not applied, send it again (up to
      ``retries`` (at most CREATE_TRIES) in all, with jittered backoff);
    - not found after DEADLINE_EXCEEDED: the server may still be applying it,
      so fail with the timeout (the message says to check before retrying);
    - refused (ALREADY_EXISTS, or a code the API may use for a taken name:
      docs/api-assumptions.md §7): when the name now exists, another run made it
      since we looked: CreateRaced, and run() reads again, so the loser of a
      race re-reads instead of failing.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return create()
        except ViamError as err:
            if err.code == "ALREADY_EXISTS":
                raise CreateRaced(err)
            if not err.maybe_applied:
                if err.code in NAME_TAKEN_CODES and _name_exists(find_existing, same_name):
                    raise CreateRaced(err)
                raise
            if same_name is not None and delete is not None:
                copies = list(same_name())
                if copies:
                    return settle_copies(copies, delete, same_name)
            else:
                found = find_existing()
                if found is not None:
                    return found
            if err.code != "UNAVAILABLE" or attempt >= min(CREATE_TRIES, retries):
                raise
            time.sleep(random.uniform(0, min(2.0, 0.25 * 2 ** attempt)))


def keep_oldest(made: t.Any, same_name: Lister, delete: Deleter) -> t.Any:
    """For names the API lets repeat (locations, API keys, maybe machines and fragments: docs/api-assumptions.md
    §7): settle a race after this run created ``made``.

    ``same_name()`` lists what now carries the name. Racing runs that each
    created the name all see the same set, and all keep the oldest (by
    created_on, then ID); every other run deletes its own copy and raises
    CreateRaced, so run() reads again and reports the kept one, unchanged.
    Returns ``made`` when it is the one kept.
    """
    copies = list(same_name())
    if not any(c.id != made.id for c in copies):
        return made
    if not any(c.id == made.id for c in copies):
        copies.append(made)
    if min(copies, key=_age).id == made.id:
        return made
    delete_copy(delete, made, same_name)
    raise CreateRaced(ViamError(code="ALREADY_EXISTS", summary="another run created %r at the same time"
                                % getattr(made, "name", made.id)))


# ------------------------------------------------------------------ the services' base

class Service:
    """A resource service: a client and the organization it works in.

    ``organization_id`` is a string or a callable giving it (a module's option, resolved only
    when a lookup needs it); None means the only organization the API key sees.
    """

    def __init__(self, client: t.Any, organization_id: t.Union[None, str, t.Callable[[], str]] = None,
                 predictions: t.Optional[t.List[str]] = None) -> None:
        self.client = client
        self._organization_id = organization_id
        # A list only in check mode: what a lookup assumed instead of failing (Service.missing).
        self.predictions = predictions

    def missing(self, kind: str, ref: str, error: NotFound, **fields: str) -> Predicted:
        """``error`` outside check mode; in check mode, the resource as an earlier task would create it."""
        return predict_or_raise(self.predictions, kind, ref, error, **fields)

    @property
    def organization_id(self) -> str:
        if callable(self._organization_id):
            self._organization_id = self._organization_id()
        if not self._organization_id:
            self._organization_id = self.client.resolve_organization_id()
        return t.cast(str, self._organization_id)

    def create_or_find(self, create: Finder, find_existing: Finder, same_name: t.Optional[Lister] = None,
                       delete: t.Optional[Deleter] = None) -> t.Any:
        """base.create_or_find with the client's own retries."""
        return create_or_find(create, find_existing, same_name, delete,
                              retries=getattr(self.client, "retries", 1))
