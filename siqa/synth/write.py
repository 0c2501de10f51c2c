"""Serialising drafts into the three release layouts, and the root tables beside them.

Files are written to a temporary name and renamed, tars are built member by member with fixed metadata
(mtime 0, uid 0), so the same seed gives byte-identical output.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from siqa.synth.draft import FileDraft
from siqa.synth.mixing import to_pcm16
from siqa.synth.video import write_mp4

LAYOUTS = ("extracted", "tar", "modality")


def _wav_bytes(fd: FileDraft) -> bytes:
    import soxr

    audio = fd.mixed
    if fd.sample_rate != 48_000:
        audio = soxr.resample(audio, 48_000, fd.sample_rate)
    data = np.stack([audio, audio], axis=1) if fd.stereo else audio
    buffer = io.BytesIO()
    sf.write(buffer, data if fd.subtype != "PCM_16" else to_pcm16(data), fd.sample_rate, subtype=fd.subtype,
             format="WAV")
    return buffer.getvalue()


def _npz_bytes(features: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    pickled = any(array.dtype.hasobject for array in features.values())  # only where a defect put an object array
    np.savez_compressed(buffer, allow_pickle=pickled, **features)
    return buffer.getvalue()


def _mp4_bytes(fd: FileDraft) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "v.mp4"
        write_mp4(path, fd.video_frames, fd.person.number)
        return path.read_bytes()


def modality_bytes(fd: FileDraft) -> dict[str, bytes]:
    """The four files of a participant as bytes, with corruption defects applied."""
    out = {"wav": _wav_bytes(fd), "json": json.dumps(fd.meta, indent=1).encode(),
           "npz": _npz_bytes(fd.features), "mp4": _mp4_bytes(fd)}
    out.update(fd.raw)
    for modality, share in fd.truncated.items():
        out[modality] = out[modality][: int(len(out[modality]) * share)]
    return {m: b for m, b in out.items() if m not in fd.missing}


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_extracted(batch_dir: Path, archive: int, name: str, files: dict[str, bytes]) -> None:
    for ext, data in files.items():
        atomic_write(batch_dir / f"{archive:04d}" / f"{name}.{ext}", data)


class TarWriter:
    """Appends members to `<batch>/<archive>.tar` files, closing each archive when the next one starts."""

    def __init__(self, batch_dir: Path) -> None:
        self.batch_dir = batch_dir
        self._open: dict[int, tarfile.TarFile] = {}

    def add(self, archive: int, name: str, files: dict[str, bytes]) -> None:
        if archive not in self._open:
            self.batch_dir.mkdir(parents=True, exist_ok=True)
            self._open[archive] = tarfile.open(self.batch_dir / f".{archive:04d}.tar.tmp", "w",
                                               format=tarfile.USTAR_FORMAT)
        for ext, data in files.items():
            info = tarfile.TarInfo(f"{name}.{ext}")
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            self._open[archive].addfile(info, io.BytesIO(data))

    def close(self) -> None:
        for archive, handle in sorted(self._open.items()):
            handle.close()
            os.replace(self.batch_dir / f".{archive:04d}.tar.tmp", self.batch_dir / f"{archive:04d}.tar")
        self._open.clear()


def modality_members(name: str, fd: FileDraft, files: dict[str, bytes]) -> dict[str, bytes]:
    """The per-modality tree's files of one participant, as paths relative to the split folder."""
    out: dict[str, bytes] = {}
    if "wav" in files:
        out[f"audio/{name}.wav"] = files["wav"]
    if "mp4" in files:
        out[f"video/{name}.mp4"] = files["mp4"]
    if "json" in files:
        if "json" in fd.raw or "json" in fd.truncated:  # corrupt JSON: the VAD file carries the damage
            out[f"metadata/vad/{name}.jsonl"] = files["json"]
        else:
            for key, folder in (("metadata:vad", "vad"), ("metadata:transcript", "transcript")):
                if key in fd.meta:
                    lines = "".join(json.dumps(s) + "\n" for s in fd.meta[key])
                    out[f"metadata/{folder}/{name}.jsonl"] = lines.encode()
            for key, value in fd.meta.items():
                if key.startswith("annotations:"):
                    out[f"annotations/{key.split(':', 1)[1]}/{name}.json"] = json.dumps(value).encode()
    if "npz" in files:
        for key, array in fd.features.items():
            group, feature = key.split(":", 1)
            buffer = io.BytesIO()
            np.save(buffer, array)
            out[f"{group}/{feature}/{name}.npy"] = buffer.getvalue()
    return out


def merge_table(path: Path, rows: Iterable[dict], key: str) -> None:
    """Add rows to a root table, replacing rows with the same key, so several batches can share a root."""
    new = pd.DataFrame(list(rows), dtype=str)
    if path.exists():
        old = pd.read_csv(path, dtype=str, keep_default_na=False)
        new = pd.concat([old[~old[key].isin(new[key])], new], ignore_index=True)
    atomic_write(path, new.sort_values(key, kind="stable").to_csv(index=False).encode())
