# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access tokens kept in memory for the next module run in the same process, within their lifetime.

Only where a process runs several modules one after another: the controller's worker that runs a
task's loop items in process (plugins/plugin_utils/in_process.py enables the cache there). A module
process runs one module and exits, so the cache stays disabled there and nothing changes.

- in memory only: never written anywhere, gone with the process (the worker ends with its task);
- keyed by a SHA-256 of app_url, the key ID and the key: other credentials never see the token;
- a token is dropped MARGIN seconds before it expires (its JWT ``exp`` when it has one, else TTL
  seconds after it was issued), and when the API refuses it (the client then authenticates again).

The client's hook (plugins/module_utils/client.py):
    __init__:        self._token = token_cache.get(self.app_url, api_key_id, api_key)
    authenticate():  token_cache.put(self.app_url, self.api_key_id, self.api_key, response.access_token)
    _drop_token():   token_cache.drop(self.app_url, self.api_key_id, self.api_key)
A token from the cache counts as "had a token" for the client's one re-authentication on
UNAUTHENTICATED, so a token revoked early costs one extra call, never a failure.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import json
import threading
import time
import typing as t

ENABLED = False  # plugins/plugin_utils/in_process.py sets it in the controller's worker
TTL = 300.0  # seconds a token without a readable expiry is reused
MARGIN = 60.0  # seconds before its expiry a token is no longer handed out

_lock = threading.Lock()
_tokens: t.Dict[str, t.Tuple[str, float]] = {}


def credentials_key(app_url: t.Optional[str], api_key_id: t.Optional[str], api_key: t.Optional[str],
                    extra: bytes = b"") -> t.Optional[str]:
    """A SHA-256 of app_url, the key ID, the key (and ``extra``): what is kept for credentials is found only by
    the same credentials, and the key is never kept in clear. None without credentials (nothing is kept)."""
    if not api_key_id or not api_key:
        return None
    digest = hashlib.sha256()
    for part in (app_url or "", api_key_id, api_key):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    digest.update(extra)
    return digest.hexdigest()


def expiry(token: str, now: t.Optional[float] = None) -> float:
    """When ``token`` stops being handed out: its JWT ``exp`` less MARGIN, else now + TTL - MARGIN."""
    now = time.time() if now is None else now
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode("utf-8"))
        exp = float(claims["exp"])
        return min(exp, now + 24 * 3600.0) - MARGIN
    except (IndexError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return now + TTL - MARGIN


def get(app_url: t.Optional[str], api_key_id: t.Optional[str], api_key: t.Optional[str],
        now: t.Optional[float] = None) -> t.Optional[str]:
    """The cached token of these credentials, or None (disabled, none, or about to expire)."""
    key = credentials_key(app_url, api_key_id, api_key)
    if not ENABLED or key is None:
        return None
    now = time.time() if now is None else now
    with _lock:
        entry = _tokens.get(key)
        if entry is None:
            return None
        if entry[1] <= now:
            del _tokens[key]
            return None
        return entry[0]


def put(app_url: t.Optional[str], api_key_id: t.Optional[str], api_key: t.Optional[str], token: str,
        now: t.Optional[float] = None) -> None:
    key = credentials_key(app_url, api_key_id, api_key)
    if not ENABLED or key is None or not token:
        return
    with _lock:
        _tokens[key] = (token, expiry(token, now))


def drop(app_url: t.Optional[str], api_key_id: t.Optional[str], api_key: t.Optional[str]) -> None:
    key = credentials_key(app_url, api_key_id, api_key)
    if key is None:
        return
    with _lock:
        _tokens.pop(key, None)


def clear() -> None:
    with _lock:
        _tokens.clear()
