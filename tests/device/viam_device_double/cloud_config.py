"""The device's cloud config file (/etc/viam.json shape), read with viam-server's rules.

Rules (rdk config/config.go Cloud.Validate, GetCloudCredsDialOpt; agent utils/cloud_utils.go):
- `cloud.id` (the part ID) is required;
- `cloud.api_key` {id, key}: both or neither (a partial one is an error); when set it wins and
  the entity is the key ID, credentials type "api-key";
- otherwise `cloud.secret`: entity = the part ID, credentials type "robot-secret";
- `cloud.app_address` is a URL whose scheme decides the transport: `http` plaintext, anything
  else TLS (so "app.viam.com:443" without a scheme can never connect, as for viam-server);
- `cloud.refresh_interval` (a Go duration, default 10s) is the Config poll period.
viam-server runs the file through envsubst; the double does the same for `${VAR}`.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple
from urllib.parse import urlsplit

DEFAULT_REFRESH_SECONDS = 10.0
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_ENV = re.compile(r"\$\{(\w+)\}|\$(\w+)")


class CloudConfigError(ValueError):
    """The file is missing, not JSON, or breaks one of the rules above."""


@dataclass(frozen=True)
class CloudConfig:
    part_id: str
    entity: str  # what Authenticate is sent as entity
    credential_type: str  # "robot-secret" or "api-key"
    payload: str  # the secret or the key: never printed, never written to the status file
    app_address: str
    host: str  # host:port to dial
    secure: bool  # TLS (every scheme but http)
    refresh_interval: float

    def fingerprint(self) -> str:
        """A short digest of the credential, so a status file can tell which one is in use
        (e.g. after a rotation) without holding it: 12 hex digits of SHA-256 of a random secret."""
        return hashlib.sha256(self.payload.encode("utf-8")).hexdigest()[:12]


def parse_duration(text: str) -> float:
    """A Go duration ("10s", "1m30s", "500ms") in seconds."""
    position, seconds = 0, 0.0
    for match in _DURATION.finditer(text):
        if match.start() != position:
            break
        seconds += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    if not text or position != len(text):
        raise CloudConfigError("refresh_interval %r is not a duration such as \"10s\"" % text)
    return seconds


def _envsubst(text: str) -> str:
    return _ENV.sub(lambda m: os.environ.get(m.group(1) or m.group(2), ""), text)


def _dial_target(app_address: str) -> Tuple[str, bool]:
    parts = urlsplit(app_address)
    if not parts.scheme or not parts.hostname:
        raise CloudConfigError("cloud.app_address %r is not a URL with a scheme (e.g. https://app.viam.com:443)"
                               % app_address)
    secure = parts.scheme != "http"
    port = parts.port or (80 if not secure else 443)
    host = parts.hostname
    if ":" in host:  # IPv6 literal
        host = "[%s]" % host
    return "%s:%d" % (host, port), secure


def parse(data: Dict[str, Any]) -> CloudConfig:
    cloud = data.get("cloud") if isinstance(data, dict) else None
    if not isinstance(cloud, dict):
        raise CloudConfigError("no \"cloud\" section")
    part_id = cloud.get("id")
    if not isinstance(part_id, str) or not part_id:
        raise CloudConfigError("cloud.id (the part ID) is required")
    api_key = cloud.get("api_key")
    entity: Optional[str] = None
    if isinstance(api_key, dict) and (api_key.get("id") or api_key.get("key")):
        if not (isinstance(api_key.get("id"), str) and api_key["id"] and isinstance(api_key.get("key"), str)
                and api_key["key"]):
            raise CloudConfigError("cloud.api_key needs both id and key")
        entity, kind, payload = api_key["id"], "api-key", api_key["key"]
    elif isinstance(cloud.get("secret"), str) and cloud["secret"]:
        entity, kind, payload = part_id, "robot-secret", cloud["secret"]
    else:
        raise CloudConfigError("cloud.secret or cloud.api_key is required")
    app_address = cloud.get("app_address")
    if not isinstance(app_address, str) or not app_address:
        raise CloudConfigError("cloud.app_address is required")
    host, secure = _dial_target(app_address)
    refresh = cloud.get("refresh_interval")
    interval = parse_duration(refresh) if isinstance(refresh, str) and refresh else DEFAULT_REFRESH_SECONDS
    if interval <= 0:
        raise CloudConfigError("cloud.refresh_interval must be positive")
    return CloudConfig(part_id=part_id, entity=entity, credential_type=kind, payload=payload,
                       app_address=app_address, host=host, secure=secure, refresh_interval=interval)


def read(path: str) -> CloudConfig:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as err:
        raise CloudConfigError("cannot read %s: %s" % (path, err.strerror or err)) from err
    try:
        data = json.loads(_envsubst(text))
    except ValueError as err:
        raise CloudConfigError("%s is not JSON: %s" % (path, err)) from err
    return parse(data)
