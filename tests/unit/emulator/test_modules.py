"""Registry modules: create, update, upload (client stream), get, list."""
from __future__ import annotations

import hashlib

import grpc

from _fixtures_orgs import Emu, expect_error, pb

NOT_FOUND = grpc.StatusCode.NOT_FOUND
INVALID = grpc.StatusCode.INVALID_ARGUMENT
DENIED = grpc.StatusCode.PERMISSION_DENIED
EXISTS = grpc.StatusCode.ALREADY_EXISTS
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
MODEL = pb.Model(api="rdk:component:base", model="acme:hoverboard:wheeled")


def create(emu: Emu, name: str = "hoverboard", org_id: str = "", as_=None) -> pb.CreateModuleResponse:
    return emu.call("CreateModule", pb.CreateModuleRequest(organization_id=org_id or emu.org_id, name=name), as_=as_)


def update(emu: Emu, module_id: str, as_=None, **fields) -> str:
    fields.setdefault("visibility", pb.VISIBILITY_PRIVATE)
    return emu.call("UpdateModule", pb.UpdateModuleRequest(module_id=module_id, **fields), as_=as_).url


def upload(emu: Emu, module_id: str, version: str, platform: str, *chunks: bytes, as_=None) -> str:
    requests = [pb.UploadModuleFileRequest(module_file_info=pb.ModuleFileInfo(
        module_id=module_id, version=version, platform=platform, platform_tags=["os:ubuntu"]))]
    requests += [pb.UploadModuleFileRequest(file=chunk) for chunk in chunks]
    return emu.call("UploadModuleFile", requests, as_=as_).url


def get(emu: Emu, module_id: str, as_=None, **fields) -> pb.Module:
    return emu.call("GetModule", pb.GetModuleRequest(module_id=module_id, **fields), as_=as_).module


def set_namespace(emu: Emu, namespace: str) -> None:
    emu.call("UpdateOrganization", pb.UpdateOrganizationRequest(organization_id=emu.org_id,
                                                                public_namespace=namespace))


def test_module_ids_follow_the_namespace(emu: Emu) -> None:
    created = create(emu)
    assert created.module_id == "%s:hoverboard" % emu.org_id
    assert created.url == "https://app.viam.com/module/%s/hoverboard" % emu.org_id
    set_namespace(emu, "acme")
    module = get(emu, created.module_id)  # the old form still resolves
    assert (module.module_id, module.public_namespace, module.organization_id) == (
        "acme:hoverboard", "acme", emu.org_id)
    assert module.visibility == pb.VISIBILITY_PRIVATE
    assert get(emu, "acme:hoverboard") == module
    assert create(emu, "second").module_id == "acme:second"


def test_create_rules(emu: Emu) -> None:
    create(emu)
    expect_error(EXISTS, create, emu)
    for bad in ("", "has space", "colon:name", "-leading"):
        expect_error(INVALID, create, emu, bad)
    operator = emu.key("operator", "organization", emu.org_id)
    expect_error(DENIED, create, emu, "mine", as_=operator)
    expect_error(DENIED, create, emu, "x", org_id="7f1f5bb4-47b6-4c1e-9c5d-1f2e3a4b5c6d")


def test_update_module(emu: Emu) -> None:
    module_id = create(emu).module_id
    url = update(emu, module_id, url="https://github.com/acme/hoverboard", description="A base",
                 models=[MODEL], entrypoint="bin/hoverboard", first_run="setup.sh")
    assert url == "https://app.viam.com/module/%s/hoverboard" % emu.org_id
    module = get(emu, module_id)
    assert (module.url, module.description, module.entrypoint, module.first_run) == (
        "https://github.com/acme/hoverboard", "A base", "bin/hoverboard", "setup.sh")
    assert list(module.models) == [MODEL]
    expect_error(PRECONDITION, update, emu, module_id, visibility=pb.VISIBILITY_PUBLIC)  # no namespace yet
    set_namespace(emu, "acme")
    update(emu, module_id, visibility=pb.VISIBILITY_PUBLIC, entrypoint="run")
    assert get(emu, module_id).visibility == pb.VISIBILITY_PUBLIC
    expect_error(INVALID, update, emu, module_id, visibility=pb.VISIBILITY_UNSPECIFIED)
    expect_error(INVALID, update, emu, module_id, models=[pb.Model(api="base", model="x")])
    expect_error(NOT_FOUND, update, emu, "acme:missing")
    expect_error(NOT_FOUND, update, emu, "nobody:hoverboard")
    expect_error(INVALID, update, emu, "no-colon")


