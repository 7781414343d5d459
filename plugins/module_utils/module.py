# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ViamModule: what every viam.cloud module does around its own logic.

A module subclasses it, declares its own options and implements execute():

    class LocationModule(ViamModule):
        argument_spec = dict(name=dict(type="str"), ...)

        def execute(self):
            ...                          # read -> desired -> diff -> apply
            return self.result(changed, location=..., before=..., after=...)

    def main():
        LocationModule().run()

run() turns every ViamError into fail_json with a message a person can act
on, and ModuleFailure (raised by fail()) into fail_json without a write.
result() builds changed/diff/the resource, with secrets removed from the diff.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import time
import typing as t

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.viam.cloud.plugins.module_utils.common import (
    client_from_module,
    fail_from_error,
    viam_argument_spec,
)
from ansible_collections.viam.cloud.plugins.module_utils.convert import strip_secrets
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.lookup import (
    UNCONFIRMED_ABSENT_CODES,
    AmbiguousName,
    NotFound,
)
from ansible_collections.viam.cloud.plugins.module_utils.validate import text_problem, uuid_problem

# Names are free text in Viam; these bounds catch mistakes (an empty name, a
# pasted config) before any call is made.
MAX_NAME_LENGTH = 256

# How often (at most) create_or_find sends a creating call whose earlier answer
# was lost and whose resource the look-up by name did not find (so it was not
# applied); the client's own ``retries`` when lower.
CREATE_TRIES = 10
# How often run() reads and decides again after losing a race for a name.
EXECUTE_TRIES = 4
# How often a settle_duplicates module reads again while racing copies of a name are being removed
# (0.5 s, 1 s, ... apart: about 14 s in all, enough for 20 racing runs on a slow link).
SETTLE_TRIES = 8
# The API lists only what the key may read: "not found" may be "not allowed to see".
NOT_VISIBLE_HINT = ("If it exists, the API key may lack permission to see it "
                    "(a key scoped to a location or a machine sees only that)")


# Codes a create may be refused with when the name is taken: ALREADY_EXISTS is the convention, but the
# app answers many domain errors otherwise (docs/api-assumptions.md §7). Such a refusal is a lost
# race only when the name is found afterwards; otherwise the error stands.
NAME_TAKEN_CODES = ("INVALID_ARGUMENT", "FAILED_PRECONDITION", "UNKNOWN")


# Codes an update guarded by last_known_update may be refused with when the resource changed since it
# was read (docs/api-assumptions.md §7, update_conflict_code). A refusal is a conflict only when a
# fresh read shows the resource changed; otherwise the error is the server's own.
CONFLICT_CODES = ("FAILED_PRECONDITION", "ABORTED", "INVALID_ARGUMENT", "UNKNOWN")


def micros(stamp: t.Any) -> int:
    """A Timestamp at the precision the API compares last_known_update with."""
    return stamp.seconds * 1000000 + stamp.nanos // 1000


def _age(item: t.Any) -> t.Tuple[int, int, str]:
    """Sort key of racing copies: created_on, then ID (so every run picks the same oldest)."""
    stamp = getattr(item, "created_on", None)
    return (getattr(stamp, "seconds", 0), getattr(stamp, "nanos", 0), item.id)


def delete_copy(delete: t.Callable[[t.Any], None], copy: t.Any,
                same_name: t.Optional[t.Callable[[], t.Sequence[t.Any]]] = None) -> None:
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


class CreateRaced(Exception):
    """Another run made the same name first: run() reads the state again and decides anew."""

    def __init__(self, error: ViamError) -> None:
        super().__init__(str(error))
        self.error = error


def _surrogate_options() -> t.List[str]:
    """The options whose text holds an unpaired surrogate (read again from the module's input)."""
    from ansible.module_utils import basic

    try:
        params = basic._load_params()
    except Exception:  # the input is what AnsibleModule already read; this is only for the message
        return []
    return sorted(name for name, value in params.items()
                  if isinstance(value, str) and any(0xD800 <= ord(char) <= 0xDFFF for char in value))


