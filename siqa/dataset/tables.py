"""Root tables (`interactions.csv`, `participants.csv`, `relationships.csv`, `filelist.csv`) at the dataset root.

Their exact columns are not documented publicly, so every table goes through a column mapping (canonical name ->
the release's column name) that a rule set can override under `[tables.<name>.columns]`. Tables load on first
use; a missing table is None (they are optional); a broken one raises TableError naming file and column.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd

from siqa.dataset.errors import TableError

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "interactions": ("interaction_key", "session_key", "prompt"),
    "participants": ("participant_id",),
    "relationships": ("session_key", "participant_a", "participant_b", "relationship"),
    "filelist": ("file_id", "label", "split", "batch_idx", "archive_idx"),
}
TABLE_NAMES = tuple(REQUIRED_COLUMNS)


def load_table(path: Path, name: str, mapping: dict[str, str] | None = None) -> pd.DataFrame:
    """Read a CSV as strings and rename mapped columns to their canonical names."""
    mapping = {**{c: c for c in REQUIRED_COLUMNS[name]}, **(mapping or {})}
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8", on_bad_lines="error")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, csv.Error, OSError) as error:
        raise TableError(f"{path}: unreadable CSV: {error}") from None
    for canonical in REQUIRED_COLUMNS[name]:
        actual = mapping[canonical]
        if actual not in frame.columns:
            raise TableError(f"{path}: missing column {actual!r} (for {canonical!r}); columns found: "
                             f"{', '.join(map(str, frame.columns))}; map it under [tables.{name}.columns]")
    return frame.rename(columns={mapping[c]: c for c in REQUIRED_COLUMNS[name] if mapping[c] != c})


class RootTables:
    """The root tables of one dataset root, loaded lazily. Picklable: it holds paths until a table is read."""

    def __init__(self, root: Path, columns: dict[str, dict[str, str]] | None = None) -> None:
        self.root = root
        self.columns = columns or {}
        self._loaded: dict[str, Any] = {}

    @classmethod
    def load(cls, root: Path, columns: dict[str, dict[str, str]] | None = None) -> RootTables:
        return cls(root, columns)

    def table(self, name: str) -> pd.DataFrame | None:
        if name not in self._loaded:
            path = self.root / f"{name}.csv"
            self._loaded[name] = load_table(path, name, self.columns.get(name)) if path.exists() else None
        return self._loaded[name]

    def __getattr__(self, name: str) -> pd.DataFrame | None:
        if name in REQUIRED_COLUMNS:
            return self.table(name)
        raise AttributeError(name)

    def __getstate__(self) -> dict[str, Any]:
        return {"root": self.root, "columns": self.columns, "_loaded": {}}
