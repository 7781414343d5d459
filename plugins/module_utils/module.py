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

import time
import typing as t

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.viam.cloud.plugins.module_utils.common import (
    client_from_module,
    fail_from_error,
    viam_argument_spec,
)
from ansible_collections.viam.cloud.plugins.module_utils import read_cache
from ansible_collections.viam.cloud.plugins.module_utils.diff import build_diff
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.services import base
from ansible_collections.viam.cloud.plugins.module_utils.services.api_keys import ApiKeyService
from ansible_collections.viam.cloud.plugins.module_utils.services.base import AmbiguousName, CreateRaced, NotFound
from ansible_collections.viam.cloud.plugins.module_utils.services.fragments import FragmentService
from ansible_collections.viam.cloud.plugins.module_utils.services.locations import LocationService
from ansible_collections.viam.cloud.plugins.module_utils.services.machines import MachineService
from ansible_collections.viam.cloud.plugins.module_utils.services.parts import PartService
from ansible_collections.viam.cloud.plugins.module_utils.validate import name_problem, uuid_problem

# How often run() reads and decides again after losing a race for a name.
EXECUTE_TRIES = 4
# How often a settle_duplicates module reads again while racing copies of a name are being removed
# (0.5 s, 1 s, ... apart: about 14 s in all, enough for 20 racing runs on a slow link).
SETTLE_TRIES = 8
# The API lists only what the key may read: "not found" may be "not allowed to see".
NOT_VISIBLE_HINT = ("If it exists, the API key may lack permission to see it "
                    "(a key scoped to a location or a machine sees only that)")


class Services:
    """The resource services of one module run, made when first used: module -> service -> client."""

    def __init__(self, client: t.Any, organization_id: t.Callable[[], str],
                 predictions: t.Optional[t.List[str]] = None) -> None:
        # predictions: in check mode, the list where lookups record a parent they assumed (Service.missing).
        self.locations = LocationService(client, organization_id, predictions)
        self.machines = MachineService(client, organization_id, predictions)
        self.parts = PartService(client, organization_id, predictions)
        self.fragments = FragmentService(client, organization_id, predictions)
        self.api_keys = ApiKeyService(client, organization_id, predictions)


def _surrogate_options() -> t.List[str]:
    """The options whose text holds an unpaired surrogate (read again from the module's input)."""
    from ansible.module_utils import basic

    try:
        params = basic._load_params()
    except Exception:  # the input is what AnsibleModule already read; this is only for the message
        return []
    return sorted(name for name, value in params.items()
                  if isinstance(value, str) and any(0xD800 <= ord(char) <= 0xDFFF for char in value))


def _dict_problem(text: str) -> t.Optional[str]:
    """Why ansible-core cannot turn ``text`` into a dict (JSON or key=value), or None."""
    from ansible.module_utils.common.validation import check_type_dict

    try:
        check_type_dict(text)
    except (TypeError, ValueError) as exc:
        return str(exc)
    return None


