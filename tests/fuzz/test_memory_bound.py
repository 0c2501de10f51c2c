"""Memory stays inside the reader limits: a WAV costs 4 bytes a frame once decoded whatever its sample width and
channels, a header beyond `audio_frames` is refused before decoding, and the members of one NPZ are bounded
together (`npz_bytes`), not one by one. Each reader runs in a fresh process whose peak resident memory (VmHWM)
is read before and after; the default run scales the limits down, the slow run audits files at the default
limits and holds a worker to the bound docs/cluster.md states."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from siqa.audit import AuditOptions, run_audit
from siqa.dataset.decode import DECODE_BLOCK, DEFAULT_LIMITS
from siqa.outputs.files import read_findings

MIB = 1 << 20
SLACK = 12 * MIB  # allocator and library noise around one read
WORKER_BOUND_MB = 3600  # docs/cluster.md: a worker's peak on the worst files the default limits let through (3.4 GB)

MEASURE = """
import json, sys
from siqa.dataset import decode
from siqa.dataset.errors import ReadError

def peak():
    return next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmHWM"))

kind, path, limits = sys.argv[1], sys.argv[2], decode.Limits(**json.loads(sys.argv[3]))
before, error = peak(), None
try:
    if kind == "wav":
        decode.read_audio(path, "x.wav", limits)
    else:
        with decode.NpzReader(path, "x.npz", limits) as npz:
            npz.read(npz.keys())
except ReadError as refused:
    error = refused.reason
print(json.dumps({"grew": peak() - before, "error": error}))
"""


def _measure(kind: str, path: Path, **limits: int) -> dict:
    """(bytes the peak resident memory grew by while reading, the refusal's reason or None)."""
    run = subprocess.run([sys.executable, "-c", MEASURE, kind, str(path), json.dumps(limits)], check=False,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _wav(path: Path, frames: int, rate: int, channels: int, subtype: str) -> Path:
    noise = np.random.default_rng(0).uniform(-0.5, 0.5, (1 << 18, channels)).astype(np.float32)
    with sf.SoundFile(path, "w", rate, channels, subtype=subtype, format="WAV") as wav:
        for start in range(0, frames, len(noise)):
            wav.write(noise[: frames - start])
    return path


def _npz_of_zeros(path: Path, members: int, member_bytes: int, keys: tuple[str, ...] = (), width: int = 512) -> Path:
    """An NPZ whose members are float32 zeros of `width` values a frame: deflate shrinks each a thousand-fold."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for k in range(members):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.zeros((member_bytes // 4 // width, width), np.float32))
            archive.writestr(f"{keys[k] if k < len(keys) else f'movement:feature{k}'}.npy", buffer.getvalue())
    return path


def test_an_8_bit_stereo_wav_decodes_to_4_bytes_a_frame(tmp_path):
    frames = 8 << 20  # 16 MiB on disk; 64 MiB as float32 per channel, 32 MiB as float32 mono
    wav = _wav(tmp_path / "u8.wav", frames, 96_000, 2, "PCM_U8")
    read = _measure("wav", wav, audio_seconds=3600)
    assert read["error"] is None
    assert read["grew"] <= 4 * frames + 4 * DECODE_BLOCK + SLACK, read


def test_a_wav_beyond_the_frame_limit_is_refused_before_decoding(tmp_path):
    wav = _wav(tmp_path / "long.wav", 4 << 20, 96_000, 1, "PCM_U8")
    read = _measure("wav", wav, audio_frames=(4 << 20) - 1)
    assert "4194304 frames (44 s at 96000 Hz), over the 4194303-frame limit" in read["error"]
    assert read["grew"] <= SLACK, read


def test_the_members_of_one_npz_are_bounded_together(tmp_path):
    bomb = _npz_of_zeros(tmp_path / "bomb.npz", 4, 16 * MIB)
    assert bomb.stat().st_size < MIB, "a compressed NPZ declares far more than it holds"
    read = _measure("npz", bomb, array_bytes=16 * MIB + 128, npz_bytes=32 * MIB)  # each member within its limit
    assert "members declare 67109" in read["error"] and "over the 33554432-byte limit for one NPZ" in read["error"]
    assert read["grew"] <= SLACK, read
    assert _measure("npz", bomb, array_bytes=16 * MIB + 128, npz_bytes=80 * MIB)["grew"] >= 64 * MIB


def test_a_feature_array_beyond_the_frame_limit_is_refused_before_decompressing(tmp_path):
    """Per-frame signals hold several float64 values a frame: a 1-value-a-frame array of many frames would cost
    far more than its bytes."""
    flags = _npz_of_zeros(tmp_path / "long.npz", 1, 16 * MIB, width=1)
    read = _measure("npz", flags, feature_frames=1 << 20)
    assert "declares 4194304 frames (rows), over the 1048576-frame limit" in read["error"]
    assert read["grew"] <= SLACK, read


@pytest.mark.slow
def test_a_worker_auditing_the_largest_files_the_limits_admit_stays_within_the_documented_bound(batch_copy,
                                                                                                   tmp_path):
    """Both channels of one interaction at the default limits' worst (46 minutes at 48 kHz, NPZs declaring
    nearly `npz_bytes` of the features the rules read), and the issue's 512 MiB 8-bit 96 kHz WAV in another."""
    archive = batch_copy.root / batch_copy.label / batch_copy.batch / "0000"
    first, second, *_ = sorted(archive.glob("*.wav"))
    longest = _wav(tmp_path / "longest.wav", DEFAULT_LIMITS.audio_frames, 48_000, 1, "PCM_16")
    keys = ("boxes_and_keypoints:keypoints", "movement:frame_latent", "smplh:body_pose", "movement:expression")
    features = _npz_of_zeros(tmp_path / "features.npz", 4, (DEFAULT_LIMITS.npz_bytes - MIB) // 4, keys)
    for wav in (first, second):
        wav.write_bytes(longest.read_bytes())
        wav.with_suffix(".npz").write_bytes(features.read_bytes())
    huge = max(archive.glob("*.wav"))
    _wav(huge, 512 * MIB, 96_000, 1, "PCM_U8")
    outcome = run_audit(AuditOptions(batch=batch_copy.batch, root=batch_copy.root, out=tmp_path / "out", jobs=2,
                                     cache=False, asr={"backend": "none"}))
    assert 0 < outcome.summary.peak_worker_rss_mb <= WORKER_BOUND_MB
    refused = [f for f in read_findings(outcome.findings_path) if f.code == "IN001" and huge.name in f.path]
    assert refused and "over the" in refused[0].message
