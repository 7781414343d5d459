"""Registry modules: CreateModule, UpdateModule, UploadModuleFile, GetModule, ListModules.

Records: kind "module" (Module; id = "<org_id>:<name>", org = owner, name =
name). The module_id clients see is computed on every read: "<namespace>:<name>"
when the organization has a public namespace, else "<org_id>:<name>" (app.proto);
both forms are accepted wherever a module_id is taken. Kind "module_file"
(a google.protobuf.Struct: module, version, platform, platform_tags, size,
sha256, uploaded_at; id = "<module record id>|<version>|<platform>", org = owner)
keeps what an upload stored; the bytes themselves are not kept.

Behaviours chosen where the public record is unsure:
- Module names: letters, digits, '-' and '_', starting with a letter or digit;
  unique within the organization (ALREADY_EXISTS).
- UpdateModule needs visibility PRIVATE, PUBLIC or PUBLIC_UNLISTED (the SDK
  always sends one); making a module public needs an organization namespace
  (FAILED_PRECONDITION), as the Viam docs require for public modules. models,
  url, description and entrypoint are replaced by what is sent.
- UploadModuleFile: the first message carries module_file_info and the rest the
  bytes (at least one byte); the version is semver; uploading the same
  version and platform twice is ALREADY_EXISTS. A version takes the module's
  models, entrypoint and first_run as they are at its first upload. Versions
  are kept in ascending semver order (app.proto comment).
- ListModules with an organization lists that organization's modules; without
  one, the modules of every organization the caller may read plus other
  organizations' public modules. GetModule serves public and unlisted modules to
  anyone, private ones to readers of the owning organization.
- Usage counts come from part configs' `"modules": [{"module_id": ...}]`.
"""
from __future__ import annotations

import hashlib
import re
from typing import Dict, Iterable, List, Optional, Set, Tuple

from google.protobuf import struct_pb2

from ..access import allowed, require_org_member, visible_organization_ids
from ..errors import already_exists, failed_precondition, invalid, permission_denied, unknown_id
from ..ids import now
from ..records import PartOrgs, part_config
from ..registry import Call, rpc
from ..store import Tx
from ..wire import app_pb2

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
SEMVER_RE = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
TRIPLET_RE = re.compile(r"^[^:\s]+:[^:\s]+:[^:\s]+$")
VISIBILITIES = (app_pb2.VISIBILITY_PRIVATE, app_pb2.VISIBILITY_PUBLIC, app_pb2.VISIBILITY_PUBLIC_UNLISTED)
MODULE_PAGE = "https://app.viam.com/module/%s/%s"


# -- identities ---------------------------------------------------------------------------------

def _record_id(org_id: str, name: str) -> str:
    return "%s:%s" % (org_id, name)


def _prefix(org: Optional[app_pb2.Organization], org_id: str) -> str:
    return org.public_namespace if org is not None and org.public_namespace else org_id


def _org_for_prefix(tx: Tx, prefix: str) -> Optional[app_pb2.Organization]:
    org = tx.get("organization", prefix, app_pb2.Organization)
    if org is not None:
        return org
    for candidate in tx.list("organization", app_pb2.Organization):
        if candidate.public_namespace == prefix:
            return candidate
    return None


def _must_find(tx: Tx, module_id: str) -> app_pb2.Module:
    prefix, sep, name = module_id.partition(":")
    if not sep or not prefix or not name:
        raise invalid("module_id %r must be '<namespace>:<name>' or '<organization id>:<name>'" % module_id)
    org = _org_for_prefix(tx, prefix)
    module = tx.get("module", _record_id(org.id, name), app_pb2.Module) if org is not None else None
    if module is None:
        raise unknown_id("module %r" % module_id)
    return module


def _save(tx: Tx, module: app_pb2.Module) -> None:
    tx.put("module", _record_id(module.organization_id, module.name), module, name=module.name,
           org=module.organization_id)


# -- reading ------------------------------------------------------------------------------------

