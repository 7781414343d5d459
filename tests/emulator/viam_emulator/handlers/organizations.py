"""Organizations: listing, reading, creating, updating, deleting, namespaces."""
from __future__ import annotations

from ..access import require_org_member, visible_organization_ids
from ..ids import new_uuid, now
from ..registry import Call, rpc
from ..store import Tx
from ..wire import app_pb2


def create_organization(tx: Tx, name: str) -> app_pb2.Organization:
    org = app_pb2.Organization(id=new_uuid(), name=name)
    org.created_on.FromDatetime(now())
    tx.put("organization", org.id, org, name=name, org=org.id)
    return org


@rpc("ListOrganizations")
def list_organizations(call: Call, request: app_pb2.ListOrganizationsRequest):
    orgs = [call.tx.get("organization", org_id, app_pb2.Organization)
            for org_id in visible_organization_ids(call.tx, call.principal)]
    return app_pb2.ListOrganizationsResponse(organizations=[o for o in orgs if o is not None])


@rpc("GetOrganization")
def get_organization(call: Call, request: app_pb2.GetOrganizationRequest):
    org = require_org_member(call.tx, call.principal, request.organization_id)
    return app_pb2.GetOrganizationResponse(organization=org)
