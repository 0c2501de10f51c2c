"""ParticipantSource implementations: one per file (extracted and tar layouts), one per modality tree.

Both read through `Blob` and the shared decoders, so a tar member and a file on disk are decoded by the same code.
Sources hold locations and limits only: they pickle to workers and open files on demand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from siqa.dataset import decode
from siqa.dataset.decode import DEFAULT_LIMITS, Limits
from siqa.dataset.errors import ReadError
from siqa.dataset.layouts.blob import Blob
from siqa.dataset.schema import TRANSCRIPT_KEY, VAD_KEY
from siqa.dataset.units import Audio, AudioInfo, VideoInfo


def missing(path: str, modality: str) -> ReadError:
    return ReadError(path, "missing", f"no {modality} for this file id")


def _audio_info(blob: Blob) -> AudioInfo:
    with blob.open("wav") as handle:
        return decode.audio_info(handle, blob.display)


def _read_audio(blob: Blob, limits: Limits) -> Audio:
    with blob.open("wav") as handle:
        return decode.read_audio(handle, blob.display, limits)


def _video_info(blob: Blob) -> VideoInfo:
    with blob.open("mp4") as handle:
        return decode.video_info(handle, blob.display)


@dataclass(frozen=True)
class FileSource:
    """Extracted and tar layouts: one blob per modality (`<file_id>.wav|.mp4|.json|.npz`)."""

    base: str  # display path without extension, for naming absent modalities
    blobs: dict[str, Blob] = field(default_factory=dict)
    limits: Limits = DEFAULT_LIMITS

    def modalities(self) -> frozenset[str]:
        return frozenset(self.blobs)

    def path(self, modality: str) -> str:
        blob = self.blobs.get(modality)
        return blob.display if blob else f"{self.base}.{modality}"

    def _blob(self, modality: str) -> Blob:
        if modality not in self.blobs:
            raise missing(self.path(modality), modality)
        return self.blobs[modality]

    def audio_info(self) -> AudioInfo:
        return _audio_info(self._blob("wav"))

    def read_audio(self) -> Audio:
        return _read_audio(self._blob("wav"), self.limits)

    def read_meta(self) -> dict[str, Any]:
        blob = self._blob("json")
        return decode.parse_json_object(blob.read("json", self.limits.json_bytes), blob.display, self.limits)

    def npz_keys(self) -> list[str]:
        blob = self._blob("npz")
        with blob.open("npz") as handle, decode.NpzReader(handle, blob.display, self.limits) as npz:
            return npz.keys()

    def read_features(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        blob = self._blob("npz")
        with blob.open("npz") as handle, decode.NpzReader(handle, blob.display, self.limits) as npz:
            return npz.read(keys)

    def video_info(self) -> VideoInfo:
        return _video_info(self._blob("mp4"))

    def content_digest(self, modality: str) -> str:
        return self._blob(modality).digest(modality)


@dataclass(frozen=True)
class ModalitySource:
    """Per-modality tree: audio, video, one .npy per feature, transcript/VAD JSONL and annotation JSONs.

    The logical JSON document is assembled as the extracted layout's JSON holds it (`id`, `metadata:vad`,
    `metadata:transcript`, `annotations:<type>`), and the .npy files answer as NPZ keys `<group>:<feature>`, so
    rules see one shape whatever the layout. `path("json")` names the VAD file (else the transcript, else an
    annotation): the file a metadata finding most likely concerns. `path("npz")` names the file id's feature files
    with a brace pattern, `<label>/<split>/{smplh,boxes_and_keypoints,movement}/*/<id>.npy`.
    """

    file_id: str
    prefix: str  # `<label>/<split>`
    wav: Blob | None = None
    mp4: Blob | None = None
    transcript: Blob | None = None
    vad: Blob | None = None
    annotations: dict[str, Blob] = field(default_factory=dict)
    features: dict[str, Blob] = field(default_factory=dict)
    limits: Limits = DEFAULT_LIMITS

    def _json_parts(self) -> list[Blob]:
        return [b for b in (self.vad, self.transcript, *self.annotations.values()) if b is not None]

    def modalities(self) -> frozenset[str]:
        present = {"wav": self.wav, "mp4": self.mp4, "json": self._json_parts(), "npz": self.features}
        return frozenset(m for m, v in present.items() if v)

    def path(self, modality: str) -> str:
        if modality == "json":
            parts = self._json_parts()
            return parts[0].display if parts else f"{self.prefix}/metadata/vad/{self.file_id}.jsonl"
        if modality == "npz":
            return f"{self.prefix}/{{smplh,boxes_and_keypoints,movement}}/*/{self.file_id}.npy"
        return f"{self.prefix}/{'audio' if modality == 'wav' else 'video'}/{self.file_id}.{modality}"

    def _media(self, modality: str) -> Blob:
        blob = self.wav if modality == "wav" else self.mp4
        if blob is None:
            raise missing(self.path(modality), modality)
        return blob

    def audio_info(self) -> AudioInfo:
        return _audio_info(self._media("wav"))

    def read_audio(self) -> Audio:
        return _read_audio(self._media("wav"), self.limits)

    def read_meta(self) -> dict[str, Any]:
        if not self._json_parts():
            raise missing(self.path("json"), "json")
        limit = self.limits.json_bytes
        doc: dict[str, Any] = {"id": self.file_id}
        for key, blob in ((VAD_KEY, self.vad), (TRANSCRIPT_KEY, self.transcript)):
            if blob is not None:
                doc[key] = decode.parse_jsonl(blob.read("json", limit), blob.display, self.limits)
        for name, blob in sorted(self.annotations.items()):
            doc[f"annotations:{name}"] = decode.parse_json(blob.read("json", limit), blob.display, self.limits)
        return doc

    def npz_keys(self) -> list[str]:
        if not self.features:
            raise missing(self.path("npz"), "npz")
        return sorted(self.features)

    def read_features(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """The requested arrays; keys without a .npy file are left out of the result, as an NPZ would."""
        arrays = {}
        for key in keys:
            blob = self.features.get(key)
            if blob is not None:
                with blob.open("npz") as handle:
                    arrays[key] = decode.read_npy(handle, blob.display, self.limits)
        return arrays

    def video_info(self) -> VideoInfo:
        return _video_info(self._media("mp4"))

    def content_digest(self, modality: str) -> str:
        if modality == "json":
            parts = self._json_parts()
        elif modality == "npz":
            parts = [self.features[k] for k in sorted(self.features)]
        else:
            parts = [self._media(modality)]
        if not parts:
            raise missing(self.path(modality), modality)
        return "|".join(blob.digest(modality) for blob in parts)