def _usages(tx: Tx, modules: List[app_pb2.Module]) -> Dict[str, Tuple[int, int]]:
    """(machines, organizations) per module record, from one pass over part configs' module lists."""
    by_id: Dict[str, str] = {}  # every module_id form -> module record id
    for module in modules:
        record = _record_id(module.organization_id, module.name)
        org = tx.get("organization", module.organization_id, app_pb2.Organization)
        by_id[record] = by_id["%s:%s" % (_prefix(org, module.organization_id), module.name)] = record
    machines: Dict[str, Set[str]] = {record: set() for record in by_id.values()}
    orgs: Dict[str, Set[str]] = {record: set() for record in by_id.values()}
    part_orgs = PartOrgs(tx)
    for part in tx.list("part", app_pb2.RobotPart) if modules else ():
        listed = part_config(part).get("modules")
        for item in listed if isinstance(listed, list) else ():
            ref = item.get("module_id") if isinstance(item, dict) else None
            record = by_id.get(ref) if isinstance(ref, str) else None
            if record is not None:
                machines[record].add(part.robot)
                orgs[record].add(part_orgs.of(part))
    return {record: (len(machines[record]), len(orgs[record])) for record in machines}


def _shown(tx: Tx, module: app_pb2.Module, usage: Tuple[int, int], with_markdown: bool = True) -> app_pb2.Module:
    shown = app_pb2.Module()
    shown.CopyFrom(module)
    org = tx.get("organization", module.organization_id, app_pb2.Organization)
    prefix = _prefix(org, module.organization_id)
    shown.module_id = "%s:%s" % (prefix, module.name)
    shown.public_namespace = org.public_namespace if org is not None else ""
    shown.total_robot_usage, shown.total_organization_usage = usage
    if not with_markdown:
        for model in list(shown.models) + [m for v in shown.versions for m in v.models]:
            model.ClearField("markdown_documentation")
    return shown


def _page_url(tx: Tx, module: app_pb2.Module) -> str:
    org = tx.get("organization", module.organization_id, app_pb2.Organization)
    return MODULE_PAGE % (_prefix(org, module.organization_id), module.name)


def _readable(call: Call, module: app_pb2.Module) -> bool:
    return module.visibility in (app_pb2.VISIBILITY_PUBLIC, app_pb2.VISIBILITY_PUBLIC_UNLISTED) or allowed(
        call.tx, call.principal, "read", "organization", module.organization_id)


def _must_write(call: Call, module_id: str) -> app_pb2.Module:
    module = _must_find(call.tx, module_id)
    call.require("write", "organization", module.organization_id, "module %r" % module_id)
    return module


# -- writing ------------------------------------------------------------------------------------

def _valid_models(models: Iterable[app_pb2.Model]) -> None:
    for model in models:
        for what, value in (("api", model.api), ("model", model.model)):
            if not TRIPLET_RE.match(value):
                raise invalid("model %s %r must be a colon-delimited triplet such as 'rdk:component:base'"
                              % (what, value))


def _version_key(version: str):
    major, minor, patch, pre = SEMVER_RE.match(version).groups()
    # A release sorts after its pre-releases (semver §11).
    return int(major), int(minor), int(patch), pre is None, pre or ""


def _version_entry(module: app_pb2.Module, version: str) -> app_pb2.VersionHistory:
    for entry in module.versions:
        if entry.version == version:
            return entry
    entry = app_pb2.VersionHistory(version=version, models=module.models, entrypoint=module.entrypoint,
                                   apps=module.apps)
    if module.HasField("first_run"):
        entry.first_run = module.first_run
    if module.HasField("markdown_description"):
        entry.markdown_description = module.markdown_description
    ordered = sorted(list(module.versions) + [entry], key=lambda v: _version_key(v.version))
    del module.versions[:]
    module.versions.extend(ordered)
    return next(v for v in module.versions if v.version == version)


def _upload_parts(requests: List[app_pb2.UploadModuleFileRequest]) -> Tuple[app_pb2.ModuleFileInfo, bytes]:
    if not requests or requests[0].WhichOneof("module_file") != "module_file_info":
        raise invalid("the first message of an upload must carry module_file_info")
    chunks = []
    for request in requests[1:]:
        if request.WhichOneof("module_file") != "file":
            raise invalid("only the first message of an upload may carry module_file_info")
        chunks.append(request.file)
    data = b"".join(chunks)
    if not data:
        raise invalid("the upload carried no file bytes")
    return requests[0].module_file_info, data


# -- RPCs -------------------------------------------------------------------------------------

@rpc("CreateModule")
def create_module(call: Call, request: app_pb2.CreateModuleRequest) -> app_pb2.CreateModuleResponse:
    org = require_org_member(call.tx, call.principal, request.organization_id, "write")
    if not NAME_RE.match(request.name):
        raise invalid("module name %r may contain only letters, digits, '-' and '_'" % request.name)
    if call.tx.get("module", _record_id(org.id, request.name), app_pb2.Module) is not None:
        raise already_exists("organization %r already has a module named %r" % (org.id, request.name))
    module = app_pb2.Module(name=request.name, organization_id=org.id, visibility=app_pb2.VISIBILITY_PRIVATE)
    _save(call.tx, module)
    prefix = _prefix(org, org.id)
    return app_pb2.CreateModuleResponse(module_id="%s:%s" % (prefix, module.name), url=_page_url(call.tx, module))


