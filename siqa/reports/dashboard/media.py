"""The dataset side of an interaction page: each channel's audio, speech activity, transcript and video.

Only interactions with findings get a page, and they are read one at a time, so a report over a whole release
decodes a small share of its audio and holds one interaction in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from siqa.dataset.batch import BatchIndex, open_batches
from siqa.dataset.errors import DatasetNotFound, ReadError
from siqa.dataset.layouts.blob import Blob
from siqa.dataset.meta import Segment
from siqa.dataset.units import Interaction, ParticipantFile


@dataclass
class Channel:
    file_id: str
    samples: np.ndarray | None = None
    rate: int = 0
    duration: float = 0.0
    activity: list[tuple[float, float]] = field(default_factory=list)
    transcript: list[Segment] = field(default_factory=list)
    video: Blob | None = None  # the MP4, decoded only for the frames a page shows
    problems: list[str] = field(default_factory=list)

    @property
    def speaker(self) -> str:
        """The participant part of the file id (`P0103`)."""
        return self.file_id.rsplit("_", 1)[-1]


class Unavailable(Exception):
    """The interaction's recordings cannot be shown; the message says why, on the page."""


class DatasetLookup:
    """Interactions by batch name (`label/split/batch`) and key; one batch index is kept open at a time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._batch = ""
        self._interactions: dict[str, Interaction] = {}
        self._problem = ""

    def channels(self, batch: str, key: str) -> list[Channel]:
        interaction = self._find(batch, key)
        try:
            return [_channel(pf) for pf in interaction.participants]
        finally:
            interaction.release()

    def _find(self, batch: str, key: str) -> Interaction:
        if batch != self._batch:
            self._batch, self._interactions, self._problem = batch, {}, ""
            try:
                self._interactions = {i.key: i for index in self._open(batch) for s in index.sessions
                                      for i in s.interactions}
            except Unavailable as error:
                self._problem = str(error)
        if self._problem:
            raise Unavailable(self._problem)
        if key not in self._interactions:
            raise Unavailable(f"{key} is not in batch {batch} under {self.root}")
        return self._interactions[key]

    def _open(self, batch: str) -> list[BatchIndex]:
        parts = batch.split("/")
        if len(parts) != 3:
            raise Unavailable(f"batch {batch!r} is not <label>/<split>/<batch>")
        try:
            return open_batches(self.root, f"{parts[1]}/{parts[2]}", parts[0])
        except DatasetNotFound as error:
            raise Unavailable(str(error)) from None


def _channel(pf: ParticipantFile) -> Channel:
    channel = Channel(str(pf.file_id))
    try:
        audio = pf.audio()
        channel.samples, channel.rate, channel.duration = audio.mono, audio.sample_rate, audio.duration
    except ReadError as error:
        channel.problems.append(f"audio not readable: {error}")
    try:
        meta = pf.meta()
        channel.activity = [(s.start, s.end) for s in meta.vad().items]
        channel.transcript = list(meta.transcript().items)
    except ReadError as error:
        channel.problems.append(f"transcript and speech activity not readable: {error}")
    channel.video = _video_blob(pf)
    return channel


def _video_blob(pf: ParticipantFile) -> Blob | None:
    """Where the file's MP4 bytes are: a per-file source's `blobs` (extracted and tar layouts) or a
    per-modality source's `mp4`; None when it has none."""
    if not pf.has("mp4"):
        return None
    source = pf.source
    blob = source.blobs.get("mp4") if hasattr(source, "blobs") else getattr(source, "mp4", None)
    return blob if isinstance(blob, Blob) else None
