"""viam-sdk's AppClient against the emulator: registry modules."""
from __future__ import annotations

import uuid

import pytest

pytest.importorskip("viam", reason="viam-sdk is a test dependency (requirements-dev.txt)")
from grpclib.const import Status  # noqa: E402

from conformance_support import unique  # noqa: E402

from viam.proto.app import Model, ModuleFileInfo, Visibility  # noqa: E402

MODELS = [Model(api="rdk:component:motor", model="acme:motors:fake")]


def expected_module_id(run, app, org_id, name):
    """app.proto: '<namespace>:<name>', or '<org_id>:<name>' while the org has no namespace."""
    org = run(app.get_organization(org_id))
    return "%s:%s" % (org.public_namespace or org_id, name)


@pytest.fixture
def module(run, app, org_id):
    name = unique("conf_module").replace("-", "_")
    module_id, url = run(app.create_module(org_id, name))
    return {"id": module_id, "name": name, "url": url}


def test_create_module_and_get_it(run, app, org_id, module):
    assert module["id"] == expected_module_id(run, app, org_id, module["name"])
    got = run(app.get_module(module["id"]))
    assert (got.module_id, got.name, got.organization_id) == (module["id"], module["name"], org_id)
    assert got.visibility == Visibility.VISIBILITY_PRIVATE
    assert list(got.versions) == []


def test_create_module_errors(run, app, org_id, module, expect_status):
    expect_status(app.create_module(org_id, ""), Status.INVALID_ARGUMENT)
    # The SDK docstring: the name must be unique within the organization.
    expect_status(app.create_module(org_id, module["name"]), Status.ALREADY_EXISTS)
    expect_status(app.create_module(str(uuid.uuid4()), unique("m").replace("-", "_")),
                  Status.NOT_FOUND, Status.PERMISSION_DENIED)


def test_get_module_errors(run, app, org_id, expect_status):
    expect_status(app.get_module("%s:%s" % (org_id, unique("absent").replace("-", "_"))), Status.NOT_FOUND)
    expect_status(app.get_module(""), Status.INVALID_ARGUMENT)


def test_update_module(run, app, org_id, module, expect_status):
    url = run(app.update_module(module["id"], url="https://example.com/docs", description="A fake motor.",
                                models=MODELS, entrypoint="bin/run", public=False))
    assert isinstance(url, str)
    got = run(app.get_module(module["id"]))
    assert (got.url, got.description, got.entrypoint) == ("https://example.com/docs", "A fake motor.", "bin/run")
    assert [(m.api, m.model) for m in got.models] == [("rdk:component:motor", "acme:motors:fake")]
    assert got.visibility == Visibility.VISIBILITY_PRIVATE
    # A public module needs an organization with a public namespace (this suite never gives the
    # emulator's own organization one; test_public_module_in_a_namespace covers the other case).
    assert run(app.get_organization(org_id)).public_namespace == ""
    expect_status(app.update_module(module["id"], url="https://example.com/docs", description="A fake motor.",
                                    models=MODELS, entrypoint="bin/run", public=True), Status.FAILED_PRECONDITION)
    assert run(app.get_module(module["id"])).visibility == Visibility.VISIBILITY_PRIVATE


def test_public_module_in_a_namespace(run, app, new_org):
    org = new_org()
    namespace = unique("conf-ns")
    run(app.update_organization(org.id, public_namespace=namespace))
    name = unique("pub_module").replace("-", "_")
    module_id, _url = run(app.create_module(org.id, name))
    assert module_id == "%s:%s" % (namespace, name)
    run(app.update_module(module_id, url="https://example.com/docs", description="Public.", models=MODELS,
                          entrypoint="bin/run", public=True))
    got = run(app.get_module(module_id))
    assert got.visibility == Visibility.VISIBILITY_PUBLIC
    assert got.public_namespace == namespace


def test_update_module_errors(app, org_id, expect_status):
    expect_status(app.update_module("%s:%s" % (org_id, unique("absent").replace("-", "_")), url="https://x.example",
                                    description="x", models=MODELS, entrypoint="run"), Status.NOT_FOUND)


def test_upload_module_file(run, app, module, expect_status):
    info = ModuleFileInfo(module_id=module["id"], version="1.2.3", platform="linux/amd64")
    url = run(app.upload_module_file(info, b"\x1f\x8b fake tarball"))
    assert isinstance(url, str)
    got = run(app.get_module(module["id"]))
    versions = {v.version: [f.platform for f in v.files] for v in got.versions}
    assert versions == {"1.2.3": ["linux/amd64"]}
    uploaded = got.versions[0].files[0]
    assert uploaded.HasField("uploaded_at")
    # A second platform of the same version joins it.
    run(app.upload_module_file(ModuleFileInfo(module_id=module["id"], version="1.2.3", platform="linux/arm64"),
                               b"other"))
    got = run(app.get_module(module["id"]))
    assert sorted(f.platform for f in got.versions[0].files) == ["linux/amd64", "linux/arm64"]


def test_upload_module_file_errors(run, app, org_id, module, expect_status):
    missing = "%s:%s" % (org_id, unique("absent").replace("-", "_"))
    expect_status(app.upload_module_file(ModuleFileInfo(module_id=missing, version="1.0.0", platform="linux/amd64"),
                                         b"x"), Status.NOT_FOUND)
    # Registry versions are semantic versions.
    expect_status(app.upload_module_file(ModuleFileInfo(module_id=module["id"], version="not-a-version",
                                                        platform="linux/amd64"), b"x"), Status.INVALID_ARGUMENT)


def test_list_modules(run, app, org_id, module, expect_status):
    listed = run(app.list_modules(org_id))
    assert module["id"] in [m.module_id for m in listed]
    expect_status(app.list_modules(str(uuid.uuid4())), Status.NOT_FOUND, Status.PERMISSION_DENIED)


def test_modules_read_back_by_our_client(run, app, org_id, module, ours, to_dict):
    run(app.update_module(module["id"], url="https://example.com/m", description="d", models=MODELS,
                          entrypoint="run"))
    mine = to_dict(ours.get_module(module_id=module["id"]).module)
    assert (mine["module_id"], mine["name"], mine["description"], mine["entrypoint"]) == (
        module["id"], module["name"], "d", "run")
    assert [(m["api"], m["model"]) for m in mine["models"]] == [("rdk:component:motor", "acme:motors:fake")]
    assert module["id"] in [m.module_id for m in ours.list_modules(organization_id=org_id).modules]
