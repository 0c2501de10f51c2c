"""Voice embeddings of one participant's own speech: the backend protocol and the default offline backend
(`siqa.identity.voice_backends` picks the one a rule set names).

A backend sees the channel at 16 kHz and the own-speech flags per 10 ms frame (`siqa.signals.activity`, which
gates out the partner's bleed), and must describe only the flagged frames: a fingerprint that mixed in the
partner's voice would make the two people of a dyad look alike. The default backend needs no model: statistics
of MFCCs (the spectral envelope, i.e. the vocal tract and the microphone) and of the pitch over own speech.
Vectors of different backends live in different spaces, so each backend names its space and only vectors of
one name are compared.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.fft
import scipy.signal
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from siqa.signals.activity import FRAME_SAMPLES
from siqa.signals.audio import ANALYSIS_RATE
from siqa.signals.frames import spread

WINDOW_SAMPLES = 400  # 25 ms analysis windows, one per 10 ms activity frame
VOICED_MAX_ZCR = 0.15  # zero crossings per sample below which a speech frame is voiced (vowels, nasals)
MIN_VOICED_FRAMES = 10
BLOCK_FRAMES = 64  # frames analysed at once (see `blockwise`)


class VoiceBackend(Protocol):
    @property
    def name(self) -> str:
        """The embedding space: vectors are compared only with vectors of the same name."""
        ...

    def embed(self, audio16k: np.ndarray, own: np.ndarray) -> np.ndarray | None:
        """One vector for the frames flagged in `own` (per 10 ms), or None when they are too few."""
        ...


def own_frames(own: np.ndarray, frames: int) -> np.ndarray:
    """The own-speech flags aligned with `frames` analysis frames (frames past the flags count as not own)."""
    flags = np.zeros(frames, dtype=bool)
    n = min(frames, len(own))
    flags[:n] = own[:n]
    return flags


@dataclass(frozen=True)
class MfccPitchVoice:
    """Mean and spread of MFCC 1..n-1 (c0, the level, is left out: it follows the gain, not the person) and
    the median and spread of log pitch over voiced own-speech frames.

    Only own-speech frames are analysed: at most `mfcc_frames` of them, spread evenly over the file, and YIN
    on at most `pitch_frames` of those that are voiced (low zero-crossing rate: YIN answers on unvoiced frames
    too, with noise). Statistics of a few hundred frames spread over a file are nearly as steady as of all its
    frames: on 30 s files the sampling error adds about 1% to the variance of one person's MFCC statistics
    across recordings and 6 to 11% to that of the pitch statistics (5 to 9% with `mfcc-pitch/2`), and a
    file's cost stops growing with its length. YIN, the dearest step, runs on about as many voiced frames as
    `mfcc-pitch/2` kept of its 400 own-speech frames (it ran YIN on them all, then dropped the unvoiced)."""

    n_mfcc: int = 20
    n_mels: int = 40
    fmin_hz: float = 60.0
    fmax_hz: float = 400.0
    min_frames: int = 100  # own-speech frames (10 ms) needed for a vector
    mfcc_frames: int = 500  # own-speech frames the MFCC statistics use, at most (5 s)
    pitch_frames: int = 150  # voiced ones of those that pitch is estimated on, at most (1.5 s)
    name: str = "mfcc-pitch/3"

    def embed(self, audio16k: np.ndarray, own: np.ndarray) -> np.ndarray | None:
        window = int(2.5 * ANALYSIS_RATE / self.fmin_hz)  # YIN needs two periods of the lowest pitch
        audio = audio16k.astype(np.float32, copy=False)
        if len(audio) < window:
            return None
        frames = sliding_window_view(audio, window)[::FRAME_SAMPLES]  # a view: frame i starts at i * 10 ms
        flags = own_frames(own, len(frames))
        if flags.sum() < self.min_frames:
            return None
        chosen = spread(np.flatnonzero(flags), self.mfcc_frames)
        short = frames[chosen, :WINDOW_SAMPLES]
        mfcc = self._mfcc(short)
        signs = np.signbit(short)  # zero crossings, counted as librosa does without numba
        voiced = chosen[(signs[:, 1:] != signs[:, :-1]).mean(axis=1) < VOICED_MAX_ZCR]
        pitched = voiced if len(voiced) >= MIN_VOICED_FRAMES else chosen
        pitch = self._pitch(frames[spread(pitched, self.pitch_frames)])
        return np.concatenate([mfcc.mean(axis=1), mfcc.std(axis=1), pitch]).astype(np.float32)

    def _mfcc(self, frames: np.ndarray) -> np.ndarray:
        """MFCC 1..n-1 per frame (columns), as librosa's melspectrogram, power_to_db (no top_db floor: it is
        relative to the loudest frame, which may be the partner's) and mfcc give them for these frames."""
        window = scipy.signal.get_window("hann", WINDOW_SAMPLES, fftbins=True).astype(np.float32)
        basis = mel_basis(self.n_mels)

        def log_mel(block: np.ndarray) -> np.ndarray:
            spectrum = scipy.fft.rfft(block * window, axis=1)
            return 10 * np.log10(np.maximum(basis @ (spectrum.real ** 2 + spectrum.imag ** 2).T, 1e-10))

        return scipy.fft.dct(blockwise(log_mel, frames), type=2, norm="ortho", axis=0)[1:self.n_mfcc]

    def _pitch(self, frames: np.ndarray) -> np.ndarray:
        """Median and interquartile range of log2 f0 (YIN)."""
        periods = yin_periods(frames, int(ANALYSIS_RATE // self.fmax_hz), int(np.ceil(ANALYSIS_RATE / self.fmin_hz)))
        q1, median, q3 = np.percentile(np.log2(ANALYSIS_RATE / periods), [25, 50, 75])
        return np.array([median, q3 - q1])


_F_SP, _MIN_LOG_HZ, _MIN_LOG_MEL, _LOG_STEP = 200.0 / 3, 1000.0, 15.0, np.log(6.4) / 27.0  # Slaney's mel scale


def _slaney_mel(frequencies: ArrayLike) -> np.ndarray:
    hz = np.asarray(frequencies, dtype=float)
    return np.where(hz >= _MIN_LOG_HZ, _MIN_LOG_MEL + np.log(np.maximum(hz, _MIN_LOG_HZ) / _MIN_LOG_HZ) / _LOG_STEP,
                    hz / _F_SP)


def _slaney_hz(mels: np.ndarray) -> np.ndarray:
    return np.where(mels >= _MIN_LOG_MEL, _MIN_LOG_HZ * np.exp(_LOG_STEP * (mels - _MIN_LOG_MEL)), _F_SP * mels)


MEL_SCALES: dict[str, tuple[Callable[[ArrayLike], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "slaney": (_slaney_mel, _slaney_hz),  # linear to 1 kHz, logarithmic above
    "htk": (lambda hz: 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=float) / 700.0),
            lambda mels: 700.0 * (10.0 ** (mels / 2595.0) - 1.0)),
}


@functools.cache
def mel_basis(n_mels: int, n_fft: int = WINDOW_SAMPLES, fmin: float = 0.0, fmax: float = ANALYSIS_RATE / 2,
              scale: str = "slaney") -> np.ndarray:
    """librosa.filters.mel(sr=16000, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=scale == "htk"):
    triangles evenly spaced on the mel scale between fmin and fmax, each normalised to unit area. Written out,
    like `yin_periods`, because librosa's first call in a process costs seconds of CPU (lazy imports and numba
    compilation) in every worker, and librosa (with numba and llvmlite) is no dependency of siqa's."""
    to_mel, to_hz = MEL_SCALES[scale]
    edges = to_hz(np.linspace(to_mel(fmin), to_mel(fmax), n_mels + 2))
    bins = np.linspace(0, ANALYSIS_RATE / 2, 1 + n_fft // 2)
    rising = (bins[None, :] - edges[:-2, None]) / np.diff(edges)[:-1, None]
    falling = (edges[2:, None] - bins[None, :]) / np.diff(edges)[1:, None]
    return (np.maximum(0, np.minimum(rising, falling)) * (2.0 / (edges[2:] - edges[:-2]))[:, None]).astype(np.float32)


def blockwise(analyse: Callable[[np.ndarray], np.ndarray], frames: np.ndarray) -> np.ndarray:
    """`analyse` on BLOCK_FRAMES frames (rows) at a time, its results joined along their last axis. A block's
    temporaries stay in the CPU cache and the allocator's free lists; those of hundreds of frames at once are
    fresh pages on every call, whose faults cost as much (system) time as the arithmetic."""
    blocks = range(0, len(frames), BLOCK_FRAMES)
    return np.concatenate([analyse(frames[i:i + BLOCK_FRAMES]) for i in blocks], axis=-1)


def yin_periods(frames: np.ndarray, min_period: int, max_period: int, threshold: float = 0.1) -> np.ndarray:
    """The YIN period (in samples, refined below one by a parabola) of each frame (rows), a block of frames
    at a time with FFTs. librosa.yin does the same steps, but its numba kernels compile on the first call in
    every process: 2.5 s of CPU per worker, more than this rule's work on an hour of audio. Tested against it.

    d(tau) is the squared difference of the first `len - max_period` samples and those `tau` later,
    normalised by its running mean; the period is the first dip under `threshold` that is a local minimum, or
    the global minimum when there is none."""
    return blockwise(functools.partial(_yin_block, min_period=min_period, max_period=max_period,
                                        threshold=threshold), frames)


def _yin_block(frames: np.ndarray, min_period: int, max_period: int, threshold: float) -> np.ndarray:
    span = frames.shape[1] - max_period
    x = frames.astype(np.float32)
    size = scipy.fft.next_fast_len(frames.shape[1], real=True)  # lags up to max_period never wrap around
    spectrum = scipy.fft.rfft(x, size, axis=1)
    lagged = scipy.fft.irfft(np.conj(scipy.fft.rfft(x[:, :span], size, axis=1)) * spectrum, size, axis=1)
    squares = x ** 2
    head = squares[:, :span].sum(axis=1, keepdims=True)  # energy of the first `span` samples
    steps = np.cumsum(squares[:, span:] - squares[:, :max_period], axis=1)  # the window slid by tau samples
    tail = head + np.concatenate([np.zeros((len(x), 1), np.float32), steps], axis=1)
    diff = np.maximum(head + tail - 2 * lagged[:, : max_period + 1], 0.0)
    running = np.cumsum(diff[:, 1:], axis=1) / np.arange(1, max_period + 1, dtype=np.float32)
    cmnd = np.ones_like(diff)
    cmnd[:, 1:] = diff[:, 1:] / np.maximum(running, 1e-12)
    search = cmnd[:, min_period:max_period]
    trough = np.zeros_like(search, dtype=bool)
    trough[:, 1:-1] = (search[:, 1:-1] <= search[:, :-2]) & (search[:, 1:-1] < search[:, 2:])
    dips = trough & (search < threshold)
    first = np.where(dips.any(axis=1), np.argmax(dips, axis=1), np.argmin(search, axis=1)) + min_period
    rows = np.arange(len(x))
    left, mid, right = (cmnd[rows, np.clip(first + k, 0, max_period)] for k in (-1, 0, 1))
    curvature = left - 2 * mid + right
    shift = np.where(curvature > 0, 0.5 * (left - right) / np.where(curvature > 0, curvature, 1.0), 0.0)
    return first + np.clip(shift, -1.0, 1.0)
