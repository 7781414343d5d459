# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's one thread pool, in two shapes.

    results, failures, stopped = run_parallel(tasks, workers, on_success=applied.append)

``tasks`` is a list of (label, callable). The first exception stops the tasks not yet started
(those already running finish). Exceptions of the ``stop_on`` types (such as CreateRaced) are
returned in ``stopped`` as they are; any other becomes a failure (label, ViamError), a bug
included, so the caller can still say what was done before it. For writes (viam_fleet).

    results = map_parallel(func, items, workers)

``func`` over every item, results in the items' order; every item runs even when one fails, then
the first failure (in the items' order) is raised as it was. For reads whose every answer is
kept and whose expected refusals ``func`` turns into values itself (the inventory plugin).

    background_result, foreground_result = run_alongside(background, foreground)

``background`` in a worker thread while ``foreground`` runs in this one (a call overlapped with
work that stays in the calling thread: the inventory plugin builds its host records there, where
it later frees them, while one call learns the FQDN domain).
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


def map_parallel(func: t.Callable[[t.Any], t.Any], items: t.Iterable[t.Any], workers: int) -> list:
    """[func(item) for item in items], up to ``workers`` at a time; the first exception raised after all ran.

    Every item runs, so that a caller that bounds its calls elsewhere (a semaphore around each call) may nest
    map_parallel in ``func``: a thread waiting for its own pool holds no call slot. With one item or one
    worker, the items run one after the other in this thread.
    """
    items = list(items)
    if len(items) <= 1 or workers <= 1:
        results = []
        first: t.Optional[BaseException] = None
        for item in items:
            try:
                results.append(func(item))
            except Exception as err:  # every item runs, as in the pool below
                results.append(None)
                first = first or err
        if first is not None:
            raise first
        return results
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        futures = [pool.submit(func, item) for item in items]
    # Leaving the pool waited for every future: the first failure in the items' order wins.
    return [future.result() for future in futures]


def run_alongside(background: t.Callable[[], t.Any], foreground: t.Callable[[], t.Any]) -> t.Tuple[t.Any, t.Any]:
    """(background(), foreground()), the first in a worker thread while the second runs in this thread.

    Both run to the end; then foreground's exception, if any, else background's, is raised as it was.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(background)
        here = foreground()
    # Leaving the pool waited for the background call, also when foreground raised: nothing runs behind.
    return future.result(), here
