"""The local engine: sessions run in a process pool, results come back in task order.

Ordered results make outputs identical whatever `--jobs` is; the in-flight window (a few tasks per worker)
bounds memory, since at most that many sessions' results wait to be written.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Callable, Iterable, Iterator

from siqa.dataset.units import Session
from siqa.engine.plan import Plan
from siqa.engine.task import TaskResult, run_session

IN_FLIGHT_PER_WORKER = 2


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_local(sessions: Iterable[Session], plan: Plan, jobs: int) -> Iterator[TaskResult]:
    if jobs <= 1:
        yield from (run_session(session, plan) for session in sessions)
        return
    # spawn, not fork: workers start clean (no inherited locks or progress threads) on every platform.
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield from ordered(pool.submit, sessions, plan, jobs * IN_FLIGHT_PER_WORKER)


def ordered(submit: Callable[..., Future], sessions: Iterable[Session], plan: Plan, window: int) -> Iterator[TaskResult]:
    """Submit tasks, at most `window` in flight, and yield results in submission order (any engine's futures)."""
    pending: deque[Future] = deque()
    for session in sessions:
        pending.append(submit(run_session, session, plan))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
