# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ViamModule.create_or_find: a create whose answer was lost is looked up, never repeated."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.module import CreateRaced, ViamModule


def lost_answer():
    raise ViamError(code="UNAVAILABLE", rpc="NewRobot", maybe_applied=True)


def refused():
    raise ViamError(code="ALREADY_EXISTS", rpc="NewRobot")


def create_or_find(create, find_existing):
    # The method needs nothing of the instance: call it without building an AnsibleModule.
    return ViamModule.create_or_find(None, create, find_existing)


def test_a_create_that_answers_is_returned_without_a_lookup():
    looked = []
    assert create_or_find(lambda: "new-id", lambda: looked.append(1)) == "new-id"
    assert not looked


def test_a_lost_answer_is_resolved_by_finding_what_was_made():
    assert create_or_find(lost_answer, lambda: "found-id") == "found-id"


def test_a_lost_answer_with_nothing_found_raises_the_original_error():
    with pytest.raises(ViamError) as raised:
        create_or_find(lost_answer, lambda: None)
    assert raised.value.maybe_applied and raised.value.code == "UNAVAILABLE"


def test_a_clear_refusal_is_not_papered_over_by_a_lookup():
    # ALREADY_EXISTS: another run made the name since we looked; run() reads again (CreateRaced).
    looked = []
    with pytest.raises(CreateRaced) as raised:
        create_or_find(refused, lambda: looked.append(1) or "found-id")
    assert raised.value.error.code == "ALREADY_EXISTS"
    assert not looked


class _Client:
    retries = 3


class _Module:
    client = _Client()


def test_an_unavailable_create_that_is_not_found_is_sent_again():
    sent = []

    def create():
        sent.append(1)
        if len(sent) < 2:
            lost_answer()
        return "new-id"

    assert ViamModule.create_or_find(_Module(), create, lambda: None) == "new-id"
    assert len(sent) == 2


def test_a_timed_out_create_is_not_sent_again():
    sent = []

    def create():
        sent.append(1)
        raise ViamError(code="DEADLINE_EXCEEDED", rpc="NewRobot", maybe_applied=True)

    with pytest.raises(ViamError) as raised:
        ViamModule.create_or_find(_Module(), create, lambda: None)
    assert raised.value.code == "DEADLINE_EXCEEDED" and len(sent) == 1
