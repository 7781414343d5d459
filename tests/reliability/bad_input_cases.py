# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The table of bad inputs: for every module, arguments that must fail, and what the message must say.

A Case is (module, name, args, expect): ``args`` are merged over the module's BASE arguments
(a valid task on the seeded emulator, so the one bad thing is the only problem) and the
emulator's credentials; ``expect`` is one substring, or a tuple of substrings, that the failure
message must contain (case-insensitive). Ref("robot_id") stands for an ID made when the
emulator is seeded (see bad_input_harness.BadInputEmulator.seed_resources).

COMMON cases (credentials, app_url, timeout, TLS options, unknown options, organization IDs)
are run against every module; each module then has its own cases. CASES is the whole table.
"""

from __future__ import annotations

import functools
import typing as t

from bad_input_harness import Ref

DROP = object()  # a value that removes the key from the merged arguments

LONG_NAME = "n" * 300               # over module.py's MAX_NAME_LENGTH (256)
NEWLINE_NAME = "bad\nname"          # a control character
NUL_NAME = "bad\x00name"
ZERO_WIDTH_NAME = "\u200b\u200b"    # only invisible characters: blank to a person, not to str.strip()
SURROGATE_NAME = "bad\ud800name"    # an unpaired surrogate: not encodable as UTF-8
TEN_MB = 10 * 1024 * 1024


@functools.lru_cache(maxsize=1)
def big_config() -> dict:
    """A part/fragment config of a bit more than 10 MB of JSON."""
    return {"components": [{"name": "c%05d" % i, "attributes": {"blob": "x" * 1024}} for i in range(TEN_MB // 1040 + 10)]}


def deep_config(depth: int = 150) -> dict:
    """A config nested deeper than protobuf's recursion limit (100)."""
    node: t.Dict[str, t.Any] = {"leaf": 1}
    for level in range(depth):
        node = {"n": node, "level": depth - level}
    return {"components": [], "attributes": node}


def role(name: str, resource_type: str, **extra: t.Any) -> t.List[dict]:
    """A one-role authorizations list."""
    return [dict(role=name, resource_type=resource_type, **extra)]


class Case:
    def __init__(self, module: str, name: str, args: dict, expect: t.Union[str, t.Tuple[str, ...]],
                 env: t.Optional[dict] = None, check_mode: bool = False, credentials: bool = True) -> None:
        self.module = module
        self.name = name
        self.args = args
        self.expect = (expect,) if isinstance(expect, str) else tuple(expect)
        self.env = env or {}
        self.check_mode = check_mode
        self.credentials = credentials

    @property
    def id(self) -> str:
        return "%s-%s" % (self.module, self.name)

    def arguments(self, credentials: dict) -> dict:
        merged = dict(credentials) if self.credentials else {}
        merged.update(BASE[self.module])
        merged.update(self.args)
        return dict((k, v) for k, v in merged.items() if v is not DROP)


# A valid task of each module on the seeded emulator.
BASE: t.Dict[str, dict] = {
    "viam_api_key": dict(name="bad-new-key", authorizations=[dict(role="operator", resource_type="organization")]),
    "viam_api_key_info": {},
    "viam_fleet": dict(machines=[dict(name="bad-bot", location="bad-site")]),
    "viam_fragment": dict(name="bad-frag"),
    "viam_fragment_info": {},
    "viam_location": dict(name="bad-site"),
    "viam_location_info": {},
    "viam_location_secret": dict(location="bad-site"),
    "viam_module": dict(name="bad-mod"),
    "viam_module_info": {},
    "viam_organization": {},
    "viam_organization_info": {},
    "viam_organization_invite": dict(email="someone@example.com"),
    "viam_organization_member": dict(email="nobody@example.com", state="absent"),
    "viam_permissions_info": dict(permissions=[dict(resource_type="organization", resource_id=Ref("organization_id"),
                                                    permissions=["read_organization"])]),
    "viam_robot": dict(name="bad-bot", location="bad-site"),
    "viam_robot_info": {},
    "viam_robot_part": dict(name="bad-bot-arm", robot="bad-bot"),
    "viam_robot_part_info": dict(robot="bad-bot"),
    "viam_robot_part_logs": dict(robot="bad-bot"),
    "viam_robot_part_secret": dict(part="bad-bot-arm", robot="bad-bot"),
    "viam_robot_part_wait": dict(robot="bad-bot", wait_timeout=0, sleep=0.1),
    "viam_role": dict(identity_id=Ref("key_id"), role="operator"),
    "viam_role_info": {},
    "viam_rover_rental_info": {},
}
MODULES = sorted(BASE)

# name -> (args, expected substrings, env); run against every module.
COMMON: t.List[t.Tuple[str, dict, t.Any, dict]] = [
    ("no-credentials", dict(api_key_id=DROP, api_key=DROP), ("api_key_id", "VIAM_API_KEY_ID"), {}),
    ("env-key-id-without-key", dict(api_key_id=DROP, api_key=DROP), ("api_key", "VIAM_API_KEY"),
     {"VIAM_API_KEY_ID": "00000000-0000-4000-8000-000000000001"}),
    ("wrong-api-key", dict(api_key="wrong-secret-wrong-secret-wrong"), "authentication failed", {}),
    ("app-url-bad-scheme", dict(app_url="ftp://127.0.0.1:1"), "scheme", {}),
    ("timeout-not-a-number", dict(timeout="soon"), "timeout", {}),
    ("timeout-negative", dict(timeout=-5), "timeout must be a positive", {}),
    ("validate-certs-not-bool", dict(validate_certs="maybe"), "validate_certs", {}),
    ("unknown-option", dict(bogus_option=1), ("unsupported parameters", "bogus_option"), {}),
    ("organization-id-is-a-location-id", dict(organization_id=Ref("location_id")),
     ("organization_id", "uuid"), {}),
    ("organization-id-unknown", dict(organization_id=Ref("unknown_uuid")), "permission denied", {}),
]