def _shape_problems(spec: t.Dict[str, t.Any]) -> t.List[str]:
    """Options with sub-options whose value is not a dict (or a list of dicts), as sentences.

    Checked before AnsibleModule is made: ansible-core 2.19 fails a list of dicts that holds a plain
    word (``authorizations: owner``) before it has collected the no_log values, and so shows the API
    key in the failure's invocation (docs/security.md).
    """
    from ansible.module_utils import basic

    try:
        params = basic._load_params()
    except (Exception, SystemExit):  # pylint: disable=broad-except
        # No readable input (sanity's argument-spec introspection, for one): AnsibleModule itself will say so.
        return []
    if not isinstance(params, dict):
        return []
    problems = []
    for name, option in spec.items():
        value = params.get(name)
        if value is None or not option.get("options"):
            continue
        if option.get("type") == "dict":
            if isinstance(value, str) and _dict_problem(value):
                problems.append("%s must be a dict (JSON or key=value), not the text %r" % (name, value))
            elif not isinstance(value, (dict, str)):
                problems.append("%s must be a dict, got %s %r" % (name, type(value).__name__, value))
        elif option.get("type") == "list" and option.get("elements") == "dict":
            items = value.split(",") if isinstance(value, str) else value
            if not isinstance(items, list):
                problems.append("%s must be a list of dicts, got %s %r" % (name, type(value).__name__, value))
                continue
            for index, item in enumerate(items):
                if isinstance(item, str) and _dict_problem(item):
                    problems.append("%s[%d] must be a dict (JSON or key=value), not the text %r" % (name, index, item))
                elif not isinstance(item, (dict, str)):
                    problems.append("%s[%d] must be a dict, got %s %r" % (name, index, type(item).__name__, item))
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
    # Check mode only: what the prediction assumed (a parent an earlier task creates); None otherwise.
    predictions: t.Optional[t.List[str]] = None
    # False for a module that polls: its lookups are never answered from an earlier loop item's (read_cache.py).
    reuses_reads = True

    def __init__(self) -> None:
        spec = viam_argument_spec()
        spec.update(self.argument_spec)
        shape_problems = _shape_problems(spec)
        if shape_problems:
            fail_before_module("; ".join(shape_problems))
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
        self.predictions = [] if self.check_mode else None

    @property
    def client(self):
        if self._client is None:
            self._client = client_from_module(self.module)
            self._client.reuse_reads = self.reuses_reads
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

    @property
    def services(self) -> Services:
        """locations, machines, parts, fragments and api_keys, working in this task's organization."""
        if getattr(self, "_services", None) is None:
            self._services = Services(self.client, lambda: self.organization_id, self.predictions)
        return self._services

    def missing(self, kind: str, ref: str, error: NotFound) -> base.Predicted:
        """``error`` outside check mode; in check mode, ``ref`` as an earlier task would create it
        (services.base.Predicted), with the assumption in the result."""
        return base.predict_or_raise(self.predictions, kind, ref, error)

    def validate_name(self, option: str, value: t.Optional[str], required: bool = True) -> t.Optional[str]:
        """A name option, stripped of nothing: empty, blank, oversize, multi-line or invisible names,
        and lists turned into text, fail before any call (validate.name_problem)."""
        if value is None:
            if required:
                self.fail("%s is required" % option)
            return None
        problem = name_problem(option, value)
        if problem:
            self.fail(problem)
        return value

    def create_or_find(self, create: t.Callable[[], t.Any], find_existing: t.Callable[[], t.Any],
                       same_name: t.Optional[t.Callable[[], t.Sequence[t.Any]]] = None,
                       delete: t.Optional[t.Callable[[t.Any], None]] = None) -> t.Any:
        """services.base.create_or_find with the client's retries (for resources without a service)."""
        return base.create_or_find(create, find_existing, same_name, delete,
                                   retries=getattr(getattr(self, "client", None), "retries", 1))

    @staticmethod
    def settle_copies(copies: t.Sequence[t.Any], delete: t.Callable[[t.Any], None],
                      same_name: t.Optional[t.Callable[[], t.Sequence[t.Any]]] = None) -> t.Any:
        """services.base.settle_copies: the oldest of ``copies``; the others are deleted."""
        return base.settle_copies(copies, delete, same_name)

    def keep_oldest(self, made: t.Any, same_name: t.Callable[[], t.Sequence[t.Any]],
                    delete: t.Callable[[t.Any], None]) -> t.Any:
        """services.base.keep_oldest: settle a race after this run created ``made``."""
        return base.keep_oldest(made, same_name, delete)

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
            read_cache.clear()  # "read again" means from the API, not from an earlier answer

    def execute(self) -> t.Dict[str, t.Any]:
        raise NotImplementedError

    def run(self) -> None:
        try:
            result = self._execute_settled()
        except ModuleFailure as failure:
            read_cache.clear()  # a failed loop item leaves no lookup answer to the next one
            self.module.fail_json(msg=failure.msg, **failure.extra)
        except ViamError as err:
            read_cache.clear()
            if isinstance(err, NotFound) and not err.hint:
                err.hint = NOT_VISIBLE_HINT
            fail_from_error(self.module, err)
        finally:
            if self._client is not None:
                self._client.close()
        self.module.exit_json(**result)

    def result(self, changed: bool, before: t.Optional[dict] = None, after: t.Optional[dict] = None,
               diff: t.Optional[dict] = None, **returned: t.Any) -> t.Dict[str, t.Any]:
        """changed, the diff (only when --diff asks for it) and the returned values.

        The diff is before/after with secrets removed, or ``diff`` as given (a file's diff, which
        is already what Ansible shows). The only place a result's diff is built (diff.add_to_diff
        adds a field managed after the resource itself: sharing, metadata).
        """
        result: t.Dict[str, t.Any] = dict(changed=changed, **returned)
        if self.predictions:
            result["check_mode_assumptions"] = list(self.predictions)
            for assumption in self.predictions:
                self.module.warn(assumption)
        if self.module._diff:
            if diff is not None:
                result["diff"] = diff
            else:
                result["diff"] = build_diff(before, after)
        return result
