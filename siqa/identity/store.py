"""The identity store: one fingerprint row per participant file, in `<out>/identity/fingerprints.parquet`.

Audits of batch after batch into one output folder add to the store, and `siqa identity` reads the stores of
many output folders, so the release-wide comparison covers every file audited without decoding audio again.
A row is keyed by its file id and carries the content digest it was computed from: a newer row for the same
file replaces the older one, and a re-audit of a batch replaces that batch's rows (files that left it go).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from siqa.outputs.files import atomic_writer
from siqa.schemas.version import parquet_metadata

STORE_DIR = "identity"
FINGERPRINTS = "fingerprints.parquet"

SCHEMA = pa.schema(
    [
        ("file_id", pa.string()),
        ("participant_id", pa.string()),
        ("session_key", pa.string()),
        ("interaction_key", pa.string()),
        ("site", pa.string()),
        ("batch", pa.string()),
        ("digest", pa.string()),
        ("voice", pa.list_(pa.float32())),
        ("voice_space", pa.string()),
        ("voice_seconds", pa.float64()),
        ("visual", pa.list_(pa.float32())),
        ("visual_space", pa.string()),
        ("visual_frames", pa.int64()),
    ]
)
COLUMNS = SCHEMA.names


def store_path(out_dir: Path) -> Path:
    return out_dir / STORE_DIR / FINGERPRINTS


def read_store(out_dir: Path) -> pd.DataFrame:
    """The folder's fingerprint rows (none when it has no store yet)."""
    path = store_path(out_dir)
    if not path.exists():
        return SCHEMA.empty_table().to_pandas()
    return pq.read_table(path, schema=SCHEMA).to_pandas()


def compact(row: dict[str, Any]) -> dict[str, Any]:
    """A collected row with its vectors as float32 arrays (a list of Python floats takes 8 times more)."""
    return {
        **row,
        **{s: None if row.get(s) is None else np.asarray(row[s], np.float32) for s in ("voice", "visual")},
    }


def frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    return pa.Table.from_pylist([{c: row.get(c) for c in COLUMNS} for row in rows], schema=SCHEMA).to_pandas()


def merge(existing: pd.DataFrame, new: pd.DataFrame, replaced_batches: Iterable[str] = ()) -> pd.DataFrame:
    """`new` rows win over `existing` ones of a file; rows of `replaced_batches` not in `new` are dropped."""
    replaced = set(replaced_batches)
    kept = existing[~existing["batch"].isin(replaced) & ~existing["file_id"].isin(set(new["file_id"]))]
    parts = [part for part in (kept, new) if len(part)]
    merged = pd.concat(parts, ignore_index=True) if parts else existing.iloc[:0]
    return merged.drop_duplicates("file_id", keep="last").sort_values("file_id", ignore_index=True)


def write_store(out_dir: Path, rows: pd.DataFrame) -> Path:
    path = store_path(out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(rows[COLUMNS], schema=SCHEMA.with_metadata(parquet_metadata()),
                                 preserve_index=False)
    with atomic_writer(path, "wb") as handle:
        pq.write_table(table, handle)
    return path


def load_stores(folders: Iterable[Path]) -> pd.DataFrame:
    """The stores of several output folders as one; a file in two of them keeps the later folder's row."""
    merged = SCHEMA.empty_table().to_pandas()
    for folder in folders:
        merged = merge(merged, read_store(folder))
    return merged