def _shape_problems(spec: t.Dict[str, t.Any]) -> t.List[str]:
    """Options with sub-options whose value is not a dict (or a list of dicts), as sentences."""
    from ansible.module_utils import basic

    try:
        params = basic._load_params()
    except Exception:  # only for the message
        return []
    problems = []
    for name, option in spec.items():
        value = params.get(name)
        if value is None or not option.get("options"):
            continue
        if option.get("type") == "dict" and not isinstance(value, (dict, str)):
            problems.append("%s must be a dict, not a %s" % (name, type(value).__name__))
        elif option.get("type") == "list" and option.get("elements") == "dict" and isinstance(value, list):
            problems.extend("%s[%d] must be a dict, not a %s" % (name, index, type(item).__name__)
                            for index, item in enumerate(value) if not isinstance(item, (dict, str)))
    return problems


def fail_before_module(msg: str) -> t.NoReturn:
    """Fail the task when the real AnsibleModule cannot start, through one that takes every option as given.

    That stand-in checks nothing (every option is raw) and logs nothing (the log is what breaks on
    a surrogate); api_key stays no_log.
    """
    from ansible.module_utils import basic

    try:
        names = [name for name in basic._load_params() if not name.startswith("_ansible_")]
    except Exception:  # AnsibleModule read them already; this cannot fail where it did not
        names = []
    spec = dict((name, dict(type="raw", no_log=name == "api_key")) for name in names)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True, no_log=True)
    module.fail_json(msg=msg)


class ModuleFailure(Exception):
    """A problem found by the module itself: fail with this message and the extras, write nothing."""

    def __init__(self, msg: str, **extra: t.Any) -> None:
        super().__init__(msg)
        self.msg = msg
        self.extra = extra


