"""API keys: CreateKey, DeleteKey, ListKeys, RenameKey, RotateKey,
CreateKeyFromExistingKeyAuthorizations, GetRobotAPIKeys.

Behaviours chosen where the public record is unsure (docs/api-assumptions.md §3;
the switches are behaviours.py's, §7):
- The secret is shown only when it is made (CreateKey, RotateKey,
  CreateKeyFromExistingKeyAuthorizations). ListKeys and GetRobotAPIKeys return
  `api_key.key` as an empty string, so the collection never depends on reading
  a secret back.
- RotateKey (behaviour rotate_key=same_id, the default) keeps the key's ID and
  replaces its secret. Access tokens already issued stay valid until they expire
  (--token-ttl); Authenticate with the old secret fails from then on. With
  rotate_key=new_id_keep_old it mints a new key instead (new ID, new secret, the
  same name and authorizations) and returns that; the old key stays valid and
  listed until it is deleted. Either way the new secret goes to --secrets-log
  as kind api_key.
- A key belongs to one organization (the one its authorizations are in); a
  CreateKey whose authorizations span organizations is INVALID_ARGUMENT.
- To create, rotate, rename, copy or delete a key the caller must own every
  resource the key grants; to list an organization's keys, own the organization.
- CreateKeyFromExistingKeyAuthorizations names the copy after the current time,
  as CreateKey does by default (the SDK's default name).
"""
from __future__ import annotations

from typing import Dict, List

from ..access import authorization_key, require_org_member, scopes_of
from ..bootstrap import create_api_key
from ..errors import invalid
from ..ids import new_secret, now
from ..records import normalize_authorization, store_grant
from ..registry import Call, rpc
from ..store import Tx
from ..wire import app_pb2


def _new_key(tx: Tx, org_id: str, name: str, grants: List[app_pb2.Authorization]) -> app_pb2.APIKey:
    api_key = create_api_key(tx, org_id, name)
    for grant in grants:
        stored = app_pb2.Authorization()
        stored.CopyFrom(grant)
        stored.identity_id, stored.identity_type = api_key.id, "api-key"
        store_grant(tx, stored)
    return api_key


def _default_name() -> str:
    # What the Python SDK sends when no name is given: str(datetime.now()).
    return str(now().replace(tzinfo=None))


def _key_grants(call: Call, request: app_pb2.CreateKeyRequest) -> List[app_pb2.Authorization]:
    if not request.authorizations:
        raise invalid("authorizations is empty: a key needs at least one role")
    grants: Dict[str, app_pb2.Authorization] = {}
    for auth in request.authorizations:
        if auth.identity_id:
            raise invalid("identity_id must be empty when creating a key: the key's ID is assigned by the server")
        grant = normalize_authorization(call.tx, auth, identity_type="api-key")
        # A key grants nothing its creator does not own.
        call.require("write", grant.resource_type, grant.resource_id)
        grants.setdefault(authorization_key(grant), grant)
    org_ids = sorted({g.organization_id for g in grants.values()})
    if len(org_ids) > 1:
        raise invalid("a key belongs to one organization; these authorizations span %s" % ", ".join(org_ids))
    return list(grants.values())


def _must_get_key(call: Call, key_id: str) -> app_pb2.APIKey:
    if not key_id:
        raise invalid("id is required")
    return call.tx.must_get("api_key", key_id, app_pb2.APIKey, "API key")


def _key_org(tx: Tx, key_id: str) -> str:
    """The organization a key is filed under (its org column); its roles' organizations are tried first."""
    candidates = [g.organization_id for g in tx.list("authorization", app_pb2.Authorization, parent=key_id)]
    for org_id in candidates + tx.list_ids("organization"):
        if key_id in tx.list_ids("api_key", org=org_id):
            return org_id
    return ""


def _require_key_owner(call: Call, api_key: app_pb2.APIKey) -> List[app_pb2.Authorization]:
    """The key's grants, once the caller is known to own every resource they cover."""
    grants = call.tx.list("authorization", app_pb2.Authorization, parent=api_key.id)
    for grant in grants:
        call.require("write", grant.resource_type, grant.resource_id, "API key %r" % api_key.id)
    if not grants:  # a key stripped of its roles is managed by its organization's owners
        require_org_member(call.tx, call.principal, _key_org(call.tx, api_key.id), "write")
    return grants


def _details(grants: List[app_pb2.Authorization]) -> List[app_pb2.AuthorizationDetails]:
    return [app_pb2.AuthorizationDetails(
        authorization_type=g.authorization_type, authorization_id=g.authorization_id,
        resource_type=g.resource_type, resource_id=g.resource_id, org_id=g.organization_id) for g in grants]


