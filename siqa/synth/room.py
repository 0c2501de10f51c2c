"""Room tone: what a channel holds where nobody speaks. Without natural variation white noise, as the generator
always had; with it a site's own coloured noise (pink, rolled off above the site's corner: a hiss, an air
conditioner, a rumble) and, in an old room, a weak mains hum that a real hum detector must not flag.

Noise is coloured in the frequency domain (numpy's FFT): scipy.signal's filters would cost more to import in
every synthesis process than they save."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from siqa.dataset.schema import SAMPLE_RATE
from siqa.synth.sites import SiteProfile

Magnitude = Callable[[np.ndarray], np.ndarray]  # frequencies (Hz) -> amplitude response
PINK_FLOOR_HZ = 20.0  # pink noise stops rising below this (no infinite rumble at 0 Hz)
HUM_ENBW_HZ = 1.5  # equivalent noise bandwidth of a Hann window over one-second segments


def shaped_noise(samples: int, magnitude: Magnitude, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise with the amplitude spectrum `magnitude`, drawn as its spectrum: one inverse FFT, of a power
    of two (an FFT of a length with a large prime factor is ten times slower) cut to length."""
    size = 1 << max(0, samples - 1).bit_length()
    freqs = np.fft.rfftfreq(size, 1 / SAMPLE_RATE)
    spectrum = rng.standard_normal(len(freqs)) + 1j * rng.standard_normal(len(freqs))
    spectrum *= magnitude(freqs)
    spectrum[0] = 0.0
    return np.fft.irfft(spectrum, size)[:samples]


def band(low_hz: float | None, high_hz: float | None, order: int = 2) -> Magnitude:
    """A Butterworth-shaped band: rolled off (`order` x 6 dB per octave) below `low_hz` and above `high_hz`."""
    def magnitude(freqs: np.ndarray) -> np.ndarray:
        out = np.ones_like(freqs)
        if low_hz:
            out /= np.sqrt(1 + (low_hz / np.maximum(freqs, 1e-3)) ** (2 * order))
        if high_hz:
            out /= np.sqrt(1 + (freqs / high_hz) ** (2 * order))
        return out

    return magnitude


def _tone(corner_hz: float) -> Magnitude:
    """Pink noise (-3 dB per octave), rolled off 6 dB per octave more above `corner_hz`."""
    rolled = band(None, corner_hz, order=1)
    return lambda freqs: rolled(freqs) / np.sqrt(np.maximum(freqs, PINK_FLOOR_HZ))


def room_tone(samples: int, site: SiteProfile, coloured: bool, rng: np.random.Generator) -> np.ndarray:
    """`samples` of the site's room tone at its noise level (RMS, dBFS)."""
    level = 10 ** (site.noise_dbfs / 20)
    if not coloured:
        return rng.normal(0.0, level, samples).astype(np.float32)
    shape = _tone(site.tone_corner_hz)
    tone = shaped_noise(samples, shape, rng)
    gain = level / (float(np.sqrt(np.mean(tone**2))) or 1.0)
    tone *= gain
    if site.hum_hz:
        # the tone's expected one-sided density at the hum: 4 gain^2 |H|^2 / (rate n) for unit complex bins of an
        # n-point inverse FFT
        size = 1 << max(0, samples - 1).bit_length()
        density = 4 * gain**2 * float(shape(np.array([site.hum_hz]))[0]) ** 2 / (SAMPLE_RATE * size)
        amplitude = np.sqrt(2 * HUM_ENBW_HZ * density * 10 ** (site.hum_prominence_db / 10))
        phase = rng.uniform(0, 2 * np.pi)
        tone += amplitude * np.sin(2 * np.pi * site.hum_hz * np.arange(samples) / SAMPLE_RATE + phase)
    return tone.astype(np.float32)
