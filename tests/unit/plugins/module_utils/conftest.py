# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures: ``app`` (a started FakeApp) and ``make_client`` (ViamClients pointed at it)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

pytest.importorskip("grpc")

from ansible_collections.viam.cloud.plugins.module_utils import client as client_mod  # noqa: E402
from ansible_collections.viam.cloud.tests.unit.plugins.module_utils.viam_fake_app import FAST, KEY, KEY_ID, FakeApp  # noqa: E402


@pytest.fixture
def app():
    fake = FakeApp().start()
    yield fake
    fake.stop()


@pytest.fixture
def make_client(app):
    made = []

    def make(**kwargs):
        options = dict(FAST, app_url="http://127.0.0.1:%d" % app.port, api_key_id=KEY_ID, api_key=KEY)
        options.update(kwargs)
        made.append(client_mod.ViamClient(**options))
        return made[-1]

    yield make
    for c in made:
        c.close()
