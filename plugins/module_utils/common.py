# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every viam.cloud module shares: the common options and the client.

    from ansible_collections.viam.cloud.plugins.module_utils.common import (
        viam_argument_spec, client_from_module, fail_from_error)
    from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError

    argument_spec = viam_argument_spec()
    argument_spec.update(name=dict(type="str", required=True), ...)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    client = client_from_module(module)
    try:
        robot = client.get_robot(id=robot_id, resource="machine 'rover-7'").robot
    except ViamError as err:
        fail_from_error(module, err)
    return client

The options are documented once in plugins/doc_fragments/viam.py
(extends_documentation_fragment: viam.cloud.viam).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys
import traceback
from importlib.util import find_spec

from ansible.module_utils.ansible_release import __version__ as ANSIBLE_CORE_VERSION
from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.viam.cloud.plugins.module_utils.client import DEFAULT_APP_URL, DEFAULT_TIMEOUT, ViamClient
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.guards import ansible_core_problem, key_destination_problem, version_tuple

# The oldest protobuf runtime our generated *_pb2.py files import under.
MIN_PROTOBUF = (6, 33, 5)


def _installed(name: str) -> bool:
    """Whether module ``name`` can be found, without importing it (grpc costs a quarter of a second
    to import: the client imports it on its first call, transport.load_libs)."""
    try:
        return find_spec(name) is not None
    except (ImportError, ValueError):  # a parent that is not a package; a module without __spec__
        return name in sys.modules and sys.modules[name] is not None


HAS_GRPC = _installed("grpc")
GRPC_IMPORT_ERROR = None if HAS_GRPC else "ModuleNotFoundError: No module named 'grpc' (importlib.util.find_spec found none)"

PROTOBUF_IMPORT_ERROR = None
PROTOBUF_VERSION = None
try:
    import google.protobuf  # only the package's __init__: its version, nothing else
    PROTOBUF_VERSION = google.protobuf.__version__
    HAS_PROTOBUF = True
except ImportError:
    HAS_PROTOBUF = False
    PROTOBUF_IMPORT_ERROR = traceback.format_exc()


def viam_argument_spec() -> dict:
    """The common options of every viam.cloud module (a new dict each call)."""
    return dict(
        app_url=dict(type="str", default=DEFAULT_APP_URL, fallback=(env_fallback, ["VIAM_APP_URL"])),
        api_key_id=dict(type="str", fallback=(env_fallback, ["VIAM_API_KEY_ID"])),
        api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["VIAM_API_KEY"])),
        organization_id=dict(type="str", fallback=(env_fallback, ["VIAM_ORG_ID"])),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        timeout=dict(type="float", default=int(DEFAULT_TIMEOUT)),
        # No environment fallback on purpose: sending the key in the clear is decided per task.
        allow_plaintext=dict(type="bool", default=False),
    )


def fail_from_error(module, err: ViamError, **extra) -> None:
    """module.fail_json for a ViamError: ``msg`` is the error's sentence
    (unless ``msg=`` is given) and ``viam_error`` its code, rpc, resource,
    details and maybe_applied; ``extra`` goes into the result as well."""
    msg = extra.pop("msg", None) or str(err)
    module.fail_json(msg=msg, viam_error=err.to_dict(), **extra)


def client_from_module(module, **kwargs) -> ViamClient:
    """A ViamClient from module.params (the options of viam_argument_spec()).

    Fails the module with a clear message when grpcio/protobuf are missing or
    too old, api_key_id/api_key are not given, the key of the environment
    would go to another app_url than VIAM_APP_URL (guards.py), or app_url is
    plaintext http:// to another machine without allow_plaintext. Warnings
    (allowed plaintext, validate_certs: false) go to module.warn. ``kwargs``
    reach the ViamClient constructor (retries, retry_budget, ...).
    """
    too_old = ansible_core_problem(ANSIBLE_CORE_VERSION, "the viam.cloud modules")
    if too_old:
        module.fail_json(msg=too_old)
    if not HAS_GRPC:
        module.fail_json(msg=missing_required_lib("grpcio"), exception=GRPC_IMPORT_ERROR)
    if not HAS_PROTOBUF:
        module.fail_json(msg=missing_required_lib("protobuf"), exception=PROTOBUF_IMPORT_ERROR)
    if version_tuple(PROTOBUF_VERSION) < MIN_PROTOBUF:
        module.fail_json(msg=missing_required_lib("protobuf >= %s" % ".".join(str(n) for n in MIN_PROTOBUF))
                         + " Found protobuf %s." % PROTOBUF_VERSION)
    params = module.params
    missing = [
        "%s (or the environment variable %s)" % (name, env)
        for name, env in (("api_key_id", "VIAM_API_KEY_ID"), ("api_key", "VIAM_API_KEY"))
        if not params.get(name)
    ]
    if missing:
        module.fail_json(msg="missing required arguments: %s" % ", ".join(missing))
    problem = key_destination_problem(params.get("app_url"), params.get("api_key"), os.environ)
    if problem:
        module.fail_json(msg=problem)
    timeout = params.get("timeout")
    if timeout is not None and timeout <= 0:
        module.fail_json(msg="timeout must be a positive number of seconds, got %s" % timeout)
    client = None
    try:
        client = ViamClient(
            app_url=params.get("app_url") or DEFAULT_APP_URL,
            api_key_id=params["api_key_id"],
            api_key=params["api_key"],
            organization_id=params.get("organization_id"),
            validate_certs=params.get("validate_certs", True),
            ca_path=params.get("ca_path"),
            timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
            warn=module.warn,
            allow_plaintext=bool(params.get("allow_plaintext")),
            **kwargs
        )
    except ViamError as err:
        fail_from_error(module, err)
    return client
