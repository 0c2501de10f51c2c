"""The fuzz suite's figures: inputs tried per reader and how each ended, faults injected, bugs found and fixed.

Every fuzz input goes through `attempt`, which classifies its outcome and lets nothing but a clear error through;
every fault test calls `fault`. `tests/fuzz/conftest.py` prints the totals at the end of the run.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from typing import Iterator

from siqa.dataset.errors import ReadError, TableError

INPUTS: Counter[tuple[str, str]] = Counter()  # (reader, outcome)
FAULTS: Counter[str] = Counter()

OUTCOMES = ("accepted", "finding", "read error", "crash")

FOUND_AND_FIXED = (
    "A FIFO in place of a root table (or of a listed file) blocked the audit forever.",
    "A transcript segment whose `words` is not a list crashed every rule reading the transcript.",
    "Transcript text and word scores of the wrong type were read as empty or absent, unreported.",
    "A time near the float limit crashed a rule converting it to frames (OverflowError).",
    "A WAV declaring a 1 Hz rate made the 16 kHz analysis copy 16000 times its samples (20 KB file, 740 MB).",
    "A float WAV of NaN and infinite samples was measured: NaN metrics and a false near-silent finding.",
    "A worker process killed mid-run ended the audit with a traceback and exit status 1 (the findings status).",
    "A full disk while caching results ended the audit with a sqlite traceback instead of a clear error.",
    "A full disk while writing outputs left this run's units.jsonl beside the previous run's findings and summary.",
    "A staging folder left by a killed report made every later audit of that folder fail.",
    "An output folder inside the dataset root was accepted, so the audit wrote under the root.",
    "Symlinked archive folders were skipped without a word, and symlinked tars were read outside the root.",
    "The file list's problems (listed files that are absent, ids listed twice) were never reported.",
    "`siqa audit` error messages rendered dataset text as rich markup with raw control characters, and emoji codes.",
    "The reader's limits could not be set: `run_audit` never passed any.",
)
"""Bugs this suite found and that were fixed (SECURITY.md lists the same; a test keeps the two in step)."""


def record(reader: str, outcome: str) -> None:
    assert outcome in OUTCOMES, outcome
    INPUTS[reader, outcome] += 1


def fault(name: str) -> None:
    FAULTS[name] += 1


@contextmanager
def attempt(reader: str, name: str) -> Iterator[None]:
    """Run one input through a reader: it must succeed or raise a clear error (ReadError or TableError) whose
    message names the file `name`; anything else is counted as a crash and fails the test."""
    try:
        yield
    except (ReadError, TableError) as error:
        record(reader, "read error")
        assert name in str(error), f"the error does not name the file {name!r}: {error}"
    except BaseException:
        record(reader, "crash")
        raise
    else:
        record(reader, "accepted")
