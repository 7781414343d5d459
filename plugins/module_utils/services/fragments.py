# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fragments: owned by one organization, listed by visibility, names may repeat (racing creates are settled)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import typing as t

from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.services.base import (
    Service, absent_unless_listed, keep_oldest, not_found, pick_one)
from ansible_collections.viam.cloud.plugins.module_utils.validate import is_uuid

# The modules' words for the API's FragmentVisibility enum.
VISIBILITIES = {
    "private": "FRAGMENT_VISIBILITY_PRIVATE",
    "public": "FRAGMENT_VISIBILITY_PUBLIC",
    "public_unlisted": "FRAGMENT_VISIBILITY_PUBLIC_UNLISTED",
}
VISIBILITY_WORDS = dict((enum, word) for word, enum in VISIBILITIES.items())
# ListFragments is asked for the organization's own fragments by visibility. Asking for PUBLIC may
# also bring every public fragment of the platform (docs/api-assumptions.md §7, public_fragments),
# so the public ones are a second call, made only when the task needs them.
NON_PUBLIC_VISIBILITIES = [VISIBILITIES["private"], VISIBILITIES["public_unlisted"]]
PUBLIC_VISIBILITIES = [VISIBILITIES["public"]]


def view(fragment: t.Any) -> dict:
    """A Fragment message as the modules return it: ``config`` instead of ``fragment``, visibility as a word."""
    data = message_to_dict(fragment)
    data["config"] = data.pop("fragment", None) or {}
    data.pop("fragment_config_json", None)
    # UNSPECIFIED (an old record): judge by the older public flag.
    data["visibility"] = VISIBILITY_WORDS.get(data.get("visibility"), "public" if data.get("public") else "private")
    return data


def managed(data: dict) -> dict:
    """The fields viam_fragment manages, for the diff (``data`` is a view())."""
    return dict(name=data.get("name", ""), visibility=data.get("visibility", ""), config=data.get("config") or {})


class FragmentService(Service):
    kind = "fragment"

    def _owned(self, visibilities: t.List[str]) -> list:
        organization_id = self.organization_id
        fragments = self.client.list_fragments(organization_id=organization_id, show_public=False,
                                               fragment_visibility=visibilities,
                                               resource="fragments of organization %r" % organization_id).fragments
        return [f for f in fragments if f.organization_owner == organization_id]

    def list_owned(self) -> list:
        """Every fragment the organization owns, whatever its visibility (its private and unlisted ones,
        then its public ones: two ListFragments calls)."""
        owned = self._owned(NON_PUBLIC_VISIBILITIES)
        seen = set(f.id for f in owned)
        owned.extend(f for f in self._owned(PUBLIC_VISIBILITIES) if f.id not in seen)
        return owned

    def named(self, name: str) -> list:
        """The organization's fragments called ``name``: the private and unlisted ones are listed first,
        the public ones only when none of those has the name."""
        named = [f for f in self._owned(NON_PUBLIC_VISIBILITIES) if f.name == name]
        if named:
            return named
        return [f for f in self._owned(PUBLIC_VISIBILITIES) if f.name == name]

    def find(self, name: str):
        """The organization's fragment called ``name``, or None; AmbiguousName when several are."""
        return pick_one(self.named(name), name, "fragment", "in organization %r" % self.organization_id)

    def get_by_id(self, fragment_id: str, scoped: bool = False):
        """A fragment by ID, or None when it does not exist (see base.absent_unless_listed).

        ``scoped`` reads it as the organization's (current_organization_id), as viam_fragment does;
        otherwise any fragment the key can read."""
        if scoped:
            request = dict(current_organization_id=self.organization_id, resource="fragment id %r" % fragment_id)
        else:
            request = dict(resource="fragment %r" % fragment_id)
        try:
            return self.client.get_fragment(id=fragment_id, **request).fragment
        except ViamError as err:
            absent_unless_listed(err, lambda: [f.id for f in self.list_owned()], fragment_id)
            return None

    def require_many(self, refs: t.Sequence[str]) -> t.List[t.Any]:
        """Fragments by name or ID, in the order given."""
        found: t.List[t.Any] = []
        for ref in refs:
            fragment = self.get_by_id(ref) if is_uuid(ref) else None
            if fragment is None:
                fragment = self.find(ref)
            if fragment is None:
                fragment = self.missing("fragment", ref, not_found("fragment", ref, "in organization %r"
                                                                   % self.organization_id, self.list_owned()))
            found.append(fragment)
        return found

    def create(self, name: str, config: t.Optional[dict], visibility: str):
        """CreateFragment; if its answer was lost, the fragment may exist: look again before failing."""
        request = dict(organization_id=self.organization_id, name=name, visibility=VISIBILITIES[visibility])
        if config:
            request["config"] = config
        return self.create_or_find(
            lambda: self.client.create_fragment(resource="fragment %r" % name, **request).fragment,
            lambda: self.find(name), same_name=lambda: self.named(name), delete=self.delete_copy)

    def settle(self, made, name: str):
        """keep_oldest for a fragment this run created (CreateRaced when a racing run's copy is older)."""
        return keep_oldest(made, lambda: self.named(name), self.delete_copy)

    def delete_copy(self, copy) -> None:
        """Delete a fragment a racing create made twice."""
        self.client.delete_fragment(id=copy.id, resource="fragment %r (id %s)" % (copy.name, copy.id))

    # ------------------------------------------------------------ revisions and tags (docs/api-assumptions.md §10)

    def versions(self, fragment_id: str, name: str) -> t.Tuple[str, t.List[dict], t.Dict[str, str]]:
        """(latest revision, [{revision, created_at}], {tag: revision}) of a fragment (GetFragment)."""
        response = self.client.get_fragment(id=fragment_id, current_organization_id=self.organization_id,
                                            resource="fragment %r" % name)
        revisions = [message_to_dict(r) for r in response.revisions]
        tags = dict((tag.tag, tag.revision) for tag in response.tags)
        return response.fragment.revision, revisions, tags

    def set_tag(self, fragment_id: str, name: str, tag: str, revision: str) -> None:
        """SetFragmentTag: creates the tag or moves it to ``revision``."""
        self.client.set_fragment_tag(fragment_id=fragment_id, tag=tag, revision=revision,
                                     resource="tag %r of fragment %r" % (tag, name))

    def delete_tag(self, fragment_id: str, name: str, tag: str) -> None:
        """DeleteFragmentTag; a tag already gone counts as deleted."""
        try:
            self.client.delete_fragment_tag(fragment_id=fragment_id, tag=tag,
                                            resource="tag %r of fragment %r" % (tag, name))
        except ViamError as err:
            if not err.not_found:
                raise
