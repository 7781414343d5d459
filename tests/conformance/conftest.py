"""Shared fixtures of the conformance suite (see README.md beside this file).

- our generated messages, imported from this checkout through the emulator's
  ``viam_emulator.wire`` mapping (no installed collection needed);
- one event loop for the whole session (``run(coro)``), so viam-sdk's grpclib
  channels live as long as the session;
- the emulator, started once as a subprocess on a free loopback port and always
  stopped at the end;
- viam-sdk ``ViamClient``s: the emulator's owner key, plus keys scoped to one
  location (created through the SDK's own ``create_key``);
- our own client (``plugins/module_utils/client.py``) for read-back checks,
  skipped with a clear reason while that file does not exist.
"""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable

import pytest

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from conformance_support import (  # noqa: E402  (conformance_support puts tests/emulator on sys.path)
    OUR_CLIENT_FILE, OUR_CLIENT_MISSING, connect_sdk, scoped_client, unique)

import launcher  # noqa: E402  (tests/emulator/launcher.py, on sys.path through conformance_support)

EMULATOR_START_TIMEOUT = 20.0
CALL_TIMEOUT = 15.0


# --------------------------------------------------------------------------- event loop


@pytest.fixture(scope="session")
def loop():
    event_loop = asyncio.new_event_loop()
    yield event_loop
    # Let grpclib close its transports before the loop goes away.
    event_loop.run_until_complete(asyncio.sleep(0))
    event_loop.close()


# --------------------------------------------------------------------------- emulator


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    """One emulator for the session (tests/emulator/launcher.py), with a call log; stopped at the end."""
    try:
        running = launcher.start(workdir=tmp_path_factory.mktemp("emulator"), call_log=True,
                                 timeout=EMULATOR_START_TIMEOUT)
    except launcher.EmulatorError as err:
        raise RuntimeError(str(err)) from err
    try:
        yield running
    finally:
        running.stop()


# --------------------------------------------------------------------------- running coroutines


@pytest.fixture(scope="session")
def run(loop, emulator) -> Callable[..., Any]:
    """run(coro): the coroutine's result on the session loop, bounded in time.

    An INTERNAL or UNKNOWN status (a bug in an emulator handler) gets the tail of the
    emulator's stderr attached as a note, so the traceback shows in the failure.
    """
    from grpclib.const import Status
    from grpclib.exceptions import GRPCError

    def _run(awaitable: Awaitable, timeout: float = CALL_TIMEOUT) -> Any:
        try:
            return loop.run_until_complete(asyncio.wait_for(awaitable, timeout))
        except GRPCError as err:
            if err.status in (Status.INTERNAL, Status.UNKNOWN):
                err.add_note("emulator stderr (tail):\n" + emulator.stderr_tail())
            raise

    return _run


@pytest.fixture(scope="session")
def expect_status(run):
    """expect_status(coro, Status.NOT_FOUND[, ...]): the call must fail with one of these codes."""
    from grpclib.exceptions import GRPCError

    def _expect(awaitable: Awaitable, *statuses) -> Any:
        wanted = ", ".join(s.name for s in statuses)
        try:
            result = run(awaitable)
        except GRPCError as err:
            assert err.status in statuses, "expected %s, got %s: %s" % (wanted, err.status.name, err.message)
            return err
        pytest.fail("expected %s, but the call succeeded and returned %r" % (wanted, result))

    return _expect


# --------------------------------------------------------------------------- viam-sdk clients


@pytest.fixture(scope="session")
def sdk_clients(run, emulator):
    """connect(key_id, key) -> viam-sdk ViamClient; every client is closed at the end."""
    opened = []

    def connect(key_id: str, key: str):
        client = connect_sdk(run, emulator, key_id, key)
        opened.append(client)
        return client

    yield connect
    for client in opened:
        client.close()


@pytest.fixture(scope="session")
def app(sdk_clients, emulator):
    """viam-sdk's AppClient with the emulator's owner key (organization owner)."""
    return sdk_clients(emulator.api_key_id, emulator.api_key).app_client


@pytest.fixture(scope="session")
def org_id(emulator) -> str:
    return emulator.organization_id


@pytest.fixture
def new_org(run, app):
    """new_org() -> a fresh Organization (SDK create_organization; the creating key owns it), deleted afterwards.

    For state that cannot be undone on the emulator's own organization (a public namespace).
    """
    made = []

    def make():
        org = run(app.create_organization(unique("Conformance Org")))
        made.append(org.id)
        return org

    yield make
    for org_id in made:
        for location in run(app.list_locations(org_id)):
            for robot in run(app.list_robots(location.id)):
                run(app.delete_robot(robot.id))
        run(app.delete_organization(org_id))


class Fleet:
    """A small fleet made through the SDK: two locations, a machine in each."""

    def __init__(self, **kwargs: str) -> None:
        self.__dict__.update(kwargs)


@pytest.fixture(scope="session")
def fleet(run, app, org_id) -> Fleet:
    inside = run(app.create_location(org_id, unique("scope-in")))
    outside = run(app.create_location(org_id, unique("scope-out")))
    robot_in = run(app.new_robot(unique("rover-in"), inside.id))
    robot_out = run(app.new_robot(unique("rover-out"), outside.id))
    part_in = run(app.get_robot_parts(robot_in))[0]
    part_out = run(app.get_robot_parts(robot_out))[0]
    return Fleet(inside=inside.id, outside=outside.id, robot_in=robot_in, robot_out=robot_out,
                 part_in=part_in.id, part_out=part_out.id, part_in_name=part_in.name, part_out_name=part_out.name)


@pytest.fixture(scope="session")
def location_owner(run, app, sdk_clients, org_id, fleet):
    """AppClient of a key that owns fleet.inside and nothing else."""
    return scoped_client(run, app, sdk_clients, org_id, "owner", fleet.inside).app_client


@pytest.fixture(scope="session")
def location_operator(run, app, sdk_clients, org_id, fleet):
    """AppClient of a key that is operator of fleet.inside and nothing else."""
    return scoped_client(run, app, sdk_clients, org_id, "operator", fleet.inside).app_client


# --------------------------------------------------------------------------- our client


@pytest.fixture(scope="session")
def ours(emulator):
    """Our collection's ViamClient on the emulator's owner key (skipped while client.py is missing)."""
    if not OUR_CLIENT_FILE.exists():
        pytest.skip(OUR_CLIENT_MISSING)
    from ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient

    client = ViamClient(app_url="http://%s" % emulator.address, api_key_id=emulator.api_key_id,
                        api_key=emulator.api_key)
    yield client
    close = getattr(client, "close", None)
    if callable(close):
        close()


@pytest.fixture(scope="session")
def to_dict():
    """Our convert.message_to_dict (the one place proto messages become plain data)."""
    from ansible_collections.viam.cloud.plugins.module_utils.convert import message_to_dict

    return message_to_dict