class ViamModule:
    """Base of every viam.cloud module: options, client, error handling and the result."""

    argument_spec: t.Dict[str, t.Any] = {}
    module_kwargs: t.Dict[str, t.Any] = {}
    # True for resources whose names the API lets repeat (locations, API keys):
    # a name found twice is re-read a few times before failing, since racing
    # runs remove their extra copies within moments (see keep_oldest()).
    settle_duplicates = False

    def __init__(self) -> None:
        spec = viam_argument_spec()
        spec.update(self.argument_spec)
        try:
            self.module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **self.module_kwargs)
        except UnicodeEncodeError as exc:
            # ansible-core logs every option as UTF-8 before checking them and dies on an
            # unpaired surrogate (a broken \\uD800 escape): say which option instead.
            fail_before_module("%s is not valid Unicode text: it has an unpaired surrogate (%s)"
                               % (" and ".join(_surrogate_options()) or "an option", exc.reason))
        except (TypeError, AttributeError, KeyError) as exc:
            # ansible-core's checks of sub-options crash on a list where a dict with options is
            # expected (upload: [1, 2]): name the option instead of showing its traceback.
            fail_before_module("; ".join(_shape_problems(spec)) or "the options could not be checked: %s" % exc)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self._client = None
        self._organization_id: t.Optional[str] = None

    @property
    def client(self):
        if self._client is None:
            self._client = client_from_module(self.module)
        return self._client

    @property
    def organization_id(self) -> str:
        """The organization option, or the only organization the key sees."""
        if self._organization_id is None:
            problem = uuid_problem("organization_id", self.params.get("organization_id"), "an organization ID")
            if problem:
                self.fail(problem)
            self._organization_id = self.client.resolve_organization_id()
        return self._organization_id

    def fail(self, msg: str, **extra: t.Any) -> t.NoReturn:
        raise ModuleFailure(msg, **extra)

    def validate_name(self, option: str, value: t.Optional[str], required: bool = True) -> t.Optional[str]:
        """A name option, stripped of nothing: empty, blank, oversize, multi-line or invisible names,
        and lists turned into text, fail before any call."""
        if value is None:
            if required:
                self.fail("%s is required" % option)
            return None
        problem = text_problem(option, value)
        if problem:
            self.fail(problem)
        if not value.strip():
            self.fail("%s must not be empty" % option)
        if len(value) > MAX_NAME_LENGTH:
            self.fail("%s is %d characters long; at most %d are allowed" % (option, len(value), MAX_NAME_LENGTH))
        return value

    def create_or_find(self, create: t.Callable[[], t.Any], find_existing: t.Callable[[], t.Any],
                       same_name: t.Optional[t.Callable[[], t.Sequence[t.Any]]] = None,
                       delete: t.Optional[t.Callable[[t.Any], None]] = None) -> t.Any:
        """create(); if it was refused or its answer lost, what it made (or a rival made) may exist: look first.

        The client never sends a creating call twice, so a lost answer leaves the
        module to decide; looking the resource up by name is what keeps a flaky
        network from turning into a duplicate or a false failure:
        - found: the create was applied, return what it made. For names the API
          lets repeat, give ``same_name`` (every resource now carrying the name) and
          ``delete``: a lost answer may have left copies beside a rival's, and all but
          the oldest are deleted, the rule keep_oldest() applies (so exactly one stays);
        - not found after UNAVAILABLE: it was not applied, send it again (up to
          the client's retries in all, with jittered backoff);
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
                    if err.code in NAME_TAKEN_CODES and self._name_exists(find_existing, same_name):
                        raise CreateRaced(err)
                    raise
                if same_name is not None and delete is not None:
                    copies = list(same_name())
                    if copies:
                        return self.settle_copies(copies, delete, same_name)
                else:
                    found = find_existing()
                    if found is not None:
                        return found
                tries = min(CREATE_TRIES, getattr(getattr(self, "client", None), "retries", 1))
                if err.code != "UNAVAILABLE" or attempt >= tries:
                    raise
                time.sleep(random.uniform(0, min(2.0, 0.25 * 2 ** attempt)))

    @staticmethod
    def _name_exists(find_existing: t.Callable[[], t.Any],
                     same_name: t.Optional[t.Callable[[], t.Sequence[t.Any]]]) -> bool:
        if same_name is not None:
            return bool(list(same_name()))
        try:
            return find_existing() is not None
        except AmbiguousName:
            return True

    @staticmethod
    def settle_copies(copies: t.Sequence[t.Any], delete: t.Callable[[t.Any], None],
                      same_name: t.Optional[t.Callable[[], t.Sequence[t.Any]]] = None) -> t.Any:
        """The oldest of ``copies`` (same name, made by racing runs); the others are deleted.

        Every racing run keeps the oldest (keep_oldest), so deleting a younger copy here
        never removes one another run keeps; a copy already gone (its maker deleted it) is fine.
        """
        oldest = min(copies, key=_age)
        for copy in copies:
            if copy.id != oldest.id:
                delete_copy(delete, copy, same_name)
        return oldest

    def keep_oldest(self, made: t.Any, same_name: t.Callable[[], t.Sequence[t.Any]],
                    delete: t.Callable[[t.Any], None]) -> t.Any:
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

    def _execute_settled(self) -> t.Dict[str, t.Any]:
        """execute(), read and decided again after a lost race (CreateRaced) or, for settle_duplicates
        modules, while a name is briefly held by racing copies (AmbiguousName)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return self.execute()
            except CreateRaced as raced:
                if attempt >= EXECUTE_TRIES:
                    raise raced.error
            except AmbiguousName:
                if not self.settle_duplicates or attempt >= SETTLE_TRIES:
                    raise
                time.sleep(0.5 * attempt)

    def execute(self) -> t.Dict[str, t.Any]:
        raise NotImplementedError

    def run(self) -> None:
        try:
            result = self._execute_settled()
        except ModuleFailure as failure:
            self.module.fail_json(msg=failure.msg, **failure.extra)
        except ViamError as err:
            if isinstance(err, NotFound) and not err.hint:
                err.hint = NOT_VISIBLE_HINT
            fail_from_error(self.module, err)
        finally:
            if self._client is not None:
                self._client.close()
        self.module.exit_json(**result)

    def result(self, changed: bool, before: t.Optional[dict] = None, after: t.Optional[dict] = None,
               **returned: t.Any) -> t.Dict[str, t.Any]:
        """changed, the diff (secrets removed, only when --diff asks for it) and the returned values."""
        result: t.Dict[str, t.Any] = dict(changed=changed, **returned)
        if self.module._diff:
            result["diff"] = dict(before=strip_secrets(before or {}), after=strip_secrets(after or {}))
        return result
