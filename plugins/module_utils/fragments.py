# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fragments as viam_fragment and viam_fragment_info return them.

    fragment_view(fragment_message) -> dict with ``config`` (the API's ``fragment``
    Struct) and ``visibility`` as a word (private / public / public_unlisted).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict

# The module's words for the API's FragmentVisibility enum.
VISIBILITIES = {
    "private": "FRAGMENT_VISIBILITY_PRIVATE",
    "public": "FRAGMENT_VISIBILITY_PUBLIC",
    "public_unlisted": "FRAGMENT_VISIBILITY_PUBLIC_UNLISTED",
}
VISIBILITY_WORDS = dict((enum, word) for word, enum in VISIBILITIES.items())


def fragment_view(fragment) -> dict:
    """A Fragment message as a dict: ``config`` instead of ``fragment``, visibility as a word."""
    data = message_to_dict(fragment)
    data["config"] = data.pop("fragment", None) or {}
    data.pop("fragment_config_json", None)
    # UNSPECIFIED (an old record): judge by the older public flag.
    data["visibility"] = VISIBILITY_WORDS.get(data.get("visibility"), "public" if data.get("public") else "private")
    return data