@rpc("UpdateModule")
def update_module(call: Call, request: app_pb2.UpdateModuleRequest) -> app_pb2.UpdateModuleResponse:
    module = _must_write(call, request.module_id)
    if request.visibility not in VISIBILITIES:
        raise invalid("visibility must be VISIBILITY_PRIVATE, VISIBILITY_PUBLIC or VISIBILITY_PUBLIC_UNLISTED")
    if request.visibility != app_pb2.VISIBILITY_PRIVATE:
        org = call.tx.get("organization", module.organization_id, app_pb2.Organization)
        if org is None or not org.public_namespace:
            raise failed_precondition("organization %r needs a public namespace before its modules can be public"
                                      % module.organization_id)
    _valid_models(request.models)
    module.visibility = request.visibility
    module.url = request.url
    module.description = request.description
    module.entrypoint = request.entrypoint
    del module.models[:]
    module.models.extend(request.models)
    del module.apps[:]
    module.apps.extend(request.apps)
    if request.HasField("first_run"):
        module.first_run = request.first_run
    if request.HasField("markdown_description"):
        module.markdown_description = request.markdown_description
    _save(call.tx, module)
    return app_pb2.UpdateModuleResponse(url=_page_url(call.tx, module))


@rpc("UploadModuleFile", streaming="client")
def upload_module_file(call: Call, requests: List[app_pb2.UploadModuleFileRequest]
                       ) -> app_pb2.UploadModuleFileResponse:
    info, data = _upload_parts(requests)
    module = _must_write(call, info.module_id)
    if not SEMVER_RE.match(info.version):
        raise invalid("version %r is not semver (MAJOR.MINOR.PATCH)" % info.version)
    if not info.platform:
        raise invalid("platform is required, such as 'linux/arm64' or 'any'")
    entry = _version_entry(module, info.version)
    if any(upload.platform == info.platform for upload in entry.files):
        raise already_exists("module %r already has version %s for %s" % (info.module_id, info.version, info.platform))
    stamp = now()
    upload = entry.files.add(platform=info.platform)
    upload.uploaded_at.FromDatetime(stamp)
    record = struct_pb2.Struct()
    record.update({"module": _record_id(module.organization_id, module.name), "version": info.version,
                   "platform": info.platform, "platform_tags": list(info.platform_tags), "size": len(data),
                   "sha256": hashlib.sha256(data).hexdigest(), "uploaded_at": stamp.isoformat()})
    call.tx.put("module_file", "%s|%s|%s" % (record["module"], info.version, info.platform), record,
                parent=record["module"], org=module.organization_id)
    _save(call.tx, module)
    return app_pb2.UploadModuleFileResponse(url=_page_url(call.tx, module))


@rpc("GetModule")
def get_module(call: Call, request: app_pb2.GetModuleRequest) -> app_pb2.GetModuleResponse:
    module = _must_find(call.tx, request.module_id)
    if not _readable(call, module):
        raise permission_denied("the caller may not read module %r" % request.module_id)
    usage = _usages(call.tx, [module])[_record_id(module.organization_id, module.name)]
    return app_pb2.GetModuleResponse(module=_shown(call.tx, module, usage, request.include_markdown_documentation))


@rpc("ListModules")
def list_modules(call: Call, request: app_pb2.ListModulesRequest) -> app_pb2.ListModulesResponse:
    with_markdown = request.include_markdown_documentation
    if request.organization_id:
        require_org_member(call.tx, call.principal, request.organization_id)
        modules = call.tx.list("module", app_pb2.Module, org=request.organization_id)
    else:
        org_ids = [o for o in visible_organization_ids(call.tx, call.principal)
                   if allowed(call.tx, call.principal, "read", "organization", o)]
        modules = [m for o in org_ids for m in call.tx.list("module", app_pb2.Module, org=o)]
        modules += [m for m in call.tx.list("module", app_pb2.Module)
                    if m.visibility == app_pb2.VISIBILITY_PUBLIC and m.organization_id not in org_ids]
    used = _usages(call.tx, modules)
    return app_pb2.ListModulesResponse(modules=[
        _shown(call.tx, m, used[_record_id(m.organization_id, m.name)], with_markdown) for m in modules])
