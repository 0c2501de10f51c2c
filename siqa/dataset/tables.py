"""Root tables (`interactions.csv`, `participants.csv`, `relationships.csv`, `filelist.csv`) at the dataset root.

Their exact columns are not documented publicly, so every table goes through a column mapping (canonical name ->
the release's column name) that a rule set can override under `[tables.<name>.columns]`. Cells are read as text
(no NA or number guessing): ids like `P0947` or `0003` must survive unchanged. Tables load on first use; a
missing table is None (they are optional); a broken one raises TableError naming file and column.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from blake3 import blake3

from siqa.dataset.decode import DEFAULT_LIMITS, Limits, open_regular
from siqa.dataset.errors import TableError

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "interactions": ("interaction_key", "session_key", "prompt"),
    "participants": ("participant_id",),
    "relationships": ("session_key", "participant_a", "participant_b", "relationship"),
    "filelist": ("file_id", "label", "split", "batch_idx", "archive_idx"),
}
TABLE_NAMES = tuple(REQUIRED_COLUMNS)
ColumnMapping = Mapping[str, Mapping[str, str]]


def _error(path: Path, reason: str) -> TableError:
    """A table's error named by its file name: root tables sit at the dataset root, so that is the path relative
    to it, and outputs shared as CI artifacts never carry the local path of the root."""
    return TableError(f"{path.name}: {reason}")


def _fit(row: list[str], header: list[str], path: Path, line: int) -> list[str]:
    if len(row) > len(header):
        raise _error(path, f"line {line} has {len(row)} fields, the header {len(header)}")
    return row + [""] * (len(header) - len(row))


def read_csv_text(path: Path, limits: Limits = DEFAULT_LIMITS) -> pd.DataFrame:
    """A CSV as a frame of strings, strictly: pandas would turn a row with one field too many into an index
    and shift every column of the table silently, so the csv module parses and each row's width is checked.
    Rows short of fields are padded with empty cells (editors commonly drop trailing empties). Only a regular
    file within `limits.table_bytes` is read (a FIFO in a table's place would block forever)."""
    try:
        with open_regular(path, follow_symlinks=True) as raw, \
                io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as handle:
            size = os.fstat(raw.fileno()).st_size
            if size > limits.table_bytes:
                raise _error(path, f"{size} bytes, over the {limits.table_bytes}-byte limit")
            reader = csv.reader(handle, strict=True)
            header = next(reader, [])
            rows = [_fit(row, header, path, reader.line_num) for row in reader if row]
    except OSError as error:  # its text would name the file by its absolute path
        raise _error(path, f"unreadable CSV: {error.strerror or error}") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise _error(path, f"unreadable CSV: {error}") from None
    if not header:
        raise _error(path, "empty, expected a header row")
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise _error(path, f"column(s) {', '.join(map(repr, duplicated))} appear more than once")
    return pd.DataFrame(rows, columns=header, dtype=str)


def load_table(path: Path, name: str, mapping: Mapping[str, str] | None = None,
               limits: Limits = DEFAULT_LIMITS) -> pd.DataFrame:
    """Read a CSV as text and rename the mapped columns to their canonical names; other columns are kept.

    A file column that already bears a canonical name another column is mapped to is kept as `<name>_unmapped`.
    """
    mapping = {**{c: c for c in REQUIRED_COLUMNS[name]}, **(mapping or {})}
    frame = read_csv_text(path, limits)
    for canonical in REQUIRED_COLUMNS[name]:
        actual = mapping[canonical]
        if actual not in frame.columns:
            raise _error(path, f"missing column {actual!r} (for {canonical!r}); columns found: "
                               f"{', '.join(map(str, frame.columns))}; map it under [tables.{name}.columns]")
    renames = {actual: canonical for canonical, actual in mapping.items()
               if actual != canonical and actual in frame.columns}
    displaced = {c: f"{c}_unmapped" for c in renames.values() if c in frame.columns and c not in renames}
    return frame.rename(columns={**displaced, **renames})


class RootTables:
    """The root tables of one dataset root, loaded on first access. Picklable: it holds paths until read."""

    def __init__(self, root: Path, mapping: ColumnMapping | None = None, limits: Limits = DEFAULT_LIMITS) -> None:
        self.root = Path(root)
        self.mapping = {table: dict(columns) for table, columns in (mapping or {}).items()}
        self.limits = limits
        self._loaded: dict[str, pd.DataFrame | None] = {}

    @classmethod
    def load(cls, root: Path, mapping: ColumnMapping | None = None, limits: Limits = DEFAULT_LIMITS) -> RootTables:
        """`mapping` is `{table: {canonical column: release column}}`, as under `[tables.<table>.columns]`."""
        return cls(root, mapping, limits)

    def digest(self) -> str:
        """A content digest of every root table present (and of the column mapping): part of each cached
        result's key, since prompts, ids and recorded boundaries come from the tables, so a result computed
        before a table changed (a patch applied to it) is never reused."""
        hasher = blake3(repr(sorted(self.mapping.items())).encode())
        for name in TABLE_NAMES:
            path = self.root / f"{name}.csv"
            try:
                with open_regular(path, follow_symlinks=True) as handle:
                    hasher.update(name.encode())
                    for chunk in iter(lambda: handle.read(1 << 20), b""):
                        hasher.update(chunk)
            except OSError:
                hasher.update(f"{name}:absent".encode())
        return hasher.hexdigest()

    def column(self, table: str, canonical: str) -> str:
        """A column's name as the release's header spells it (`[tables.<table>.columns]`, else the canonical)."""
        return self.mapping.get(table, {}).get(canonical, canonical)

    def table(self, name: str) -> pd.DataFrame | None:
        if name not in REQUIRED_COLUMNS:
            raise KeyError(f"unknown root table {name!r} (known: {', '.join(TABLE_NAMES)})")
        if name not in self._loaded:
            path = self.root / f"{name}.csv"
            present = path.exists() or path.is_symlink()  # a dangling link is a table that cannot be read
            self._loaded[name] = load_table(path, name, self.mapping.get(name), self.limits) if present else None
        return self._loaded[name]

    @property
    def interactions(self) -> pd.DataFrame | None:
        return self.table("interactions")

    @property
    def participants(self) -> pd.DataFrame | None:
        return self.table("participants")

    @property
    def relationships(self) -> pd.DataFrame | None:
        return self.table("relationships")

    @property
    def filelist(self) -> pd.DataFrame | None:
        return self.table("filelist")

    def __getstate__(self) -> dict[str, Any]:
        return {"root": self.root, "mapping": self.mapping, "limits": self.limits, "_loaded": {}}
