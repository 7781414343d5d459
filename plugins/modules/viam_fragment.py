#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_fragment
short_description: Manage Viam fragments
version_added: 0.1.0
description:
  - Create, update, rename and delete fragments (reusable pieces of machine configuration) of a Viam organization.
  - A fragment is found by O(name) among the fragments the organization owns, or by O(id). If two fragments
    have the name, the module fails and lists them instead of guessing; O(id) picks one.
  - The configuration is compared as data, not as text. The API stores every number as a double, so V(1)
    and V(1.0) are the same value.
  - Every update sends the C(last_updated) time the module read. If someone changes the fragment in the
    meantime, for example in the Viam app, the update is refused and the task fails; it never silently
    overwrites their change.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
options:
  name:
    description:
      - Name of the fragment, unique within the organization.
      - Required unless O(id) is given. With O(id), a different O(name) renames the fragment.
    type: str
  id:
    description:
      - ID of an existing fragment (a UUID) that the organization owns.
      - Addresses the fragment directly, which allows renaming it.
    type: str
  config:
    description:
      - The fragment's configuration, as a dictionary (the same shape as a machine part's configuration,
        for example with C(components) and C(services)).
      - It replaces the whole stored configuration. When omitted, the configuration is not managed and a new
        fragment starts empty.
    type: dict
  visibility:
    description:
      - Who can see and use the fragment.
      - V(private) is for the organization only, V(public) is listed for everyone, V(public_unlisted) is usable
        by anyone who knows its ID but not listed.
      - When omitted, a new fragment is private and an existing one keeps its visibility.
      - Mutually exclusive with O(public).
    type: str
    choices: [private, public, public_unlisted]
  public:
    description:
      - The older form of O(visibility). V(true) means O(visibility=public).
      - V(false) means "not listed publicly". An unlisted fragment already satisfies it. A public fragment
        becomes private.
      - Mutually exclusive with O(visibility).
    type: bool
  tags:
    description:
      - The fragment's tags, each pointing at a revision (C(SetFragmentTag)), as a mapping of tag name to revision. A revision is
        a revision number (V("3")) or V(latest), the fragment's revision after this task; V(null) deletes the tag
        (C(DeleteFragmentTag)).
      - A part pinned to a tag (M(viam.cloud.viam_robot_part) O(viam.cloud.viam_robot_part#module:fragment_versions))
        gets the tag's revision, so moving a tag moves every part pinned to it.
      - Tags not listed are left alone unless O(purge_tags=true).
      - Tag names are lowercase letters, digits, C(-) and C(_), not starting with a digit or C(v), at most 60
        characters.
    type: dict
    version_added: 0.2.0
  purge_tags:
    description:
      - With O(tags), delete the fragment's tags that O(tags) does not list (C(DeleteFragmentTag)).
    type: bool
    default: false
    version_added: 0.2.0
  state:
    description:
      - V(present) makes sure the fragment exists as described.
      - V(absent) deletes it. Viam allows deleting a fragment that machine parts still use. The module
        does it too, and warns with the number of parts.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff shows the name, visibility and configuration, and the tags when O(tags) is given.
  platform:
    support: full
    platforms: all
    details: The module runs where Ansible runs it, usually the controller, and only talks to the Viam API.
notes:
  - A fragment is applied to a machine part through the part's configuration (C("fragments") list).
    Manage that with the part's configuration.
"""

EXAMPLES = r"""
- name: A fragment shared by every rover
  viam.cloud.viam_fragment:
    name: rover-base
    config:
      components:
        - name: left-motor
          api: rdk:component:motor
          model: gpio
          attributes:
            pins: {a: "11", b: "13", pwm: "15"}
            max_rpm: 200

- name: Publish it, unlisted
  viam.cloud.viam_fragment:
    name: rover-base
    visibility: public_unlisted

- name: Rename a fragment, found by its ID
  viam.cloud.viam_fragment:
    id: 8f2e5b7a-1c3d-4e5f-9a8b-7c6d5e4f3a2b
    name: rover-base-v2

- name: Delete a fragment
  viam.cloud.viam_fragment:
    name: old-fragment
    state: absent
"""

RETURN = r"""
fragment:
  description:
    - The fragment after the task (in check mode, as it would be). Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Fragment ID; empty in check mode for a fragment that would be created.
      type: str
      sample: 8f2e5b7a-1c3d-4e5f-9a8b-7c6d5e4f3a2b
    name:
      description: Fragment name.
      type: str
      sample: rover-base
    config:
      description: The fragment's configuration (the API's C(fragment) field). Integral numbers come back as integers.
      type: dict
      sample: {"components": [{"name": "left-motor", "api": "rdk:component:motor", "model": "gpio"}]}
    visibility:
      description: V(private), V(public) or V(public_unlisted).
      type: str
      sample: private
    public:
      description: Whether the fragment is listed publicly (true exactly when O(visibility=public)).
      type: bool
      sample: false
    revisions:
      description: Every revision of the fragment, with when it was made. Returned when O(tags) is given.
      type: list
      elements: dict
      sample: [{"revision": "3", "created_at": "2026-11-25T15:13:20Z"}, {"revision": "4", "created_at": "2026-12-01T09:00:00Z"}]
    tags:
      description: The fragment's tags after the task, tag name to revision. Returned when O(tags) is given.
      type: dict
      sample: {"stable": "3", "canary": "4"}
    organization_owner:
      description: ID of the organization that owns the fragment.
      type: str
      sample: 0b37a756-a678-4f22-a862-e7200896fa6f
    organization_name:
      description: Name of that organization.
      type: str
      sample: Acme Robotics
    robot_part_count:
      description: Number of machine parts that use the fragment.
      type: int
      sample: 4
    organization_count:
      description: Number of organizations whose machines use the fragment.
      type: int
      sample: 1
    only_used_by_owner:
      description: Whether only the owner organization's machines use it.
      type: bool
      sample: true
    created_on:
      description: When the fragment was created (RFC 3339).
      type: str
      sample: "2026-11-25T15:13:20Z"
    last_updated:
      description: When the fragment was last changed (RFC 3339); the module sends it back on update.
      type: str
      sample: "2026-11-25T15:13:20.123456Z"
    revision:
      description: The fragment's latest revision, a revision number (as a string) increased by every change.
      type: str
      sample: "3"
changed_paths:
  description:
    - Where the configuration changed (or would change), as dotted paths of dictionary keys, for example
      C(services) or C(network.bind_address). A list is compared whole, so a change inside C(components) is
      reported as C(components).
  returned: when O(config) changed
  type: list
  elements: str
  sample: ["components", "network.bind_address"]
"""

from ansible_collections.viam.cloud.plugins.module_utils.config_shape import enforce_config_shape
from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.diff import add_to_diff
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule
from ansible_collections.viam.cloud.plugins.module_utils.part_config import (
    ConfigError, check_config, config_changes, configs_equal, version_problem)
from ansible_collections.viam.cloud.plugins.module_utils.services import fragments as views
from ansible_collections.viam.cloud.plugins.module_utils.services.base import CONFLICT_CODES, micros
from ansible_collections.viam.cloud.plugins.module_utils.services.fragments import VISIBILITIES
from ansible_collections.viam.cloud.plugins.module_utils.validate import is_uuid


class FragmentModule(ViamModule):
    # The app may let fragment names repeat (docs/api-assumptions.md §7, duplicate_fragment_name):
    # racing creates are settled by keep_oldest.
    settle_duplicates = True
    argument_spec = dict(
        name=dict(type="str"),
        id=dict(type="str"),
        config=dict(type="dict"),
        visibility=dict(type="str", choices=list(VISIBILITIES)),
        public=dict(type="bool"),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module_kwargs = dict(required_one_of=[("name", "id")], mutually_exclusive=[("visibility", "public")])

    # ---------------------------------------------------------------- tags

    def desired_tags(self):
        """{tag: revision or "latest"} of O(tags), checked; None when tags are not managed."""
        tags = self.params["tags"]
        if tags is None:
            if self.params["purge_tags"]:
                self.fail("purge_tags needs tags (the tags to keep; {} deletes every tag)")
            return None
        if self.params["state"] == "absent":
            self.fail("tags applies to a fragment that is present, not to state=absent")
        wanted = {}
        for tag, revision in tags.items():
            if version_problem(tag) or tag.isdigit():
                self.fail("tags: %r is not a tag name (lowercase letters, digits, - and _, not starting with a "
                          "digit or 'v', at most 60 characters)" % tag)
            revision = None if revision is None else str(revision).strip()
            if revision is not None and revision != "latest" and not revision.isdigit():
                self.fail("tags[%r]: %r is not a revision number, 'latest' or null" % (tag, revision))
            wanted[tag] = revision  # None: delete the tag
        return wanted

    def sync_tags(self, result, config_changed):
        """Set and delete tags as O(tags) says; the tags, revisions and diff go into ``result``."""
        wanted = self.desired_tags()
        returned = result["fragment"]
        if wanted is None or not returned:
            return result
        fragment_id, name = returned.get("id", ""), returned.get("name", "")
        if fragment_id:
            latest, revisions, current = self.services.fragments.versions(fragment_id, name)
        else:  # check mode, a fragment that would be created: its first revision
            latest, revisions, current = "1", [], {}
        if self.check_mode and config_changed and latest.isdigit():
            latest = str(int(latest) + 1)  # the update this task would make (docs/api-assumptions.md §10)
        known = set(r["revision"] for r in revisions) | {latest}
        desired = dict((tag, latest if revision == "latest" else revision) for tag, revision in wanted.items()
                       if revision is not None)
        unknown = sorted("%s: %s" % (tag, revision) for tag, revision in desired.items() if revision not in known)
        if unknown:
            self.fail("fragment %r has no revision %s; its revisions: %s"
                      % (name, ", ".join(unknown), ", ".join(sorted(known, key=lambda r: (len(r), r)))))
        after = dict(current, **desired)
        removed = sorted(tag for tag in current if (tag in wanted and wanted[tag] is None)
                         or (self.params["purge_tags"] and tag not in wanted))
        for tag in removed:
            after.pop(tag)
        changed_tags = sorted(tag for tag in desired if current.get(tag) != desired[tag])
        if not self.check_mode:
            for tag in changed_tags:
                self.services.fragments.set_tag(fragment_id, name, tag, desired[tag])
            for tag in removed:
                self.services.fragments.delete_tag(fragment_id, name, tag)
        returned.update(revision=latest, revisions=revisions, tags=after)
        result["changed"] = result["changed"] or bool(changed_tags or removed)
        add_to_diff(result, "tags", current, after)
        return result

    def execute(self):
        name = self.validate_name("name", self.params["name"], required=False)
        fragment_id = self.params["id"]
        if fragment_id is not None and not is_uuid(fragment_id):
            self.fail("id %r is not a fragment ID (fragment IDs are UUIDs)" % fragment_id)
        config = self.desired_config()
        enforce_config_shape(self, config)  # before any API call (config_shape.py)
        organization_id = self.organization_id
        if fragment_id:
            current = self.get_by_id(fragment_id)
        else:
            current = self.services.fragments.find(name)
        if self.params["state"] == "absent":
            return self.absent(current)
        if current is None and fragment_id:
            self.fail("fragment id %r not found in organization %r; to create a fragment, give its name without an id"
                      % (fragment_id, organization_id))
        if current is None:
            result = self.create(name, config)
        else:
            result = self.update(current, config)
        # The tags of the fragment the task created or updated (its id is empty in check mode for a new one).
        return self.sync_tags(result, config_changed=bool(result.get("changed_paths")))

    # ---------------------------------------------------------------- reading

    def desired_config(self):
        config = self.params["config"]
        if config is None:
            return None
        try:
            return check_config(config)
        except ConfigError as exc:
            self.fail(str(exc))

    def get_by_id(self, fragment_id):
        fragment = self.services.fragments.get_by_id(fragment_id, scoped=True)
        if fragment is None:
            return None
        if fragment.organization_owner != self.organization_id:
            self.fail("fragment %r (id %s) belongs to organization %r (%s), not to %r: only its owner can manage it"
                      % (fragment.name, fragment.id, fragment.organization_name, fragment.organization_owner,
                         self.organization_id))
        return fragment

    def desired_visibility(self, current_visibility):
        """The visibility word to set, or None to leave it as it is."""
        if self.params["visibility"] is not None:
            return self.params["visibility"]
        public = self.params["public"]
        if public is None:
            return None
        if public:
            return "public"
        # public: false is "not listed publicly": an unlisted fragment already is.
        return "private" if current_visibility == "public" else None

    # ---------------------------------------------------------------- states

    def absent(self, current):
        if current is None:
            return self.result(False, fragment={})
        data = views.view(current)
        if current.robot_part_count:
            self.module.warn("fragment %r (id %s) is still used by %d machine part(s); their configurations keep "
                             "naming a fragment that no longer exists"
                             % (current.name, current.id, current.robot_part_count))
        if not self.check_mode:
            self.client.delete_fragment(id=current.id, resource="fragment %r" % current.name)
        return self.result(True, before=views.managed(data), after={}, fragment={})

    def create(self, name, config):
        visibility = self.params["visibility"] or ("public" if self.params["public"] else "private")
        after = dict(name=name, visibility=visibility, config=config or {})
        extra = {}
        if config:
            extra["changed_paths"] = config_changes({}, config)
        if self.check_mode:
            predicted = dict(after, id="", organization_owner=self.organization_id, public=visibility == "public",
                             robot_part_count=0, organization_count=0, only_used_by_owner=True)
            return self.result(True, before={}, after=after, fragment=predicted, **extra)
        fragment = self.services.fragments.create(name, config, visibility)
        fragment = self.services.fragments.settle(fragment, name)
        return self.result(True, before={}, after=after, fragment=views.view(fragment), **extra)

    def update(self, current, config):
        data = views.view(current)
        before = views.managed(data)
        changes = {}
        name = self.params["name"]
        if name is not None and name != current.name:
            self.check_name_free(name, current)
            changes["name"] = name
        if config is not None and not configs_equal(config, before["config"]):
            changes["config"] = config
        visibility = self.desired_visibility(before["visibility"])
        if visibility is not None and visibility != before["visibility"]:
            changes["visibility"] = visibility
        after = dict(before, **changes)
        extra = {}
        if "config" in changes:
            extra["changed_paths"] = config_changes(before["config"], config)
        if not changes:
            return self.result(False, before=before, after=after, fragment=data)
        if self.check_mode:
            predicted = dict(data, **changes)
            predicted["public"] = predicted["visibility"] == "public"
            return self.result(True, before=before, after=after, fragment=predicted, **extra)
        updated = self.send_update(current, changes, after)
        return self.result(True, before=before, after=after, fragment=views.view(updated), **extra)

    def check_name_free(self, name, current):
        taken = [f for f in self.services.fragments.named(name) if f.id != current.id]
        if taken:
            self.fail("cannot rename fragment %r (id %s) to %r: organization %r already has a fragment with that "
                      "name (id %s)" % (current.name, current.id, name, self.organization_id, taken[0].id))

    def send_update(self, current, changes, after):
        """UpdateFragment guarded by last_known_update; a refusal is re-read to tell our own retry from a rival edit."""
        request = dict(id=current.id, name=after["name"])
        if current.HasField("last_updated"):
            # An unset Timestamp copied into the optional field would send epoch 0 (docs/api-assumptions.md §3).
            request["last_known_update"] = current.last_updated
        if "config" in changes:
            request["config"] = changes["config"]
        if "visibility" in changes:
            request["visibility"] = VISIBILITIES[changes["visibility"]]
        label = "fragment %r" % current.name
        try:
            return self.client.update_fragment(resource=label, **request).fragment
        except ViamError as err:
            if err.code not in CONFLICT_CODES and not err.maybe_applied:
                raise
            fresh = self.get_by_id(current.id)
            if fresh is not None and self.matches(views.view(fresh), after):
                return fresh  # an earlier attempt of this very update, or a rival's identical one, went through
            # The conflict code is not documented (docs/api-assumptions.md §7, update_conflict_code): a refusal
            # is a conflict when the fragment changed since it was read, else the error is the server's own.
            if err.code not in CONFLICT_CODES or fresh is None or micros(fresh.last_updated) == micros(
                    current.last_updated):
                raise
            now = views.view(fresh) if fresh is not None else {}
            self.fail("fragment %r (id %s) was changed by someone else after this task read it (read version "
                      "last updated %s, revision %s; now last updated %s, revision %s). Nothing was written: re-run "
                      "the task to apply it on top of the new version" % (
                          current.name, current.id, message_to_dict(current)["last_updated"], current.revision,
                          now.get("last_updated"), now.get("revision")), viam_error=err.to_dict())

    @staticmethod
    def matches(data, after):
        return (data["name"] == after["name"] and data["visibility"] == after["visibility"]
                and configs_equal(data["config"], after["config"]))


def main():
    FragmentModule().run()


if __name__ == "__main__":
    main()
