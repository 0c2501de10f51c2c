"""Non-speech sounds of a channel: breaths before turns, laughs, and short noise bursts (a door, a cough,
keyboard clicks). Real channels carry them and neither transcripts nor a speech VAD list them, so they go into
the channel audio only. Breaths and laughs are quieter than the speaker's speech."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from siqa.dataset.schema import SAMPLE_RATE
from siqa.synth.room import Magnitude, band, shaped_noise
from siqa.synth.variation import Variation

Sound = Callable[[np.random.Generator], np.ndarray]
PEAK_SHARE = 0.5  # a sound peaks below this share of the channel's ceiling
TURN_PAUSE = 0.8  # own silence (s) before speech that makes it a new turn, which a breath may precede

BREATH, DOOR, COUGH, CLICK = band(300, 3000), band(None, 400), band(200, 4000), band(2000, None)


def _noise(rng: np.random.Generator, seconds: float, magnitude: Magnitude) -> np.ndarray:
    return shaped_noise(int(seconds * SAMPLE_RATE), magnitude, rng)


def breath(rng: np.random.Generator) -> np.ndarray:
    """A soft inhalation: band-limited noise swelling and fading over 0.3-0.5 s."""
    noise = _noise(rng, float(rng.uniform(0.3, 0.5)), BREATH)
    return noise * np.hanning(len(noise))


def laugh(rng: np.random.Generator) -> np.ndarray:
    """Three to six voiced, breathy pulses ("ha ha ha") on a falling pitch."""
    f0, pulses = float(rng.uniform(180, 320)), []
    for k in range(int(rng.integers(3, 7))):
        t = np.arange(int(rng.uniform(0.07, 0.12) * SAMPLE_RATE)) / SAMPLE_RATE
        pitch = f0 * (1 - 0.04 * k)
        voiced = sum(np.sin(2 * np.pi * h * pitch * t) / h for h in range(1, 6))
        pulse = voiced * (1 + 0.5 * rng.standard_normal(len(t))) * np.hanning(len(t))
        pulses.append(np.concatenate((pulse, np.zeros(int(rng.uniform(0.08, 0.13) * SAMPLE_RATE)))))
    return np.concatenate(pulses)


def door(rng: np.random.Generator) -> np.ndarray:
    """A thud: low noise with a fast attack and a 0.08-0.2 s decay."""
    noise = _noise(rng, 0.5, DOOR)
    return noise * np.exp(-np.arange(len(noise)) / (float(rng.uniform(0.08, 0.2)) * SAMPLE_RATE))


def cough(rng: np.random.Generator) -> np.ndarray:
    """One or two broadband bursts of 0.15-0.3 s with a sharp attack."""
    parts = []
    for _ in range(int(rng.integers(1, 3))):
        noise = _noise(rng, float(rng.uniform(0.15, 0.3)), COUGH)
        parts.append(noise * np.exp(-np.arange(len(noise)) / (0.06 * SAMPLE_RATE)))
        parts.append(np.zeros(int(0.12 * SAMPLE_RATE)))
    return np.concatenate(parts)


def keyboard(rng: np.random.Generator) -> np.ndarray:
    """Four to twelve 3-ms clicks, 80-250 ms apart."""
    click = int(0.003 * SAMPLE_RATE)
    gaps = (rng.uniform(0.08, 0.25, int(rng.integers(4, 13))) * SAMPLE_RATE).astype(int)
    out = np.zeros(int(gaps.sum()) + click)
    for start in np.concatenate(([0], np.cumsum(gaps)[:-1])):
        out[start:start + click] = _noise(rng, 0.003, CLICK) * np.hanning(click)
    return out


BURSTS: tuple[tuple[Sound, tuple[float, float]], ...] = ((door, (6, 16)), (cough, (2, 8)), (keyboard, (10, 20)))
"""Each burst and how far (dB, uniform) below the speaker's speech level its RMS sits."""


def _at_level(sound: np.ndarray, level_dbfs: float, peak: float) -> np.ndarray:
    active = sound[np.abs(sound) > 1e-3 * np.max(np.abs(sound))]
    gain = 10 ** (level_dbfs / 20) / (float(np.sqrt(np.mean(active**2))) or 1.0)
    return (sound * min(gain, peak / float(np.max(np.abs(sound))))).astype(np.float32)


def _quiet_start(length: int, total: int, busy: np.ndarray, rng: np.random.Generator) -> int | None:
    """A random start where `length` samples avoid the speaker's own speech (`busy`), if one is found."""
    for _ in range(10):
        start = int(rng.integers(0, max(1, total - length)))
        if not busy[start:start + length].any():
            return start
    return None


def with_sounds(own: np.ndarray, vad: list[dict[str, float]], speech_dbfs: float, variation: Variation,
                rng: np.random.Generator) -> np.ndarray:
    """`own` speech plus its speaker's breaths and laughs (never over their own speech) and the noise bursts
    their microphone picks up (anywhere). Returns `own` itself where the variation has none."""
    if not (variation.breath_chance or variation.laughs_per_minute or variation.bursts_per_minute):
        return own
    out, peak = own.copy(), PEAK_SHARE * (variation.peak_ceiling or 1.0)
    busy = np.zeros(len(own), bool)
    for segment in vad:
        busy[int(segment["start"] * SAMPLE_RATE):int(segment["end"] * SAMPLE_RATE)] = True
    placed: list[tuple[int | None, np.ndarray]] = []
    for previous, segment in zip([None, *vad], vad):  # a breath before a turn, not before every phrase
        new_turn = previous is None or segment["start"] - previous["end"] > TURN_PAUSE
        if new_turn and rng.random() < variation.breath_chance:
            sound = _at_level(breath(rng), speech_dbfs - float(rng.uniform(18, 26)), peak)
            gap = int(float(rng.uniform(0.05, 0.15)) * SAMPLE_RATE)
            placed.append((int(segment["start"] * SAMPLE_RATE) - gap - len(sound), sound))
    minutes = len(own) / SAMPLE_RATE / 60
    for _ in range(int(rng.poisson(variation.laughs_per_minute * minutes))):
        sound = _at_level(laugh(rng), speech_dbfs - float(rng.uniform(6, 12)), peak)
        placed.append((_quiet_start(len(sound), len(own), busy, rng), sound))
    for _ in range(int(rng.poisson(variation.bursts_per_minute * minutes))):
        make, (low, high) = BURSTS[int(rng.integers(len(BURSTS)))]
        sound = _at_level(make(rng), speech_dbfs - float(rng.uniform(low, high)), peak)
        placed.append((int(rng.integers(0, max(1, len(own) - len(sound)))), sound))
    for start, sound in placed:
        if start is not None and start >= 0:
            part = out[start:start + len(sound)]
            part += sound[: len(part)]
    return out
