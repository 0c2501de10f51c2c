from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import Setting, rule

SETTINGS = {
    "tolerance_seconds": Setting(0.02, "slack for rounding of word and segment times"),
}


@rule("IN016", "word-outside-segment", scope=Scope.FILE, severity=Severity.WARNING, reads=("json",),
      settings=SETTINGS)
def word_outside_segment(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """Transcript words timed outside the segment that holds them.

    ## What it detects
    Words of a `metadata:transcript` segment that start before the segment starts or end after it ends (beyond
    the tolerance), or whose own end precedes their start.

    ## Why it matters
    Word-level alignment is what lip-sync, gesture and turn-taking models train on; a word outside its segment
    is misplaced by a whole utterance.

    ## Evidence
    `words` (up to 20: segment index, word, its times, the segment's times), `count`.

    ## Thresholds
    `tolerance_seconds`: slack for rounding of word and segment times.
    """
    if not pf.has("json"):
        return
    tolerance = ctx.settings.tolerance_seconds
    bad = [(i, w, seg) for i, seg in enumerate(pf.meta().transcript().items) for w in seg.words
           if w.start < seg.start - tolerance or w.end > seg.end + tolerance or w.end < w.start]
    if bad:
        yield ctx.report(
            pf, f"{pf.path('json')}: {len(bad)} word(s) outside their segment", path=pf.path("json"),
            span=(min(w.start for _, w, _ in bad), max(max(w.end, w.start) for _, w, _ in bad)),
            evidence={"count": len(bad), "words": [
                {"segment": i, "word": w.word, "start": w.start, "end": w.end, "segment_start": s.start,
                 "segment_end": s.end} for i, w, s in bad[:20]]})
