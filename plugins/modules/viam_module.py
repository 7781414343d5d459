#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_module
short_description: Manage Viam registry modules
version_added: 0.1.0
description:
  - Create a module in the Viam registry for an organization, set its documentation URL, description, models,
    entrypoint and visibility, and upload versions of its files.
  - A module is found by O(name) among the modules the organization owns. Module names are unique within an
    organization. The module ID is C(<namespace>:<name>) when the organization has a public namespace, otherwise
    C(<organization id>:<name>); either form is accepted as O(name).
  - Only the settings that are given are managed, and only those that differ are sent.
  - An upload is idempotent. A version of a module has at most one file per platform, so when the module already
    has O(upload.version) for O(upload.platform) nothing is uploaded. Otherwise the file is streamed to the API in
    pieces, so large files are not read into memory.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
options:
  name:
    description:
      - Name of the module, unique within the organization, or its module ID.
      - A new module is created with this name, so it must then be a plain name (letters, digits, V(-) and V(_)).
    type: str
    required: true
  url:
    description:
      - URL of the module's documentation or source code (not the module's registry page).
    type: str
  description:
    description:
      - Short description of what the module does.
    type: str
  models:
    description:
      - The models the module provides. Replaces the whole list; compared in any order.
      - A model's other details already in the registry (such as its own description) are kept when it stays
        in the list.
    type: list
    elements: dict
    suboptions:
      api:
        description:
          - The API the model implements, a colon-delimited triplet such as V(rdk:component:base).
        type: str
        required: true
      model:
        description:
          - The model, a colon-delimited triplet such as V(acme:demo:mybase).
        type: str
        required: true
  entrypoint:
    description:
      - The executable, inside the uploaded file, that starts the module.
    type: str
  visibility:
    description:
      - Who can see and use the module.
      - V(private) is for the organization only, V(public) is listed for everyone, V(public_unlisted) is usable by
        anyone who knows its ID but not listed.
      - V(public) and V(public_unlisted) need the organization to have a public namespace; without one the module
        fails before any change.
      - When omitted, a new module is private and an existing one keeps its visibility.
    type: str
    choices: [private, public, public_unlisted]
  upload:
    description:
      - A module file to upload as a version of the module for a platform (UploadModuleFile).
      - Skipped, without a change, when the module already has that version for that platform.
      - A version takes the module's models and entrypoint as they are when its first file is uploaded, so the
        module's settings are applied before the upload.
    type: dict
    suboptions:
      path:
        description:
          - Path of the file, usually a C(.tar.gz) archive, on the host that runs the module (usually the
            controller).
        type: path
        required: true
      version:
        description:
          - Semantic version of the upload, such as V(1.2.0).
        type: str
        required: true
      platform:
        description:
          - Platform the file is built for, such as V(linux/arm64), V(linux/amd64) or V(any).
        type: str
        required: true
      platform_tags:
        description:
          - Extra platform constraints sent with the upload, such as V(distro:ubuntu).
        type: list
        elements: str
  state:
    description:
      - V(present) makes sure the module exists as described. It is the only state.
      - The API has no call that deletes a module. The app API's registry calls are CreateModule, UpdateModule,
        UploadModuleFile, GetModule and ListModules; deleting a registry item is a separate call,
        DeleteRegistryItem, that the Viam app client does not offer. Make a module private to hide it.
    type: str
    choices: [present]
    default: present
attributes:
  check_mode:
    support: full
    details: In check mode nothing is created, updated or uploaded.
  diff_mode:
    support: full
    details: The diff shows the managed settings and the uploaded versions.
  platform:
    support: full
    platforms: all
    details: The module runs where Ansible runs it, usually the controller, and only talks to the Viam API.
notes:
  - Modules cannot be deleted through the Viam app client API, see O(state).
seealso:
  - module: viam.cloud.viam_module_info
"""

EXAMPLES = r"""
- name: A module with its documentation and models
  viam.cloud.viam_module:
    name: hoverboard
    url: https://github.com/acme/hoverboard
    description: A base for hoverboards.
    entrypoint: bin/hoverboard
    models:
      - api: rdk:component:base
        model: acme:demo:hoverboard

- name: Upload version 1.0.0 for 64-bit ARM Linux (skipped when already uploaded)
  viam.cloud.viam_module:
    name: hoverboard
    upload:
      path: "{{ playbook_dir }}/dist/hoverboard-linux-arm64.tar.gz"
      version: 1.0.0
      platform: linux/arm64

- name: Publish it (the organization needs a public namespace)
  viam.cloud.viam_module:
    name: hoverboard
    visibility: public
