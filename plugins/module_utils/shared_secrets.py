# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The secrets of a location or a robot part: what to create and delete.

Locations (LocationAuth.secrets) and parts (RobotPart.secrets) hold the same
SharedSecret list, with the same rule: at most MAX_ACTIVE_SECRETS secrets that
are not disabled. Everything here works on that list as message_to_dict gives
it (dicts with id, secret, created_on, state) and makes no call:

    plan = plan_rotate(secrets)          # or plan_present / plan_absent
    for secret_id in plan.delete_first: ...delete...
    if plan.create: ...create...
    for secret_id in plan.delete_after: ...delete...

plan_absent raises SecretPlanError for a request that must not be sent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import typing as t

# app.proto: CreateLocationSecret / CreateRobotPartSecret succeed only while
# fewer than two active secrets exist.
MAX_ACTIVE_SECRETS = 2
STATE_DISABLED = "STATE_DISABLED"
STATE_ENABLED = "STATE_ENABLED"


class SecretPlanError(Exception):
    """A request that would do harm or cannot be done; the message says why."""


class SecretPlan:
    """Secret IDs to delete before creating, how many secrets to create, IDs to delete after that."""

    def __init__(self, delete_first: t.Sequence[str] = (), create: int = 0,
                 delete_after: t.Sequence[str] = ()) -> None:
        self.delete_first = list(delete_first)
        self.create = int(create)
        self.delete_after = list(delete_after)

    @property
    def deleted(self) -> t.List[str]:
        return self.delete_first + self.delete_after

    @property
    def changed(self) -> bool:
        return bool(self.create or self.deleted)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretPlan) and (self.delete_first, self.create, self.delete_after) == (
            other.delete_first, other.create, other.delete_after)

    def __repr__(self) -> str:
        return "SecretPlan(delete_first=%r, create=%r, delete_after=%r)" % (
            self.delete_first, self.create, self.delete_after)


def created_key(created_on: t.Optional[str]) -> t.Tuple[str, str]:
    """A sort key for an RFC 3339 UTC time with or without a fraction of a second (None first)."""
    if not created_on:
        return ("", "")
    text = created_on.rstrip("Z")
    base, _dot, fraction = text.partition(".")
    return (base, fraction.ljust(9, "0"))


def is_active(secret: t.Mapping[str, t.Any]) -> bool:
    return secret.get("state") != STATE_DISABLED


def oldest_first(secrets: t.Sequence[t.Mapping[str, t.Any]]) -> t.List[t.Mapping[str, t.Any]]:
    """The secrets by creation time, oldest first; equal times keep the API's order."""
    indexed = list(enumerate(secrets))
    indexed.sort(key=lambda pair: (created_key(pair[1].get("created_on")), pair[0]))
    return [secret for _index, secret in indexed]


def active_secrets(secrets: t.Sequence[t.Mapping[str, t.Any]]) -> t.List[t.Mapping[str, t.Any]]:
    """The secrets that count toward the limit (not disabled), oldest first."""
    return [s for s in oldest_first(secrets) if is_active(s)]


def plan_present(secrets: t.Sequence[t.Mapping[str, t.Any]], count: int = 1,
                 limit: int = MAX_ACTIVE_SECRETS) -> SecretPlan:
    """At least count active secrets: create the missing ones, delete nothing."""
    if count < 1 or count > limit:
        raise SecretPlanError("count must be between 1 and %d (Viam allows at most %d active secrets), got %d"
                              % (limit, limit, count))
    return SecretPlan(create=max(0, count - len(active_secrets(secrets))))


def plan_rotate(secrets: t.Sequence[t.Mapping[str, t.Any]], limit: int = MAX_ACTIVE_SECRETS) -> SecretPlan:
    """Replace the oldest active secret with a new one; the number of active secrets stays the same.

    Below the limit the new secret is created first, so the resource is never
    without a secret; at the limit the oldest must go first. With no active
    secret, rotation just creates one.
    """
    active = active_secrets(secrets)
    if not active:
        return SecretPlan(create=1)
    oldest = active[0]["id"]
    if len(active) >= limit:
        return SecretPlan(delete_first=[oldest], create=1)
    return SecretPlan(create=1, delete_after=[oldest])


