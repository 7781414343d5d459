"""Coverage of viam-sdk's AppClient: every method of the documented list exists in the installed
SDK and is driven against the emulator by one of the test_sdk_*.py files beside this one.

The list is the AppClient reference (viam-app-client-docs.txt in the project's shared
reference folder); it is kept here so the suite does not depend on that folder, and
compared with it when the folder is found beside the repository.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conformance_support import REPO_ROOT

pytest.importorskip("viam", reason="viam-sdk is a test dependency (requirements-dev.txt)")
from viam.app.app_client import AppClient  # noqa: E402

DOCUMENTED = (
    # organizations, members, invites
    "list_organizations", "get_organization", "get_organization_namespace_availability", "update_organization",
    "list_organization_members", "create_organization_invite", "update_organization_invite_authorizations",
    "delete_organization_member", "delete_organization_invite", "resend_organization_invite",
    # locations
    "create_location", "get_location", "update_location", "delete_location", "list_locations", "location_auth",
    "create_location_secret", "delete_location_secret",
    # machines and parts
    "get_robot", "get_rover_rental_robots", "get_robot_parts", "get_robot_part", "get_robot_part_logs",
    "tail_robot_part_logs", "get_robot_part_history", "update_robot_part", "new_robot_part", "delete_robot_part",
    "mark_part_as_main", "mark_part_for_restart", "create_robot_part_secret", "delete_robot_part_secret",
    "list_robots", "new_robot", "update_robot", "delete_robot",
    # fragments
    "list_fragments", "get_fragment", "create_fragment", "update_fragment", "delete_fragment",
    # roles and permissions
    "add_role", "remove_role", "list_authorizations", "check_permissions",
    # registry modules
    "create_module", "update_module", "upload_module_file", "get_module", "list_modules",
    # API keys
    "create_key", "create_key_from_existing_key_authorizations", "list_keys",
)

HERE = Path(__file__).resolve().parent


def _docs_file():
    candidates = [os.environ.get("VIAM_SHARED_DIR", ""), str(REPO_ROOT.parent / "shared"),
                  os.path.join(os.environ.get("VIAM_REPO_ROOT", ""), os.pardir, "shared")]
    for base in candidates:
        path = Path(base) / "reference" / "viam-app-client-docs.txt"
        if base and path.is_file():
            return path
    return None


def test_list_matches_the_reference_docs():
    path = _docs_file()
    if path is None:
        pytest.skip("shared/reference/viam-app-client-docs.txt is not beside this checkout")
    listed = re.findall(r"^async (?!def )([a-z_]+)\(", path.read_text(encoding="utf-8"), flags=re.M)
    assert sorted(listed) == sorted(DOCUMENTED)


@pytest.mark.parametrize("method", DOCUMENTED)
def test_method_exists_in_installed_sdk(method):
    assert callable(getattr(AppClient, method, None)), "viam-sdk's AppClient has no %s" % method


def test_every_documented_method_is_driven_by_a_test():
    sources = "\n".join(p.read_text(encoding="utf-8") for p in sorted(HERE.glob("test_sdk_*.py"))
                        if p.name != Path(__file__).name)
    missing = [m for m in DOCUMENTED if not re.search(r"\.%s\(" % re.escape(m), sources)]
    assert not missing, "no conformance test calls %s" % ", ".join(missing)
