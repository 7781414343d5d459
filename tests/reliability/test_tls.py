# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS: the emulator with --tls (a self-signed certificate), reached by modules three ways.

- validate_certs: true (the default) fails with a message about the certificate, and says how to fix it;
- ca_path: the emulator's certificate succeeds, without a warning;
- validate_certs: false succeeds and warns.
And plaintext: http:// to a host that is not this machine is refused unless allow_plaintext is set,
and then warns that the API key travels in the clear (decided when the client is built: checked here
without a network); loopback needs no opt-in and does not warn.
"""
from __future__ import annotations

import pytest

from conftest import report

TLS_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: default validation
      viam.cloud.viam_location_info: {}
      ignore_errors: true
    - name: trusted with ca_path
      viam.cloud.viam_location_info:
        ca_path: "{{ emulator_cert }}"
    - name: validation off
      viam.cloud.viam_location_info:
        validate_certs: false
"""


def test_tls_certificate_checks(emulator_factory, playbook_runner):
    emulator = emulator_factory("--tls")
    assert emulator.app_url.startswith("https://") and emulator.tls_cert
    run = playbook_runner(TLS_PLAY, emulator, extra_vars={"emulator_cert": emulator.tls_cert})
    assert run.returncode == 0, run.explain()

    (default,) = run.task("default validation")
    assert default["status"] == "failed"
    msg = default["msg"]
    assert "TLS certificate verification failed" in msg and "ca_path" in msg, msg
    assert "Traceback" not in msg

    (trusted,) = run.task("trusted with ca_path")
    assert trusted["status"] == "ok" and not trusted.get("warnings"), trusted

    (unchecked,) = run.task("validation off")
    assert unchecked["status"] == "ok", unchecked
    assert any("validate_certs is false" in w for w in unchecked.get("warnings", [])), unchecked

    # The refused connection never authenticated: no call reached the emulator's handlers before it.
    methods = [c["method"] for c in emulator.calls()]
    assert methods.count("Authenticate") == 2, methods
    report("tls", tasks=3, authenticated=methods.count("Authenticate"))


@pytest.mark.parametrize("app_url, warns", [
    ("http://10.20.30.40:8080", True),
    ("http://app.example.com", True),
    ("http://[2001:db8::1]:8080", True),
    ("http://127.0.0.1:8080", False),
    ("http://127.9.9.9:8080", False),
    ("http://localhost:8080", False),
    ("http://[::1]:8080", False),
    ("https://10.20.30.40:8443", False),
    ("app.viam.com", False),
])
def test_plaintext_to_another_host_needs_opt_in_and_warns_that_the_key_travels_in_the_clear(app_url, warns):
    from ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient
    from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError

    credentials = dict(api_key_id="00000000-0000-4000-8000-000000000000", api_key="not-a-secret")
    seen = []
    if warns:
        with pytest.raises(ViamError, match="allow_plaintext"):
            ViamClient(app_url=app_url, warn=seen.append, **credentials)
        assert seen == []
    else:
        ViamClient(app_url=app_url, warn=seen.append, **credentials)
        assert seen == []
    ViamClient(app_url=app_url, warn=seen.append, allow_plaintext=True, **credentials)
    clear = [w for w in seen if "unencrypted" in w and "API key" in w]
    assert bool(clear) == warns, seen
