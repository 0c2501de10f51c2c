"""Lhotse manifests: a recording set, a supervision set (one supervision per transcript segment, with its words
as the alignment) and a cut set (one cut per recording, its supervisions attached).

Quality flags sit in each cut's and each supervision's `custom` fields (`cut.quality_excluded` ...), so a
training recipe filters with `cuts.filter(lambda c: not c.quality_excluded)`. A WAV inside a WebDataset tar is a
`command` source (`tar -xOf ARCHIVE MEMBER`): read in place, never extracted.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from siqa.export.entries import AudioRef, Entry, ExportError

RECORDINGS, SUPERVISIONS, CUTS = "recordings.jsonl.gz", "supervisions.jsonl.gz", "cuts.jsonl.gz"


def _lhotse() -> Any:
    try:
        import lhotse
    except ImportError:
        raise ExportError("--to lhotse needs Lhotse: pip install 'siqa[export]'") from None
    return lhotse


def _source(lhotse: Any, audio: AudioRef) -> Any:
    channels = list(range(audio.info.channels))
    if audio.member is None:
        return lhotse.AudioSource(type="file", channels=channels, source=audio.path)
    command = f"tar -xOf {shlex.quote(audio.path)} {shlex.quote(audio.member)}"
    return lhotse.AudioSource(type="command", channels=channels, source=command)


def write(entries: Iterable[Entry], out: Path) -> dict[str, int]:
    lhotse = _lhotse()
    from lhotse.supervision import AlignmentItem

    recordings, supervisions, flags = [], [], {}
    for entry in entries:
        audio = entry.audio()
        if audio is None:
            continue
        fid, custom = str(entry.pf.file_id), {**entry.keys(), **entry.flags.to_dict()}
        recordings.append(lhotse.Recording(fid, [_source(lhotse, audio)], audio.info.sample_rate, audio.info.frames,
                                           audio.info.duration, channel_ids=list(range(audio.info.channels))))
        flags[fid] = custom
        for number, segment in enumerate(entry.segments()):
            words = [AlignmentItem(w.word, w.start, max(w.end - w.start, 0.0), w.score) for w in segment.words]
            supervisions.append(lhotse.SupervisionSegment(
                f"{fid}-{number:05d}", fid, segment.start, round(segment.end - segment.start, 6), channel=0,
                text=segment.text, speaker=entry.pf.file_id.participant_id, custom=custom,
                alignment={"word": words} if words else None))
    recording_set = lhotse.RecordingSet.from_recordings(recordings)
    supervision_set = lhotse.SupervisionSet.from_segments(supervisions)
    cuts = lhotse.CutSet.from_manifests(recordings=recording_set, supervisions=supervision_set)
    cuts = lhotse.CutSet.from_cuts(_flagged(cut, flags[cut.recording_id]) for cut in cuts)
    out.mkdir(parents=True, exist_ok=True)
    recording_set.to_file(out / RECORDINGS)
    supervision_set.to_file(out / SUPERVISIONS)
    cuts.to_file(out / CUTS)
    return {"recordings": len(recording_set), "supervisions": len(supervision_set), "cuts": len(cuts)}


def _flagged(cut: Any, custom: dict[str, Any]) -> Any:
    cut.custom = {**(cut.custom or {}), **custom}
    return cut
