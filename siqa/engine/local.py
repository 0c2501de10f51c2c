"""The local engine: sessions run in a process pool, results come back in task order.

Ordered results make outputs identical whatever `--jobs` is; the in-flight window (a few tasks per worker)
bounds memory, since at most that many sessions' results wait to be written.

A worker that dies (killed, out of memory, a crash in native code) breaks the whole pool, and every session in
flight loses its result. Those sessions run again one at a time in a one-worker pool, so the one that kills its
worker is known: when it does so on every try it becomes an SQ003 finding, and the others' results are as if
nothing had happened. Workers never outlive the audit (`lifeline`): an interrupted audit stops them at once, and
one that is killed leaves no process behind.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from typing import TypeVar

from siqa.dataset.decode import DEFERRED_IMPORTS
from siqa.dataset.units import Session
from siqa.engine.internal import worker_died
from siqa.engine.lifeline import Lifeline, hold, sigint_blocked
from siqa.engine.plan import Plan
from siqa.engine.task import run_session
from siqa.outputs.results import TaskResult
from siqa.registry import all_rules

IN_FLIGHT_PER_WORKER = 2
ALONE_TRIES = 2
R = TypeVar("R")  # what a task of `ordered` returns


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@contextmanager
def _pool(jobs: int) -> Iterator[ProcessPoolExecutor]:
    """Workers that start clean (no locks or progress threads inherited from this process), and fast: where the
    platform has it, a fork server imports the engine, every rule's module and the decoders' deferred imports
    once (seconds: scipy, pandas, pyarrow, FFmpeg) and each worker is forked from it ready to run; elsewhere each
    spawned worker imports them itself. The fork server lives as long as this process, so each worker takes this
    process's environment, import path and folder as they are now, not as they were when the server started
    (plugins and settings added since). Leaving the block by an exception (Ctrl-C among them) cuts the workers'
    lifeline first, so they stop at once instead of finishing their sessions."""
    context: BaseContext
    if "forkserver" not in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("spawn")
    else:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["siqa.engine.task", *sorted({rule.module for rule in all_rules()}),
                                        *DEFERRED_IMPORTS])
        with sigint_blocked():
            forkserver.ensure_running()
    lifeline = Lifeline()
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_adopt,
                               initargs=(dict(os.environ), list(sys.path), os.getcwd(), lifeline.worker_end))
    try:
        yield pool
    except BaseException:
        lifeline.cut()
        raise
    finally:
        pool.shutdown(cancel_futures=True)
        lifeline.cut()


def _adopt(environ: dict[str, str], path: list[str], folder: str, lifeline: Connection) -> None:
    """In a new worker: bound to this process's life, with its environment, import path and working folder,
    and its logging level."""
    from siqa.log import configure_worker

    hold(lifeline)
    os.environ.clear()
    os.environ.update(environ)
    sys.path[:] = path
    os.chdir(folder)
    configure_worker()


def run_local(sessions: Iterable[Session], plan: Plan, jobs: int) -> Iterator[TaskResult]:
    if jobs <= 1:
        yield from (run_session(session, plan) for session in sessions)
        return
    remaining = iter(sessions)
    while True:
        with _pool(jobs) as pool:
            lost = yield from _until_broken(pool, remaining, plan, jobs * IN_FLIGHT_PER_WORKER)
        if not lost:
            return
        yield from _one_by_one(lost, plan)


def _until_broken(pool: ProcessPoolExecutor, sessions: Iterator[Session], plan: Plan,
                  window: int) -> Generator[TaskResult, None, list[Session]]:
    """Results in order until the pool breaks; returns the sessions whose results were lost (none if it held)."""
    pending: deque[tuple[Session, Future]] = deque()

    def next_result() -> TaskResult | None:
        try:
            result = pending[0][1].result()
        except BrokenProcessPool:
            return None
        pending.popleft()
        return result

    for session in sessions:
        try:
            pending.append((session, pool.submit(run_session, session, plan)))
        except BrokenProcessPool:
            return [*(s for s, _ in pending), session]
        if len(pending) >= window:
            if (result := next_result()) is None:
                return [s for s, _ in pending]
            yield result
    while pending:
        if (result := next_result()) is None:
            return [s for s, _ in pending]
        yield result
    return []


def _one_by_one(sessions: list[Session], plan: Plan) -> Iterator[TaskResult]:
    """Each session alone in a one-worker pool, tried `ALONE_TRIES` times: one whose worker dies every time is
    reported (SQ003); one that was only caught in another's fall, or hit by a passing kill, loses nothing."""
    for session in sessions:
        result = None
        for _ in range(ALONE_TRIES):
            with _pool(1) as pool:
                try:
                    result = pool.submit(run_session, session, plan).result()
                    break
                except BrokenProcessPool:
                    continue
        yield result or TaskResult(session.key, findings=[worker_died(session, plan.batch)])


def ordered(submit: Callable[[Session, Plan], Future[R]], sessions: Iterable[Session], plan: Plan,
            window: int) -> Iterator[R]:
    """Submit tasks, at most `window` in flight, and yield results in submission order (any engine's futures)."""
    pending: deque[Future[R]] = deque()
    for session in sessions:
        pending.append(submit(session, plan))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
