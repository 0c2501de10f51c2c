"""ParticipantSource implementations: one per file (extracted and tar layouts), one per modality tree."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from siqa.dataset import decode
from siqa.dataset.errors import ReadError
from siqa.dataset.layouts.blob import Blob
from siqa.dataset.schema import TRANSCRIPT_KEY, VAD_KEY
from siqa.dataset.units import Audio, AudioInfo, VideoInfo


def _missing(path: str, modality: str) -> ReadError:
    return ReadError(path, "missing", f"no {modality} for this file id")


def _audio_info(blob: Blob) -> AudioInfo:
    with blob.open() as handle:
        return decode.audio_info(handle, blob.display, blob.length())


def _read_audio(blob: Blob) -> Audio:
    if blob.length() > decode.MAX_FILE_BYTES:
        raise ReadError(blob.display, "wav", f"over the {decode.MAX_FILE_BYTES}-byte limit")
    with blob.open() as handle:
        return decode.read_audio(handle, blob.display, blob.length())


def _video_info(blob: Blob) -> VideoInfo:
    if blob.whole_file:
        return decode.video_info(blob.file, blob.display)
    with blob.open() as handle:
        return decode.video_info(handle, blob.display)


@dataclass(frozen=True)
class FileSource:
    """Extracted and tar layouts: one blob per modality (`<file_id>.wav|.mp4|.json|.npz`)."""

    base: str  # display path without extension, for naming absent modalities
    blobs: dict[str, Blob] = field(default_factory=dict)

    def modalities(self) -> frozenset[str]:
        return frozenset(self.blobs)

    def path(self, modality: str) -> str:
        blob = self.blobs.get(modality)
        return blob.display if blob else f"{self.base}.{modality}"

    def _blob(self, modality: str) -> Blob:
        if modality not in self.blobs:
            raise _missing(self.path(modality), modality)
        return self.blobs[modality]

    def audio_info(self) -> AudioInfo:
        return _audio_info(self._blob("wav"))

    def read_audio(self) -> Audio:
        return _read_audio(self._blob("wav"))

    def read_meta(self) -> dict[str, Any]:
        blob = self._blob("json")
        return decode.parse_json_object(blob.read(decode.MAX_JSON_BYTES), blob.display)

    def _npz(self) -> decode.NpzReader:
        blob = self._blob("npz")
        source = blob.file if blob.whole_file else blob.read(decode.MAX_FILE_BYTES)
        return decode.NpzReader(source, blob.display)

    def npz_keys(self) -> list[str]:
        reader = self._npz()
        try:
            return reader.keys()
        finally:
            reader.close()

    def read_features(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        reader = self._npz()
        try:
            return reader.read(keys)
        finally:
            reader.close()

    def video_info(self) -> VideoInfo:
        return _video_info(self._blob("mp4"))

    def content_digest(self, modality: str) -> str:
        return self._blob(modality).digest()


@dataclass(frozen=True)
class ModalitySource:
    """Per-modality tree: audio, video, one .npy per feature, transcript/VAD JSONL and annotation JSONs.

    The logical JSON document is assembled as the extracted layout's JSON would hold it, so rules see one shape.
    `path("json")` names the VAD file (else the transcript, else an annotation); `path("npz")` names the
    file id's feature files with a wildcard.
    """

    file_id: str
    prefix: str  # `<label>/<split>`
    wav: Blob | None = None
    mp4: Blob | None = None
    transcript: Blob | None = None
    vad: Blob | None = None
    annotations: dict[str, Blob] = field(default_factory=dict)
    features: dict[str, Blob] = field(default_factory=dict)

    def _json_parts(self) -> list[Blob]:
        return [b for b in (self.vad, self.transcript, *self.annotations.values()) if b is not None]

    def modalities(self) -> frozenset[str]:
        present = {"wav": self.wav, "mp4": self.mp4, "json": self._json_parts() or None, "npz": self.features or None}
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
            raise _missing(self.path(modality), modality)
        return blob

    def audio_info(self) -> AudioInfo:
        return _audio_info(self._media("wav"))

    def read_audio(self) -> Audio:
        return _read_audio(self._media("wav"))

    def read_meta(self) -> dict[str, Any]:
        if not self._json_parts():
            raise _missing(self.path("json"), "json")
        doc: dict[str, Any] = {"id": self.file_id}
        for key, blob in ((VAD_KEY, self.vad), (TRANSCRIPT_KEY, self.transcript)):
            if blob is not None:
                doc[key] = decode.parse_jsonl(blob.read(decode.MAX_JSON_BYTES), blob.display)
        for name, blob in sorted(self.annotations.items()):
            doc[f"annotations:{name}"] = decode.parse_json(blob.read(decode.MAX_JSON_BYTES), blob.display)
        return doc

    def npz_keys(self) -> list[str]:
        if not self.features:
            raise _missing(self.path("npz"), "npz")
        return sorted(self.features)

    def read_features(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        arrays = {}
        for key in keys:
            blob = self.features[key]
            if os.path.getsize(blob.file) > decode.MAX_ARRAY_BYTES:
                raise ReadError(blob.display, "npz", "over the array size limit")
            with blob.open() as handle:
                arrays[key] = decode.read_npy(handle, blob.display)
        return arrays

    def video_info(self) -> VideoInfo:
        return _video_info(self._media("mp4"))

    def content_digest(self, modality: str) -> str:
        if modality == "json":
            return "|".join(b.digest() for b in self._json_parts())
        if modality == "npz":
            return "|".join(self.features[k].digest() for k in sorted(self.features))
        return self._media(modality).digest()
