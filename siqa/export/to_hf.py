"""A Parquet dataset for Hugging Face `datasets`: one row per participant file, with its transcript and flags.

    datasets.load_dataset("parquet", data_files="OUT/files.parquet", split="train")

Audio is referenced, not copied (the data's licence forbids redistribution, and a release is terabytes):
`audio_path` is the WAV's absolute path, or the tar archive's with `audio_member` naming the member.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from siqa.export.entries import Entry
from siqa.outputs.files import atomic_writer

FILES_PARQUET = "files.parquet"
_SEGMENT = pa.struct([("start", pa.float64()), ("end", pa.float64()), ("text", pa.string())])
SCHEMA = pa.schema([
    *((name, pa.string()) for name in ("file_id", "interaction_key", "session_key", "participant_id", "site",
                                       "label", "split", "batch", "audio_path", "audio_member")),
    ("sample_rate", pa.int64()), ("duration", pa.float64()), ("text", pa.string()),
    ("segments", pa.list_(_SEGMENT)),
    ("quality_codes", pa.list_(pa.string())), ("quality_severity", pa.string()),
    ("quality_confidence", pa.float64()), ("quality_excluded", pa.bool_()), ("quality_fixed", pa.list_(pa.string())),
])


def _row(entry: Entry) -> dict[str, Any]:
    audio = entry.audio()
    segments = entry.segments()
    return {**entry.keys(), "audio_path": audio and audio.path, "audio_member": audio and audio.member,
            "sample_rate": audio and audio.info.sample_rate, "duration": audio and audio.info.duration,
            "text": " ".join(s.text.strip() for s in segments if s.text.strip()),
            "segments": [{"start": s.start, "end": s.end, "text": s.text} for s in segments],
            **entry.flags.to_dict()}


def write(entries: Iterable[Entry], out: Path) -> dict[str, int]:
    table = pa.Table.from_pylist([_row(entry) for entry in entries], schema=SCHEMA)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_writer(out / FILES_PARQUET, "wb") as handle:
        pq.write_table(table, handle)
    return {"rows": table.num_rows}
