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

import typing as t

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.viam.cloud.plugins.module_utils.common import (
    client_from_module,
    fail_from_error,
    viam_argument_spec,
)
from ansible_collections.viam.cloud.plugins.module_utils.convert import strip_secrets
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError

# Names are free text in Viam; these bounds catch mistakes (an empty name, a
# pasted config) before any call is made.
MAX_NAME_LENGTH = 256


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

    def __init__(self) -> None:
        spec = viam_argument_spec()
        spec.update(self.argument_spec)
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **self.module_kwargs)
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
            self._organization_id = self.client.resolve_organization_id()
        return self._organization_id

    def fail(self, msg: str, **extra: t.Any) -> t.NoReturn:
        raise ModuleFailure(msg, **extra)

    def validate_name(self, option: str, value: t.Optional[str], required: bool = True) -> t.Optional[str]:
        """A name option, stripped of nothing: empty, blank or oversize names fail before any call."""
        if value is None:
            if required:
                self.fail("%s is required" % option)
            return None
        if not value.strip():
            self.fail("%s must not be empty" % option)
        if len(value) > MAX_NAME_LENGTH:
            self.fail("%s is %d characters long; at most %d are allowed" % (option, len(value), MAX_NAME_LENGTH))
        return value

    def create_or_find(self, create: t.Callable[[], t.Any], find_existing: t.Callable[[], t.Any]) -> t.Any:
        """create(); if its answer was lost (maybe_applied), what it made may exist: find_existing() before failing.

        The client never sends a creating call twice, so a lost answer leaves the
        module to decide; looking the resource up by name is what keeps a flaky
        network from turning into a duplicate or a false failure.
        """
        try:
            return create()
        except ViamError as err:
            if not err.maybe_applied:
                raise
            found = find_existing()
            if found is None:
                raise
            return found

    def execute(self) -> t.Dict[str, t.Any]:
        raise NotImplementedError

    def run(self) -> None:
        try:
            result = self.execute()
        except ModuleFailure as failure:
            self.module.fail_json(msg=failure.msg, **failure.extra)
        except ViamError as err:
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
