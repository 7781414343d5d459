# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The entries of the authorizations option (a list of roles) that
    # viam_api_key and viam_organization_invite share. Ansible merges a
    # fragment's option with the module's key by key, so each module keeps its
    # own description, type and elements and gets these suboptions from here.
    DOCUMENTATION = r"""
options:
  authorizations:
    suboptions:
      role:
        description:
          - V(owner) may change what the role covers. V(operator) may use and monitor it, but not change its
            configuration.
        type: str
        required: true
        choices: [owner, operator]
      resource_type:
        description:
          - What the role covers. A role on a location covers its sub-locations and their machines.
        type: str
        required: true
        choices: [organization, location, robot]
      resource:
        description:
          - The location or machine, by name or ID, as in M(viam.cloud.viam_role).
          - A machine is given by ID, or by name, looked up in O(authorizations[].location) when it is given,
            otherwise in the whole organization.
          - For V(organization), it defaults to the organization of the task.
        type: str
      location:
        description:
          - Name or ID of the location of the machine named by O(authorizations[].resource).
        type: str
"""
