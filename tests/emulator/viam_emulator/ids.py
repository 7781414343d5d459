"""Identifiers and secrets in the formats the real service uses (docs/api-assumptions.md §2)."""
from __future__ import annotations

import json
import re
import secrets
import string
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Optional, TextIO

_LOWER_ALNUM = string.ascii_lowercase + string.digits
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
LOCATION_ID_RE = re.compile(r"^[a-z0-9]{10}$")


def new_uuid() -> str:
    return str(uuid.uuid4())


def new_location_id() -> str:
    return "".join(secrets.choice(_LOWER_ALNUM) for position in range(10))


class SecretsLog:
    """--secrets-log: one JSON line per secret issued ({"kind", "secret", "time"}), for the secrets scanner.

    Kinds: api_key, bootstrap_key, location_secret, part_secret, access_token (part tokens too),
    part_tls_key (RobotService/Certificate's private key, PEM). The file holds live
    secrets of this emulator: it is a test artifact, never to be printed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._file: Optional[TextIO] = None

    def open(self, path: Optional[str]) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
            self._file = open(path, "a", buffering=1, encoding="utf-8") if path else None  # noqa: SIM115

    def record(self, kind: str, value: str) -> None:
        if self._file is None or not value:
            return
        line = json.dumps({"kind": kind, "secret": value, "time": time.time()})
        with self._lock:
            if self._file is not None:
                self._file.write(line + "\n")


SECRETS_LOG = SecretsLog()


def new_secret(kind: str = "secret") -> str:
    value = "".join(secrets.choice(_LOWER_ALNUM) for position in range(32))
    SECRETS_LOG.record(kind, value)
    return value


def is_uuid(value: str) -> bool:
    return bool(UUID_RE.match(value))


def is_location_id(value: str) -> bool:
    return bool(LOCATION_ID_RE.match(value))


def dns_name(part_name: str) -> str:
    """The real sanitization is not public (docs/api-assumptions.md §2, L): lowercase, [a-z0-9-] kept, the rest '-'."""
    cleaned = re.sub(r"[^a-z0-9-]", "-", part_name.lower()).strip("-")
    return re.sub(r"-{2,}", "-", cleaned) or "part"


def now() -> datetime:
    return datetime.now(timezone.utc)
