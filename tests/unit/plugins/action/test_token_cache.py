# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugins/module_utils/token_cache.py: a token is reused only by the same credentials, only within its lifetime."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

import pytest

from ansible_collections.viam.cloud.plugins.module_utils import token_cache

URL, KID, KEY = "https://app.viam.com:443", "key-id", "key-secret"


@pytest.fixture(autouse=True)
def enabled(monkeypatch):
    monkeypatch.setattr(token_cache, "ENABLED", True)
    token_cache.clear()
    yield
    token_cache.clear()


def jwt(exp):
    claims = base64.urlsafe_b64encode(json.dumps({"exp": exp}).encode()).decode().rstrip("=")
    return "header.%s.signature" % claims


def test_reused_by_the_same_credentials_only():
    token_cache.put(URL, KID, KEY, "tok", now=1000.0)
    assert token_cache.get(URL, KID, KEY, now=1001.0) == "tok"
    assert token_cache.get(URL, KID, KEY + "x", now=1001.0) is None
    assert token_cache.get(URL, KID + "x", KEY, now=1001.0) is None
    assert token_cache.get("https://other:443", KID, KEY, now=1001.0) is None


def test_dropped_before_it_expires():
    token = jwt(2000)
    token_cache.put(URL, KID, KEY, token, now=1000.0)
    assert token_cache.get(URL, KID, KEY, now=2000 - token_cache.MARGIN - 1) == token
    assert token_cache.get(URL, KID, KEY, now=2000 - token_cache.MARGIN) is None


def test_a_token_without_expiry_lives_ttl_less_margin():
    token_cache.put(URL, KID, KEY, "opaque", now=1000.0)
    assert token_cache.get(URL, KID, KEY, now=1000.0 + token_cache.TTL - token_cache.MARGIN - 1) == "opaque"
    assert token_cache.get(URL, KID, KEY, now=1000.0 + token_cache.TTL - token_cache.MARGIN) is None


def test_drop_and_disabled(monkeypatch):
    token_cache.put(URL, KID, KEY, "tok", now=1000.0)
    token_cache.drop(URL, KID, KEY)
    assert token_cache.get(URL, KID, KEY, now=1000.0) is None
    monkeypatch.setattr(token_cache, "ENABLED", False)
    token_cache.put(URL, KID, KEY, "tok", now=1000.0)
    assert token_cache.get(URL, KID, KEY, now=1000.0) is None


def test_no_credentials_no_cache():
    token_cache.put(URL, None, KEY, "tok")
    token_cache.put(URL, KID, "", "tok")
    assert token_cache.get(URL, None, KEY) is None and token_cache._tokens == {}


def test_the_secret_is_not_kept_in_clear():
    token_cache.put(URL, KID, KEY, "tok")
    assert all(KEY not in key and KID not in key for key in token_cache._tokens)
