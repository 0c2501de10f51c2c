from __future__ import annotations

from typing import Iterator

import numpy as np
import soxr
from scipy.signal import welch

from siqa.context import RuleContext
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule
from siqa.signals.audio import ANALYSIS_RATE, at_analysis_rate


@rule("RQ005", "mains-hum", scope=Scope.FILE, severity=Severity.WARNING, reads=("wav",))
def mains_hum(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """Mains hum at 50 or 60 Hz.

    ## What it detects
    A narrow spectral peak at 50 or 60 Hz (Welch spectrum of the whole channel at about 1 Hz resolution) towering
    over the neighbouring band. Voices have little energy there, a ground loop has a lot.

    ## Why it matters
    Hum is audible, masks low voices, and biases pitch trackers and speaker embeddings.

    ## Evidence
    `frequency_hz`, `prominence_db` (peak over the median of the band around it).

    ## Thresholds
    `min_prominence_db`; `band_hz`: half-width of the neighbouring band; `analysis_rate`: sample rate the
    spectrum is computed at.
    """
    audio = at_analysis_rate(pf, ctx.signals)
    if audio.size < ANALYSIS_RATE:
        return
    rate = ctx.settings.get("analysis_rate")  # hum lives far below speech: a low rate makes the spectrum cheap
    low = soxr.resample(audio, ANALYSIS_RATE, rate, quality="HQ")  # soxr's HQ is also its fastest at this ratio
    # 1 Hz bins; no per-segment detrending: it only changes bins next to 0 Hz, and costs as much as the FFTs
    freqs, power = welch(low, fs=rate, nperseg=min(len(low), int(rate)), detrend=False)
    band = ctx.settings.get("band_hz")
    best = None
    for hz in (50.0, 60.0):
        peak = (np.abs(freqs - hz) <= 1.0)
        around = (np.abs(freqs - hz) <= band) & ~(np.abs(freqs - hz) <= 3.0)
        prominence = 10 * np.log10(power[peak].max() / (np.median(power[around]) + 1e-20) + 1e-20)
        best = max(best or (prominence, hz), (prominence, hz))
    prominence, hz = best
    ctx.measure(pf, "hum_prominence_db", prominence)
    if prominence >= ctx.settings.get("min_prominence_db"):
        yield ctx.report(pf, f"{pf.path('wav')}: {hz:.0f} Hz hum, {prominence:.1f} dB over its neighbourhood",
                         path=pf.path("wav"), evidence={"frequency_hz": hz, "prominence_db": round(float(prominence), 2)})
