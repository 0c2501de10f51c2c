from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from siqa.context import RuleContext, Skip
from siqa.dataset.schema import TRANSCRIPT_KEY, VAD_KEY
from siqa.dataset.units import Interaction
from siqa.findings import Applicability, Finding, Fix, Scope, Severity
from siqa.patches.minimal import operations
from siqa.registry import Setting, rule
from siqa.signals.alignment import file_timing


def shifted(entries: list[dict[str, Any]], delta: float) -> list[dict[str, Any]]:
    """Segments (and their words) moved by `delta` seconds, every other field kept."""
    def move(item: dict[str, Any]) -> dict[str, Any]:
        out = dict(item)
        for start, end in (("start", "end"), ("start_time", "end_time")):
            if isinstance(out.get(start), (int, float)) and isinstance(out.get(end), (int, float)):
                out[start], out[end] = round(out[start] + delta, 3), round(out[end] + delta, 3)
        if isinstance(out.get("words"), list):
            out["words"] = [move(w) if isinstance(w, dict) else w for w in out["words"]]
        return out

    return [move(e) if isinstance(e, dict) else e for e in entries]


SETTINGS = {
    "min_offset_ms": Setting(120.0, "smallest offset reported (ms)"),
    "min_confidence": Setting(0.5, "least confidence reported"),
    "safe_confidence": Setting(0.8, "confidence from which the fix is safe"),
}


@rule("TS001", "timing-offset", scope=Scope.INTERACTION, severity=Severity.ERROR, reads=("wav", "json"),
      settings=SETTINGS)
def timing_offset(interaction: Interaction, ctx: RuleContext) -> Iterator[Finding]:
    """Annotated times (VAD, transcript words) shifted against the speech in the audio.

    ## What it detects
    A global offset between a file's annotated speech activity (`metadata:vad`) and its acoustic own-speech
    activity (webrtcvad gated by energy against the partner's channel, 10 ms frames): the lag that maximises the
    cross-correlation of the two curves, refined below a frame. Reported per file when the offset is large and
    the alignment is trustworthy: the peak is clearly higher than any rival alignment. Rivals are sought among
    all circular shifts of the annotations, outside the peak's own lobe (where the correlation stays above half
    the peak), so the broad peak of long turns does not count against itself, while periodic turn-taking or
    annotations unrelated to the audio (a rival as high as the peak) are not reported.

    ## Why it matters
    About one interaction in ten had human time-stamping errors. A shifted transcript teaches lip-sync,
    turn-taking and gesture models the wrong moment for every word.

    ## Evidence
    `offset_ms` (annotated minus acoustic: positive means annotations are late), `correlation` at the best lag
    and `correlation_at_zero`, `runner_up` (the best rival alignment, at least 0: chance), `peak_width_ms` (the
    peak's lobe), seconds of acoustic and annotated speech.

    ## Fix
    Shifts every VAD segment and transcript word of the file by minus the offset, one `replace` per time: safe
    when the confidence is at least `safe_confidence`, unsafe otherwise.

    ## Thresholds
    `min_offset_ms`: smallest offset reported; `min_confidence`: least confidence reported; `safe_confidence`:
    confidence from which the fix is safe. The confidence is the lesser of (correlation - runner_up) /
    confident_margin and correlation / confident_correlation, clipped to [0, 1]; those two and the largest
    offset searched are settings of `[signals.alignment]`.
    """
    for pf in interaction.participants:
        if not (pf.has("wav") and pf.has("json")):
            continue
        try:
            timing = file_timing(pf, interaction, ctx)
        except Skip:
            continue  # TS004 and TS005 record why this file cannot be aligned
        offset_ms = timing.offset_seconds * 1000
        if abs(offset_ms) < ctx.settings.min_offset_ms or timing.confidence < ctx.settings.min_confidence:
            continue
        a = timing.alignment
        meta = pf.meta()
        shifts = [op for key in (VAD_KEY, TRANSCRIPT_KEY) if isinstance(meta.raw.get(key), list)
                  for op in operations(meta.raw, key, shifted(meta.raw[key], -timing.offset_seconds))]
        safe = timing.confidence >= ctx.settings.safe_confidence
        fix = Fix(Applicability.SAFE if safe else Applicability.UNSAFE, pf.path("json"), shifts,
                  f"shift VAD and transcript by {-offset_ms:+.0f} ms")
        late = "late" if offset_ms > 0 else "early"
        yield ctx.report(pf, f"{pf.path('json')}: annotated timing is {abs(offset_ms):.0f} ms {late} against the "
                             "speech in the audio", path=pf.path("json"), confidence=timing.confidence,
                         evidence={"offset_ms": round(offset_ms, 1), "correlation": round(a.correlation, 4),
                                   "correlation_at_zero": round(a.correlation_at_zero, 4),
                                   "runner_up": round(a.runner_up, 4),
                                   "peak_width_ms": round(a.peak_width_seconds * 1000),
                                   "acoustic_seconds": a.acoustic_seconds,
                                   "annotated_seconds": a.annotated_seconds}, fix=fix)
