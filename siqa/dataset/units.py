"""Units of an audit: participant file, interaction (the dyad), session, batch.

A unit holds locations, never data: modalities load lazily through its source, only when a rule asks, and are
cached on the unit for the rules that follow. Units are small and picklable so workers can receive them, and a
worker drops a unit's decoded data when done, which keeps memory bounded whatever the batch size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol, TypeVar

import numpy as np

from siqa.dataset.errors import ReadError
from siqa.dataset.ids import FileId, site_of_key
from siqa.dataset.meta import Meta

T = TypeVar("T")


@dataclass(frozen=True)
class AudioInfo:
    """Header facts, read without decoding the samples."""

    sample_rate: int
    channels: int
    frames: int
    subtype: str

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


@dataclass
class Audio:
    """Decoded audio as float32 in [-1, 1]; `samples` is (n,) for mono, (n, channels) otherwise."""

    samples: np.ndarray
    info: AudioInfo
    path: str

    @property
    def sample_rate(self) -> int:
        return self.info.sample_rate

    @cached_property
    def mono(self) -> np.ndarray:
        return self.samples if self.samples.ndim == 1 else self.samples.mean(axis=1, dtype=np.float32)

    @cached_property
    def peak(self) -> float:
        """The largest sample magnitude (two reductions, no |x| copy of the samples); 0 without samples."""
        mono = self.mono
        return max(float(mono.max()), -float(mono.min())) if mono.size else 0.0

    @property
    def duration(self) -> float:
        return self.info.duration


@dataclass(frozen=True)
class VideoInfo:
    frames: int
    fps: float
    width: int
    height: int

    @property
    def duration(self) -> float:
        return self.frames / self.fps if self.fps else 0.0


class ParticipantSource(Protocol):
    """Where one participant file's modalities live; one implementation per on-disk layout.

    Reading an absent modality raises ReadError(kind="missing"); any unreadable input raises ReadError.
    """

    def modalities(self) -> frozenset[str]: ...

    def path(self, modality: str) -> str: ...

    def audio_info(self) -> AudioInfo: ...

    def read_audio(self) -> Audio: ...

    def read_meta(self) -> dict[str, Any]: ...

    def npz_keys(self) -> list[str]: ...

    def read_features(self, keys: Iterable[str]) -> dict[str, np.ndarray]: ...

    def video_info(self) -> VideoInfo: ...

    def content_digest(self, modality: str) -> str:
        """A hash of the content the rules read (see Blob.digest); changes whenever those bytes change."""
        ...


@dataclass
class ParticipantFile:
    """One participant's recording of one interaction, with its modalities loaded on first use."""

    file_id: FileId
    source: ParticipantSource
    label: str
    split: str
    batch: str
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def site(self) -> str:
        return self.file_id.site

    def has(self, modality: str) -> bool:
        return modality in self.source.modalities()

    def path(self, modality: str) -> str:
        return self.source.path(modality)

    def _memo(self, key: str, load: Callable[[], T]) -> T:
        """Cache a value or the ReadError that loading it raised, so a broken file is read once per unit."""
        if key not in self._cache:
            try:
                self._cache[key] = load()
            except ReadError as error:
                self._cache[key] = error
        value = self._cache[key]
        if isinstance(value, ReadError):
            raise value
        return value

    def audio_info(self) -> AudioInfo:
        return self._memo("audio_info", self.source.audio_info)

    def audio(self) -> Audio:
        return self._memo("audio", self.source.read_audio)

    def meta(self) -> Meta:
        return self._memo("meta", lambda: Meta(self.source.read_meta(), self.path("json")))

    def npz_keys(self) -> list[str]:
        return self._memo("npz_keys", self.source.npz_keys)

    def features(self, *keys: str) -> dict[str, np.ndarray]:
        """Only the requested NPZ keys are read (an NPZ is a zip: other members are never decompressed).

        Keys the file lacks are absent from the result; the missing-key rule reports them.
        """
        present = set(self.npz_keys())
        wanted = [k for k in keys if k in present and f"npz:{k}" not in self._cache]
        if wanted:
            if "npz-error" in self._cache:
                raise self._cache["npz-error"]
            try:
                arrays = self.source.read_features(wanted)
            except ReadError as error:
                self._cache["npz-error"] = error
                raise
            self._cache.update({f"npz:{k}": v for k, v in arrays.items()})
        return {k: self._cache[f"npz:{k}"] for k in keys if f"npz:{k}" in self._cache}

    def video_info(self) -> VideoInfo:
        return self._memo("video_info", self.source.video_info)

    def release(self) -> None:
        self._cache.clear()


@dataclass
class Interaction:
    """The dyad: the participant files that share an interaction key (exactly two when healthy)."""

    key: str
    participants: list[ParticipantFile]

    @property
    def site(self) -> str:
        return site_of_key(self.key)

    @property
    def session_key(self) -> str:
        return self.key.rsplit("_", 1)[0]

    def partner_of(self, pf: ParticipantFile) -> ParticipantFile | None:
        others = [p for p in self.participants if p is not pf]
        return others[0] if len(others) == 1 else None

    def release(self) -> None:
        for pf in self.participants:
            pf.release()


@dataclass
class Session:
    """Consecutive interactions of one recording session, in interaction-number order."""

    key: str
    interactions: list[Interaction]

    @property
    def site(self) -> str:
        return site_of_key(self.key)
