"""Voice embeddings of one participant's own speech: the backend protocol and the default offline backend.

A backend sees the channel at 16 kHz and the own-speech flags per 10 ms frame (`siqa.signals.activity`, which
gates out the partner's bleed), and must describe only the flagged frames: a fingerprint that mixed in the
partner's voice would make the two people of a dyad look alike. The default backend needs no model: statistics
of MFCCs (the spectral envelope, i.e. the vocal tract and the microphone) and of the pitch over own speech.
Vectors of different backends live in different spaces, so each backend names its space and only vectors of
one name are compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import librosa
import numpy as np

from siqa.config import ConfigError, RuleSettings
from siqa.signals.activity import FRAME_SAMPLES, FRAME_SECONDS
from siqa.signals.audio import ANALYSIS_RATE
from siqa.signals.frames import runs

WINDOW_SAMPLES = 400  # 25 ms analysis windows, one per 10 ms activity frame
VOICED_MAX_ZCR = 0.15  # zero crossings per sample below which a speech frame is voiced (vowels, nasals)
MIN_VOICED_FRAMES = 10


class VoiceBackend(Protocol):
    name: str  # the embedding space: vectors are compared only with vectors of the same name

    def embed(self, audio16k: np.ndarray, own: np.ndarray) -> np.ndarray | None:
        """One vector for the frames flagged in `own` (per 10 ms), or None when they are too few."""
        ...


def frame_count(samples: int, window: int) -> int:
    """Analysis frames of `window` samples every 10 ms that fit in `samples` (frame i starts at i * 10 ms)."""
    return max(0, 1 + (samples - window) // FRAME_SAMPLES)


def own_frames(own: np.ndarray, frames: int) -> np.ndarray:
    """The own-speech flags aligned with `frames` analysis frames (frames past the flags count as not own)."""
    flags = np.zeros(frames, dtype=bool)
    n = min(frames, len(own))
    flags[:n] = own[:n]
    return flags


@dataclass(frozen=True)
class MfccPitchVoice:
    """Mean and spread of MFCC 1..n-1 (c0, the level, is left out: it follows the gain, not the person) and
    the median and spread of log pitch over voiced own-speech frames."""

    n_mfcc: int = 20
    n_mels: int = 40
    fmin_hz: float = 60.0
    fmax_hz: float = 400.0
    min_frames: int = 100  # own-speech frames (10 ms) needed for a vector
    pitch_frames: int = 1500  # own-speech frames pitch is estimated on, at most about (15 s)
    name: str = "mfcc-pitch/1"

    def embed(self, audio16k: np.ndarray, own: np.ndarray) -> np.ndarray | None:
        frames = frame_count(len(audio16k), WINDOW_SAMPLES)
        flags = own_frames(own, frames)
        if flags.sum() < self.min_frames:
            return None
        audio = audio16k.astype(np.float32, copy=False)
        mel = librosa.feature.melspectrogram(y=audio, sr=ANALYSIS_RATE, n_fft=WINDOW_SAMPLES,
                                             hop_length=FRAME_SAMPLES, n_mels=self.n_mels, center=False)
        # no top_db floor: it is relative to the loudest frame, which may be the partner's
        log_mel = librosa.power_to_db(mel, top_db=None)
        mfcc = librosa.feature.mfcc(S=log_mel, n_mfcc=self.n_mfcc)[1:, :frames][:, flags]
        pitch = self._pitch(audio, flags)
        if pitch is None:
            return None
        return np.concatenate([mfcc.mean(axis=1), mfcc.std(axis=1), pitch]).astype(np.float32)

    def _pitch(self, audio: np.ndarray, flags: np.ndarray) -> np.ndarray | None:
        """Median and interquartile range of log2 f0 (YIN) where own speech is voiced (low zero-crossing rate:
        YIN answers on every frame, voiced or not). YIN is the costly part, so it runs on own-speech runs only,
        and on every k-th run when there is more own speech than `pitch_frames`: spread over the whole file,
        that many frames pin a median and a quartile range down."""
        window = int(2.5 * ANALYSIS_RATE / self.fmin_hz)  # YIN needs two periods of the lowest pitch
        own_runs = runs(flags)
        stride = max(1, int(np.ceil(flags.sum() / self.pitch_frames)))
        log_f0 = []
        for start, stop in own_runs[::stride]:
            piece = audio[start * FRAME_SAMPLES : (stop - 1) * FRAME_SAMPLES + window]
            if len(piece) < window:
                continue
            f0 = librosa.yin(piece, fmin=self.fmin_hz, fmax=self.fmax_hz, sr=ANALYSIS_RATE, frame_length=window,
                             hop_length=FRAME_SAMPLES, center=False)
            zcr = librosa.feature.zero_crossing_rate(piece, frame_length=WINDOW_SAMPLES, hop_length=FRAME_SAMPLES,
                                                     center=False)[0]
            n = min(len(f0), len(zcr))
            log_f0.append((np.log2(f0[:n]), zcr[:n] < VOICED_MAX_ZCR))
        if not log_f0:  # every run ends too near the end of the audio for one YIN window
            return None
        values = np.concatenate([v for v, _ in log_f0])
        voiced = np.concatenate([m for _, m in log_f0])
        chosen = values[voiced] if voiced.sum() >= MIN_VOICED_FRAMES else values
        q1, median, q3 = np.percentile(chosen, [25, 50, 75])
        return np.array([median, q3 - q1])


def voice_backend(settings: RuleSettings) -> VoiceBackend:
    """The backend a rule set names: `voice_backend = "mfcc-pitch"`, or `"onnx"` with `onnx_model`."""
    kind = settings.get("voice_backend")
    min_frames = round(settings.get("min_voice_seconds") / FRAME_SECONDS)
    if kind == "mfcc-pitch":
        return MfccPitchVoice(min_frames=min_frames)
    if kind == "onnx":
        from siqa.identity.onnx_voice import onnx_voice

        return onnx_voice(str(settings.get("onnx_model")), min_frames)
    raise ConfigError(f"{settings.code}: unknown voice_backend {kind!r} (mfcc-pitch or onnx)")
