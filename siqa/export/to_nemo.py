"""A NeMo manifest: one JSON line per transcript segment, the unit NeMo's ASR recipes train on.

    {"audio_filepath": ..., "offset": 3.2, "duration": 4.1, "text": ..., "file_id": ..., "quality_excluded": ...}

`offset` and `duration` cut the segment out of the participant's WAV. A WAV inside a WebDataset tar is named by
its member (`audio_filepath`) and its archive (`tar_filepath`); NeMo reads those only from its own tarred
datasets, so such batches are better exported to Lhotse.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from siqa.export.entries import Entry
from siqa.outputs.files import atomic_writer

MANIFEST = "manifest.jsonl"


def write(entries: Iterable[Entry], out: Path) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    lines = 0
    with atomic_writer(out / MANIFEST) as handle:
        for entry in entries:
            audio = entry.audio()
            if audio is None:
                continue
            where = ({"audio_filepath": audio.path} if audio.member is None
                     else {"audio_filepath": audio.member, "tar_filepath": audio.path})
            extra = {**entry.keys(), **entry.flags.to_dict()}
            for segment in entry.segments():
                record = {**where, "offset": segment.start, "duration": round(segment.end - segment.start, 6),
                          "text": segment.text, **extra}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                lines += 1
    return {"segments": lines}
