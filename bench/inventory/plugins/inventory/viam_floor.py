# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The floor of bench-inventory: Ansible's own cost of an inventory of this size.

Adds the hosts, variables and groups of a dump (written by bench/inventory/run.py
from viam.cloud.viam's own output) with the same InventoryData calls the real
plugin makes, and nothing else: no network, no cache plugin, no templating.
Loaded from this folder (ANSIBLE_INVENTORY_PLUGINS), not part of the collection.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: viam_floor
short_description: Benchmark floor, hosts from a JSON dump
description:
  - Adds the hosts, host variables and groups of a JSON dump, as fast as Ansible allows.
options:
  plugin:
    description: Marks this file as a configuration of this plugin.
    required: true
    choices: [viam_floor]
  dump:
    description: The JSON dump (hosts, groups, children).
    type: path
    required: true
"""

import json

from ansible.plugins.inventory import BaseInventoryPlugin


class InventoryModule(BaseInventoryPlugin):

    NAME = "viam_floor"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith("floor.yml")

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        with open(self.get_option("dump"), encoding="utf-8") as handle:
            data = json.load(handle)
        inv = self.inventory
        top = data.get("top")
        if top:
            inv.add_group(top)
        groups_of = {}
        for group, hosts in data["groups"].items():
            inv.add_group(group)
            for host in hosts:
                groups_of.setdefault(host, []).append(group)
        for host, host_vars in data["hosts"].items():
            inv.add_host(host, group=top or None)
            for key, value in host_vars.items():
                inv.set_variable(host, key, value)
            for group in groups_of.get(host, ()):
                inv.add_child(group, host)
        for parent, children in data["children"].items():
            inv.add_group(parent)
            for child in children:
                inv.add_group(child)
                inv.add_child(parent, child)
