"""A neural speaker-embedding model in ONNX (a WeSpeaker or ECAPA-TDNN export) as a voice backend.

The model is read from a local path (`onnx_model` under `[rules.ID004]`); nothing is downloaded. It takes
log-mel filter-bank features shaped (batch, frames, mels), as WeSpeaker's exports do, computed Kaldi-style
here (25 ms windows every 10 ms, 16 kHz, natural log, mean-normalised per file), and returns one embedding per
batch item. Only own-speech frames are fed (the partner's bleed is cut out before the model sees it); long
speech is cut into chunks whose L2-normalised embeddings are averaged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.fft
import scipy.signal
from numpy.lib.stride_tricks import sliding_window_view

from siqa.identity.voice import WINDOW_SAMPLES, blockwise, mel_basis, own_frames
from siqa.signals.activity import FRAME_SAMPLES
from siqa.signals.audio import ANALYSIS_RATE

CHUNK_FRAMES = 600  # 6 s of own speech per model call: the length such models are trained on
PCM_SCALE = 32768.0  # Kaldi features are computed on 16-bit sample values
FFT_SAMPLES = 512


def log_mel_fbank(audio16k: np.ndarray, n_mels: int) -> np.ndarray:
    """(frames, n_mels) log-mel energies, one frame per 10 ms activity frame: the power spectrum of 25 ms Hamming
    windows (centred in 512-sample FFT frames) on an HTK mel bank from 20 Hz to 7.6 kHz, as librosa's
    `melspectrogram(n_fft=512, win_length=400, window="hamming", center=False, htk=True)` gives them."""
    samples = audio16k.astype(np.float32) * PCM_SCALE
    if len(samples) < FFT_SAMPLES:
        return np.zeros((0, n_mels), dtype=np.float32)
    window = np.zeros(FFT_SAMPLES, dtype=np.float32)
    margin = (FFT_SAMPLES - WINDOW_SAMPLES) // 2
    window[margin:margin + WINDOW_SAMPLES] = scipy.signal.get_window("hamming", WINDOW_SAMPLES, fftbins=True)
    basis = mel_basis(n_mels, FFT_SAMPLES, 20.0, ANALYSIS_RATE / 2 - 400, "htk")

    def mel_power(block: np.ndarray) -> np.ndarray:
        spectrum = scipy.fft.rfft(block * window, axis=1)
        return basis @ (spectrum.real ** 2 + spectrum.imag ** 2).T

    frames = sliding_window_view(samples, FFT_SAMPLES)[::FRAME_SAMPLES]
    return np.log(np.maximum(blockwise(mel_power, frames), np.finfo(np.float32).eps)).T


@dataclass
class OnnxVoice:
    model_path: Path
    min_frames: int
    session: Any = field(repr=False)
    input_name: str
    n_mels: int
    name: str

    @classmethod
    def load(cls, model_path: Path, min_frames: int) -> OnnxVoice:
        import onnxruntime

        if not model_path.is_file():
            raise FileNotFoundError(
                f"speaker-embedding model {model_path} not found (set onnx_model under [rules.ID004])"
            )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1  # one audit worker per core already
        session = onnxruntime.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        feed = session.get_inputs()[0]
        n_mels = feed.shape[-1]
        if not isinstance(n_mels, int):
            raise ValueError(f"{model_path}: the input's last axis (mel bins) must have a fixed size")
        digest = hashlib.sha256(model_path.read_bytes()).hexdigest()[:12]
        return cls(model_path, min_frames, session, feed.name, n_mels, f"onnx:{model_path.name}:{digest}")

    def embed(self, audio16k: np.ndarray, own: np.ndarray) -> np.ndarray | None:
        feats = log_mel_fbank(audio16k, self.n_mels)
        feats = feats[own_frames(own, len(feats))]
        if len(feats) < self.min_frames:
            return None
        feats = (feats - feats.mean(axis=0)).astype(np.float32)
        chunks = [feats[i : i + CHUNK_FRAMES] for i in range(0, len(feats), CHUNK_FRAMES)]
        chunks = [c for c in chunks if len(c) >= self.min_frames] or chunks[:1]
        vectors = [
            np.asarray(self.session.run(None, {self.input_name: c[None]})[0], np.float32).reshape(-1)
            for c in chunks
        ]
        mean = np.mean([v / (np.linalg.norm(v) or 1.0) for v in vectors], axis=0)
        return (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)


@lru_cache(maxsize=2)
def onnx_voice(model_path: str, min_frames: int) -> OnnxVoice:
    """One loaded model per worker process (loading is the slow part)."""
    return OnnxVoice.load(Path(model_path).expanduser(), min_frames)
