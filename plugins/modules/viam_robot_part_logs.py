#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: viam_robot_part_logs
short_description: Read the logs of a Viam machine part, and follow them for a while
version_added: 0.1.0
description:
  - Returns the log entries of a machine part, newest first unless O(order) says otherwise, filtered by text,
    level and time.
  - Reads page after page until O(num_log_entries) entries came, like the Viam SDK's C(get_robot_part_logs).
  - With O(follow_seconds), also follows the live log stream of the part (C(TailRobotPartLogs)) for at most that
    many seconds and returns what it sent in RV(tail). The task never waits longer than that.
  - With O(dest), also writes the entries to a file as JSON lines.
  - The part is found by O(part) (its name or ID) within its machine (O(robot)), or by its ID alone.
    Without O(part), the machine's main part.
author:
  - viam.cloud contributors (@viam-cloud)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - viam.cloud.viam
  - viam.cloud.viam.part_reference
options:
  filter:
    description:
      - Only entries whose message contains this text.
    type: str
  errors_only:
    description:
      - Only entries of level C(error). The same as O(levels=[error]).
      - The default differs from the Viam SDK, whose C(get_robot_part_logs) and C(tail_robot_part_logs) return
        only errors unless told otherwise. Here every level is returned unless O(errors_only) or O(levels) says
        otherwise.
    type: bool
    default: false
  levels:
    description:
      - Only entries of these levels. An empty list means every level.
    type: list
    elements: str
    choices: [debug, info, warn, error]
  num_log_entries:
    description:
      - How many entries to return at most. V(0) returns every entry that matches, however many pages that takes.
    type: int
    default: 100
  start:
    description:
      - Only entries at or after this time (RFC 3339, for example V(2026-11-25T15:00:00Z)).
    type: str
  end:
    description:
      - Only entries at or before this time (RFC 3339).
    type: str
  range:
    description:
      - Only entries of this recent period, a duration such as V(10m), V(2h) or V(10d). Cannot be used with O(start).
    type: str
  order:
    description:
      - The order of RV(logs). The API returns the newest entries first when not told.
      - With V(ascending) and O(num_log_entries), the oldest matching entries are returned.
    type: str
    choices: [ascending, descending]
  follow_seconds:
    description:
      - Follow the live log stream for at most this many seconds and return what came in RV(tail).
        V(0) does not follow.
      - The stream honours O(filter) and O(errors_only); O(levels) is applied to what it sends.
        O(start), O(end), O(range), O(order) and O(num_log_entries) do not apply to it.
    type: int
    default: 0
  dest:
    description:
      - Path of a file on the host the module runs on (usually the controller) to write the entries to,
        RV(logs) then RV(tail), one JSON object per line.
      - The file is written only when its content differs (the task is then changed) and always has mode C(0600).
        Its directory must exist.
      - It must not be a symbolic link or anything but a regular file. The module refuses it, so that neither the
        write nor the diff of the old content ever reaches the file a link points to.
    type: path
attributes:
  check_mode:
    support: full
    details: Logs are read in check mode too; O(dest) is not written, and the task says whether it would be.
  diff_mode:
    support: full
    details: Shows the change to the O(dest) file.
  platform:
    support: full
    platforms: all
    details: The module runs where Ansible runs it, usually the controller, and only talks to the Viam API.
notes:
  - A read module. The task is changed only when O(dest) was (or, in check mode, would be) written.
seealso:
  - module: viam.cloud.viam_robot_part_info
  - module: viam.cloud.viam_robot_part
"""

EXAMPLES = r"""
- name: The last 20 errors of a machine's main part
  viam.cloud.viam_robot_part_logs:
    robot: rover-7
    location: lab
    errors_only: true
    num_log_entries: 20
  register: rover_errors

- name: Every warning and error of the last hour about the camera, oldest first, saved as JSON lines
  viam.cloud.viam_robot_part_logs:
    robot: rover-7
    part: rover-7-main
    levels: [warn, error]
    filter: camera
    range: 1h
    order: ascending
    num_log_entries: 0
    dest: /tmp/rover-7-camera.jsonl

- name: Watch a part's logs for 30 seconds after a restart
  viam.cloud.viam_robot_part_logs:
    part: 0d7a4c1e-2f3b-4d5e-8a9b-1c2d3e4f5a6b
    num_log_entries: 0
    start: "2026-11-25T15:00:00Z"
    end: "2026-11-25T16:00:00Z"
    follow_seconds: 30
  register: watched

- name: Show them
  ansible.builtin.debug:
    msg: "{{ item.time }} {{ item.level }} {{ item.logger_name }}: {{ item.message }}"
  loop: "{{ watched.logs + watched.tail }}"
"""

RETURN = r"""
logs:
  description: The entries read, newest first unless O(order=ascending).
  returned: always
  type: list
  elements: dict
  contains:
    time:
      description: When the entry was logged (RFC 3339, UTC).
      type: str
      sample: "2026-11-25T15:13:20.123456Z"
    level:
      description: The level, such as V(info) or V(error).
      type: str
      sample: error
    logger_name:
      description: The logger that wrote the entry.
      type: str
      sample: rdk.resource_manager
    message:
      description: The message.
      type: str
      sample: error building resource
    caller:
      description: Where in the code the entry was written (C(File), C(Line)).
      type: dict
      sample: {"Defined": true, "File": "robot/impl/resource_manager.go", "Line": 642}
    fields:
      description: The structured fields of the entry, one dict each.
      type: list
      elements: dict
      sample: [{"resource": "rdk:component:camera/camera-1", "error": "no video device found at /dev/video0"}]
    host:
      description: The host that sent the entry.
      type: str
      sample: rover-7-main.ab1c2d3e45.viam.cloud
    stack:
      description: The stack trace, when there is one.
      type: str
      sample: ""
