"""A spectrogram band under a channel's waveform: log-frequency rows, dB colours, one column per pixel.

Bleed (the partner's voice as a faint copy), mains hum (a line at 50 or 60 Hz and its harmonics) and band limits
(nothing above 4 or 8 kHz) show in the spectrum where the waveform shows nothing. The band is drawn at the
width of the picture it sits in, so a page holds a few kilobytes of WebP however long the recording is.
"""

from __future__ import annotations

import numpy as np
from scipy.fft import rfft, rfftfreq
from scipy.signal.windows import hann

from siqa.reports.dashboard.clips import cut

LOWEST_HZ = 40.0
DYNAMIC_RANGE_DB = 80.0
WINDOW_SECONDS = 0.064  # 16 Hz bins: mains hum stays apart from its neighbours
# dark (quiet) to bright (loud): a perceptually ordered ramp, close to matplotlib's magma
_STOPS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
_COLOURS = np.array([[0, 0, 4], [81, 18, 124], [183, 55, 121], [252, 137, 97], [252, 253, 191]], dtype=float)


def power_db(samples: np.ndarray, rate: int, start: float, end: float, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """(dB per frequency bin and column, the bins' frequencies) of `start`–`end` seconds: one Hann-windowed
    frame centred on each column, all transformed at once (a long window has far fewer columns than frames);
    time beyond the recording reads as silence."""
    clip = cut(samples, rate, start, end)
    length = max(16, int(WINDOW_SECONDS * rate))
    padded = np.concatenate([np.zeros(length // 2, np.float32), clip, np.zeros(length, np.float32)])
    centres = np.linspace(0, len(clip) - 1, columns).round().astype(int)
    frames = padded[centres[:, None] + np.arange(length)] * hann(length, sym=False).astype(np.float32)
    power = np.abs(rfft(frames, axis=1)) ** 2
    return 10 * np.log10(power.T + 1e-20), rfftfreq(length, 1 / rate)


def log_rows(db: np.ndarray, freqs: np.ndarray, rows: int, top_hz: float) -> np.ndarray:
    """The loudest bin of each of `rows` log-spaced frequency bands from LOWEST_HZ to `top_hz`, top row highest."""
    edges = np.geomspace(LOWEST_HZ, max(top_hz, LOWEST_HZ * 2), rows + 1)
    starts = np.clip(np.searchsorted(freqs, edges[:-1]), 0, len(freqs) - 1)
    return np.maximum.reduceat(db, starts, axis=0)[::-1]


def colours(db: np.ndarray) -> np.ndarray:
    """dB as RGB: the loudest cell brightest, DYNAMIC_RANGE_DB below it dark."""
    level = np.clip((db - (db.max() - DYNAMIC_RANGE_DB)) / DYNAMIC_RANGE_DB, 0.0, 1.0)
    rgb = [np.interp(level, _STOPS, _COLOURS[:, channel]) for channel in range(3)]
    return np.stack(rgb, axis=-1).round().astype(np.uint8)


def band(samples: np.ndarray, rate: int, start: float, end: float, width: int, height: int) -> np.ndarray:
    """The spectrogram of `start`–`end` seconds as a (height, width, 3) RGB image, up to the Nyquist frequency."""
    db, freqs = power_db(samples, rate, start, end, width)
    return colours(log_rows(db, freqs, height, rate / 2))