"""

RETURN = r"""
module:
  description:
    - The module after the task (in check mode, as it would be).
  returned: always
  type: dict
  contains:
    module_id:
      description: Module ID, C(<namespace>:<name>) or C(<organization id>:<name>). Empty in check mode for a module
        that would be created.
      type: str
      sample: acme:hoverboard
    name:
      description: Module name.
      type: str
      sample: hoverboard
    organization_id:
      description: ID of the organization that owns the module.
      type: str
      sample: 0b37a756-a678-4f22-a862-e7200896fa6f
    public_namespace:
      description: Public namespace of the organization, empty when it has none.
      type: str
      sample: acme
    visibility:
      description: V(private), V(public) or V(public_unlisted).
      type: str
      sample: private
    url:
      description: Documentation URL.
      type: str
      sample: https://github.com/acme/hoverboard
    description:
      description: Description.
      type: str
      sample: A base for hoverboards.
    entrypoint:
      description: Entrypoint.
      type: str
      sample: bin/hoverboard
    models:
      description: The models, each with C(api) and C(model) (and the registry's other model details).
      type: list
      elements: dict
      sample:
        - api: rdk:component:base
          model: acme:demo:hoverboard
    versions:
      description: The uploaded versions, oldest first, each with C(version), C(entrypoint), C(models) and C(files)
        (the C(platform) and C(uploaded_at) of each file).
      type: list
      elements: dict
      sample:
        - version: 1.0.0
          entrypoint: bin/hoverboard
          files:
            - platform: linux/arm64
              uploaded_at: "2026-11-25T15:13:20Z"
    total_robot_usage:
      description: How many machines use the module.
      type: int
      sample: 0
    total_organization_usage:
      description: How many organizations use the module.
      type: int
      sample: 0
uploaded:
  description: Whether the task uploaded O(upload.path) (in check mode, whether it would).
  returned: always
  type: bool
  sample: true
"""

import os
import re

from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule
from ansible_collections.viam.cloud.plugins.module_utils.registry_modules import (
    REGISTRY_VISIBILITIES, find_registry_module, registry_module_view)

TRIPLET_RE = re.compile(r"^[^:\s]+:[^:\s]+:[^:\s]+$")
PLAIN_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
SEMVER_RE = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
SETTINGS = ("url", "description", "entrypoint")


def model_key(model) -> tuple:
    return (model["api"], model["model"])


class ModuleModule(ViamModule):
    argument_spec = dict(
        name=dict(type="str", required=True),
        url=dict(type="str"),
        description=dict(type="str"),
        models=dict(type="list", elements="dict", options=dict(
            api=dict(type="str", required=True),
            model=dict(type="str", required=True),
        )),
        entrypoint=dict(type="str"),
        visibility=dict(type="str", choices=list(REGISTRY_VISIBILITIES)),
        upload=dict(type="dict", options=dict(
            path=dict(type="path", required=True),
            version=dict(type="str", required=True),
            platform=dict(type="str", required=True),
            platform_tags=dict(type="list", elements="str"),
        )),
        state=dict(type="str", default="present", choices=["present"]),
    )

    def execute(self):
        name = self.validate_name("name", self.params["name"])
        self.validate()
        current = find_registry_module(self.client, self.organization_id, name)
        if current is None and ":" in name:
            self.fail("module %r not found in organization %r; to create a module, give its plain name (without "
                      "the namespace)" % (name, self.organization_id))
        if current is None and not PLAIN_NAME_RE.match(name):
            self.fail("module name %r may contain only letters, digits, '-' and '_' (a new module's name must be "
                      "a plain name)" % name)
        before = self.managed_view(registry_module_view(current)) if current is not None else {}
        data = registry_module_view(current) if current is not None else self.new_view(name)
        changes = self.settings_changes(data)
        self.check_visibility(current, changes)
        data.update(changes)
        upload = self.params["upload"]
        uploading = upload is not None and not self.has_file(data, upload["version"], upload["platform"])
        if uploading:
            data["versions"] = data["versions"] + [dict(version=upload["version"], entrypoint=data["entrypoint"],
                                                        files=[dict(platform=upload["platform"], uploaded_at=None)])]
        changed = current is None or bool(changes) or uploading
        after = self.managed_view(data)
        if not changed or self.check_mode:
            return self.result(changed, before=before, after=after, module=data, uploaded=uploading)
        if current is None:
            module_id = self.client.create_module(organization_id=self.organization_id, name=name,
                                                  resource="module %r" % name).module_id
            current = self.reread(module_id)
        if changes:
            self.update(current, changes)
        if uploading:
            self.upload(current.module_id, upload)
        data = registry_module_view(self.reread(current.module_id))
        return self.result(True, before=before, after=self.managed_view(data), module=data, uploaded=uploading)

    # ---------------------------------------------------------------- checks, before any call

    def validate(self):
        for index, model in enumerate(self.params["models"] or []):
            for what in ("api", "model"):
                if not TRIPLET_RE.match(model[what]):
                    self.fail("models[%d].%s %r must be a colon-delimited triplet such as %r"
                              % (index, what, model[what], "rdk:component:base" if what == "api" else
                                 "acme:demo:mybase"))
        upload = self.params["upload"]
        if upload is None:
            return
        if not SEMVER_RE.match(upload["version"]):
            self.fail("upload.version %r is not a semantic version (MAJOR.MINOR.PATCH, such as 1.2.0)"
                      % upload["version"])
        if not upload["platform"].strip():
            self.fail("upload.platform must not be empty: give one such as linux/arm64 or any")
        path = upload["path"]
        if not os.path.isfile(path):
            self.fail("upload.path %r is not a file on %s" % (path, "this host"))
        if not os.access(path, os.R_OK):
            self.fail("upload.path %r cannot be read" % path)
        if os.path.getsize(path) == 0:
            self.fail("upload.path %r is empty: a module file needs at least one byte" % path)

    def check_visibility(self, current, changes):
        visibility = changes.get("visibility")
        if visibility in (None, "private"):
            return
        if current is not None:
            namespace = current.public_namespace
        else:
            namespace = self.client.get_organization(
                organization_id=self.organization_id,
                resource="organization %r" % self.organization_id).organization.public_namespace
        if not namespace:
            self.fail("visibility %s needs the organization %r to have a public namespace, and it has none: set "
                      "one first (it can be set only once)" % (visibility, self.organization_id))

    # ---------------------------------------------------------------- desired state

    def new_view(self, name):
        return dict(module_id="", name=name, organization_id=self.organization_id, public_namespace="",
                    visibility="private", url="", description="", entrypoint="", models=[], versions=[],
                    total_robot_usage=0, total_organization_usage=0)

    def settings_changes(self, data):
        changes = {}
        for option in SETTINGS:
            if self.params[option] is not None and self.params[option] != data.get(option, ""):
                changes[option] = self.params[option]
        if self.params["visibility"] is not None and self.params["visibility"] != data["visibility"]:
            changes["visibility"] = self.params["visibility"]
        wanted = self.params["models"]
        if wanted is not None:
            have = dict((model_key(m), m) for m in data["models"])
            desired = []
            for model in wanted:
                key = model_key(model)
                if key not in [model_key(m) for m in desired]:
                    desired.append(have.get(key, dict(api=model["api"], model=model["model"])))
            if sorted(model_key(m) for m in desired) != sorted(have):
                changes["models"] = desired
        return changes

    @staticmethod
    def has_file(data, version, platform):
        return any(v["version"] == version and any(f["platform"] == platform for f in v.get("files", []))
                   for v in data["versions"])

    @staticmethod
    def managed_view(data):
        return dict(name=data["name"], url=data["url"], description=data["description"],
                    entrypoint=data["entrypoint"], visibility=data["visibility"],
                    models=sorted("%s %s" % model_key(m) for m in data["models"]),
                    versions=["%s %s" % (v["version"], f["platform"]) for v in data["versions"]
                              for f in v.get("files", [])])

    # ---------------------------------------------------------------- writes

    def reread(self, module_id):
        return self.client.get_module(module_id=module_id, resource="module %r" % module_id).module

    def update(self, current, changes):
        """UpdateModule replaces every setting: what is not changing is sent as it is."""
        models = changes.get("models")
        if models is None:
            models = list(current.models)
        visibility = REGISTRY_VISIBILITIES[changes.get("visibility", registry_module_view(current)["visibility"])]
        self.client.update_module(
            module_id=current.module_id, visibility=visibility,
            url=changes.get("url", current.url), description=changes.get("description", current.description),
            entrypoint=changes.get("entrypoint", current.entrypoint), models=models, apps=list(current.apps),
            resource="module %r" % current.module_id)

    def upload(self, module_id, upload):
        info = dict(module_id=module_id, version=upload["version"], platform=upload["platform"],
                    platform_tags=upload["platform_tags"] or [])
        what = "module %r version %s for %s" % (module_id, upload["version"], upload["platform"])
        try:
            self.client.upload_module_file(path=upload["path"], module_file_info=info, resource=what)
        except ViamError as err:
            # A lost answer, or a concurrent upload of the same file: done if the version is there now.
            if not (err.maybe_applied or err.code == "ALREADY_EXISTS"):
                raise
            if not self.has_file(registry_module_view(self.reread(module_id)), upload["version"], upload["platform"]):
                raise
            self.module.warn("%s was already uploaded when the upload finished (%s)" % (what, err.code or err))


def main():
    ModuleModule().run()


if __name__ == "__main__":
    main()