def plan_absent(secrets: t.Sequence[t.Mapping[str, t.Any]], secret_id: str, force: bool = False,
                what: str = "the resource") -> SecretPlan:
    """Delete the secret secret_id when it exists; refuse to delete the last active secret unless force."""
    if not secret_id or not secret_id.strip():
        raise SecretPlanError("secret_id must not be empty")
    found = [s for s in secrets if s.get("id") == secret_id]
    if not found:
        return SecretPlan()
    others = [s for s in active_secrets(secrets) if s.get("id") != secret_id]
    if is_active(found[0]) and not others and not force:
        raise SecretPlanError(
            "secret %s is the last active secret of %s: deleting it would lock out every device that connects "
            "with it; create another one first (rotate: true replaces it), or set force: true" % (secret_id, what))
    return SecretPlan(delete_after=[secret_id])


def secret_view(secret: t.Mapping[str, t.Any], with_value: bool = False) -> t.Dict[str, t.Any]:
    """What the modules return for a secret: its value only when asked for."""
    view = dict(id=secret.get("id", ""), created_on=secret.get("created_on"), state=secret.get("state", ""))
    if with_value:
        view["secret"] = secret.get("secret", "")
    return view


def predict(secrets: t.Sequence[t.Mapping[str, t.Any]], plan: SecretPlan) -> t.List[t.Dict[str, t.Any]]:
    """The secrets after the plan, for check mode: a secret to be created has an empty id and no date."""
    deleted = set(plan.deleted)
    after = [secret_view(s) for s in oldest_first(secrets) if s.get("id") not in deleted]
    after.extend(dict(id="", created_on=None, state=STATE_ENABLED) for _index in range(plan.create))
    return after


def diff_view(secrets: t.Sequence[t.Mapping[str, t.Any]]) -> t.Dict[str, t.Any]:
    """The diff of a secret list, in the order given: IDs only ("(new)" for one to be created), never values."""
    return dict(secret_ids=[s.get("id") or "(new)" for s in secrets])


def new_secret_ids(before: t.Sequence[t.Mapping[str, t.Any]], after: t.Sequence[t.Mapping[str, t.Any]]) -> t.List[str]:
    """IDs in after that were not in before, in order."""
    known = set(s.get("id") for s in before)
    return [s.get("id") for s in after if s.get("id") not in known]


# ---------------------------------------------------------------- the modules' common part

