# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""viam.cloud.viam_robot_part_wait in the controller's worker when the task runs on the controller (plugins/plugin_utils/in_process.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.viam.cloud.plugins.plugin_utils.in_process import ViamInProcessAction


class ActionModule(ViamInProcessAction):
    """Runs the module viam.cloud.viam_robot_part_wait; in this worker when the task runs on the controller."""
