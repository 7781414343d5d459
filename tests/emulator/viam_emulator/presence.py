"""Online state derived from what devices do: a part is online while it keeps calling RobotService.

The real app publishes no threshold (docs/api-assumptions.md §9): a viam-server
calls Config every 10 s and NeedsRestart every 5 s, so a part that made no RobotService call for
`window` seconds (default 30, `--online-window`) is offline. A part no device ever talked to (since
this emulator started) keeps the state stored on it (OFFLINE for a new part, whatever
`--seed-fleet` gave it), so tests that rely on seeded states see no change.

The record is kept in memory, per process: it is a fact about live connections, not about the
stored fleet, and a restarted emulator has no connected device. Each check-in also stores
`last_access` on the part (handlers/device.py), so a restarted emulator with `--db` shows the part
offline since its last call.

Rendering (parts.render_part, robots.render_robot, robots.part_summary) asks this module for the
state, so every read RPC (GetRobotPart, GetRobotParts, GetRobot, ListRobots, ListMachineSummaries...)
sees the same derived values.
"""
from __future__ import annotations

import argparse
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

DEFAULT_WINDOW_SECONDS = 30.0
# What NeedsRestart answers as restart_check_interval. The real value is not public; viam-server
# uses 5 s whenever the answer is under 1 s (rdk web/server/restart_checker.go), so 5 s is the
# cadence a device shows either way.
DEFAULT_RESTART_CHECK_SECONDS = 5.0


@dataclass
class DeviceOptions:
    """Emulator options of the device side (set by the command line's --online-window and
    --restart-check-interval, or directly by in-process tests)."""

    online_window: float = DEFAULT_WINDOW_SECONDS
    restart_check_interval: float = DEFAULT_RESTART_CHECK_SECONDS


OPTIONS = DeviceOptions()


class SetOption(argparse.Action):
    """An argparse action that stores a positive number into OPTIONS (the attribute is the dest).

    __main__.py's start-up code is not this module's: the option lines there use this action, so
    the value reaches the device side without any other change to the start-up."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: Optional[str] = None) -> None:
        try:
            number = float(values)
        except (TypeError, ValueError):
            parser.error("%s takes a number of seconds" % option_string)
        if number <= 0:
            parser.error("%s must be positive" % option_string)
        setattr(OPTIONS, self.dest, number)
        setattr(namespace, self.dest, number)


@dataclass
class _Seen:
    robot_id: str
    last_micros: int


@dataclass
class Presence:
    """part ID -> its machine and the time (microseconds since the epoch) of its last RobotService call."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _parts: Dict[str, _Seen] = field(default_factory=dict)

    def check_in(self, part_id: str, robot_id: str, at_micros: int) -> None:
        with self._lock:
            self._parts[part_id] = _Seen(robot_id, at_micros)

    def forget(self, part_id: str) -> None:
        with self._lock:
            self._parts.pop(part_id, None)

    def last_seen(self, part_id: str) -> Optional[int]:
        with self._lock:
            seen = self._parts.get(part_id)
            return seen.last_micros if seen else None

    def robot_last_seen(self, robot_id: str) -> Optional[int]:
        """The latest call of any part of the machine, or None if no device of it ever called."""
        with self._lock:
            times = [s.last_micros for s in self._parts.values() if s.robot_id == robot_id]
        return max(times) if times else None


PRESENCE = Presence()


def online(last_micros: int, at_micros: int) -> bool:
    return at_micros - last_micros < OPTIONS.online_window * 1_000_000


def derived(last_micros: Optional[int], at_micros: int) -> Optional[Tuple[bool, int]]:
    """(online?, last access) for a part or machine a device talked to; None keeps the stored state."""
    if last_micros is None:
        return None
    return online(last_micros, at_micros), last_micros


def part_state(part_id: str, at_micros: int) -> Optional[Tuple[bool, int]]:
    return derived(PRESENCE.last_seen(part_id), at_micros)


def robot_state(robot_id: str, at_micros: int) -> Optional[Tuple[bool, int]]:
    """A machine is online while any of its parts is (the machine list shows one state per machine)."""
    return derived(PRESENCE.robot_last_seen(robot_id), at_micros)
