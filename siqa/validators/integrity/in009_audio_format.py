from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule

SETTINGS = {
    "sample_rate": Setting(48000, "expected sample rate (Hz)"),
    "subtype": Setting("PCM_16", "expected sample encoding (libsndfile subtype)"),
    "channels": Setting(1, "expected channel count"),
}


@rule("IN009", "audio-format", scope=Scope.FILE, severity=Severity.ERROR, reads=("wav",), settings=SETTINGS)
def audio_format(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """WAV not in the release format (48 kHz, 16-bit PCM, mono).

    ## What it detects
    Sample rate, sample format or channel count that differ from the release's documented format. Reads only the
    header.

    ## Why it matters
    Pipelines that assume 48 kHz mono misplace every timestamp or mix channels; a resampled file also hints that
    it went through a different processing chain.

    ## Evidence
    `found` and `expected` (sample_rate, subtype, channels).

    ## Thresholds
    `sample_rate`, `subtype`, `channels`: the expected format.
    """
    if not pf.has("wav"):
        return
    info = pf.audio_info()
    expected = {k: ctx.settings.get(k) for k in ("sample_rate", "subtype", "channels")}
    found = {"sample_rate": info.sample_rate, "subtype": info.subtype, "channels": info.channels}
    wrong = [k for k in expected if found[k] != expected[k]]
    if wrong:
        detail = ", ".join(f"{k} {found[k]} (expected {expected[k]})" for k in wrong)
        yield ctx.report(pf, f"{pf.path('wav')}: {detail}", path=pf.path("wav"),
                         evidence={"found": found, "expected": expected})
