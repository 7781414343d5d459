"""Start-up state: the organization and owner key the emulator prints, and a seeded fleet."""
from __future__ import annotations

from typing import Optional, Tuple

from .access import authorization_key
from .errors import invalid
from .ids import is_uuid, new_secret, new_uuid, now
from .records import create_organization
from .store import Tx
from .wire import app_pb2


def create_api_key(tx: Tx, org_id: str, name: str, key_id: Optional[str] = None,
                   key: Optional[str] = None) -> app_pb2.APIKey:
    api_key = app_pb2.APIKey(id=key_id or new_uuid(), key=key or new_secret("api_key"), name=name)
    api_key.created_on.FromDatetime(now())
    tx.put("api_key", api_key.id, api_key, name=name, org=org_id)
    return api_key


def grant(tx: Tx, identity_id: str, identity_type: str, role: str, resource_type: str, resource_id: str,
          org_id: str) -> app_pb2.Authorization:
    auth = app_pb2.Authorization(
        authorization_type="role", authorization_id="%s_%s" % (resource_type, role),
        resource_type=resource_type, resource_id=resource_id, identity_id=identity_id,
        organization_id=org_id, identity_type=identity_type)
    tx.put("authorization", authorization_key(auth), auth, parent=identity_id, name=resource_id, org=org_id)
    return auth


def bootstrap(tx: Tx, key_id: Optional[str], key: Optional[str]) -> Tuple[str, app_pb2.APIKey]:
    """The organization and its owner key; an existing key (a --db reopened) is reused as it is."""
    if key_id is not None and not is_uuid(key_id):
        raise invalid("--bootstrap-key-id must be a UUID (viam-sdk checks it)")
    if key_id:
        existing = tx.get("api_key", key_id, app_pb2.APIKey)
        if existing is not None:
            if key and existing.key != key:
                raise invalid("--bootstrap-key does not match the key stored for %s in --db" % key_id)
            org_ids = [a.organization_id for a in tx.list("authorization", app_pb2.Authorization, parent=key_id)]
            return org_ids[0], existing
    org = create_organization(tx, "Emulator Organization")
    api_key = create_api_key(tx, org.id, "emulator-bootstrap-owner", key_id, key)
    grant(tx, api_key.id, "api-key", "owner", "organization", org.id, org.id)
    return org.id, api_key
