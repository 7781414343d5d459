# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The connection and authentication options every viam.cloud module
    # shares (plugins/module_utils/common.py viam_argument_spec()).
    DOCUMENTATION = r"""
options:
  app_url:
    description:
      - URL of the Viam app API.
      - V(https://host[:port]) (or a bare V(host[:port])) connects with TLS, default port 443.
      - V(http://host[:port]) connects in plaintext, default port 8080. Use it only for a local test server
        such as the collection's emulator; the API key would otherwise cross the network unencrypted.
        To a host that is not this machine the module fails unless O(allow_plaintext=true).
      - If not set, the value of the E(VIAM_APP_URL) environment variable is used.
      - When the API key comes from E(VIAM_API_KEY), O(app_url) must be the URL of E(VIAM_APP_URL) (or the
        default when that is not set), compared after normalisation (scheme, host, default port); otherwise
        the module fails before it connects, so that an option or variable cannot send the key of the
        environment to another server. For another URL, give O(api_key_id) and O(api_key) explicitly
        with it (in the task or in C(module_defaults)), or set E(VIAM_APP_URL).
        "Comes from E(VIAM_API_KEY)" means that O(api_key) equals the value of E(VIAM_API_KEY).
    type: str
    default: https://app.viam.com:443
  api_key_id:
    description:
      - ID of the Viam API key to authenticate with.
      - If not set, the value of the E(VIAM_API_KEY_ID) environment variable is used.
        One of the two is required.
    type: str
  api_key:
    description:
      - The secret of the Viam API key O(api_key_id).
      - If not set, the value of the E(VIAM_API_KEY) environment variable is used.
        One of the two is required.
    type: str
  organization_id:
    description:
      - ID of the Viam organization to work in.
      - If not set, the value of the E(VIAM_ORG_ID) environment variable is used.
      - If neither is set and the API key can see exactly one organization, that organization is used;
        if it sees several, the module fails and lists them.
    type: str
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the Viam app (for an V(https://) O(app_url)).
      - V(false) is meant for test servers with a self-signed certificate. The module then fetches the
        certificate the server presents, without verifying it, and trusts exactly that certificate for
        the connection, with a warning. This works for self-signed server certificates; for a certificate
        issued by a private CA, set O(ca_path) to that CA instead.
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM file with the CA certificate(s) to trust for the TLS connection instead of the
        system's trusted CAs, for example a private CA or the certificate of a test server.
    type: path
  timeout:
    description:
      - Timeout in seconds of each call to the Viam app API.
      - Transient failures (unavailable, rate limited, and timeouts of read-only calls) are retried with
        exponential backoff, up to 10 tries per call within 60 seconds. A call that creates something (a machine,
        a part, a key, a secret, ...) is never sent again blindly once it may have reached the server; the module
        first looks the resource up by name and sends the call again only when it is not there, so that nothing
        is created twice.
    type: float
    default: 30
  allow_plaintext:
    description:
      - Send the API key and every call over plaintext V(http://) to a host that is not this machine.
      - Without it, such an O(app_url) fails the module before any connection. With it, the module warns.
      - Plaintext to this machine (V(localhost), V(127.0.0.1), V([::1])), such as the collection's emulator,
        needs no opt-in.
      - There is no environment variable for it on purpose. Set it in the task or in C(module_defaults).
    type: bool
    default: false
    version_added: 0.1.0
notes:
  - The modules run on the Ansible controller and talk to the Viam app API over gRPC.
  - The environment variables are the ones the official Viam Python SDK reads in C(create_from_env_vars).
  - When the task runs on the controller (connection C(local), for example delegated to C(localhost)), the module
    runs in the controller's worker process through an action plugin of the same name, without starting a new
    Python. Set the variable C(viam_in_process=false) or E(VIAM_CLOUD_IN_PROCESS=0) to run it as a module process.
  - In check mode, a location, machine, part, fragment or user that the task names and that does not exist yet is
    assumed to be created by an earlier task of the play; the module warns and lists what it assumed in the result's
    C(check_mode_assumptions). Outside check mode it fails, naming the closest existing names. See the collection's
    C(docs/check-mode.md).
requirements:
  - grpcio
  - protobuf >= 6.33.5
"""

    # The options that name one machine part (services.parts.PartService.resolve):
    # extends_documentation_fragment: viam.cloud.viam.part_reference
    PART_REFERENCE = r"""
options:
  part:
    description:
      - Name or ID of the part. Without O(robot), it must be the part's ID.
      - When omitted, the main part of O(robot).
    type: str
  robot:
    description:
      - Name or ID of the machine the part belongs to. Required unless O(part) is a part ID.
    type: str
  location:
    description:
      - Name or ID of the machine's location. Needed when O(robot) is a machine name used in more than one location.
    type: str
"""
