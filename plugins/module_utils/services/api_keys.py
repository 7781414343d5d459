# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""API keys of an organization: listed with their roles (ListKeys), names may repeat (racing creates are settled)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import types
import typing as t

from ansible_collections.viam.cloud.plugins.module_utils.authorizations import sort_authorizations
from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict
from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError
from ansible_collections.viam.cloud.plugins.module_utils.services.base import (
    CreateRaced, Service, absent_unless_listed, delete_copy, keep_oldest, pick_one, settle_copies)

# The field of an API key that carries its secret: ListKeys never has it, a create or rotation does.
SECRET_FIELDS = ("key",)


def without_identity(auth: dict) -> dict:
    """An authorization of a key, without whom it is given to (the key itself)."""
    auth.pop("identity_id", None)
    auth.pop("identity_type", None)
    return auth


def view(entry: t.Any) -> dict:
    """A ListKeys entry (api_key and authorizations) as the modules return it: without the secret."""
    data = message_to_dict(entry.api_key)
    for key in SECRET_FIELDS:
        data.pop(key, None)
    data["authorizations"] = [without_identity(a) for a in
                              sort_authorizations(message_to_dict(a) for a in entry.authorizations)]
    return data


class ApiKeyService(Service):
    kind = "API key"

    def list(self) -> list:
        """ListKeys: the organization's keys, each with its authorizations."""
        return list(self.client.list_keys(org_id=self.organization_id,
                                          resource="API keys of organization %r" % self.organization_id).api_keys)

    def find(self, ref: str, keys: t.Sequence[t.Any]):
        """The key (an APIKey of ``keys``) by ID, or by its name when only one has it; None when absent."""
        return pick_one(list(keys), ref, "API key", "in organization %r" % self.organization_id)

    def named(self, name: str) -> list:
        return [entry.api_key for entry in self.list() if entry.api_key.name == name]

    def fetch(self, key_id: str):
        """The key's listing after a write, or None if it is not (yet) listed."""
        return next((e for e in self.list() if e.api_key.id == key_id), None)

    def settle(self, made):
        """keep_oldest for a key this run created, among the keys named as it.

        A fresh listing each time round: a copy another run deleted meanwhile must be seen gone
        (base.delete_copy), or two runs would each keep deleting the other's choice.
        """
        return keep_oldest(made, lambda: self.named(made.name), self.delete_copy)

    def delete_copy(self, copy) -> None:
        """Delete a key a racing create made twice."""
        self.client.delete_key(id=copy.id, resource="API key %r (id %s)" % (copy.name, copy.id))

    def is_gone(self, err: ViamError, key_id: str) -> bool:
        """True when ``err``, from a call on key ``key_id``, means that key no longer exists
        (base.absent_unless_listed: NOT_FOUND, or a code the app may use for an unknown ID and
        the key is no longer listed)."""
        try:
            absent_unless_listed(err, lambda: [e.api_key.id for e in self.list()], key_id)
        except ViamError:
            return False
        return True

    def delete_replaced(self, key_id: str, name: str, new_id: str) -> None:
        """Delete the key a rotation replaced with a new one (docs/api-assumptions.md §7, rotate_key).

        A key already gone (another run deleted it, or our delete's answer was lost) counts as
        deleted when the listing no longer has it (base.delete_copy).
        """
        delete_copy(lambda old: self.client.delete_key(id=old.id, resource="API key %r (id %s, rotated to %s)"
                                                       % (name, old.id, new_id)),
                    types.SimpleNamespace(id=key_id), lambda: [e.api_key for e in self.list()])

    def new_copy_after_a_lost_create(self, name: str, known_ids: t.Collection[str]) -> t.Optional[str]:
        """After a CreateKey whose answer was lost: the ID of the one key named ``name`` that was not there
        before (ours), or None when there is none (it was not applied).

        With several new copies (racing runs), ours cannot be told apart, and nobody would delete it if it
        were not the oldest. Every run keeps the oldest copy of a name (keep_oldest), so the younger ones,
        ours among them, are deleted here, and CreateRaced makes the module read again and find the kept one.
        """
        made = [key for key in self.named(name) if key.id not in known_ids]
        if len(made) <= 1:
            return made[0].id if made else None
        settle_copies(made, self.delete_copy, lambda: [k for k in self.named(name) if k.id not in known_ids])
        raise CreateRaced(ViamError(code="ALREADY_EXISTS", rpc="CreateKey",
                                    summary="racing runs created API key %r at the same time" % name))