# The common cases of the shared code path (client_from_module, AnsibleModule) that every module
# does not need again: run only on the modules with few options of their own.
COMMON_FEW = ("env-key-id-without-key", "app-url-bad-scheme", "timeout-negative", "validate-certs-not-bool")
FEW_OPTIONS = ("viam_api_key_info", "viam_fragment_info", "viam_location_info", "viam_module_info",
               "viam_organization_info", "viam_permissions_info", "viam_robot", "viam_rover_rental_info")

# Common cases that do not apply: viam_permissions_info checks permissions on the resources it is
# given and never uses organization_id.
COMMON_SKIP = {("viam_permissions_info", "organization-id-is-a-location-id"),
               ("viam_permissions_info", "organization-id-unknown")}


def common_cases() -> t.List[Case]:
    cases = []
    for module in MODULES:
        for name, args, expect, env in COMMON:
            if (module, name) not in COMMON_SKIP and (name not in COMMON_FEW or module in FEW_OPTIONS):
                cases.append(Case(module, name, dict(args), expect, env=env))
    return cases


def module_cases() -> t.List[Case]:
    """Each module's own bad inputs."""
    c: t.List[Case] = []

    def add(module, name, args, expect, **kwargs):
        c.append(Case(module, name, args, expect, **kwargs))

    # ------------------------------------------------------------------ viam_location
    m = "viam_location"
    add(m, "name-empty", dict(name=""), "name must not be empty")
    add(m, "name-blank", dict(name="   "), "name must not be empty")
    add(m, "name-oversize", dict(name=LONG_NAME), ("name is 300 characters long", "256"))
    add(m, "name-newline", dict(name=NEWLINE_NAME), ("name", "control character"))
    # ansible-core itself refuses a NUL before the module runs (it logs every option to syslog)
    add(m, "name-nul", dict(name=NUL_NAME), "null character")
    add(m, "name-zero-width", dict(name=ZERO_WIDTH_NAME), ("name", "visible"))
    add(m, "name-surrogate", dict(name=SURROGATE_NAME), ("name", "surrogate"))
    add(m, "name-wrong-type", dict(name=["a", "b"]), ("name", "single string", "list"))
    add(m, "no-name-no-id", dict(name=DROP), ("one of the following is required", "name", "id"))
    add(m, "state-invalid", dict(state="gone"), ("state", "present, absent"))
    add(m, "parent-unknown", dict(name="bad-new-loc", parent="no-such-parent"), ("parent location", "not found"))
    add(m, "parent-is-robot-id", dict(name="bad-new-loc", parent=Ref("robot_id")), ("parent location", "not found"))
    add(m, "own-parent", dict(parent="bad-site"), "cannot be its own parent")
    add(m, "id-unknown", dict(name=DROP, id=Ref("unknown_location_id")), "not found")
    add(m, "id-is-robot-id", dict(name=DROP, id=Ref("robot_id")), "not found")
    add(m, "shared-with-not-list", dict(shared_with={"a": 1}), "shared_with")
    add(m, "shared-with-empty-id", dict(shared_with=[""]), "shared_with must not contain empty")
    add(m, "shared-with-unknown-org", dict(shared_with=[Ref("unknown_uuid")]), "does not see")
    add(m, "metadata-not-dict", dict(metadata=["owner", "me"]), "metadata")
    add(m, "metadata-mode-invalid", dict(metadata={"a": 1}, metadata_mode="append"), ("metadata_mode", "merge"))
    add(m, "metadata-not-json", dict(metadata={"a": float("nan")}), "metadata cannot be stored")
    add(m, "metadata-oversize", dict(metadata={"blob": "x" * TEN_MB}), ("metadata is 10.0 MiB", "at most 4 MiB"))
    add(m, "return-secret-not-bool", dict(return_secret="perhaps"), "return_secret")
    add(m, "delete-with-children", dict(state="absent"), ("still has", "delete or move them first"))

    # ------------------------------------------------------------------ viam_robot
    m = "viam_robot"
    add(m, "app-url-with-path", dict(app_url="http://127.0.0.1:1/api/v1"), "no path")
    add(m, "app-url-empty", dict(app_url=""), "app_url")
    add(m, "ca-path-missing", dict(app_url="https://127.0.0.1:1", ca_path="/nonexistent/ca.pem"), "ca_path")
    add(m, "name-empty", dict(name=""), "name must not be empty")
    add(m, "name-oversize", dict(name=LONG_NAME), ("300 characters", "256"))
    add(m, "name-newline", dict(name=NEWLINE_NAME), ("name", "control character"))
    add(m, "name-zero-width", dict(name=ZERO_WIDTH_NAME), ("name", "visible"))
    add(m, "name-surrogate", dict(name=SURROGATE_NAME), ("name", "surrogate"))
    add(m, "name-wrong-type", dict(name={"a": 1}), ("name", "single string", "dict"))
    add(m, "no-name-no-id", dict(name=DROP), ("one of the following is required", "name", "id"))
    add(m, "location-empty", dict(location=""), "location must not be empty")
    add(m, "location-unknown", dict(name="bad-new-bot", location="no-such-site"), ("location", "not found"))
    add(m, "location-is-robot-id", dict(name="bad-new-bot", location=Ref("robot_id")), ("location", "not found"))
    add(m, "new-without-location", dict(name="bad-new-bot", location=DROP), ("not found", "give its location"))
    add(m, "id-unknown", dict(name=DROP, location=DROP, id=Ref("unknown_uuid")), "not found")
    add(m, "id-is-location-id", dict(name=DROP, location=DROP, id=Ref("location_id")), ("not found", "uuid"))
    add(m, "id-is-part-id", dict(name=DROP, location=DROP, id=Ref("part_id")), "not found")
    add(m, "state-invalid", dict(state="deleted"), ("state", "present, absent"))
    add(m, "metadata-list", dict(metadata=[1, 2]), "metadata")
    add(m, "metadata-oversize", dict(metadata={"blob": "x" * TEN_MB}), ("metadata is 10.0 MiB", "at most 4 MiB"))
    add(m, "metadata-not-json", dict(metadata={"a": float("inf")}), "metadata cannot be stored")

    # ------------------------------------------------------------------ viam_robot_part
    m = "viam_robot_part"
    add(m, "name-empty", dict(name=""), "name must not be empty")
    add(m, "name-oversize", dict(name=LONG_NAME), ("300 characters", "256"))
    add(m, "name-newline", dict(name=NEWLINE_NAME), ("name", "control character"))
    add(m, "name-surrogate", dict(name=SURROGATE_NAME), ("name", "surrogate"))
    add(m, "robot-empty", dict(robot=""), "robot must not be empty")
    add(m, "robot-unknown", dict(robot="no-such-bot"), ("machine", "not found"))
    add(m, "robot-is-location-id", dict(robot=Ref("location_id")), ("machine", "not found"))
    add(m, "robot-is-fragment-id", dict(robot=Ref("fragment_id")), ("machine", "not found"))
    add(m, "location-without-robot", dict(robot=DROP, location="bad-site"), "give robot as well")
    add(m, "name-without-robot", dict(robot=DROP), "robot is required")
    add(m, "id-unknown", dict(name=DROP, robot=DROP, id=Ref("unknown_uuid")), "not found")
    add(m, "id-is-robot-id", dict(name=DROP, robot=DROP, id=Ref("robot_id")), "not found")
    add(m, "id-of-other-machine", dict(name=DROP, robot="bad-bot", id=Ref("unknown_uuid")), "not found")
    add(m, "config-not-dict", dict(config="components: []"), ("config", "dict"))
    add(m, "config-list", dict(config=[1, 2, 3]), ("config", "dict"))
    add(m, "config-not-json", dict(config={"x": float("nan")}), ("config", "json"))
    add(m, "config-too-deep", dict(config=deep_config()), ("config", "nested", "100"))
    add(m, "config-10mb", dict(config=big_config()), ("config is 10.3 MiB", "at most 4 MiB"))
    add(m, "fragments-not-list", dict(fragments={"id": 1}), "fragments")
    add(m, "fragments-empty-name", dict(fragments=[""]), "fragments must not contain empty")
    add(m, "fragments-unknown", dict(fragments=["no-such-fragment"]), ("fragment", "not found"))
    add(m, "fragments-robot-id", dict(fragments=[Ref("robot_id")]), ("fragment", "not found"))
    add(m, "main-not-bool", dict(main="primary"), "main")
    add(m, "unmark-main", dict(name=Ref("main_part_name"), main=False), "is the main part")
    add(m, "delete-main", dict(name=Ref("main_part_name"), state="absent"), ("main part", "cannot be deleted"))
    add(m, "absent-with-config", dict(state="absent", config={}), ("config", "state=absent"))
    add(m, "absent-with-restart", dict(state="absent", restart=True), ("restart", "state=absent"))
    add(m, "last-known-update-garbage", dict(last_known_update="yesterday"), ("last_known_update", "RFC 3339"))
    add(m, "last-known-update-stale", dict(config={"components": []}, last_known_update="2001-01-01T00:00:00Z"),
        "changed by someone else")
    add(m, "metadata-oversize", dict(metadata={"blob": "x" * TEN_MB}), ("metadata is 10.0 MiB", "at most 4 MiB"))

    # ------------------------------------------------------------------ viam_fragment
    m = "viam_fragment"
    add(m, "name-empty", dict(name=""), "name must not be empty")
    add(m, "name-oversize", dict(name=LONG_NAME), ("300 characters", "256"))
    add(m, "name-newline", dict(name=NEWLINE_NAME), ("name", "control character"))
    add(m, "name-zero-width", dict(name=ZERO_WIDTH_NAME), ("name", "visible"))
    add(m, "no-name-no-id", dict(name=DROP), ("one of the following is required", "name", "id"))
    add(m, "id-not-uuid", dict(name=DROP, id=Ref("location_id")), ("not a fragment id", "uuid"))
    add(m, "id-is-robot-id", dict(name=DROP, id=Ref("robot_id")), "not found")
    add(m, "id-unknown", dict(name=DROP, id=Ref("unknown_uuid")), "not found")
    add(m, "config-string", dict(config="components"), ("config", "dict"))
    add(m, "config-not-json", dict(config={"x": float("nan")}), ("config", "json"))
    add(m, "config-too-deep", dict(config=deep_config()), ("config", "nested", "100"))
    add(m, "config-10mb", dict(config=big_config()), ("config is 10.3 MiB", "at most 4 MiB"))
    add(m, "config-10mb-new", dict(name="bad-new-frag", config=big_config()), ("config is 10.3 MiB", "at most 4 MiB"))
    add(m, "visibility-and-public", dict(visibility="public", public=True), "mutually exclusive")
    add(m, "visibility-invalid", dict(visibility="everyone"), ("visibility", "private"))
    add(m, "public-not-bool", dict(public="sometimes"), "public")
    add(m, "state-invalid", dict(state="archived"), ("state", "present, absent"))

    # ------------------------------------------------------------------ viam_api_key
    m = "viam_api_key"
    add(m, "name-empty", dict(name=""), "name must not be empty")
    add(m, "name-oversize", dict(name=LONG_NAME), ("300 characters", "256"))
    add(m, "name-newline", dict(name=NEWLINE_NAME), ("name", "control character"))
    add(m, "id-not-uuid", dict(name=DROP, id=Ref("location_id")), ("not an api key id", "uuid"))
    add(m, "id-is-robot-id", dict(name=DROP, id=Ref("robot_id")), "not found")
    add(m, "authorizations-empty", dict(authorizations=[]), "authorizations must not be empty")
    # ansible-core's own message for a list of dicts given a word (it does not name the option)
    add(m, "authorizations-not-list", dict(authorizations="owner"), "must be a dict")
    add(m, "authorization-bad-role", dict(authorizations=[dict(role="admin", resource_type="organization")]),
        ("role", "owner, operator"))
    add(m, "authorization-bad-type", dict(authorizations=[dict(role="owner", resource_type="planet")]),
        ("resource_type", "organization"))
    add(m, "authorization-missing-role", dict(authorizations=[dict(resource_type="organization")]),
        ("missing required arguments", "role"))
    add(m, "authorization-unknown-location", dict(authorizations=role("owner", "location", resource="no-such-site")),
        ("authorizations[0]", "not found"))
    add(m, "authorization-robot-is-location", dict(authorizations=role("owner", "robot", resource=Ref("location_id"))),
        ("authorizations[0]", "not found"))
    add(m, "authorization-location-without-resource", dict(authorizations=role("owner", "location")),
        ("authorizations[0]", "resource"))
    add(m, "authorizations-and-copy-from", dict(copy_from="bad-key"), "mutually exclusive")
    add(m, "copy-from-unknown", dict(authorizations=DROP, copy_from="no-such-key"), ("copy_from", "not found"))
    add(m, "rotate-not-bool", dict(rotate="yes please"), "rotate")
    add(m, "authorizations-of-numbers", dict(authorizations=[1, 2]), "authorizations[0] must be a dict, got int 1")

    # ------------------------------------------------------------------ viam_organization
    m = "viam_organization"
    add(m, "name-empty", dict(name=""), "name must not be empty")
    add(m, "name-oversize", dict(name=LONG_NAME), ("300 characters", "256"))
    add(m, "name-newline", dict(name=NEWLINE_NAME), ("name", "control character"))
    add(m, "namespace-uppercase", dict(public_namespace="ACME"), ("public_namespace", "not valid"))
    add(m, "namespace-leading-dash", dict(public_namespace="-acme"), ("public_namespace", "not valid"))
    add(m, "namespace-oversize", dict(public_namespace="a" * 64), ("public_namespace", "not valid"))
    add(m, "namespace-unicode", dict(public_namespace="acmé"), ("public_namespace", "not valid"))
    add(m, "region-empty", dict(region=""), "region must not be empty")
    add(m, "rename-namespace-not-bool", dict(rename_namespace="sure"), "rename_namespace")
    add(m, "metadata-not-dict", dict(metadata="x"), "metadata")
    add(m, "metadata-oversize", dict(metadata={"blob": "x" * TEN_MB}), ("metadata is 10.0 MiB", "at most 4 MiB"))

    # ------------------------------------------------------------------ viam_organization_invite
    m = "viam_organization_invite"
    add(m, "email-empty", dict(email=""), "email")
    add(m, "email-no-at", dict(email="not-an-email"), ("email", "not a valid email"))
    add(m, "email-two-at", dict(email="a@b@example.com"), ("email", "not a valid email"))
    add(m, "email-newline", dict(email="a@example.com\nBcc: b@example.com"), ("email", "not a valid email"))
    add(m, "email-list", dict(email=["a@example.com"]), "email")
    add(m, "authorizations-empty", dict(authorizations=[]), "authorizations must not be empty")
    add(m, "authorization-bad-role", dict(authorizations=[dict(role="boss", resource_type="organization")]),
        ("role", "owner, operator"))
    add(m, "authorization-unknown-robot", dict(authorizations=role("operator", "robot", resource="no-such-bot")),
        ("authorizations[0]", "not found"))
    add(m, "authorization-two-roles-one-resource", dict(authorizations=[
        dict(role="owner", resource_type="location", resource="bad-site"),
        dict(role="operator", resource_type="location", resource="bad-site")]), "one role per resource")
    add(m, "resend-absent", dict(state="absent", resend=True), "resend is only used with state=present")
    add(m, "resend-without-invite", dict(resend=True, email="never-invited@example.com"), "no pending invite")

    # ------------------------------------------------------------------ viam_organization_member
    m = "viam_organization_member"
    add(m, "state-present", dict(state="present"), ("state", "absent"))
    add(m, "no-state", dict(state=DROP), ("missing required arguments", "state"))
    add(m, "email-and-user-id", dict(user_id=Ref("unknown_uuid")), "mutually exclusive")
    add(m, "neither", dict(email=DROP), ("one of the following is required", "email", "user_id"))
    add(m, "email-invalid", dict(email="no-at-sign"), ("email", "not a valid email"))
    add(m, "email-empty", dict(email=""), "email")
    add(m, "user-id-empty", dict(email=DROP, user_id=""), "user_id")

    # ------------------------------------------------------------------ viam_role
    m = "viam_role"
    add(m, "role-invalid", dict(role="admin"), ("role", "owner, operator"))
    add(m, "present-without-role", dict(role=DROP), ("state is present", "role"))
    add(m, "identity-and-email", dict(email="a@example.com"), "mutually exclusive")
    add(m, "neither-identity", dict(identity_id=DROP), ("one of the following is required", "identity_id"))
    add(m, "resource-type-invalid", dict(resource_type="planet"), ("resource_type", "organization"))
    add(m, "location-role-without-resource", dict(resource_type="location"), "resource")
    add(m, "location-unknown", dict(resource_type="location", resource="no-such-site"), ("location", "not found"))
    add(m, "robot-is-location-id", dict(resource_type="robot", resource=Ref("location_id")), "not found")
    add(m, "location-option-on-location", dict(resource_type="location", resource="bad-site", location="bad-site"),
        "location")
    add(m, "identity-unknown", dict(identity_id=Ref("unknown_uuid")), ("identity", "neither"))
    add(m, "identity-is-robot-id", dict(identity_id=Ref("robot_id")), ("identity", "neither"))
    add(m, "email-invalid", dict(identity_id=DROP, email="nope"), ("email", "not a valid email"))
    add(m, "other-organization", dict(resource_type="organization", resource=Ref("unknown_uuid")),
        "not the organization")

    # ------------------------------------------------------------------ viam_module
    m = "viam_module"
    add(m, "name-empty", dict(name=""), "name")
    add(m, "name-missing", dict(name=DROP), ("missing required arguments", "name"))
    add(m, "name-oversize", dict(name=LONG_NAME), ("300 characters", "256"))
    add(m, "name-with-space", dict(name="my module"), "name")
    add(m, "name-newline", dict(name=NEWLINE_NAME), ("name", "control character"))
    add(m, "state-absent", dict(state="absent"), ("state", "present"))
    add(m, "models-bad-triplet", dict(models=[dict(api="camera", model="x")]), ("models[0]", "triplet"))
    add(m, "models-missing-model", dict(models=[dict(api="rdk:component:camera")]),
        ("missing required arguments", "model"))
    add(m, "models-not-list", dict(models="rdk:component:camera"), "must be a dict")
    add(m, "visibility-invalid", dict(visibility="secret"), ("visibility", "private"))
    add(m, "upload-bad-version", dict(upload=dict(path="/etc/hostname", version="latest", platform="any")),
        ("upload.version", "semantic version"))
    add(m, "upload-missing-file", dict(upload=dict(path="/nonexistent/module.tar.gz", version="1.0.0",
                                                   platform="any")), ("upload.path", "not a file"))
    add(m, "upload-empty-platform", dict(upload=dict(path="/etc/hostname", version="1.0.0", platform="")),
        "upload.platform must not be empty")
    add(m, "upload-not-dict", dict(upload="module.tar.gz"), "must be a dict")
    add(m, "upload-is-a-list", dict(upload=[1, 2]), "upload must be a dict, got list [1, 2]")

    # ------------------------------------------------------------------ viam_location_secret / viam_robot_part_secret
    for m, holder in (("viam_location_secret", "location"), ("viam_robot_part_secret", "part")):
        add(m, "count-zero", dict(count=0), "count")
        add(m, "count-three", dict(count=3), ("count", "2"))
        add(m, "count-not-int", dict(count="two"), "count")
        add(m, "absent-without-secret-id", dict(state="absent"), "secret_id is required with state=absent")
        add(m, "secret-id-with-present", dict(secret_id=Ref("unknown_uuid")), "secret_id is only used with state=absent")
        add(m, "force-with-present", dict(force=True), "force is only used with state=absent")
        add(m, "rotate-with-absent", dict(rotate=True, state="absent", secret_id=Ref("unknown_uuid")),
            "rotate is only used with state=present")
        add(m, "count-with-rotate", dict(rotate=True, count=2), ("count", "rotate"))
        add(m, "secret-id-empty", dict(secret_id="", state="absent"), "secret_id")
        add(m, "state-invalid", dict(state="rotated"), ("state", "present, absent"))
        add(m, "force-not-bool", dict(force="always"), "force")
    m = "viam_location_secret"
    add(m, "location-missing", dict(location=DROP), ("missing required arguments", "location"))
    add(m, "location-empty", dict(location=""), "location")
    add(m, "location-unknown", dict(location="no-such-site"), ("location", "not found"))
    add(m, "location-is-robot-id", dict(location=Ref("robot_id")), ("location", "not found"))
    m = "viam_robot_part_secret"
    add(m, "part-missing", dict(part=DROP), ("missing required arguments", "part"))
    add(m, "part-empty", dict(part=""), "part")
    add(m, "part-unknown", dict(part="no-such-part"), ("part", "not found"))
    add(m, "part-is-robot-id", dict(robot=DROP, part=Ref("robot_id")), "not found")
    add(m, "robot-unknown", dict(robot="no-such-bot"), ("machine", "not found"))

    # ------------------------------------------------------------------ viam_robot_part_wait
    m = "viam_robot_part_wait"
    add(m, "neither-part-nor-robot", dict(robot=DROP), ("one of the following is required", "part", "robot"))
    add(m, "robot-unknown", dict(robot="no-such-bot"), ("machine", "not found"))
    add(m, "robot-is-location-id", dict(robot=Ref("location_id")), ("machine", "not found"))
    add(m, "part-name-without-robot", dict(robot=DROP, part="bad-bot-arm"), "part")
    add(m, "part-unknown", dict(part="no-such-part"), ("part", "not found"))
    add(m, "since-garbage", dict(since="after lunch"), ("since", "RFC 3339"))
    add(m, "wait-timeout-negative", dict(wait_timeout=-1), "wait_timeout")
    add(m, "wait-timeout-not-int", dict(wait_timeout="long"), "wait_timeout")
    add(m, "sleep-zero", dict(sleep=0), "sleep")
    add(m, "sleep-huge", dict(sleep=3600), "sleep")
    add(m, "never-online", dict(wait_timeout=0), ("did not come online", "cloud config"))
    add(m, "location-without-robot", dict(robot=DROP, part=Ref("part_id"), location="bad-site"), "location")

    # ------------------------------------------------------------------ viam_robot_part_logs
    m = "viam_robot_part_logs"
    add(m, "neither-part-nor-robot", dict(robot=DROP), ("one of the following is required", "part", "robot"))
    add(m, "robot-unknown", dict(robot="no-such-bot"), ("machine", "not found"))
    add(m, "robot-is-location-id", dict(robot=Ref("location_id")), ("machine", "not found"))
    add(m, "part-name-without-robot", dict(robot=DROP, part="bad-bot-arm"), "part")
    add(m, "part-unknown", dict(part="no-such-part"), ("part", "not found"))
    add(m, "errors-only-and-levels", dict(errors_only=True, levels=["error"]), "mutually exclusive")
    add(m, "range-and-start", dict(range="10m", start="2026-01-01T00:00:00Z"), "mutually exclusive")
    add(m, "level-invalid", dict(levels=["fatal"]), ("levels", "debug"))
    add(m, "num-entries-negative", dict(num_log_entries=-1), "num_log_entries")
    add(m, "num-entries-not-int", dict(num_log_entries="many"), "num_log_entries")
    add(m, "start-garbage", dict(start="last tuesday"), ("start", "RFC 3339"))
    add(m, "end-before-start", dict(start="2026-02-01T00:00:00Z", end="2026-01-01T00:00:00Z"), ("end", "start"))
    add(m, "range-garbage", dict(range="a while"), ("range", "duration"))
    add(m, "range-empty", dict(range=""), "range")
    add(m, "order-invalid", dict(order="random"), ("order", "ascending"))
    add(m, "follow-negative", dict(follow_seconds=-3), "follow_seconds")
    add(m, "dest-dir-missing", dict(dest="/nonexistent/dir/logs.jsonl"), "dest")

    # ------------------------------------------------------------------ info modules
    m = "viam_robot_part_info"
    add(m, "neither-robot-nor-id", dict(robot=DROP), ("one of the following is required", "robot", "id"))
    add(m, "robot-unknown", dict(robot="no-such-bot"), ("machine", "not found"))
    add(m, "robot-is-fragment-id", dict(robot=Ref("fragment_id")), ("machine", "not found"))
    add(m, "history-limit-negative", dict(history=True, history_limit=-1), "history_limit")
    add(m, "history-not-bool", dict(history="some"), "history")
    add(m, "config-indent-negative", dict(config_dest="/tmp/x.json", config_indent=-4), "config_indent")
    add(m, "config-dest-dir-missing", dict(name="bad-bot-arm", config_dest="/nonexistent/dir/config.json"),
        "config_dest")
    add(m, "location-unknown", dict(location="no-such-site"), ("location", "not found"))

    m = "viam_robot_info"
    add(m, "location-unknown", dict(location="no-such-site"), ("location", "not found"))
    add(m, "location-is-robot-id", dict(location=Ref("robot_id")), ("location", "not found"))
    add(m, "location-empty", dict(location=""), "location")
    add(m, "parts-not-bool", dict(parts="all"), "parts")

    m = "viam_location_info"
    add(m, "parent-unknown", dict(parent="no-such-site"), ("parent", "not found"))
    add(m, "metadata-not-bool", dict(metadata={"a": 1}), "metadata")

    m = "viam_fragment_info"
    add(m, "visibility-invalid", dict(visibility=["hidden"]), ("visibility", "private"))
    add(m, "visibility-not-list", dict(visibility={"a": 1}), "visibility")

    m = "viam_api_key_info"

    for m in ("viam_api_key_info", "viam_rover_rental_info"):
        add(m, "app-url-empty", dict(app_url=""), "app_url")
        add(m, "timeout-zero", dict(timeout=0), "timeout must be a positive")
        add(m, "env-credentials-wrong", dict(app_url=DROP, api_key_id=DROP, api_key=DROP), "authentication failed",
            env={"VIAM_APP_URL": Ref("app_url"), "VIAM_API_KEY_ID": Ref("bootstrap_key_id"),
                 "VIAM_API_KEY": "wrong-secret-wrong-secret-wrong"})

    m = "viam_module_info"
    add(m, "name-and-module-id", dict(name="a", module_id="b:c"), "mutually exclusive")
    add(m, "module-id-wrong-type", dict(module_id=["a"]), "module_id")

    m = "viam_permissions_info"
    add(m, "permissions-empty", dict(permissions=[]), ("permissions", "empty"))
    add(m, "permissions-missing", dict(permissions=DROP), ("missing required arguments", "permissions"))
    add(m, "permissions-not-list", dict(permissions="control_robot"), "must be a dict")
    add(m, "entry-missing-id", dict(permissions=[dict(resource_type="robot", permissions=["control_robot"])]),
        ("missing required arguments", "resource_id"))
    add(m, "entry-empty-permissions", dict(permissions=[dict(resource_type="robot", resource_id=Ref("robot_id"),
                                                             permissions=[])]), "permissions")
    add(m, "entry-bad-type", dict(permissions=[dict(resource_type="planet", resource_id=Ref("robot_id"),
                                                    permissions=["control_robot"])]), "resource_type")

    m = "viam_role_info"
    add(m, "resource-without-type", dict(resource="bad-site"), ("resource_type", "resource"))
    add(m, "location-without-resource", dict(location="bad-site"), ("resource", "location"))
    add(m, "resource-type-invalid", dict(resource_type="planet"), ("resource_type", "organization"))
    add(m, "role-invalid", dict(role="king"), ("role", "owner"))
    add(m, "identity-and-email", dict(identity_id=Ref("key_id"), email="a@example.com"), "mutually exclusive")
    add(m, "location-unknown", dict(resource_type="location", resource="no-such-site"), ("location", "not found"))
    add(m, "email-invalid", dict(email="not-an-email"), ("email", "not a valid email"))

    m = "viam_organization_info"
    add(m, "members-not-bool", dict(members="everyone"), "members")
    add(m, "metadata-not-bool", dict(metadata={"a": 1}), "metadata")

    # ------------------------------------------------------------------ viam_fleet
    m = "viam_fleet"
    add(m, "locations-not-list-of-dicts", dict(locations="bad-site"), "must be a dict")
    add(m, "machines-of-numbers", dict(machines=[1]), "machines[0] must be a dict, got int 1")
    add(m, "location-name-empty", dict(locations=[dict(name="")]), "non-empty string")
    add(m, "location-name-oversize", dict(locations=[dict(name=LONG_NAME)]), ("300 characters", "256"))
    add(m, "location-declared-twice", dict(locations=[dict(name="bad-x"), dict(name="bad-x")]), "declared twice")
    add(m, "location-own-parent", dict(locations=[dict(name="bad-x", parent="bad-x")]), "its own parent")
    add(m, "parent-unknown", dict(locations=[dict(name="bad-x", parent="no-such-site")]), "neither declared")
    add(m, "machine-location-unknown", dict(machines=[dict(name="bad-m", location="no-such-site")]),
        "neither declared")
    add(m, "machine-location-is-robot-id", dict(machines=[dict(name="bad-m", location=Ref("robot_id"))]),
        "neither declared")
    add(m, "machine-without-location", dict(machines=[dict(name="bad-m")]), ("missing required arguments", "location"))
    add(m, "machine-declared-twice", dict(machines=[dict(name="bad-bot", location="bad-site")] * 2), "declared twice")
    add(m, "part-is-a-number", dict(machines=[dict(name="bad-bot", location="bad-site", parts=[7])]),
        "must be a name or a dict")
    add(m, "part-config-10mb", dict(machines=[dict(name="bad-bot", location="bad-site", parts=[
        dict(name="bad-bot-arm", config=big_config())])]), "at most 4 MiB")
    add(m, "part-config-too-deep", dict(machines=[dict(name="bad-bot", location="bad-site", parts=[
        dict(name="bad-bot-arm", config=deep_config())])]), "nested")
    add(m, "fragment-unknown", dict(machines=[dict(name="bad-bot", location="bad-site", fragments=["no-such-frag"])]),
        ("fragment", "not found"))
    add(m, "delete-main-part", dict(machines=[dict(name="bad-bot", location="bad-site", parts=[
        dict(name=Ref("main_part_name"), state="absent")])]), "main part")
    add(m, "absent-machine-with-parts", dict(machines=[dict(name="bad-bot", location="bad-site", state="absent",
                                                            parts=["bad-bot-arm"])]), "present, not to state=absent")
    add(m, "delete-location-with-machines", dict(machines=[], locations=[dict(name="bad-site", state="absent")]),
        "still has")
    add(m, "max-concurrency-zero", dict(max_concurrency=0), "max_concurrency must be between")
    add(m, "purge-not-bool", dict(purge="sometimes"), "purge")
    return c


