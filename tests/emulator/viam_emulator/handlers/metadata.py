"""User metadata on organizations, locations, machines and parts (Get/Update, 8 RPCs).

Storage: kind "metadata", id = "<resource type>:<resource id>" (types organization, location,
robot, part), the Struct as given. Update replaces the whole Struct: the SDK sends the full
dict (docs/api-assumptions.md §3). Reading needs `read`, updating needs `write` on the resource; the deletes in
locations.py, robots.py and parts.py remove a resource's metadata with it.
"""
from __future__ import annotations


from ..access import require_org_member
from ..errors import invalid
from ..registry import Call, rpc
from ..wire import app_pb2

# google.protobuf.Struct as registered in the collection's private pool (the one our messages embed).
Struct = type(app_pb2.GetOrganizationMetadataResponse().data)

# resource type -> (stored kind, message class, what error messages call it)
_RESOURCES = {
    "location": ("location", app_pb2.Location, "location"),
    "robot": ("robot", app_pb2.Robot, "machine"),
    "part": ("part", app_pb2.RobotPart, "part"),
}


def _check(call: Call, resource_type: str, resource_id: str, action: str) -> None:
    """The resource exists (NOT_FOUND otherwise) and the caller may `action` it."""
    if resource_type == "organization":
        require_org_member(call.tx, call.principal, resource_id, action)
        return
    kind, cls, what = _RESOURCES[resource_type]
    if not resource_id:
        raise invalid("%s id is required" % what)
    call.tx.must_get(kind, resource_id, cls, what)
    call.require(action, resource_type, resource_id, "%s %r" % (what, resource_id))


def get_metadata(call: Call, resource_type: str, resource_id: str) -> Struct:
    _check(call, resource_type, resource_id, "read")
    stored = call.tx.get("metadata", "%s:%s" % (resource_type, resource_id), Struct)
    return stored if stored is not None else Struct()


def update_metadata(call: Call, resource_type: str, resource_id: str, request) -> None:
    _check(call, resource_type, resource_id, "write")
    key = "%s:%s" % (resource_type, resource_id)
    # An absent `data` clears the metadata, as an empty dict from the SDK would.
    call.tx.put("metadata", key, request.data if request.HasField("data") else Struct(),
                parent=resource_id, name=resource_type)


@rpc("GetOrganizationMetadata")
def get_organization_metadata(call: Call, request: app_pb2.GetOrganizationMetadataRequest):
    return app_pb2.GetOrganizationMetadataResponse(data=get_metadata(call, "organization", request.organization_id))


@rpc("UpdateOrganizationMetadata")
def update_organization_metadata(call: Call, request: app_pb2.UpdateOrganizationMetadataRequest):
    update_metadata(call, "organization", request.organization_id, request)
    return app_pb2.UpdateOrganizationMetadataResponse()


@rpc("GetLocationMetadata")
def get_location_metadata(call: Call, request: app_pb2.GetLocationMetadataRequest):
    return app_pb2.GetLocationMetadataResponse(data=get_metadata(call, "location", request.location_id))


@rpc("UpdateLocationMetadata")
def update_location_metadata(call: Call, request: app_pb2.UpdateLocationMetadataRequest):
    update_metadata(call, "location", request.location_id, request)
    return app_pb2.UpdateLocationMetadataResponse()


@rpc("GetRobotMetadata")
def get_robot_metadata(call: Call, request: app_pb2.GetRobotMetadataRequest):
    return app_pb2.GetRobotMetadataResponse(data=get_metadata(call, "robot", request.id))


@rpc("UpdateRobotMetadata")
def update_robot_metadata(call: Call, request: app_pb2.UpdateRobotMetadataRequest):
    update_metadata(call, "robot", request.id, request)
    return app_pb2.UpdateRobotMetadataResponse()


@rpc("GetRobotPartMetadata")
def get_robot_part_metadata(call: Call, request: app_pb2.GetRobotPartMetadataRequest):
    return app_pb2.GetRobotPartMetadataResponse(data=get_metadata(call, "part", request.id))


@rpc("UpdateRobotPartMetadata")
def update_robot_part_metadata(call: Call, request: app_pb2.UpdateRobotPartMetadataRequest):
    update_metadata(call, "part", request.id, request)
    return app_pb2.UpdateRobotPartMetadataResponse()
