"""Small real files built by hand, for the cases the synthetic generator never writes (hostile and broken input)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
import soundfile as sf

FILE_ID = "V00_S0001_I00000001_P0001"
PARTNER_ID = "V00_S0001_I00000001_P0002"


def wav_bytes(frames: int = 4800, sample_rate: int = 48_000, fmt: str = "WAV") -> bytes:
    buffer = io.BytesIO()
    samples = (0.1 * np.sin(np.arange(frames) / 10)).astype(np.float32)
    sf.write(buffer, samples, sample_rate, subtype="PCM_16", format=fmt)
    return buffer.getvalue()


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)  # the pickled case is what the reader must refuse
    return buffer.getvalue()


def npz_bytes(arrays: dict[str, np.ndarray], compressed: bool = False) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def member(name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE,
           link: str = "") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, data


def write_tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


def snapshot(folder: Path) -> dict[str, int]:
    """Every path under `folder` with its size: compared before and after, it shows nothing was written."""
    return {str(p): p.stat().st_size if p.is_file() else -1 for p in folder.rglob("*")}