CASES: t.List[Case] = common_cases() + module_cases()


# ---------------------------------------------------------------------- roles
# (case name, role variables, expected substrings). Credentials are added unless a case sets them.
# The machine role's base variables keep it off this host: no install, no service, a scratch root.
ROLE_BASE = {
    "fleet": {},
    "machine": dict(viam_machine_name="bad-bot", viam_machine_location="bad-site", viam_machine_create=False,
                    viam_machine_install="none", viam_machine_service=False),
}
ROLE_CASES: t.Dict[str, t.List[t.Tuple[str, dict, t.Any]]] = {
    "fleet": [
        ("locations-not-a-list", dict(viam_fleet_locations="bad-site"), "viam_fleet_locations"),
        ("location-without-name", dict(viam_fleet_locations=[dict(parent="bad-site")]),
         ("missing required arguments", "name")),
        ("location-state-invalid", dict(viam_fleet_locations=[dict(name="bad-x", state="gone")]),
         ("state", "present, absent")),
        ("fragment-visibility-invalid", dict(viam_fleet_fragments=[dict(name="bad-f", visibility="everyone")]),
         ("visibility", "private")),
        ("fragment-config-not-dict", dict(viam_fleet_fragments=[dict(name="bad-f", config="components")]), "config"),
        ("machine-without-location", dict(viam_fleet_machines=[dict(name="bad-m")]),
         ("missing required arguments", "location")),
        # the role checks the whole fleet first (viam_fleet: "... is neither declared in locations nor an existing
        # location"); looked up task by task it was "location ... not found": both name the location
        ("machine-location-unknown", dict(viam_fleet_machines=[dict(name="bad-m", location="no-such-site")]),
         "location 'no-such-site'"),
        ("machine-location-is-robot-id", dict(viam_fleet_machines=[dict(name="bad-m", location=Ref("robot_id"))]),
         Ref("robot_id", "location '%s'")),
        ("part-is-a-number", dict(viam_fleet_machines=[dict(name="bad-bot", location="bad-site", parts=[7])]),
         "each entry of parts must be a part name or a dict with a name"),
        ("role-invalid", dict(viam_fleet_roles=[dict(identity_id=Ref("key_id"), role="admin")]),
         ("role", "owner, operator")),
        ("role-missing", dict(viam_fleet_roles=[dict(identity_id=Ref("key_id"))]),
         ("missing required arguments", "role")),
        ("invite-bad-email", dict(viam_fleet_invites=[dict(email="not-an-email")]), "not a valid email"),
        ("return-secrets-not-bool", dict(viam_fleet_return_key_secrets="perhaps"), "viam_fleet_return_key_secrets"),
        ("wrong-api-key", dict(viam_fleet_api_key="wrong-secret-wrong-secret-wrong",
                               viam_fleet_locations=[dict(name="bad-new-site")]), "authentication failed"),
        ("organization-id-is-a-location-id", dict(viam_fleet_organization_id=Ref("location_id"),
                                                  viam_fleet_locations=[dict(name="bad-new-site")]),
         ("organization_id", "uuid")),
    ],
    "machine": [
        # Ansible turns the list into text; the part is then looked up by that name, and not found
        ("name-not-a-string", dict(viam_machine_name=["a", "b"]), ("['a', 'b']", "not found")),
        ("credentials-invalid", dict(viam_machine_credentials="password"), ("viam_machine_credentials", "secret")),
        ("install-invalid", dict(viam_machine_install="apt"), ("viam_machine_install", "viam-server")),
        ("create-not-bool", dict(viam_machine_create="maybe"), "viam_machine_create"),
        ("config-extra-not-dict", dict(viam_machine_config_extra="debug"), "viam_machine_config_extra"),
        ("no-name-no-part", dict(viam_machine_name=""), "set viam_machine_name"),
        ("config-path-relative", dict(viam_machine_config_path="etc/viam.json"), "must be absolute"),
        ("api-key-credentials-without-key", dict(viam_machine_credentials="api_key"),
         "viam_machine_credentials=api_key needs"),
        ("install-without-checksum", dict(viam_machine_install="viam-server"), "needs viam_machine_binary_checksum"),
        ("checksum-garbage", dict(viam_machine_install="viam-server", viam_machine_binary_checksum="abc123"),
         "needs viam_machine_binary_checksum"),
        ("part-id-unknown", dict(viam_machine_part_id=Ref("unknown_uuid")), "not found"),
        ("part-id-is-robot-id", dict(viam_machine_part_id=Ref("robot_id")), "not found"),
        ("location-unknown", dict(viam_machine_location="no-such-site"), ("location", "not found")),
        ("wrong-api-key", dict(viam_machine_api_key="wrong-secret-wrong-secret-wrong"), "authentication failed"),
    ],
}