def _listed(tx: Tx, api_key: app_pb2.APIKey) -> app_pb2.APIKeyWithAuthorizations:
    shown = app_pb2.APIKey()
    shown.CopyFrom(api_key)
    shown.key = ""  # secrets are shown only at creation
    grants = tx.list("authorization", app_pb2.Authorization, parent=api_key.id)
    return app_pb2.APIKeyWithAuthorizations(api_key=shown, authorizations=_details(grants))


@rpc("CreateKey")
def create_key(call: Call, request: app_pb2.CreateKeyRequest) -> app_pb2.CreateKeyResponse:
    grants = _key_grants(call, request)
    api_key = _new_key(call.tx, grants[0].organization_id, request.name or _default_name(), grants)
    return app_pb2.CreateKeyResponse(key=api_key.key, id=api_key.id)


@rpc("DeleteKey")
def delete_key(call: Call, request: app_pb2.DeleteKeyRequest) -> app_pb2.DeleteKeyResponse:
    api_key = _must_get_key(call, request.id)
    _require_key_owner(call, api_key)
    call.tx.delete_where("authorization", parent=api_key.id)
    call.tx.delete("api_key", api_key.id)
    return app_pb2.DeleteKeyResponse()


@rpc("ListKeys")
def list_keys(call: Call, request: app_pb2.ListKeysRequest) -> app_pb2.ListKeysResponse:
    require_org_member(call.tx, call.principal, request.org_id, "write")
    keys = call.tx.list("api_key", app_pb2.APIKey, org=request.org_id)
    return app_pb2.ListKeysResponse(api_keys=[_listed(call.tx, k) for k in keys])


@rpc("RenameKey")
def rename_key(call: Call, request: app_pb2.RenameKeyRequest) -> app_pb2.RenameKeyResponse:
    api_key = _must_get_key(call, request.id)
    if not request.name.strip():
        raise invalid("name must not be empty")
    _require_key_owner(call, api_key)
    api_key.name = request.name
    call.tx.put("api_key", api_key.id, api_key, name=api_key.name, org=_key_org(call.tx, api_key.id))
    return app_pb2.RenameKeyResponse(id=api_key.id, name=api_key.name)


@rpc("RotateKey")
def rotate_key(call: Call, request: app_pb2.RotateKeyRequest) -> app_pb2.RotateKeyResponse:
    api_key = _must_get_key(call, request.id)
    grants = _require_key_owner(call, api_key)
    if call.settings.behaviour("rotate_key") == "new_id_keep_old":
        minted = _new_key(call.tx, _key_org(call.tx, api_key.id), api_key.name, grants)
        return app_pb2.RotateKeyResponse(id=minted.id, key=minted.key)
    api_key.key = new_secret("api_key")
    call.tx.put("api_key", api_key.id, api_key, name=api_key.name, org=_key_org(call.tx, api_key.id))
    return app_pb2.RotateKeyResponse(id=api_key.id, key=api_key.key)


@rpc("CreateKeyFromExistingKeyAuthorizations")
def create_key_from_existing(call: Call, request: app_pb2.CreateKeyFromExistingKeyAuthorizationsRequest
                             ) -> app_pb2.CreateKeyFromExistingKeyAuthorizationsResponse:
    source = _must_get_key(call, request.id)
    grants = _require_key_owner(call, source)
    if not grants:
        raise invalid("API key %r has no authorizations to copy" % source.id)
    api_key = _new_key(call.tx, _key_org(call.tx, source.id), _default_name(), grants)
    return app_pb2.CreateKeyFromExistingKeyAuthorizationsResponse(id=api_key.id, key=api_key.key)


@rpc("GetRobotAPIKeys")
def get_robot_api_keys(call: Call, request: app_pb2.GetRobotAPIKeysRequest) -> app_pb2.GetRobotAPIKeysResponse:
    """Keys with a role that covers the machine: on it, on its location (or a parent) or on its organization."""
    if not request.robot_id:
        raise invalid("robot_id is required")
    call.tx.must_get("robot", request.robot_id, app_pb2.Robot, "machine")
    call.require("write", "robot", request.robot_id, "the API keys of machine %r" % request.robot_id)
    scopes = set(scopes_of(call.tx, "robot", request.robot_id))
    key_ids: List[str] = []
    for org_id in sorted({org for kind, org in scopes if kind == "organization"}):
        for grant in call.tx.list("authorization", app_pb2.Authorization, org=org_id):
            if (grant.resource_type, grant.resource_id) in scopes and grant.identity_id not in key_ids:
                key_ids.append(grant.identity_id)
    keys = [call.tx.get("api_key", key_id, app_pb2.APIKey) for key_id in key_ids]
    return app_pb2.GetRobotAPIKeysResponse(api_keys=[_listed(call.tx, k) for k in keys if k is not None])
