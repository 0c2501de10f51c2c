"""nox sessions: `tests` (the default suite), `slow` (heavy checks behind the `slow` marker), `bench`, `lint`
(ruff and mypy, as pyproject configures them)."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests"]


@nox.session
def tests(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("pytest", "-q", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("ruff", "check", "siqa", "tests", "benchmarks")
    session.run("mypy", "siqa")


@nox.session
def slow(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("pytest", "-q", "-m", "slow", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    for module in ("benchmarks", "benchmarks.scale", "benchmarks.precision", "benchmarks.timing", "benchmarks.bleed",
                   "benchmarks.moi", "benchmarks.asr", "benchmarks.identity", "benchmarks.dashboard"):
        session.run("python", "-m", module, *session.posargs)
