"""The device double's reading of the cloud config file (tests/device/viam_device_double/cloud_config.py):
viam-server's rules for /etc/viam.json (credential choice, app_address, refresh_interval)."""
from __future__ import annotations

import json
import os
import sys

import pytest

DEVICE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "device")
if DEVICE_DIR not in sys.path:
    sys.path.insert(0, DEVICE_DIR)

from viam_device_double.cloud_config import CloudConfigError, parse, parse_duration, read  # noqa: E402

PART = "3f1c6d3e-0000-4000-8000-000000000001"


def test_secret_form_authenticates_as_the_part():
    cloud = parse({"cloud": {"id": PART, "secret": "s3cr3t", "app_address": "https://app.viam.com:443"}})
    assert (cloud.entity, cloud.credential_type, cloud.payload) == (PART, "robot-secret", "s3cr3t")
    assert (cloud.host, cloud.secure, cloud.refresh_interval) == ("app.viam.com:443", True, 10.0)
    assert "s3cr3t" not in cloud.fingerprint() and len(cloud.fingerprint()) == 12


def test_api_key_wins_over_the_secret():
    cloud = parse({"cloud": {"id": PART, "secret": "s", "api_key": {"id": "key-id", "key": "key"},
                             "app_address": "http://127.0.0.1:8080", "refresh_interval": "1m30s"}})
    assert (cloud.entity, cloud.credential_type, cloud.payload) == ("key-id", "api-key", "key")
    assert (cloud.host, cloud.secure, cloud.refresh_interval) == ("127.0.0.1:8080", False, 90.0)


@pytest.mark.parametrize("cloud, problem", [
    ({"secret": "s", "app_address": "http://h:1"}, "cloud.id"),
    ({"id": PART, "app_address": "http://h:1"}, "cloud.secret or cloud.api_key"),
    ({"id": PART, "api_key": {"id": "k"}, "app_address": "http://h:1"}, "both id and key"),
    ({"id": PART, "secret": "s"}, "app_address is required"),
    ({"id": PART, "secret": "s", "app_address": "app.viam.com:443"}, "with a scheme"),
    ({"id": PART, "secret": "s", "app_address": "http://h:1", "refresh_interval": "soon"}, "duration"),
])
def test_invalid_files_are_refused_with_the_reason(cloud, problem):
    with pytest.raises(CloudConfigError) as caught:
        parse({"cloud": cloud})
    assert problem in str(caught.value)


def test_read_substitutes_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("PART_SECRET", "from-env")
    path = tmp_path / "viam.json"
    path.write_text(json.dumps({"cloud": {"id": PART, "secret": "${PART_SECRET}", "app_address": "http://h:1"}}))
    assert read(str(path)).payload == "from-env"
    with pytest.raises(CloudConfigError):
        read(str(tmp_path / "missing.json"))


def test_durations():
    assert parse_duration("10s") == 10.0 and parse_duration("500ms") == 0.5 and parse_duration("1h") == 3600.0
