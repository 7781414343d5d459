# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Part logs and history: requests, paging, entries, a bounded tail, and files on the controller.

fetch_pages(fetch, wanted)
    The paging loop of the SDK's get_robot_part_logs: ``fetch(page_token)``
    returns (items, next_page_token); pages are read until the token is empty
    or ``wanted`` items came (0 = all). A token the server repeats ends it.

logs_request(part_id, ...)
    The fields of a GetRobotPartLogsRequest, only those the task sets
    (``range`` and ``filter`` have presence: an empty one is never sent).

parse_time(value, option) / check_range(value)
    RFC 3339 times and "10m"-style durations, checked before any call.

log_entry_to_dict(entry)
    A common.v1.LogEntry as the module returns it.

tail(iterator, seconds)
    What a server stream sends within ``seconds``: read in a thread, so a
    stream that sends nothing can never hold the task longer.

write_file(module, path, content)
    A file written only when its content differs, atomically, mode 0600.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import re
import stat
import tempfile
import threading
import time
import typing as t

from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict

LOG_LEVELS = ("debug", "info", "warn", "error")
LOG_ORDERS = {"ascending": "LOG_ORDER_ASCENDING", "descending": "LOG_ORDER_DESCENDING"}
FILE_MODE = 0o600

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$")
# Go durations as app's `range` takes them ("10m", "1h30m"), plus days ("10d").
_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d))+$")


class LogsInputError(ValueError):
    """An option value the module rejects before any call."""


def parse_time(value: str, option: str) -> datetime.datetime:
    """An RFC 3339 time ("2026-11-25T15:00:00Z", "...+02:00") as an aware UTC datetime."""
    match = _RFC3339.match((value or "").strip())
    if not match:
        raise LogsInputError("%s %r is not an RFC 3339 time such as 2026-11-25T15:00:00Z" % (option, value))
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    micro = int((match.group(7) or "0")[:6].ljust(6, "0"))
    if match.group(8):
        zone = datetime.timezone.utc
    else:
        offset = datetime.timedelta(hours=int(match.group(10)), minutes=int(match.group(11)))
        zone = datetime.timezone(offset if match.group(9) == "+" else -offset)
    try:
        moment = datetime.datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
    except ValueError as exc:
        raise LogsInputError("%s %r is not a valid time: %s" % (option, value, exc))
    return moment.astimezone(datetime.timezone.utc)


def check_range(value: str) -> str:
    """A duration such as "10m", "2h" or "10d"; an empty one is rejected (app rejects it too)."""
    text = (value or "").strip()
    if not _DURATION.match(text):
        raise LogsInputError("range %r is not a duration such as \"10m\", \"2h\" or \"10d\"" % value)
    return text


def wanted_levels(levels: t.Optional[t.Sequence[str]], errors_only: bool) -> t.List[str]:
    """The levels to ask for: the given ones (lowercase, once each), or ["error"] for errors_only."""
    if errors_only:
        return ["error"]
    chosen: t.List[str] = []
    for level in levels or ():
        level = level.lower()
        if level not in LOG_LEVELS:
            raise LogsInputError("level %r is not one of %s" % (level, ", ".join(LOG_LEVELS)))
        if level not in chosen:
            chosen.append(level)
    return chosen


def logs_request(part_id: str, filter_text: t.Optional[str] = None, errors_only: bool = False,
                 levels: t.Optional[t.Sequence[str]] = None, start: t.Optional[datetime.datetime] = None,
                 end: t.Optional[datetime.datetime] = None, range_text: t.Optional[str] = None,
                 order: t.Optional[str] = None) -> t.Dict[str, t.Any]:
    """The fields of GetRobotPartLogsRequest (without page_token), only those that are set."""
    fields: t.Dict[str, t.Any] = dict(id=part_id, errors_only=bool(errors_only))
    chosen = wanted_levels(levels, errors_only)
    if chosen:
        fields["levels"] = chosen
    if filter_text:
        fields["filter"] = filter_text
    if start is not None and end is not None and start > end:
        raise LogsInputError("start %s is after end %s" % (format_time(start), format_time(end)))
    if start is not None:
        fields["start"] = start
    if end is not None:
        fields["end"] = end
    if range_text is not None:
        fields["range"] = check_range(range_text)
    if order is not None:
        if order not in LOG_ORDERS:
            raise LogsInputError("order %r is not one of %s" % (order, ", ".join(sorted(LOG_ORDERS))))
        fields["order"] = LOG_ORDERS[order]
    return fields


def format_time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")


def fetch_pages(fetch: t.Callable[[str], t.Tuple[t.Sequence[t.Any], str]], wanted: int) -> t.List[t.Any]:
    """Items from page after page until the last page or ``wanted`` of them (0 = every page)."""
    if wanted < 0:
        raise LogsInputError("the number of entries must not be negative, got %d" % wanted)
    items: t.List[t.Any] = []
    token = ""
    seen = set()
    while True:
        page, token = fetch(token)
        items.extend(page)
        if wanted and len(items) >= wanted:
            return items[:wanted]
        if not token or token in seen:
            return items
        seen.add(token)


