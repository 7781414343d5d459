# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The user-defined metadata options of the resource modules
    # (plugins/module_utils/metadata.py METADATA_ARGUMENT_SPEC).
    DOCUMENTATION = r"""
options:
  metadata:
    description:
      - User-defined metadata of the resource, a dict of JSON values.
      - How it combines with the metadata already stored is set by O(metadata_mode).
      - When omitted, the metadata is not managed. Ignored when the resource is deleted (C(state=absent)).
      - Numbers are stored as JSON numbers, so V(3) and V(3.0) are the same value.
    type: dict
  metadata_mode:
    description:
      - V(merge) sets the keys given in O(metadata) and keeps the other stored keys;
        a key given as V(null) is removed.
      - V(replace) makes the metadata exactly O(metadata); V({}) removes all of it.
    type: str
    choices: [merge, replace]
    default: merge
notes:
  - Viam stores metadata as a whole; the module reads it, computes the result and writes it only when it differs.
"""
