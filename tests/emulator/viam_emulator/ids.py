"""Identifiers and secrets in the formats the real service uses (viam-api-notes §2)."""
from __future__ import annotations

import re
import secrets
import string
import uuid
from datetime import datetime, timezone

_LOWER_ALNUM = string.ascii_lowercase + string.digits
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
LOCATION_ID_RE = re.compile(r"^[a-z0-9]{10}$")


def new_uuid() -> str:
    return str(uuid.uuid4())


def new_location_id() -> str:
    return "".join(secrets.choice(_LOWER_ALNUM) for position in range(10))


def new_secret() -> str:
    return "".join(secrets.choice(_LOWER_ALNUM) for position in range(32))


def is_uuid(value: str) -> bool:
    return bool(UUID_RE.match(value))


def is_location_id(value: str) -> bool:
    return bool(LOCATION_ID_RE.match(value))


def dns_name(part_name: str) -> str:
    """The real sanitization is not public (notes §2, L): lowercase, [a-z0-9-] kept, the rest '-'."""
    cleaned = re.sub(r"[^a-z0-9-]", "-", part_name.lower()).strip("-")
    return re.sub(r"-{2,}", "-", cleaned) or "part"


def now() -> datetime:
    return datetime.now(timezone.utc)
