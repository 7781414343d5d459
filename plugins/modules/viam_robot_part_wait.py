#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_robot_part_wait
short_description: Wait until a Viam machine part is online, and check its logs since a moment
version_added: 0.2.0
description:
  - Reads the part (C(GetRobotPart)) every O(sleep) seconds until the Viam app sees it online, having called in
    after O(since) (for example the moment its cloud config was written or its service restarted), or until
    O(wait_timeout) seconds have passed.
  - Then reads the part's error log entries since O(since) (C(GetRobotPartLogs)) and fails when there are any,
    unless O(fail_on_errors=false).
  - A part that does not come online fails with what the app last saw of it and what to check on the device.
  - The part is found by O(part) (its name or ID) within its machine (O(robot)), or by its ID alone.
    Without O(part), the machine's main part.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
  - viam.cloud.viam.part_reference
options:
  since:
    description:
      - An RFC 3339 time, such as C(2026-11-25T15:00:00Z). The part must have called the app after it, and only
        log entries after it count.
      - Omitted, any moment counts (the part need only be online) and the errors of the last O(wait_timeout) seconds
        count.
    type: str
  wait_timeout:
    description:
      - How many seconds to wait at most. (O(timeout) is the deadline of each API call, as in every module.)
    type: int
    default: 120
  sleep:
    description:
      - Seconds between two reads of the part.
    type: float
    default: 2
  fail_on_errors:
    description:
      - Fail when the part logged entries of level C(error) since O(since).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    details:
      - In check mode the part is read once and its state reported; the task neither waits nor fails on it,
        because the change it would wait for (a config written, a service restarted) was not made.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: all
    details: The module runs where Ansible runs it, usually the controller, and only talks to the Viam API.
notes:
  - The Viam app decides when a part counts as online from the device's own calls (config, logs, restart polls).
    How long after its last call a part stops counting as online is not documented; see the collection's
    C(docs/api-assumptions.md).
seealso:
  - module: viam.cloud.viam_robot_part_logs
  - module: viam.cloud.viam_robot_part_info
"""

EXAMPLES = r"""
- name: Note the moment the config changes
  ansible.builtin.set_fact:
    config_written_at: "{{ now(utc=true).strftime('%Y-%m-%dT%H:%M:%SZ') }}"

- name: Wait until rover-1 runs with its new config, without errors
  viam.cloud.viam_robot_part_wait:
    robot: rover-1
    location: lab
    since: "{{ config_written_at }}"
    wait_timeout: 180
  delegate_to: localhost
"""

RETURN = r"""
part:
  description: The part as the app sees it at the end, without its secrets.
  returned: success
  type: dict
  contains:
    id:
      description: Part ID.
      type: str
    name:
      description: Part name.
      type: str
    online_state:
      description: The app's online state of the part.
      type: str
      sample: ONLINE_STATE_ONLINE
    last_access:
      description: When the device last called the app (RFC 3339).
      type: str
      sample: "2026-11-25T15:13:20Z"
online:
  description: Whether the part was online, having called after O(since), when the task ended.
  returned: success
  type: bool
waited:
  description: Seconds the task waited.
  returned: success
  type: float
  sample: 4.2
errors:
  description: The part's log entries of level C(error) since O(since) (at most 20, newest first).
  returned: success
  type: list
  elements: dict
  sample: [{"time": "2026-11-25T15:13:20Z", "level": "error", "logger_name": "rdk", "message": "camera cam: broken"}]
