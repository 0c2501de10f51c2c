"""The Ray engine: the same per-session task as the local engine, scheduled on a Ray cluster (`siqa[ray]`).

A task is one session (a few dyads, read straight from their tar archives on storage every node mounts), so a
worker holds one session's decoded data at a time, as locally. Results come back in submission order through
the local engine's window, which makes the outputs byte-identical to a local run; only the driver writes them.
Workers reuse cached results when the output folder is on storage they see too, and recompute otherwise.
What a task logs comes back with its result, and the driver logs it at the CLI's level (`siqa.log`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

from siqa.dataset.units import Session
from siqa.engine.local import IN_FLIGHT_PER_WORKER, ordered
from siqa.engine.plan import Plan
from siqa.engine.task import run_session
from siqa.log import LOGGER, captured, replay
from siqa.outputs.results import TaskResult


class EngineUnavailable(Exception):
    """The requested engine cannot run here (its extra is not installed, or the cluster is unreachable)."""


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise EngineUnavailable("--engine ray needs Ray: pip install 'siqa[ray]'") from None
    return ray


@contextmanager
def _connected(address: str | None, jobs: int) -> Iterator[Any]:
    """Join the cluster at `address` (or `auto`); with none, start a local Ray instance of `jobs` CPUs for this run."""
    ray = _ray()
    started = not ray.is_initialized()
    if started:
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                   "configure_logging": False}
        try:
            ray.init(address=address, **options) if address else ray.init(num_cpus=jobs, **options)
        except (ConnectionError, RuntimeError) as error:
            raise EngineUnavailable(f"cannot reach the Ray cluster at {address}: {error}") from None
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()


def _logged_session(session: Session, plan: Plan, level: int) -> tuple[TaskResult, list[logging.LogRecord]]:
    """A Ray task: the session's result and what it logged (a worker's stderr may be on another node)."""
    return captured(level, run_session, session, plan)


def run_ray(sessions: Iterable[Session], plan: Plan, jobs: int, address: str | None = None) -> Iterator[TaskResult]:
    with _connected(address, jobs) as ray:
        task = ray.remote(num_cpus=1, max_retries=2)(_logged_session)
        window = max(1, int(ray.cluster_resources().get("CPU", jobs))) * IN_FLIGHT_PER_WORKER
        level = logging.getLogger(LOGGER).getEffectiveLevel()

        def submit(session: Session, p: Plan) -> Future[tuple[TaskResult, list[logging.LogRecord]]]:
            # an ObjectRef's future() is a concurrent.futures.Future, so the local engine's ordered window applies
            return task.remote(session, p, level).future()

        for result, records in ordered(submit, sessions, plan, window):
            replay(records)
            yield result