tail:
  description: The entries the live stream sent within O(follow_seconds), in the order they came, shaped as RV(logs).
  returned: always
  type: list
  elements: dict
  sample: []
part:
  description: The part whose logs these are.
  returned: always
  type: dict
  contains:
    id:
      description: ID of the part.
      type: str
      sample: 0d7a4c1e-2f3b-4d5e-8a9b-1c2d3e4f5a6b
    name:
      description: Name of the part.
      type: str
      sample: rover-7-main
    robot:
      description: ID of the machine.
      type: str
      sample: 6f0e5c1a-8d4b-4c1e-9f3a-2b7d9e4a1c55
dest:
  description: The absolute path of O(dest).
  returned: when O(dest) is given
  type: str
  sample: /tmp/rover-7-camera.jsonl
"""

from ansible_collections.viam.cloud.plugins.module_utils.module import ViamModule
from ansible_collections.viam.cloud.plugins.module_utils.part_logs import (
    LOG_LEVELS,
    LogsInputError,
    check_dest,
    fetch_pages,
    json_lines,
    log_entry_to_dict,
    logs_request,
    parse_time,
    tail,
    write_file,
)

# Seconds on top of follow_seconds for the stream's own gRPC deadline: the tail ends at
# follow_seconds in any case; the deadline only makes sure the call does not outlive the task.
TAIL_DEADLINE_MARGIN = 5


class RobotPartLogsModule(ViamModule):
    reuses_reads = False  # it watches the part: every read of a loop item is fresh (read_cache.py)

    argument_spec = dict(
        part=dict(type="str"),
        robot=dict(type="str"),
        location=dict(type="str"),
        filter=dict(type="str"),
        errors_only=dict(type="bool", default=False),
        levels=dict(type="list", elements="str", choices=list(LOG_LEVELS)),
        num_log_entries=dict(type="int", default=100),
        start=dict(type="str"),
        end=dict(type="str"),
        range=dict(type="str"),
        order=dict(type="str", choices=["ascending", "descending"]),
        follow_seconds=dict(type="int", default=0),
        dest=dict(type="path"),
    )
    module_kwargs = dict(
        required_one_of=[("part", "robot")],
        mutually_exclusive=[("errors_only", "levels"), ("range", "start")],
    )

    def execute(self):
        params = self.params
        for option in ("part", "robot", "location", "dest"):
            value = params[option]
            if value is not None and not value.strip():
                self.fail("%s must not be empty" % option)
        if params["filter"] is not None and not params["filter"]:
            self.fail("filter must not be empty: leave it out to read every entry")
        if params["num_log_entries"] < 0:
            self.fail("num_log_entries must be 0 (every entry) or more, got %d" % params["num_log_entries"])
        if params["follow_seconds"] < 0:
            self.fail("follow_seconds must be 0 (do not follow) or more, got %d" % params["follow_seconds"])
        if params["location"] and not params["robot"]:
            self.fail("location is only used to find the machine: give robot as well")
        if params["errors_only"] and params["levels"]:
            self.fail("errors_only and levels are mutually exclusive: errors_only is levels [error]")
        try:
            start = parse_time(params["start"], "start") if params["start"] is not None else None
            end = parse_time(params["end"], "end") if params["end"] is not None else None
            request = logs_request("", params["filter"], params["errors_only"], params["levels"], start, end,
                                   params["range"], params["order"])
            dest = check_dest(params["dest"], "dest") if params["dest"] is not None else None
        except LogsInputError as exc:
            self.fail(str(exc))

        part = self.find_part()
        request["id"] = part.id
        label = "logs of part %r" % part.name

        def fetch(token):
            fields = dict(request)
            if token:
                fields["page_token"] = token
            response = self.client.get_robot_part_logs(resource=label, **fields)
            return list(response.logs), response.next_page_token

        logs = [log_entry_to_dict(e) for e in fetch_pages(fetch, params["num_log_entries"])]
        tailed = self.follow(part, request) if params["follow_seconds"] else []

        returned = dict(logs=logs, tail=tailed, part=dict(id=part.id, name=part.name, robot=part.robot))
        if dest is None:
            return self.result(False, **returned)
        try:
            changed, diff = write_file(self.module, dest, json_lines(logs + tailed))
        except LogsInputError as exc:
            self.fail(str(exc))
        return self.result(changed, diff=diff, dest=dest, **returned)

    def find_part(self):
        return self.services.parts.resolve(self.params["part"], self.params["robot"], self.params["location"])

    def follow(self, part, request):
        """What TailRobotPartLogs sends within follow_seconds, as entry dicts."""
        seconds = self.params["follow_seconds"]
        fields = dict(id=part.id, errors_only=bool(self.params["errors_only"]))
        if "filter" in request:
            fields["filter"] = request["filter"]
        stream = self.client.tail_robot_part_logs(resource="live logs of part %r" % part.name,
                                                  timeout=seconds + TAIL_DEADLINE_MARGIN, **fields)
        levels = set(request.get("levels") or ())
        entries = []
        for message in tail(stream, seconds):
            for entry in message.logs:
                if levels and entry.level.lower() not in levels:
                    continue
                entries.append(log_entry_to_dict(entry))
        return entries


def main():
    RobotPartLogsModule().run()


if __name__ == "__main__":
    main()