SECRET_OPTIONS = dict(
    secret_id=dict(type="str", no_log=False),
    count=dict(type="int", default=1),
    rotate=dict(type="bool", default=False),
    force=dict(type="bool", default=False),
    return_secret=dict(type="bool", default=False),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


def _module_base():
    # Imported here so that the pure functions above load without Ansible's module_utils.
    from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule
    return ViamModule


class SharedSecretsModule(_module_base()):
    """viam_location_secret and viam_robot_part_secret: the holder (location or part) is the subclass's business.

    A subclass sets argument_spec (with SECRET_OPTIONS), ``kind`` ("location" or "part") and implements
    find_holder() (sets self.label and returns the identity dict returned under ``kind``), read_secrets(),
    create_secret() (returns the secrets as the create's answer lists them) and delete_secret(secret_id).
    """

    kind = "resource"
    label = "the resource"

    def find_holder(self) -> t.Dict[str, t.Any]:
        raise NotImplementedError

    def read_secrets(self) -> t.List[t.Dict[str, t.Any]]:
        raise NotImplementedError

    def create_secret(self) -> t.List[t.Dict[str, t.Any]]:
        raise NotImplementedError

    def delete_secret(self, secret_id: str) -> None:
        raise NotImplementedError

    def check_options(self) -> None:
        params = self.params
        if params["state"] == "absent":
            if params["rotate"]:
                self.fail("rotate is only used with state=present")
            if params["count"] != 1:
                self.fail("count is only used with state=present")
            if params["secret_id"] is None:
                self.fail("secret_id is required with state=absent (the ID of the secret to delete)")
        else:
            if params["secret_id"] is not None:
                self.fail("secret_id is only used with state=absent")
            if params["force"]:
                self.fail("force is only used with state=absent")
            if not 1 <= params["count"] <= MAX_ACTIVE_SECRETS:
                self.fail("count must be 1 or %d (Viam allows at most %d active secrets), got %d"
                          % (MAX_ACTIVE_SECRETS, MAX_ACTIVE_SECRETS, params["count"]))
            if params["rotate"] and params["count"] != 1:
                self.fail("count is not used with rotate: true (rotation keeps the number of secrets)")

    def plan(self, secrets):
        params = self.params
        if params["state"] == "absent":
            try:
                return plan_absent(secrets, params["secret_id"], params["force"], self.label)
            except SecretPlanError as exc:
                self.fail(str(exc))
        if params["rotate"]:
            return plan_rotate(secrets)
        try:
            return plan_present(secrets, params["count"])
        except SecretPlanError as exc:
            self.fail(str(exc))

    def current_secrets(self, holder: t.Dict[str, t.Any]) -> t.List[t.Dict[str, t.Any]]:
        """The holder's secrets; for a holder check mode predicts (not created yet), the one enabled
        secret a new location or part is made with (docs/api-assumptions.md §2, secrets)."""
        from ansible_collections.viam.cloud.plugins.module_utils.services.base import is_predicted

        if is_predicted(holder.get("id")):
            return [dict(id="", secret="", created_on=None, state=STATE_ENABLED)]
        return self.read_secrets()

    def views(self, secrets):
        return [secret_view(s, self.params["return_secret"]) for s in secrets]

    def execute(self):
        self.check_options()
        holder = self.find_holder()
        before = oldest_first(self.current_secrets(holder))
        plan = self.plan(before)
        returned = {self.kind: holder}
        if not plan.changed:
            return self.result(False, before=diff_view(before), after=diff_view(before), secrets=self.views(before),
                               new_secrets=[], deleted=[], **returned)
        if self.check_mode:
            after = predict(before, plan)
            return self.result(True, before=diff_view(before), after=diff_view(after), secrets=after,
                               new_secrets=[s for s in after if not s["id"]], deleted=plan.deleted, **returned)
        for secret_id in plan.delete_first:
            self.delete_secret(secret_id)
        known = [s for s in before if s.get("id") not in plan.delete_first]
        created = []
        for _index in range(plan.create):
            secret = self.create_once(known)
            created.append(secret["id"])
            known.append(secret)
        for secret_id in plan.delete_after:
            self.delete_secret(secret_id)
        after = oldest_first(self.read_secrets())
        new_secrets = [s for s in after if s.get("id") in created]
        return self.result(True, before=diff_view(before), after=diff_view(after), secrets=self.views(after),
                           new_secrets=self.views(new_secrets), deleted=plan.deleted, **returned)

    def create_once(self, known) -> t.Dict[str, t.Any]:
        """Create a secret and return it; if the answer was lost, look for the secret it made before failing."""
        from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError

        try:
            current = self.create_secret()
        except ViamError as err:
            if not err.maybe_applied:
                raise
            current = self.read_secrets()
            if len(new_secret_ids(known, current)) != 1:
                raise
        made = new_secret_ids(known, current)
        if len(made) != 1:
            self.fail("created a secret of %s but cannot tell which of its secrets it is (new IDs: %s)"
                      % (self.label, ", ".join(made) or "none"))
        return next(s for s in current if s.get("id") == made[0])