def log_entry_to_dict(entry: t.Any) -> t.Dict[str, t.Any]:
    """time (RFC 3339), level, logger_name, message, caller, fields, host and stack of a LogEntry."""
    data = message_to_dict(entry) or {}
    return dict(
        time=data.get("time") or "",
        level=data.get("level") or "",
        logger_name=data.get("logger_name") or "",
        message=data.get("message") or "",
        caller=data.get("caller") or {},
        fields=data.get("fields") or [],
        host=data.get("host") or "",
        stack=data.get("stack") or "",
    )


def json_lines(entries: t.Iterable[t.Dict[str, t.Any]]) -> str:
    """One JSON object per line (keys sorted), as the file O(dest) holds."""
    return "".join(json.dumps(entry, sort_keys=True) + "\n" for entry in entries)


def tail(messages: t.Iterator[t.Any], seconds: float, clock: t.Callable[[], float] = time.monotonic) -> t.List[t.Any]:
    """The messages a stream sends within ``seconds``.

    The stream is read in a daemon thread: when the time is up the caller gets
    what came, however the stream behaves (closing the client then cancels it).
    The stream ends early at its end or at the first message without logs (as
    the SDK does). An error raised by the stream before the time is up is
    raised here; one raised after is ignored.
    """
    got: t.List[t.Any] = []
    lock = threading.Lock()
    done = threading.Event()
    failure: t.List[BaseException] = []

    def reader():
        try:
            for message in messages:
                if not getattr(message, "logs", None):
                    break
                with lock:
                    if done.is_set():
                        return
                    got.append(message)
        except Exception as exc:  # pylint: disable=broad-except
            with lock:
                if not done.is_set():
                    failure.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=reader, name="viam-tail")
    worker.daemon = True
    worker.start()
    deadline = clock() + seconds
    while not done.is_set():
        left = deadline - clock()
        if left <= 0:
            break
        done.wait(min(left, 0.2))
    with lock:
        done.set()
        if failure:
            raise failure[0]
        return list(got)


# ---------------------------------------------------------------- files on the controller

def read_text(path: str) -> t.Optional[str]:
    """The file's text, or None when it does not exist.

    Never through a symbolic link and never from anything but a regular file: the text
    goes into --diff, and a link to another file (say a 0600 key) would print that file.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if os.path.islink(path):
            raise LogsInputError(_LINK_REFUSED % (path, os.readlink(path)))
        raise LogsInputError("cannot read %r: %s" % (path, exc.strerror or exc))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise LogsInputError("%r is not a regular file; give the path of a regular file" % path)
        return handle.read().decode("utf-8", errors="replace")


_LINK_REFUSED = ("%r is a symbolic link (to %r): the module writes only regular files, and never reads or shows "
                 "what a link points to. Give the path of the file itself, or remove the link")


def check_dest(path: str, option: str) -> str:
    """The absolute path; LogsInputError when it is a directory, a symbolic link or its directory is missing."""
    if not path or not path.strip():
        raise LogsInputError("%s must not be empty" % option)
    full = os.path.abspath(os.path.expanduser(path))
    if os.path.islink(full):
        raise LogsInputError("%s %s" % (option, _LINK_REFUSED % (path, os.readlink(full))))
    if os.path.isdir(full):
        raise LogsInputError("%s %r is a directory; give the path of a file" % (option, path))
    if os.path.lexists(full) and not os.path.isfile(full):
        raise LogsInputError("%s %r is not a regular file; give the path of a regular file" % (option, path))
    parent = os.path.dirname(full)
    if not os.path.isdir(parent):
        raise LogsInputError("%s %r: directory %r does not exist" % (option, path, parent))
    return full


def write_file(module, path: str, content: str) -> t.Tuple[bool, t.Dict[str, t.Any]]:
    """(changed, diff) for ``path`` holding ``content`` with mode 0600; nothing is written in check mode.

    LogsInputError when ``path`` is (or has become) a symbolic link or not a regular file.

    The content goes to a temporary file in the same directory, moved in place
    with module.atomic_move. A new file is created empty with mode 0600 first,
    so the configs and logs it holds are never readable by others.
    """
    before = read_text(path)
    content_changed = before != content
    mode_changed = before is not None and (os.lstat(path).st_mode & 0o7777) != FILE_MODE
    diff = dict(before_header=path, after_header=path, before=before or "", after=content)
    if module.check_mode or not (content_changed or mode_changed):
        return content_changed or mode_changed, diff
    if content_changed:
        if before is None:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
        handle, temp = tempfile.mkstemp(prefix=".viam-", dir=os.path.dirname(path))
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content.encode("utf-8"))
            os.chmod(temp, FILE_MODE)
            module.atomic_move(temp, path)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
    if (os.lstat(path).st_mode & 0o7777) != FILE_MODE:
        os.chmod(path, FILE_MODE)
    return True, diff
