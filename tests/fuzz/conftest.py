"""The fuzz suite: property tests of every reader under two budgets, crafted batches, injected faults.

`fuzz(strategy, check, examples)` runs `check` on `examples` inputs drawn from `strategy` in the default suite
(`quick`), and on `DEEP` times as many under the `slow` marker (`deep`, `nox -s slow`). Each input has
`DEADLINE` to finish: a reader that hangs on an input fails the test. The run ends with the figures
(`tests/fuzz/figures.py`): inputs tried per reader and outcome, faults injected, bugs found and fixed.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siqa.synth import SynthConfig, SynthResult, generate
from tests.fuzz import figures

DEEP = 20
DEADLINE = timedelta(seconds=5)
BUDGETS = [pytest.param(1, id="quick"), pytest.param(DEEP, id="deep", marks=pytest.mark.slow)]


@pytest.fixture(params=BUDGETS)
def fuzz(request: pytest.FixtureRequest) -> Callable[[st.SearchStrategy[Any], Callable[[Any], None], int], None]:
    def run(strategy: st.SearchStrategy[Any], check: Callable[[Any], None], examples: int) -> None:
        @settings(max_examples=examples * request.param, deadline=DEADLINE, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(strategy)
        def each(value: Any) -> None:
            check(value)

        each()

    return run


@pytest.fixture(scope="session")
def fuzz_batch(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """A small extracted batch (two sessions of one interaction, one with an integrity or recording defect, so
    audits have findings to compare), copied by `batch_copy` for each test that damages it."""
    folder = tmp_path_factory.mktemp("fuzz-batch")
    (folder / "profile.toml").write_text('affected = 0.5\nfamilies = ["IN", "RQ"]\n')
    return generate(folder / "root", SynthConfig(layout="extracted", sessions=2, interactions_per_session=1,
                                                 duration=8.0, seed=21, defects=str(folder / "profile.toml")))


@pytest.fixture
def batch_copy(fuzz_batch: SynthResult, tmp_path: Path) -> SynthResult:
    root = tmp_path / "root"
    shutil.copytree(fuzz_batch.root, root)
    return SynthResult(root, fuzz_batch.batch, fuzz_batch.label, fuzz_batch.truth)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not figures.INPUTS and not figures.FAULTS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("siqa fuzz figures")
    readers = sorted({reader for reader, _ in figures.INPUTS})
    write(f"{'reader':<12}{'inputs':>8}" + "".join(f"{o:>12}" for o in figures.OUTCOMES))
    for reader in readers:
        counts = [figures.INPUTS[reader, o] for o in figures.OUTCOMES]
        write(f"{reader:<12}{sum(counts):>8}" + "".join(f"{n:>12}" for n in counts))
    total = sum(figures.INPUTS.values())
    crashes = sum(n for (_, o), n in figures.INPUTS.items() if o == "crash")
    write(f"inputs tried: {total}, crashes: {crashes}")
    faults = ", ".join(f"{name} {n}" for name, n in sorted(figures.FAULTS.items())) or "none"
    write(f"faults injected: {sum(figures.FAULTS.values())} ({faults})")
    write(f"failures found by this suite and fixed: {len(figures.FOUND_AND_FIXED)} (listed in SECURITY.md)")
