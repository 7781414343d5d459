"""The emulator's --secrets-log: every secret it issues is logged, with its kind."""
from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterator, List

import pytest

from viam_emulator.bootstrap import bootstrap
from viam_emulator.ids import SECRETS_LOG
from viam_emulator.store import Store


@pytest.fixture
def secrets_log(tmp_path: Any) -> Iterator[str]:
    path = str(tmp_path / "secrets.jsonl")
    SECRETS_LOG.open(path)
    try:
        yield path
    finally:
        SECRETS_LOG.open(None)


def logged(path: str) -> Dict[str, List[str]]:
    kinds: Dict[str, List[str]] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            entry = json.loads(line)
            kinds.setdefault(entry["kind"], []).append(entry["secret"])
    return kinds


def test_every_issued_secret_is_logged(secrets_log: str, emulator: Any, call: Any, org_id: str) -> None:
    location = call("CreateLocation", organization_id=org_id, name="lab").location
    robot_id = call("NewRobot", name="rover", location=location.id).id
    part = call("GetRobotParts", robot_id=robot_id).parts[0]
    location_secret = call("CreateLocationSecret", location_id=location.id).auth.secrets[-1].secret
    part_secret = call("CreateRobotPartSecret", part_id=part.id).part.secrets[-1].secret
    created = call("CreateKey", name="k", authorizations=[dict(
        authorization_type="role", authorization_id="organization_operator", resource_type="organization",
        resource_id=org_id, organization_id=org_id)])
    rotated = call("RotateKey", id=created.id)
    client = emulator.client(created.id, rotated.key)  # Authenticate: one more access token
    found = logged(secrets_log)
    assert set(found["location_secret"]) >= {location.auth.secrets[0].secret, location_secret}
    assert set(found["part_secret"]) >= {part.secrets[0].secret, part_secret}
    assert set(found["api_key"]) >= {created.key, rotated.key}
    assert client.metadata[0][1].split(" ", 1)[1] in found["access_token"]
    assert all(len(value) >= 32 for values in found.values() for value in values)


def test_bootstrap_key_and_nothing_without_a_path(tmp_path: Any) -> None:
    path = str(tmp_path / "secrets.jsonl")
    SECRETS_LOG.open(None)
    with Store().transaction() as tx:
        bootstrap(tx, None, None)
    assert not os.path.exists(path)
    SECRETS_LOG.open(path)
    try:
        with Store().transaction() as tx:
            _org, key = bootstrap(tx, None, None)
    finally:
        SECRETS_LOG.open(None)
    assert logged(path) == {"api_key": [key.key]}
