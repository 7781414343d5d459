# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run independent calls in a thread pool, stopping at the first failure.

    results, failures, stopped = run_parallel(tasks, workers, on_success=applied.append)

``tasks`` is a list of (label, callable). The first exception stops the tasks not yet started
(those already running finish). Exceptions of the ``stop_on`` types (such as CreateRaced) are
returned in ``stopped`` as they are; any other becomes a failure (label, ViamError), a bug
included, so the caller can still say what was done before it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import typing as t

from ansible_collections.viam.cloud.plugins.module_utils.errors import ViamError

Task = t.Tuple[str, t.Callable[[], t.Any]]


def run_parallel(tasks: t.Sequence[Task], workers: int, on_success: t.Optional[t.Callable[[str], None]] = None,
                 stop_on: t.Tuple[type, ...] = ()) -> t.Tuple[list, t.List[t.Tuple[str, ViamError]], list]:
    """([result per task, None when not run or failed], [(label, ViamError)], [stop_on exceptions]).

    ``on_success(label)`` is called (under a lock) after each task that succeeded.
    With one task or one worker, the tasks run one after the other in this thread.
    """
    results: t.List[t.Any] = [None] * len(tasks)
    failures: t.List[t.Tuple[str, ViamError]] = []
    stopped: t.List[BaseException] = []
    stop = threading.Event()
    lock = threading.Lock()

    def run(index: int) -> None:
        if stop.is_set():
            return
        label, work = tasks[index]
        try:
            results[index] = work()
        except Exception as err:  # a bug too: report what was done before it
            stop.set()
            with lock:
                if stop_on and isinstance(err, stop_on):
                    stopped.append(err)
                    return
                if not isinstance(err, ViamError):
                    err = ViamError(summary="unexpected %s: %s" % (type(err).__name__, err))
                failures.append((label, err))
            return
        if on_success is not None:
            with lock:
                on_success(label)

    if len(tasks) <= 1 or workers == 1:
        for index in range(len(tasks)):
            run(index)
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
            list(pool.map(run, range(len(tasks))))
    return results, failures, stopped