"""

import datetime
import time

from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule
from ansible_collections.viam.cloud.plugins.module_utils.part_logs import (
    LogsInputError, format_time, log_entry_to_dict, logs_request, parse_time)
from ansible_collections.viam.cloud.plugins.module_utils.services import parts as views

# OnlineState of app.proto: what GetRobotPart says of a part the app currently sees.
ONLINE = 1
# How many error entries the result and the failure message carry.
ERRORS_SHOWN = 20


def _moment(stamp):
    """A protobuf Timestamp as an aware UTC datetime, or None when unset."""
    if stamp is None or not (stamp.seconds or stamp.nanos):
        return None
    return datetime.datetime.fromtimestamp(stamp.seconds + stamp.nanos / 1e9, datetime.timezone.utc)


class RobotPartWaitModule(ViamModule):
    reuses_reads = False  # it watches the part: every read of a loop item is fresh (read_cache.py)

    argument_spec = dict(
        part=dict(type="str"),
        robot=dict(type="str"),
        location=dict(type="str"),
        since=dict(type="str"),
        wait_timeout=dict(type="int", default=120),
        sleep=dict(type="float", default=2),
        fail_on_errors=dict(type="bool", default=True),
    )
    module_kwargs = dict(required_one_of=[("part", "robot")])

    def execute(self):
        params = self.params
        for option in ("part", "robot", "location"):
            value = params[option]
            if value is not None and not value.strip():
                self.fail("%s must not be empty" % option)
        if params["location"] and not params["robot"]:
            self.fail("location is only used to find the machine: give robot as well")
        if params["wait_timeout"] < 0:
            self.fail("wait_timeout must be 0 or more seconds, got %d" % params["wait_timeout"])
        if not 0 < params["sleep"] <= 60:
            self.fail("sleep must be more than 0 and at most 60 seconds, got %s" % params["sleep"])
        since = None
        if params["since"] is not None:
            try:
                since = parse_time(params["since"], "since")
            except LogsInputError as exc:
                self.fail(str(exc))
        # The part as found (GetRobotPart or GetRobotParts) is the first reading: no extra call when it is online.
        seen = self.services.parts.resolve(params["part"], params["robot"], params["location"])
        started = time.monotonic()
        online = self.online_after(seen, since)
        while not online and not self.check_mode and time.monotonic() - started < params["wait_timeout"]:
            time.sleep(min(params["sleep"], max(0.0, params["wait_timeout"] - (time.monotonic() - started))))
            seen = self.services.parts.read(seen.id, seen.name).part
            online = self.online_after(seen, since)
        waited = round(time.monotonic() - started, 1)
        errors_since = since or datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(
            seconds=max(params["wait_timeout"], 60))
        errors = self.errors_since(seen, errors_since)
        returned = dict(part=views.view(seen), online=online, waited=waited, errors=errors)
        if self.check_mode:
            return self.result(False, **returned)
        label = "part %r (id %s)" % (seen.name, seen.id)
        if not online:
            self.fail("%s did not come online%s within %d s: %s. On the device, check that viam-server runs, that "
                      "its cloud config (cloud.id %s with its secret or API key, cloud.app_address) is this part's, "
                      "and that it reaches the Viam app%s"
                      % (label, " after %s" % format_time(since) if since else "", params["wait_timeout"],
                         self.last_seen(seen, since), seen.id, self.errors_text(errors)), **returned)
        if errors and params["fail_on_errors"]:
            self.fail("%s is online but logged %d error(s) since %s%s"
                      % (label, len(errors), format_time(errors_since), self.errors_text(errors)), **returned)
        return self.result(False, **returned)

    @staticmethod
    def online_after(part, since):
        """Whether the app counts ``part`` as online, having called after ``since``."""
        last = _moment(part.last_access)
        return part.online_state == ONLINE and (since is None or (last is not None and last >= since))

    @staticmethod
    def last_seen(part, since):
        last = _moment(part.last_access)
        if last is None:
            return "the app has never seen it"
        if since is not None and last < since:
            return "the app last saw it at %s, before %s" % (format_time(last), format_time(since))
        return "the app last saw it at %s, and counts it as offline now" % format_time(last)

    def errors_since(self, part, since):
        request = logs_request(part.id, levels=["error"], start=since)
        response = self.client.get_robot_part_logs(resource="logs of part %r" % part.name, **request)
        return [log_entry_to_dict(entry) for entry in list(response.logs)[:ERRORS_SHOWN]]

    @staticmethod
    def errors_text(errors):
        if not errors:
            return ""
        shown = "; ".join("%s %s" % (e["time"], e["message"]) for e in errors[:3])
        more = " (and %d more in the result's errors)" % (len(errors) - 3) if len(errors) > 3 else ""
        return ". Its latest errors: %s%s" % (shown, more)


def main():
    RobotPartWaitModule().run()


if __name__ == "__main__":
    main()
