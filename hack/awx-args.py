# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate the awx.awx module arguments of a playbook against the real modules.

ansible-playbook --syntax-check only resolves module names, and ansible-lint's
args rule cannot load awx.awx's modules (it silently skips them), so this
script does what the args rule means to do: for every awx.awx task it imports
the module with the collection loader, captures the argument spec the module
hands to AnsibleModule, and validates the task's arguments with ansible-core's
ArgumentSpecValidator. A templated value ("{{ ... }}") cannot be checked
before run time; it stands in as a value of the option's type.

Usage: python hack/awx-args.py COLLECTIONS_PATH PLAYBOOK...   (exit 1 on errors)
"""

from __future__ import annotations

import importlib
import sys

import yaml

from ansible.module_utils import basic
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

PLACEHOLDERS = {"dict": {}, "list": [], "bool": True, "int": 1, "float": 1.0, "raw": "x", "path": "/x"}
SPEC_KEYS = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")


class Captured(Exception):
    """Raised instead of building an AnsibleModule: carries its arguments."""

    def __init__(self, kwargs):
        super().__init__("captured")
        self.kwargs = kwargs


def capture(self, *args, **kwargs):
    raise Captured(kwargs)


_SPECS = {}


def module_spec(name):
    """The argument spec (and constraints) awx.awx.NAME passes to AnsibleModule."""
    cache = _SPECS
    if name not in cache:
        module = importlib.import_module("ansible_collections.awx.awx.plugins.modules." + name)
        original = basic.AnsibleModule.__init__
        basic.AnsibleModule.__init__ = capture
        try:
            module.main()
        except Captured as found:
            cache[name] = found.kwargs
        else:
            raise RuntimeError("awx.awx.%s did not build an AnsibleModule" % name)
        finally:
            basic.AnsibleModule.__init__ = original
    return cache[name]


def stand_in(value, option):
    """A value of the option's type for a templated value, else the value."""
    if isinstance(value, str) and "{{" in value:
        return PLACEHOLDERS.get((option or {}).get("type", "str"), "x")
    return value


def tasks_of(playbook):
    for play in yaml.safe_load(open(playbook)) or []:
        for section in ("pre_tasks", "tasks", "post_tasks", "handlers"):
            yield from play.get(section) or []


def main(argv):
    _AnsibleCollectionFinder(paths=[argv[1]])._install()
    errors = checked = 0
    for playbook in argv[2:]:
        for task in tasks_of(playbook):
            for action, args in task.items():
                if not action.startswith("awx.awx."):
                    continue
                kwargs = module_spec(action.split(".")[-1])
                spec = kwargs["argument_spec"]
                options = dict(spec)
                for option in spec.values():
                    for alias in option.get("aliases") or []:
                        options[alias] = option
                params = {k: stand_in(v, options.get(k)) for k, v in (args or {}).items()}
                validator = ArgumentSpecValidator(spec, **{k: kwargs[k] for k in SPEC_KEYS if kwargs.get(k)})
                result = validator.validate(params)
                checked += 1
                for message in result.error_messages:
                    errors += 1
                    print("%s: task %r (%s): %s" % (playbook, task.get("name"), action, message))
    print(">>> [awx]   %d awx.awx tasks checked against the modules' argument specs, %d error(s)" % (checked, errors))
    return 1 if errors or not checked else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
