"""An exclude list: the file ids whose findings reach the chosen severity and confidence, one per line, sorted.

For pipelines that filter by id (`grep -vFf exclude.txt`, a `datasets` filter, a Lhotse `subset`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from siqa.export.entries import Entry
from siqa.outputs.files import atomic_writer

EXCLUDE_TXT = "exclude.txt"


def write(entries: Iterable[Entry], out: Path) -> dict[str, int]:
    excluded = sorted(str(entry.pf.file_id) for entry in entries if entry.flags.excluded)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_writer(out / EXCLUDE_TXT) as handle:
        handle.writelines(f"{file_id}\n" for file_id in excluded)
    return {"excluded": len(excluded)}
