# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One service per Viam resource: module -> service -> client.

Each service (locations, machines, parts, fragments, api_keys) is the only place that knows how
its resource is found by name or ID (with the confirmed-absence rules of docs/api-assumptions.md
§7), created without duplicates (base.create_or_find, base.keep_oldest), deleted, and shown
without secrets (its ``view``). base holds what they share.
"""
