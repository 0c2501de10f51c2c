"""The fuzz suite's figures: inputs tried per reader and how each ended, faults injected, bugs found and fixed.

Every fuzz input goes through `attempt`, which classifies its outcome and lets nothing but a clear error through;
every fault test calls `fault`. `tests/fuzz/conftest.py` prints the totals at the end of the run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

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
    # issue 21, a hostile-input review (tests/fuzz/test_patch_hostile.py and beside the code each item guards)
    "A link planted at a temporary file's name made `siqa apply --in-place` and `siqa revert` write outside the root.",
    "A batch without a single fingerprint (only junk tar members, zero-byte files) exited 2 with no findings written.",
    "A backup folder shipped beside a patches file made `siqa revert` replace a whole tar with bytes of its choosing.",
    "A backup entry that was a link to the live file made `siqa apply --in-place` overwrite the only copy of the original.",
    "Patch `copy` operations doubled the document at each step: 20 of them in a 1 KB patch took 35 s and 336 MB.",
    "A patches file and its targets were read whole before any limit applied (a 3 GB line without newline: 6.5 GB).",
    "A 512 MiB 8-bit 96 kHz WAV peaked at 3.2 GB and a 1.8 MB NPZ at 3.8 GB (limits per member): now refused, 174 MB.",
    "Patch operations could nest a document past `json_depth`, ending `siqa apply` with a RecursionError traceback.",
    "`siqa apply` wrote JSON other tools reject (`Infinity`, `NaN`) and changed bytes outside the fix (`1E5`, duplicate keys).",
    "Row patches wrote spreadsheet formulas (`=`, `+`, `-`, `@`, tab or CR first) into the root CSV tables unannounced.",
    "Raw ESC, BEL and direction-override characters in file names reached the dashboard, so a name could display spoofed.",
    "IN019's message held the absolute path of the dataset root, which outputs shared as CI artifacts must not leak.",
    "Ctrl-C sometimes printed a KeyboardInterrupt traceback; a full disk in `siqa apply` said `[Errno 28]` naming no file.",
    "An audit killed with SIGKILL left its workers, fork server and resource tracker running, holding about 350 MB.",
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