def test_upload_records_versions_in_semver_order(emu: Emu) -> None:
    module_id = create(emu).module_id
    update(emu, module_id, models=[MODEL], entrypoint="run")
    assert upload(emu, module_id, "1.10.0", "linux/arm64", b"abc", b"def").startswith("https://app.viam.com/module/")
    upload(emu, module_id, "1.2.0", "linux/amd64", b"x")
    upload(emu, module_id, "1.2.0", "linux/arm64", b"y")
    upload(emu, module_id, "1.2.0-rc.1", "any", b"z")
    module = get(emu, module_id)
    assert [v.version for v in module.versions] == ["1.2.0-rc.1", "1.2.0", "1.10.0"]
    assert [u.platform for u in module.versions[1].files] == ["linux/amd64", "linux/arm64"]
    assert module.versions[2].files[0].HasField("uploaded_at")
    assert (list(module.versions[2].models), module.versions[2].entrypoint) == ([MODEL], "run")
    with emu.tx() as tx:
        record = tx.get("module_file", "%s:hoverboard|1.10.0|linux/arm64" % emu.org_id, type(pb.Fragment().fragment))
    assert record is not None
    assert (record["size"], record["sha256"]) == (6, hashlib.sha256(b"abcdef").hexdigest())
    assert list(record["platform_tags"]) == ["os:ubuntu"]


def test_upload_rules(emu: Emu) -> None:
    module_id = create(emu).module_id
    upload(emu, module_id, "0.1.0", "linux/arm64", b"x")
    expect_error(EXISTS, upload, emu, module_id, "0.1.0", "linux/arm64", b"x")
    expect_error(INVALID, upload, emu, module_id, "v1", "linux/arm64", b"x")
    expect_error(INVALID, upload, emu, module_id, "0.2.0", "", b"x")
    expect_error(INVALID, upload, emu, module_id, "0.2.0", "linux/arm64")
    expect_error(NOT_FOUND, upload, emu, "%s:missing" % emu.org_id, "0.2.0", "any", b"x")
    expect_error(INVALID, emu.call, "UploadModuleFile", [pb.UploadModuleFileRequest(file=b"x")])
    expect_error(INVALID, emu.call, "UploadModuleFile", [])
    operator = emu.key("operator", "organization", emu.org_id)
    expect_error(DENIED, upload, emu, module_id, "0.3.0", "any", b"x", as_=operator)


def test_visibility_decides_who_reads(emu: Emu) -> None:
    other = emu.call("CreateOrganization", pb.CreateOrganizationRequest(name="other")).organization
    emu.call("UpdateOrganization", pb.UpdateOrganizationRequest(organization_id=other.id, public_namespace="them"))
    private_id = create(emu, "private", org_id=other.id).module_id
    public_id = create(emu, "public", org_id=other.id).module_id
    update(emu, public_id, visibility=pb.VISIBILITY_PUBLIC,
           models=[pb.Model(api="rdk:component:base", model="them:public:x", markdown_documentation="# Docs")])
    outsider = emu.key("owner", "organization", emu.org_id)
    expect_error(DENIED, get, emu, private_id, as_=outsider)
    module = get(emu, public_id, as_=outsider)
    assert module.module_id == "them:public" and not module.models[0].HasField("markdown_documentation")
    assert get(emu, public_id, include_markdown_documentation=True).models[0].markdown_documentation == "# Docs"
    create(emu, "ours")
    listed = emu.call("ListModules", pb.ListModulesRequest(), as_=outsider).modules
    assert sorted(m.name for m in listed) == ["ours", "public"]
    in_org = emu.call("ListModules", pb.ListModulesRequest(organization_id=emu.org_id), as_=outsider).modules
    assert [m.name for m in in_org] == ["ours"]
    expect_error(DENIED, emu.call, "ListModules", pb.ListModulesRequest(organization_id=other.id), as_=outsider)


def test_usage_counts_come_from_part_configs(emu: Emu) -> None:
    module_id = create(emu).module_id
    location_id = emu.location()
    for name in ("a", "b"):
        part = emu.main_part(emu.robot(location_id, name))
        config = type(pb.Fragment().fragment)()
        config.update({"modules": [{"type": "registry", "name": "hb", "module_id": module_id, "version": "latest"}]})
        emu.call("UpdateRobotPart", pb.UpdateRobotPartRequest(id=part.id, name=part.name, robot_config=config))
    module = get(emu, module_id)
    assert (module.total_robot_usage, module.total_organization_usage) == (2, 1)
