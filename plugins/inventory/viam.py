# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: viam
short_description: Robot parts of the Viam robotics cloud as hosts
version_added: 0.1.0
description:
  - One host per robot part (a computer running C(viam-server)) of one or more Viam organizations,
    named by its FQDN by default, with its machine, location, online state, fragments and, on request,
    user metadata as host variables, and groups per location, machine, fragment, main part and online state.
  - Uses a YAML configuration file whose name ends with C(viam.yml) or C(viam.yaml).
  - Fast on large fleets. A cold run costs one C(Authenticate), one C(ListLocations) and at the same time
    one C(ListMachineSummaries) per organization (the whole fleet, with its parts, in one answer), and one
    C(GetRobotParts) to learn how the app builds FQDNs. Per-machine calls (O(metadata), O(part_details),
    O(include_secrets)) run concurrently, never more than O(max_concurrency) at a time.
  - With O(cache=true) the whole answer is kept (by default in a JSON file) and a later run within
    O(cache_timeout) makes no call at all; C(--flush-cache) or the C(refresh_inventory) meta task fetch again.
author:
  - viam.cloud contributors (@viam-cloud)
requirements:
  - grpcio
  - protobuf >= 6.33.5
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: Marks this file as a configuration of this plugin.
    type: str
    required: true
    choices: [viam.cloud.viam, viam]
  app_url:
    description:
      - URL of the Viam app API.
      - V(https://host[:port]) (or a bare V(host[:port])) connects with TLS, default port 443;
        V(http://host[:port]) connects in plaintext, for a local test server such as the collection's emulator.
      - May be a template, for example a variable from the command line or from vault.
    type: str
    default: https://app.viam.com:443
    env:
      - name: VIAM_APP_URL
  api_key_id:
    description:
      - ID of the Viam API key to authenticate with. Required, here or in E(VIAM_API_KEY_ID).
      - May be a template, for example C({{ lookup('ansible.builtin.env', 'MY_KEY_ID') }}) or a vault variable.
    type: str
    env:
      - name: VIAM_API_KEY_ID
  api_key:
    description:
      - The secret of the API key O(api_key_id). Required, here or in E(VIAM_API_KEY).
      - May be a template or a vault-encrypted value, so that AWX credentials and Ansible Vault work.
    type: str
    env:
      - name: VIAM_API_KEY
  organization_id:
    description:
      - IDs of the organizations to list the parts of.
      - When not set, every organization the API key can see.
      - An organization the API key cannot see fails the run (the API does not tell an unknown organization
        from one the key may not read).
      - Each entry may be a template. In E(VIAM_ORG_ID), separate several IDs with commas.
    type: list
    elements: str
    aliases: [organization_ids]
    env:
      - name: VIAM_ORG_ID
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the Viam app.
      - V(false) trusts whatever certificate the server presents, for test servers only; prefer O(ca_path).
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA certificate(s) to trust instead of the system's, for a private CA or a test server.
      - May be a template.
    type: path
  timeout:
    description:
      - Timeout in seconds of each call to the API. Transient failures are retried with backoff.
    type: float
    default: 30
  allow_plaintext:
    description:
      - Send the API key over plaintext V(http://) to an O(app_url) that is not this machine.
      - Without it such an O(app_url) fails the inventory before any connection; with it, a warning.
        Plaintext to this machine (such as the collection's emulator) needs no opt-in.
      - When O(api_key) is the value of E(VIAM_API_KEY), O(app_url) must be the URL of E(VIAM_APP_URL)
        (or the default when that is not set), whatever this option says. To use another URL, set
        O(api_key_id) and O(api_key) in this file with it.
    type: bool
    default: false
    version_added: 0.1.0
  max_concurrency:
    description:
      - The most API calls in flight at once, for the calls made per organization, machine, part or
        location (organizations' listings, O(metadata), O(part_details), O(include_secrets)).
    type: int
    default: 16
  hostnames:
    description:
      - Where the host name of a part comes from, in order of preference; the first that the part has wins.
      - V(fqdn) is the part's public FQDN (C(<dns_name>.<location_id>.viam.cloud)), V(local_fqdn) its
        local one (C(<dns_name>.<location_id>.local.viam.cloud)), V(dns_name) the DNS label the app made
        from the part's name, V(id) the part ID and V(name) the part name.
      - Host names must be unique. A part whose name another part already took is named by its part ID,
        with a warning.
    type: list
    elements: str
    choices: [fqdn, local_fqdn, dns_name, id, name]
    default: [fqdn, local_fqdn, dns_name, id]
  ansible_host:
    description:
      - Where C(ansible_host), the address Ansible connects to, comes from, in order of preference; the first
        source that gives a part an address wins.
      - The host names (the parts' C(*.viam.cloud) FQDNs by default) identify parts to Viam's signalling
        service and are not names a DNS resolver knows, so to reach the robots' computers over SSH set this
        option (or C(ansible_host) in O(compose)).
      - V(metadata.KEY) is the string under KEY (for example V(metadata.ssh_host)) in the part's user metadata,
        else in its machine's; V(part_metadata.KEY) and V(machine_metadata.KEY) look in one of them only. A
        metadata source makes the plugin read the metadata, as O(metadata=true) does. Label each machine
        (or each part, for a machine with several computers) with M(viam.cloud.viam_robot) or
        M(viam.cloud.viam_robot_part) and their O(viam.cloud.viam_robot#module:metadata) option.
      - V(public_ip_address) is the public address the app last saw the part connect from (it may be the
        address of a NAT router, and is empty for a part that never connected).
      - V(private_ip_address) is the first of the addresses C(viam-server) reported for its computer (the
        C(ips) of the part's C(user_supplied_info), loopback and link-local ones left out), typically on the
        robot's local network. It needs every machine's parts read, as O(part_details=true) does, and sets the
        host variable C(viam_private_ip_addresses).
      - V(local_fqdn), V(fqdn), V(dns_name), V(id) and V(name) are as in O(hostnames); use them only where your
        own DNS or C(/etc/hosts) resolves them.
      - Empty (the default) sets no C(ansible_host), so Ansible would connect to the host name.
      - C(ansible_host) set by O(compose) wins over this option. O(compose) sees the value chosen here as
        C(ansible_host), so an expression that keeps it and falls back to another with Jinja's C(default)
        filter adds a last fallback (see the examples).
      - A host left without an address is reported (see O(missing_address)).
    type: list
    elements: str
    default: []
  missing_address:
    description:
      - What to do about hosts that have no address to connect to after O(ansible_host) and O(compose), that is
        no C(ansible_host) and no C(ansible_connection=local).
      - Such hosts always get the host variable C(viam_address_source=null) and, with O(default_groups), join
        the group C(<group_prefix>no_address) (C(viam_no_address), which exists even when empty), so that a
        playbook can leave them out with the host pattern C(viam:!viam_no_address).
      - V(warn) (the default) also shows one warning that names them, V(error) fails the inventory, V(ignore)
        says nothing (for example when your own DNS resolves the host names).
    type: str
    choices: [warn, error, ignore]
    default: warn
    version_added: 0.2.0
  hostvars_prefix:
    description:
      - Prefix of the names of the host variables this plugin sets (C(ansible_host) excepted).
    type: str
    default: viam_
  group:
    description:
      - A group that every host of this inventory source joins. An empty string adds none.
    type: str
    default: viam
  default_groups:
    description:
      - Whether to add the default groups (see O(group_prefix)).
    type: bool
    default: true
  group_prefix:
    description:
      - Prefix of the default groups.
      - They are C(<prefix>location_<location name>) (a sub-location's group is also a child of its parent
        location's group), C(<prefix>machine_<machine name>), C(<prefix>main_parts) and
        C(<prefix>non_main_parts), C(<prefix>online) and C(<prefix>offline), and
        C(<prefix>fragment_<fragment name>) for each fragment a part uses, and C(<prefix>no_address) for the
        hosts without an address to connect to (see O(missing_address)).
      - Names are sanitized the Ansible way, for example C(site-01) becomes C(site_01).
    type: str
    default: viam_
  locations:
    description:
      - Only the parts in these locations, given by name or ID. Filtered by the API.
      - A name or ID that matches no location the API key can see fails the run; a location ID the key may
        not read is left out with a warning (see O(strict_permissions)).
    type: list
    elements: str
    default: []
  include_sub_locations:
    description:
      - With O(locations), also the locations nested below them.
    type: bool
    default: false
  machines:
    description:
      - Only the parts of machines whose name matches one of these shell-style patterns (for example
        V(rover-*)). Case-sensitive.
    type: list
    elements: str
    default: []
  main_part_only:
    description:
      - Only the main part of each machine.
    type: bool
    default: false
  online_only:
    description:
      - Only the parts that are online now.
    type: bool
    default: false
  fragments:
    description:
      - Only the parts that use one of these fragments, given by ID or name.
      - When every entry is a fragment ID, the API filters the machines and the plugin keeps their parts
        that use one of the fragments.
    type: list
    elements: str
    default: []
  include_filters:
    description:
      - Keep only the parts that match at least one of these filters (when the list is not empty).
      - A filter is a dictionary of record keys and shell-style patterns (or lists of patterns), all of
        which must match. The keys are the host variable names without O(hostvars_prefix), for example
        V(location_name), V(machine_name), V(part_name), V(os), V(platform), V(online_state),
        V(main_part) (V(true) or V(false)) or V(fragments) (a fragment's ID or name).
    type: list
    elements: dict
    default: []
  exclude_filters:
    description:
      - Drop the parts that match any of these filters (written as in O(include_filters)).
    type: list
    elements: dict
    default: []
  metadata:
    description:
      - Also read the user metadata of each part, machine, location and organization, into the host
        variables C(viam_part_metadata), C(viam_machine_metadata), C(viam_location_metadata) and
        C(viam_organization_metadata). One call per part, machine, location and organization, concurrently.
      - Metadata the API key may not read is left empty with a warning (see O(strict_permissions)).
    type: bool
    default: false
  part_details:
    description:
      - Read every machine's parts with C(GetRobotParts) (one call per machine, concurrently) and take the
        FQDNs exactly as the API reports them, instead of building them from the summary's DNS name and
        the domain learnt from one part.
      - Also sets the host variable C(viam_private_ip_addresses), the addresses C(viam-server) reported for
        the part's computer (see O(ansible_host)).
      - The plugin does this by itself for parts whose FQDN it cannot build.
    type: bool
    default: false
  fqdn_domain:
    description:
      - The domain of the parts' FQDNs (V(viam.cloud) in production). When set, the plugin builds the FQDNs
        without learning the domain from the API (one call less).
      - May be a template.
    type: str
  include_secrets:
    description:
      - Add the parts' secrets as the host variables C(viam_secret) and C(viam_secrets) (one C(GetRobotParts)
        call per machine).
      - Secrets are never in host variables otherwise. With this option the inventory cache is not used,
        so that secrets are never written to it.
      - B(Host variables are not a place for secrets.) Anyone who can read the inventory reads them, and
        other software keeps them. C(ansible-inventory --list) and C(--host) print them, a fact cache or a
        C(log_path) may store them, and AWX and Ansible Automation Platform store the host variables of an
        inventory source in their database and show them in the UI and the API to every user who may read
        the inventory. The plugin warns on every run with this option. Prefer reading a secret in the task
        that needs it, with M(viam.cloud.viam_robot_part_info) and O(viam.cloud.viam_robot_part_info#module:return_secret)
        under C(no_log).
    type: bool
    default: false
  strict_permissions:
    description:
      - When the API key may not read part of the fleet (a location given by ID, metadata, a machine's
        parts), fail instead of warning and listing the rest.
    type: bool
    default: false
  cache_plugin:
    description:
      - Cache plugin for the inventory's source data, when O(cache=true).
      - Defaults to a JSON file per inventory source, so that the cache works across runs out of the box.
    type: str
    default: ansible.builtin.jsonfile
  cache_connection:
    description:
      - Cache connection data or path; for the JSON file cache, the directory of its files.
      - The cache holds what the API answered about the fleet (names, IDs, FQDNs, public IP addresses,
        versions, fragments and, with O(metadata), user metadata), never an API key or a part secret.
      - With a file cache (V(ansible.builtin.jsonfile), V(ansible.builtin.yaml), V(ansible.builtin.pickle)),
        the plugin makes the directory mode 0700 and its cache files 0600, also when the directory exists
        already with a looser mode, so give the inventory cache a directory of its own. A sticky directory
        (such as C(/tmp)) or one of another user is left as it is, with a warning; its files are still 0600.
    type: str
    default: ~/.cache/ansible/viam_inventory
notes:
  - Connects from the Ansible controller to the Viam app API over gRPC, with the same options and environment
    variables as the collection's modules.
  - Needs ansible-core 2.19 or later and fails on an older one. Names and metadata come from whoever may edit a
    machine, and an older ansible-core would template them, so a lookup written into a machine's name would run
    on the controller. The plugin also marks every string from the API unsafe.
  - The host variables are C(viam_part_id), C(viam_part_name), C(viam_machine_id), C(viam_machine_name),
    C(viam_location_id), C(viam_location_name), C(viam_organization_id), C(viam_fqdn), C(viam_local_fqdn),
    C(viam_dns_name), C(viam_main_part), C(viam_online), C(viam_online_state), C(viam_last_access),
    C(viam_last_online), C(viam_seconds_since_online), C(viam_os), C(viam_platform),
    C(viam_public_ip_address), C(viam_server_version), C(viam_agent_version), C(viam_fragments)
    (a list of dictionaries with C(id) and C(name)) and C(viam_address_source) (the O(ansible_host) source that
    gave C(ansible_host), V(compose), V(local) for a host that O(compose) makes local, or C(null) when the host
    has no address); with O(hostvars_prefix) in place of C(viam_).
  - The options of the inventory file are checked strictly before anything is listed, so that a mistake cannot
    widen the inventory to the whole fleet. An unknown option (such as C(location) for O(locations)) is an error
    that names the closest valid option, and a value of the wrong type (V(maybe) for O(online_only), a string where a
    list belongs, an empty O(locations)) is an error that names the option, the value and the expected type.
  - The API has no paging for C(ListMachineSummaries), only a limit. The plugin asks for all the machines
    at once, checks the answer against the machine counts of C(ListLocations) and, if it looks cut short,
    asks again per location.
seealso:
  - name: Viam fleet management
    description: Organizations, locations, machines and parts.
    link: https://docs.viam.com/manage/
"""

EXAMPLES = r"""
# viam.yml: every part of the organization(s) the API key sees, named by FQDN.
# Credentials from VIAM_API_KEY_ID / VIAM_API_KEY (and VIAM_ORG_ID).
plugin: viam.cloud.viam

---
# Explicit, with templated credentials (vault or AWX), cached across runs for 10 minutes.
plugin: viam.cloud.viam
api_key_id: "{{ vault_viam_api_key_id }}"
api_key: "{{ vault_viam_api_key }}"
organization_id:
  - 5d6657e9-9882-4bfe-8447-1e6a95a7002c
cache: true
cache_timeout: 600

---
# SSH to the robots' computers. The *.viam.cloud host names are not in DNS, so
# each host needs an address: the string under ssh_host in its part's (else its
# machine's) user metadata, else the public IP the app last saw it use. Label a
# machine once with viam.cloud.viam_robot (metadata: {ssh_host: 192.0.2.10}).
# Hosts with neither are named in a warning and put in viam_no_address:
#   ansible -i robots.viam.yml 'viam:!viam_no_address' -m ansible.builtin.ping
plugin: viam.cloud.viam
ansible_host: [metadata.ssh_host, public_ip_address]
compose:
  ansible_user: viam_machine_metadata.ssh_user | default('viam')

---
# The online main parts of the rovers in the lab (and the lab's sub-locations),
# at the LAN address in the part's metadata (lan_ip), else at the name the
# lab's own DNS gives them: a compose expression as the last fallback.
plugin: viam.cloud.viam
locations: [lab]
include_sub_locations: true
machines: ["rover-*"]
main_part_only: true
online_only: true
ansible_host: [part_metadata.lan_ip]
compose:
  ansible_host: ansible_host | default(viam_part_name ~ '.lab.example.com')

---
# Groups from metadata and device facts; the SSH user from the machine's metadata.
plugin: viam.cloud.viam
metadata: true
compose:
  ansible_user: viam_machine_metadata.ssh_user | default('viam')
keyed_groups:
  - key: viam_platform
    prefix: platform
  - key: viam_machine_metadata.role | default('none')
    prefix: role
groups:
  arm64: viam_platform == 'linux/arm64'
exclude_filters:
  - location_name: "staging-*"
"""

import hashlib
import json
import os
import stat
import threading
import time
from types import SimpleNamespace

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.cache import BaseFileCacheModule
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.release import __version__ as ansible_core_version
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.viam.cloud.plugins.module_utils import inventory as inv
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.guards import ansible_core_problem
# module_utils.metadata (with convert and diff) and module_utils.parallel are imported where a cold run uses
# them: a cache hit needs neither, and its imports are part of what it costs over Ansible's own work.

CACHE_FORMAT = 2  # 2: private_ip_addresses with part_details
SUMMARY_PAGE = 100  # ListMachineSummaries' default limit (app.proto)
OPEN_LIMIT = 100000  # the limit of a ListMachineSummaries sent before the machine counts are known
DEFAULT_DOMAIN = "viam.cloud"
_DENIED = ("PERMISSION_DENIED",)
_UNKNOWN = ("PERMISSION_DENIED", "NOT_FOUND", "INVALID_ARGUMENT")
# Said on every run with include_secrets, because where host variables end up is outside this plugin's control.
SECRETS_WARNING = (
    "viam.cloud.viam inventory: include_secrets is true, so the parts' secrets are host variables "
    "(viam_secret, viam_secrets). Whoever can read this inventory can read them: ansible-inventory --list and "
    "--host print them, a fact cache or log_path may store them, and AWX / Ansible Automation Platform stores "
    "the host variables of an inventory source in its database and shows them in its UI and API to every user "
    "who may read the inventory. Prefer reading a secret in the task that needs it "
    "(viam.cloud.viam_robot_part_info with return_secret, and no_log)")
CACHE_DIR_MODE = 0o700
CACHE_FILE_MODE = 0o600
_SCALARS = (bool, int, float, type(None))


def _unsafe(value):
    """API data marked unsafe for ansible-core: wrap_var on every string, in dicts and lists too.

    Same result as wrap_var on the whole value, at less than half the cost on a large fleet: records are
    plain JSON types, so exact type checks replace wrap_var's abstract-class checks on every value.
    """
    kind = type(value)
    if kind is str:
        return wrap_var(value)
    if kind is dict:
        return dict((_unsafe(k), _unsafe(v)) for k, v in value.items())
    if kind is list:
        return [_unsafe(v) for v in value]
    if kind in _SCALARS:
        return value
    return wrap_var(value)


def _unsafe_plain_str_kept(value):
    """_unsafe for an ansible-core whose wrap_var returns a plain ``str`` as it is (see _marker).

    Only exactly ``str`` is passed through: it cannot carry a tag, so it is already untrusted. Any other
    string type (a tagged one from a cache, a subclass) still goes through wrap_var, as do unknown types.
    """
    kind = type(value)
    if kind is str or kind in _SCALARS:
        return value
    if kind is dict:
        return {_unsafe_plain_str_kept(k): _unsafe_plain_str_kept(v) for k, v in value.items()}
    if kind is list:
        return [_unsafe_plain_str_kept(v) for v in value]
    return wrap_var(value)


def _marker():
    """The function that marks API data unsafe for this run: _unsafe, or the same without the wrap_var calls
    that change nothing.

    On ansible-core 2.19+ "unsafe" means "not trusted as a template": wrap_var removes the TrustedAsTemplate
    tag, and a plain ``str`` has no tag at all, so wrap_var returns that very object. Calling it on each of a
    fleet's strings (about 53,000 at 3,000 parts) was a tenth of a second of a cache hit for nothing. Asked of
    wrap_var itself, once per run, rather than assumed from the version: a wrap_var that returns anything else
    for a plain string (an older core's AnsibleUnsafeText, or whatever stands in for it) gets every string.
    """
    probe = "".join(("{{ viam", " }}"))  # built at run time: a fresh plain str, as the API's strings are
    marked = wrap_var(probe)
    if marked is probe and type(marked) is str:  # pylint: disable=unidiomatic-typecheck
        return _unsafe_plain_str_kept
    return _unsafe


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = "viam.cloud.viam"

    def __init__(self):
        super(InventoryModule, self).__init__()
        self._warnings = []
        self._lock = threading.Lock()
        self._slots = None
        self._workers = 1
        self._in_flight = 0
        self.max_in_flight = 0
        self.calls = 0
        self._cache_key = None

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(("viam.yml", "viam.yaml"))

    # ------------------------------------------------------------------ options

    def set_options(self, task_keys=None, var_options=None, direct=None):
        # The inventory file's options as YAML loaded them, before Ansible coerces them: a misspelt option is
        # ignored by Ansible and 'maybe' is a false boolean to it, and either would widen the inventory.
        if direct is not None and isinstance(direct, dict):
            problems = inv.option_problems(direct, self.option_definitions)
            problems += [p for p in (inv.address_source_problem(x) for x in direct.get("ansible_host") or []
                                     if isinstance(direct.get("ansible_host"), list)) if p]
            if problems:
                raise AnsibleError("viam.cloud.viam inventory: %s: %s" % (getattr(self, "_path", "the inventory file"),
                                                                          "; ".join(problems)))
        super(InventoryModule, self).set_options(task_keys=task_keys, var_options=var_options, direct=direct)

    def _templated(self, name):
        """An option's value, rendered if it is a template (vault, AWX credentials, lookups)."""
        value = self.get_option(name)
        if isinstance(value, list):
            return [self._render(v) for v in value]
        return self._render(value)

    def _render(self, value):
        if value is None or isinstance(value, (bool, int, float)):
            return value
        if self.templar.is_template(value):
            value = self.templar.template(value)
        return None if value is None else str(value)

    def _settings(self):
        s = dict(
            app_url=self._templated("app_url"),
            api_key_id=self._templated("api_key_id"),
            api_key=self._templated("api_key"),
            organization_ids=[o for o in (self._templated("organization_id") or []) if o],
            validate_certs=self.get_option("validate_certs"),
            ca_path=self._templated("ca_path"),
            timeout=self.get_option("timeout"),
            max_concurrency=self.get_option("max_concurrency"),
            locations=[str(x) for x in self.get_option("locations") or []],
            include_sub_locations=self.get_option("include_sub_locations"),
            fragments=[str(x) for x in self.get_option("fragments") or []],
            metadata=bool(self.get_option("metadata")) or inv.sources_need_metadata(self.get_option("ansible_host")),
            part_details=bool(self.get_option("part_details")) or inv.sources_need_details(self.get_option("ansible_host")),
            fqdn_domain=self._templated("fqdn_domain"),
            include_secrets=self.get_option("include_secrets"),
            strict_permissions=self.get_option("strict_permissions"),
            allow_plaintext=bool(self.get_option("allow_plaintext")),
        )
        if not s["api_key_id"] or not s["api_key"]:
            raise AnsibleError("viam.cloud.viam inventory: api_key_id and api_key are required (set them in %s, or the "
                               "environment variables VIAM_API_KEY_ID and VIAM_API_KEY)" % self._path)
        # Checked before the cache as well as before any call, so that a redirected key fails every run alike.
        import os
        from ansible_collections.viam.cloud.plugins.module_utils.guards import key_destination_problem

        problem = key_destination_problem(s["app_url"], s["api_key"], os.environ,
                                          explicit="api_key_id and api_key in %s" % self._path)
        if problem:
            raise AnsibleError("viam.cloud.viam inventory: %s" % problem)
        for source in self.get_option("ansible_host") or []:
            problem = inv.address_source_problem(source)
            if problem:
                raise AnsibleError("viam.cloud.viam inventory: %s" % problem)
        if self.get_option("missing_address") not in inv.MISSING_ADDRESS_CHOICES:
            raise AnsibleError("viam.cloud.viam inventory: missing_address must be one of %s"
                               % ", ".join(inv.MISSING_ADDRESS_CHOICES))
        if s["max_concurrency"] is None or s["max_concurrency"] < 1:
            raise AnsibleError("viam.cloud.viam inventory: max_concurrency must be at least 1")
        if s["fqdn_domain"]:
            s["fqdn_domain"] = s["fqdn_domain"].strip(".")
        # Fragment IDs go to the API; names are matched here.
        s["server_fragments"] = bool(s["fragments"]) and all(inv.UUID_RE.match(f) for f in s["fragments"])
        return s

    @staticmethod
    def _fingerprint(s):
        """What the cached answer depends on: a changed source file never reuses another file's answer."""
        keys = ("app_url", "api_key_id", "organization_ids", "locations", "include_sub_locations", "metadata",
                "part_details", "fqdn_domain")
        data = dict((k, s[k]) for k in keys)
        data["fragments"] = s["fragments"] if s["server_fragments"] else []
        data["format"] = CACHE_FORMAT
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()

    # ------------------------------------------------------------------ parse

    def parse(self, inventory, loader, path, cache=True):
        # Before anything else: an ansible-core that templates host variables would run whatever a fleet's
        # names and metadata say, and marking them unsafe (below) is not enough to trust it with them.
        problem = ansible_core_problem(ansible_core_version, "the viam.cloud.viam inventory plugin")
        if problem:
            raise AnsibleError(problem)
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._path = path
        self._read_config_data(path)
        # Options may be templates of extra variables (-e @vault.yml) or lookups.
        self.templar.available_variables = self._vars
        settings = self._settings()
        if settings["include_secrets"]:
            self.display.warning(SECRETS_WARNING)

        use_cache = self.get_option("cache")
        if use_cache and settings["include_secrets"]:
            self.display.warning("viam.cloud.viam inventory: include_secrets is true, so the inventory cache is not "
                                 "used (secrets are never written to it)")
            use_cache = False
        fingerprint = self._fingerprint(settings)
        cache_key = self.get_cache_key(path)
        if use_cache:
            self._cache_key = cache_key
            self._make_cache_dir_private()
        payload = None
        if use_cache and cache:
            try:
                cached = self._cache[cache_key]
            except KeyError:
                cached = None
            if isinstance(cached, dict) and cached.get("fingerprint") == fingerprint:
                payload = dict(cached, records=inv.unpack_records(cached["records"]))
                self.display.vvv("viam.cloud.viam inventory: from the cache (%s)" % cache_key)
        if payload is None:
            started = time.monotonic()
            payload = self._fetch(settings)
            self.display.vvv("viam.cloud.viam inventory: %d parts in %.2fs, %d API calls"
                             % (len(payload["records"]), time.monotonic() - started, self.calls))
            if use_cache:
                # Columns and rows: a much faster JSON load than one object per part.
                self._cache[cache_key] = dict(payload, fingerprint=fingerprint,
                                              records=inv.pack_records(payload["records"]))
        for warning in payload.get("warnings", []):
            self.display.warning("viam.cloud.viam inventory: %s" % warning)
        self._populate(payload, settings, consume=True)

    # ------------------------------------------------------------------ cache files

    def update_cache_if_changed(self):
        # The file cache plugins chmod what they write to 0644, and the cache holds the fleet's names,
        # addresses and metadata: take the group and others' access away again after every write.
        super(InventoryModule, self).update_cache_if_changed()
        plugin = self._file_cache()
        if plugin is not None and self._cache_key:
            # The file name is the cache plugin's business (ansible-core 2.21 adds a schema prefix to the key),
            # but it always contains the key: match on that rather than guess the name.
            self._make_files_private(plugin._cache_dir, lambda name: self._cache_key in name)

    def _file_cache(self):
        """The cache plugin behind the inventory cache if it keeps files in a directory (jsonfile, yaml,
        pickle), else None: other caches (memory, redis...) have no file modes to set."""
        plugin = getattr(getattr(self, "_cache", None), "_plugin", None)
        if isinstance(plugin, BaseFileCacheModule) and getattr(plugin, "_cache_dir", None):
            return plugin
        return None

    def _make_cache_dir_private(self):
        """The cache directory 0700 before anything is written to it, so that the moment between the cache
        plugin's chmod 0644 and ours exposes nothing; files an older run left readable become 0600."""
        plugin = self._file_cache()
        if plugin is None:
            return
        path = plugin._cache_dir
        try:
            info = os.stat(path)
        except OSError:
            return  # the cache plugin reports a missing or unusable directory itself
        # A sticky directory (/tmp) or another user's is shared on purpose: changing its mode would break
        # others, so the files are still made 0600 but the directory is left alone.
        if info.st_mode & stat.S_ISVTX or info.st_uid != os.geteuid():
            self.display.warning("viam.cloud.viam inventory: the cache directory %s is shared (sticky or another "
                                 "user's), so the plugin leaves its mode as it is; give cache_connection a directory "
                                 "of its own" % path)
            return
        if not stat.S_IMODE(info.st_mode) & 0o077:
            return
        self._make_private(path, CACHE_DIR_MODE)
        self._make_files_private(path, lambda name: True)

    def _make_files_private(self, directory, wanted):
        try:
            entries = list(os.scandir(directory))
        except OSError:
            return
        for entry in entries:
            if wanted(entry.name) and entry.is_file(follow_symlinks=False):
                self._make_private(entry.path, CACHE_FILE_MODE)

    def _make_private(self, path, mode):
        """chmod ``path`` to ``mode`` if it is ours and looser; a failure is a warning, not a failed inventory."""
        try:
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid() or not stat.S_IMODE(info.st_mode) & 0o077:
                return
            os.chmod(path, mode)
        except FileNotFoundError:
            return
        except OSError as exc:
            self.display.warning("viam.cloud.viam inventory: could not make the cache %s private (mode %o): %s"
                                 % (path, mode, to_native(exc)))

    # ------------------------------------------------------------------ populate

    def _populate(self, payload, settings, consume=False):
        """Hosts, variables and groups from the payload's records. With ``consume`` the records are taken out
        of the payload (parse() keeps no other reference), so that each is freed once its host is in the
        inventory: at 30,000 parts the records and Ansible's host variables are otherwise held at once."""
        records = payload.pop("records") if consume else payload["records"]
        keep = inv.RecordFilter(
            machines=self.get_option("machines"),
            main_part_only=self.get_option("main_part_only"),
            online_only=self.get_option("online_only"),
            fragments=settings["fragments"],
            include_filters=self.get_option("include_filters"),
            exclude_filters=self.get_option("exclude_filters"),
        )
        hosts, warnings = inv.assign_host_names(keep.apply(records), self.get_option("hostnames"))
        del records
        if warnings:
            shown = warnings[:5] + (["... and %d more" % (len(warnings) - 5)] if len(warnings) > 5 else [])
            self.display.warning("viam.cloud.viam inventory: %s" % "; ".join(shown))

        builder = inv.HostBuilder(prefix=self.get_option("hostvars_prefix") or "",
                                  ansible_host=self.get_option("ansible_host"),
                                  group_prefix=self.get_option("group_prefix") or "",
                                  sanitize=self._sanitize_group_name,
                                  default_groups=self.get_option("default_groups"))
        inventory = self.inventory
        top = self.get_option("group")
        if top:
            top = inventory.add_group(self._sanitize_group_name(top))
        strict = self.get_option("strict")
        compose, groups, keyed = self.get_option("compose"), self.get_option("groups"), self.get_option("keyed_groups")
        constructed = bool(compose or groups or keyed)
        made = set()
        used_locations = {}
        no_address = []
        source_var = (self.get_option("hostvars_prefix") or "") + "address_source"
        # Names and metadata are written by anyone who may edit a machine, not by whoever runs Ansible:
        # unsafe, so that no ansible-core templates them (on 2.19+ untrusted text is never templated,
        # and this is the second line of defence). Variable names are the plugin's own.
        unsafe = _marker()
        # Bound once: self.inventory is ansible-core's proxy of InventoryData, an attribute lookup through it
        # per call costs more than the call's own work for set_variable.
        add_host, set_variable, add_group, add_child, get_host = (
            inventory.add_host, inventory.set_variable, inventory.add_group, inventory.add_child, inventory.get_host)
        host_vars_of, groups_of = builder.host_vars_and_source, builder.groups
        top_group = top or None
        for index in range(len(hosts)):  # pylint: disable=consider-using-enumerate
            name, record = hosts[index]
            hosts[index] = None  # the record goes with its host, unless the caller keeps it
            name = unsafe(name)
            add_host(name, group=top_group)
            # Built and marked in one pass; the address and its source picked once.
            host_vars, source = host_vars_of(record, unsafe)
            for key, value in host_vars.items():
                set_variable(name, key, value)
            for group in groups_of(record):
                group = unsafe(group)
                if group not in made:
                    add_group(group)
                    made.add(group)
                add_child(group, name)
            used_locations[record["location_id"]] = record["location_name"]
            if constructed:
                self._set_composite_vars(compose, host_vars, name, strict=strict)
                self._add_host_to_composed_groups(groups, host_vars, name, strict=strict)
                self._add_host_to_keyed_groups(keyed, host_vars, name, strict=strict)
            source = self._address_source(name, host_vars, source, get_host)
            # Unsafe like every viam_ variable, though the plugin's own word: no host variable of this plugin
            # is ever a template.
            set_variable(name, source_var, unsafe(source))
            if source is None:
                no_address.append(name)
        if builder.default_groups:
            self._nest_locations(payload.get("locations", []), used_locations, builder)
        self._report_no_address(no_address, len(hosts), builder)

    def _address_source(self, name, host_vars, source, get_host=None):
        """Where the host's final ansible_host came from (an ansible_host source, or compose), or None when it has
        no address to connect to. A host that compose makes local needs none. ``get_host``: the inventory's,
        bound once by the caller."""
        final = (get_host or self.inventory.get_host)(name).vars
        address = final.get("ansible_host")
        if address and str(address).strip():
            return source if address == host_vars.get("ansible_host") else "compose"
        if str(final.get("ansible_connection") or "") in ("local", "ansible.builtin.local"):
            return "local"
        return None

    def _report_no_address(self, names, total, builder):
        """Hosts without an address: a group, and a warning or an error (missing_address).

        The group exists even when empty, so that the pattern 'viam:!viam_no_address' of a playbook never
        draws Ansible's warning about a group it cannot match."""
        mode = self.get_option("missing_address")
        group = None
        if builder.default_groups:
            group = self._sanitize_group_name(builder.group_prefix + "no_address")
            self.inventory.add_group(group)
            for name in names:
                self.inventory.add_child(group, name)
        if not names or mode == "ignore":
            return
        sources = self.get_option("ansible_host") or []
        if sources:
            via_compose = " or compose" if self.get_option("compose") else ""
            origin = "none of ansible_host: [%s]%s gives them one" % (", ".join(sources), via_compose)
            hint = ("Give them one (for example ssh_host in the machine's metadata with "
                    "viam.cloud.viam_robot), or add a source or a compose fallback")
        else:
            origin = "the ansible_host option is empty%s" % (" and compose sets none" if self.get_option("compose")
                                                             else "")
            hint = ("Set the ansible_host option, for example ansible_host: [metadata.ssh_host, public_ip_address] "
                    "with ssh_host in the machines' metadata")
        text = ("%d of %d hosts without an address to connect to (%s): %s. SSH would try their names, which DNS does "
                "not know. %s (ansible-doc -t inventory viam.cloud.viam)"
                % (len(names), total, origin, inv.describe_hosts(names), hint))
        if group:
            text += ". They are in the group %s: hosts: '%s:!%s' leaves them out" % (
                group, self._sanitize_group_name(self.get_option("group") or "") or "all", group)
        if mode == "error":
            raise AnsibleError("viam.cloud.viam inventory: %s (missing_address is error)" % text)
        self.display.warning("viam.cloud.viam inventory: %s (missing_address: ignore silences this warning)" % text)

    def _nest_locations(self, locations, used, builder):
        """Each sub-location's group becomes a child of its parent location's group (up to the top)."""
        names = dict((loc["id"], loc["name"] or loc["id"]) for loc in locations)
        parent_of = dict((child, parent) for parent, child in inv.location_parents(locations))
        todo = list(used)
        done = set()
        unsafe = _marker()
        while todo:
            location_id = todo.pop()
            if location_id in done:
                continue
            done.add(location_id)
            parent = parent_of.get(location_id)
            if parent is None:
                continue
            child_group = unsafe(builder.location_group(used.get(location_id) or names[location_id]))
            parent_group = unsafe(builder.location_group(names[parent]))
            if child_group == parent_group:
                continue
            self.inventory.add_group(child_group)
            self.inventory.add_group(parent_group)
            self.inventory.add_child(parent_group, child_group)
            todo.append(parent)

    # ------------------------------------------------------------------ fetch

    def _warn_partial(self, settings, text):
        """Part of the fleet is not readable: a warning, or a failure with strict_permissions."""
        if settings["strict_permissions"]:
            raise AnsibleError("viam.cloud.viam inventory: %s (strict_permissions is true)" % text)
        self._warnings.append(text)

    def _call(self, method, **fields):
        """One API call; never more than max_concurrency of them in flight, whichever thread makes them."""
        with self._slots:
            with self._lock:
                self.calls += 1
                self._in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self._in_flight)
            try:
                return method(**fields)
            finally:
                with self._lock:
                    self._in_flight -= 1

    def _start(self, s):
        self._slots = threading.BoundedSemaphore(s["max_concurrency"])
        self._workers = s["max_concurrency"]

    def _map(self, func, items):
        """func over items in the collection's thread pool (parallel.map_parallel); results in order. The bound
        on calls is _call's semaphore, so a func may itself _map (threads waiting on threads hold no slot)."""
        from ansible_collections.viam.cloud.plugins.module_utils.parallel import map_parallel

        return map_parallel(func, items, self._workers)

    def _fetch(self, s):
        try:
            from ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient
            client = ViamClient(app_url=s["app_url"], api_key_id=s["api_key_id"], api_key=s["api_key"],
                                validate_certs=s["validate_certs"], ca_path=s["ca_path"], timeout=s["timeout"],
                                warn=self._warnings.append, user_agent="viam.cloud-ansible-inventory",
                                allow_plaintext=s["allow_plaintext"])
        except ViamError as exc:
            raise AnsibleError("viam.cloud.viam inventory: %s" % to_native(exc))
        self._start(s)
        try:
            return self._fetch_with(client, s)
        except ViamError as exc:
            raise AnsibleError("viam.cloud.viam inventory: %s" % to_native(exc))
        finally:
            client.close()

    def _fetch_with(self, client, s):
        org_ids = s["organization_ids"] or self._visible_org_ids(client)
        early = {}
        if s["locations"]:
            locations = self._list_locations(client, org_ids)
        else:
            # Without a location filter, the first ListMachineSummaries need not wait for ListLocations'
            # machine counts: both go at once (one round trip less), the counts check the answer after.
            jobs = [lambda: self._list_locations(client, org_ids), lambda: self._map(
                lambda org_id: (org_id, self._blind_summaries(client, s, org_id)), org_ids)]
            locations, blind = self._map(lambda job: job(), jobs)
            early = dict((org_id, answer) for org_id, answer in blind if answer is not None)
            del blind  # early holds the answers now, each until it is converted
        scope = self._location_scope(client, s, locations, org_ids)

        def summaries(org_id):
            return self._summaries(client, s, org_id, scope, locations, early.pop(org_id, None))

        answers = self._map(summaries, org_ids)
        del early
        probe_machine = None
        if not (s["fqdn_domain"] or s["part_details"] or s["include_secrets"]):
            probe_machine = next((m for m in (inv.probe_machine(r) for responses in answers for r in responses)
                                  if m), None)

        def learn_domain():
            return self._learn_domain(client, *probe_machine)

        def convert():
            """Every answer as records, each answer dropped once converted (at 30,000 parts the protobuf
            messages and the records are otherwise held at once). In this thread: the records outlive the
            workers' calls and are freed here, one by one, as their hosts are added (docs/performance.md,
            Memory: converting in the workers measured no better)."""
            out = []
            for org_id, responses in zip(org_ids, answers):
                while responses:
                    response = responses.pop(0)
                    out.extend(inv.records_from_summaries(response, org_id, s["fqdn_domain"]))
                    del response
            return out

        if probe_machine:  # learn the FQDN domain from one machine's parts while the summaries become records
            from ansible_collections.viam.cloud.plugins.module_utils.parallel import run_alongside

            domain, records = run_alongside(learn_domain, convert)
        else:
            domain, records = s["fqdn_domain"], convert()
        del answers
        records = self._dedupe(records)
        self._fill_fqdns(client, s, records, domain)
        if s["metadata"]:
            self._fill_metadata(client, s, records, org_ids)
        return {
            "format": CACHE_FORMAT,
            "records": records,
            "locations": [dict(id=loc["id"], name=loc["name"], parent_location_id=loc["parent_location_id"])
                          for loc in locations],
            "warnings": list(self._warnings),
        }

    def _blind_summaries(self, client, s, org_id):
        """ListMachineSummaries with a generous limit, before the machine counts are known (None if refused)."""
        fields = dict(organization_id=org_id, limit=OPEN_LIMIT)
        if s["server_fragments"]:
            fields["fragment_ids"] = s["fragments"]
        try:
            return self._call(client.list_machine_summaries, resource="machines of organization '%s'" % org_id,
                              **fields)
        except ViamError as exc:
            if exc.code in _UNKNOWN:  # ListLocations reports an unknown organization; a refused limit is asked again
                return None
            raise

    @staticmethod
    def _dedupe(records):
        """A location shared with several listed organizations appears once per organization: keep the first."""
        seen = set()
        out = []
        for record in records:
            if record["part_id"] not in seen:
                seen.add(record["part_id"])
                out.append(record)
        return out

    def _visible_org_ids(self, client):
        orgs = self._call(client.list_organizations, resource="organizations of the API key").organizations
        if not orgs:
            raise AnsibleError("viam.cloud.viam inventory: the API key sees no organization")
        return [o.id for o in orgs]

    def _list_locations(self, client, org_ids):
        """Every location the key sees in each organization: [{id, name, parent_location_id, robot_count, org}]."""
        def one(org_id):
            try:
                return org_id, self._call(client.list_locations, organization_id=org_id,
                                          resource="organization '%s'" % org_id).locations, None
            except ViamError as exc:
                if exc.code in _UNKNOWN:
                    return org_id, None, exc
                raise

        found = []
        failed = []
        for org_id, locations, error in self._map(one, org_ids):
            if error is not None:
                failed.append((org_id, error))
                continue
            for loc in locations:
                found.append(dict(id=loc.id, name=loc.name, parent_location_id=loc.parent_location_id,
                                  robot_count=loc.robot_count, org=org_id))
        if failed:
            visible = self._call(client.list_organizations, resource="organizations of the API key").organizations
            seen = ", ".join("%s (%s)" % (o.name, o.id) for o in visible) or "none"
            raise AnsibleError("viam.cloud.viam inventory: unknown organization %s, or the API key may not read it "
                               "(%s). The API key sees: %s"
                               % (", ".join("'%s'" % f[0] for f in failed), failed[0][1].details or failed[0][1].code,
                                  seen))
        return found

    def _location_scope(self, client, s, locations, org_ids):
        """None (everything), or {org_id: set of location IDs} from the locations option."""
        if not s["locations"]:
            return None
        ids, unknown = inv.resolve_locations(s["locations"], locations, s["include_sub_locations"])
        org_of = dict((loc["id"], loc["org"]) for loc in locations)
        names = []
        for entry in unknown:
            if not inv.LOCATION_ID_RE.match(entry):
                names.append(entry)
                continue
            # An ID the key does not list: unknown, or not readable by this key?
            try:
                loc = self._call(client.get_location, location_id=entry, resource="location '%s'" % entry).location
            except ViamError as exc:
                if exc.code in _DENIED:
                    self._warn_partial(s, "location %s: the API key may not read it, so its parts are left out" % entry)
                    continue
                if exc.code in ("NOT_FOUND", "INVALID_ARGUMENT"):
                    names.append(entry)
                    continue
                raise
            owner = next((o.organization_id for o in loc.organizations if o.organization_id in org_ids), None)
            if owner is None:
                names.append(entry)
                continue
            ids.add(loc.id)
            org_of[loc.id] = owner
        if names:
            seen = ", ".join(sorted("%s (%s)" % (loc["name"], loc["id"]) for loc in locations)) or "none"
            raise AnsibleError("viam.cloud.viam inventory: unknown location %s in organization %s. The locations the "
                               "API key sees: %s" % (", ".join("'%s'" % n for n in names), ", ".join(org_ids), seen))
        scope = dict((org_id, set()) for org_id in org_ids)
        for location_id in ids:
            scope.setdefault(org_of[location_id], set()).add(location_id)
        return scope

    def _summaries(self, client, s, org_id, scope, locations, first=None):
        """Every machine summary of an organization (in scope): normally one call (``first``, if made already)."""
        location_ids = None
        if scope is not None:
            location_ids = sorted(scope.get(org_id) or ())
            if not location_ids:
                return []
        in_scope = [loc for loc in locations if loc["org"] == org_id
                    and (location_ids is None or loc["id"] in location_ids)]
        expected = sum(loc["robot_count"] for loc in in_scope)
        fields = dict(organization_id=org_id)
        if location_ids:
            fields["location_ids"] = location_ids
        if s["server_fragments"]:
            fields["fragment_ids"] = s["fragments"]
        if first is not None and location_ids is None:
            response, limit = first, OPEN_LIMIT
        else:
            limit = max(SUMMARY_PAGE, expected + 1)
            response = self._call(client.list_machine_summaries, limit=limit,
                                  resource="machines of organization '%s'" % org_id, **fields)
        got = inv.count_machines(response)
        full = got >= limit
        # The API has a limit but no page token. An answer as long as the limit, or (without a fragment
        # filter) shorter than the locations' machine counts, may have been cut short by the server:
        # ask again for the locations that came back short, one call per location, concurrently.
        short = full or (not s["server_fragments"] and got < expected)
        if not short:
            return [response]
        counts = dict((loc["id"], loc["robot_count"]) for loc in in_scope)
        answered = dict((ls.location_id, len(ls.machine_summaries)) for ls in response.location_summaries)
        again = set(loc_id for loc_id, count in counts.items() if answered.get(loc_id, 0) < count)
        if full:  # any location may be missing
            again.update(counts)
            again.update(answered)
        keep = SimpleNamespace(location_summaries=[ls for ls in response.location_summaries
                                                   if ls.location_id not in again])
        cap = None if full else got

        def one(location_id):
            limit = max(SUMMARY_PAGE, counts.get(location_id, 0) + 1)
            for dummy in range(3):
                answer = self._call(client.list_machine_summaries, limit=limit,
                                    resource="machines of location '%s'" % location_id,
                                    **dict(fields, location_ids=[location_id]))
                count = inv.count_machines(answer)
                if count < limit:
                    if count == cap and count < counts.get(location_id, 0):
                        break
                    return answer
                limit *= 4
            self._warnings.append("location %s: ListMachineSummaries returned %d of its %d machines (the API "
                                  "has no paging); the list may be incomplete"
                                  % (location_id, count, counts.get(location_id, 0)))
            return answer

        return [keep] + self._map(one, sorted(again))

    # ------------------------------------------------------------------ FQDNs, details, metadata

    def _fill_fqdns(self, client, s, records, domain):
        """FQDNs: built from dns_name with the domain (given, or learnt from one part), else read per machine."""
        need_details = set()
        if s["part_details"] or s["include_secrets"]:
            need_details.update(r["machine_id"] for r in records)
        if domain:
            for record in records:
                if not record["fqdn"]:
                    record["fqdn"], record["local_fqdn"] = inv.fqdns(record["dns_name"], record["location_id"], domain)
        need_details.update(r["machine_id"] for r in records if not r["fqdn"])
        if need_details:
            self._fill_details(client, s, records, need_details)

    def _learn_domain(self, client, machine_id, machine_name):
        """One GetRobotParts call: the domain of a part's FQDNs, if they follow the app's pattern."""
        try:
            parts = self._call(client.get_robot_parts, robot_id=machine_id,
                               resource="parts of machine '%s'" % machine_name).parts
        except ViamError as exc:
            if exc.code not in _DENIED:
                raise
            self._warnings.append("could not read the parts of machine %s to learn the FQDN domain (%s): assuming %s"
                                  % (machine_name, exc.code, DEFAULT_DOMAIN))
            return DEFAULT_DOMAIN
        for part in parts:
            domain = inv.learn_fqdn_domain(part.dns_name, part.location_id, part.fqdn, part.local_fqdn)
            if domain:
                return domain
        self.display.vv("viam.cloud.viam inventory: the parts' FQDNs do not follow <dns_name>.<location_id>.<domain>: "
                        "reading every machine's parts")
        return None

    def _fill_details(self, client, s, records, machine_ids):
        """GetRobotParts per machine (concurrently): exact FQDNs, the addresses viam-server reported, and secrets
        when asked."""
        from ansible_collections.viam.cloud.plugins.module_utils.convert import struct_to_dict

        def one(machine_id):
            try:
                return machine_id, self._call(client.get_robot_parts, robot_id=machine_id,
                                              resource="parts of machine '%s'" % machine_id).parts, None
            except ViamError as exc:
                if exc.code in _DENIED:
                    return machine_id, (), exc
                raise

        parts = {}
        denied = []
        for machine_id, machine_parts, error in self._map(one, sorted(machine_ids)):
            if error is not None:
                denied.append(machine_id)
            for part in machine_parts:
                parts[part.id] = part
        if denied:
            self._warn_partial(s, "the API key may not read the parts of %d machine(s) (%s): their FQDNs are built "
                               "from their DNS names%s" % (len(denied), ", ".join(denied[:3]),
                                                           ", without secrets" if s["include_secrets"] else ""))
        for record in records:
            part = parts.get(record["part_id"])
            if part is None:
                if s["part_details"]:
                    record["private_ip_addresses"] = []
                if not record["fqdn"]:
                    record["fqdn"], record["local_fqdn"] = inv.fqdns(record["dns_name"], record["location_id"],
                                                                     s["fqdn_domain"] or DEFAULT_DOMAIN)
                continue
            record["fqdn"], record["local_fqdn"] = part.fqdn, part.local_fqdn
            record["dns_name"] = part.dns_name or record["dns_name"]
            if s["part_details"]:
                record["private_ip_addresses"] = inv.reported_ips(struct_to_dict(part.user_supplied_info))
            if s["include_secrets"]:
                record["secret"] = part.secret
                record["secrets"] = [dict(id=x.id, secret=x.secret, state=_enum_name(x, "state"),
                                          created_on=x.created_on.ToJsonString() if x.HasField("created_on") else None)
                                     for x in part.secrets]

    def _fill_metadata(self, client, s, records, org_ids):
        """User metadata of every part, machine, location and organization (one call each, concurrently)."""
        from ansible_collections.viam.cloud.plugins.module_utils.convert import struct_to_dict
        from ansible_collections.viam.cloud.plugins.module_utils.metadata import METADATA_CALLS

        # Resource types as metadata.METADATA_CALLS names them (the modules' table: RPC, ID field, label).
        jobs = [("organization", o) for o in org_ids]
        jobs += [("location", x) for x in sorted(set(r["location_id"] for r in records))]
        jobs += [("robot", x) for x in sorted(set(r["machine_id"] for r in records))]
        jobs += [("part", r["part_id"]) for r in records]

        def one(job):
            kind, ident = job
            get, _update, field, label = METADATA_CALLS[kind]
            try:
                answer = self._call(getattr(client, get), resource="metadata of %s '%s'" % (label, ident),
                                    **{field: ident})
                return job, struct_to_dict(answer.data), None
            except ViamError as exc:
                if exc.code in _DENIED or exc.code == "NOT_FOUND":
                    return job, {}, exc.code
                raise

        found = {}
        denied = {}
        for job, data, error in self._map(one, jobs):
            found[job] = data
            if error:
                denied.setdefault(METADATA_CALLS[job[0]][3], []).append(job[1])
        if denied:
            self._warn_partial(s, "the API key may not read the metadata of %s: left empty"
                               % ", ".join("%d %s(s)" % (len(v), k) for k, v in sorted(denied.items())))
        for record in records:
            record["organization_metadata"] = found.get(("organization", record["organization_id"]), {})
            record["location_metadata"] = found.get(("location", record["location_id"]), {})
            record["machine_metadata"] = found.get(("robot", record["machine_id"]), {})
            record["part_metadata"] = found.get(("part", record["part_id"]), {})


def _enum_name(message, field):
    value = getattr(message, field)
    descriptor = message.DESCRIPTOR.fields_by_name[field].enum_type.values_by_number.get(value)
    return descriptor.name if descriptor is not None else value
