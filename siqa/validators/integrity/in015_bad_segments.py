from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from siqa.context import RuleContext
from siqa.dataset.meta import Segment
from siqa.dataset.schema import TRANSCRIPT_KEY, VAD_KEY
from siqa.dataset.units import ParticipantFile
from siqa.findings import Applicability, Finding, Fix, Scope, Severity
from siqa.patches.minimal import operations
from siqa.registry import Setting, rule

SAFE_PROBLEMS = {"unsorted", "overlapping"}


def segment_problems(segments: Sequence[Segment], duration: float | None, tolerance: float) -> dict[str, list[int]]:
    """Indices of segments per problem: negative length, out of bounds, unsorted, overlapping the previous one."""
    problems: dict[str, list[int]] = {"negative_length": [], "out_of_bounds": [], "unsorted": [], "overlapping": []}
    for i, seg in enumerate(segments):
        if seg.end < seg.start:
            problems["negative_length"].append(i)
        if seg.start < -tolerance or (duration is not None and seg.end > duration + tolerance):
            problems["out_of_bounds"].append(i)
        if i and seg.start < segments[i - 1].start:
            problems["unsorted"].append(i)
        elif i and seg.start < segments[i - 1].end - tolerance:
            problems["overlapping"].append(i)
    return {k: v for k, v in problems.items() if v}


def repaired(entries: list[dict[str, Any]], duration: float | None, merge: bool) -> list[dict[str, Any]]:
    """Entries with start/end swapped where reversed, clipped to the audio (dropped when wholly outside it),
    sorted, and (VAD only) merged."""
    limit = float("inf") if duration is None else duration
    out = []
    for entry in entries:
        start, end = sorted((entry["start"], entry["end"]))
        if end < 0 or start > limit:
            continue
        out.append({**entry, "start": max(0.0, start), "end": min(end, limit)})
    out.sort(key=lambda e: (e["start"], e["end"]))
    if not merge:
        return out
    merged: list[dict[str, Any]] = []
    for entry in out:
        if merged and entry["start"] <= merged[-1]["end"]:
            merged[-1] = {**merged[-1], "end": max(merged[-1]["end"], entry["end"])}
        else:
            merged.append(entry)
    return merged


SETTINGS = {
    "tolerance_seconds": Setting(0.02, "slack for bounds and overlaps (VAD frames are 10 ms)"),
}


@rule("IN015", "bad-segments", scope=Scope.FILE, severity=Severity.ERROR, reads=("json", "wav"),
      settings=SETTINGS)
def bad_segments(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """VAD or transcript segments of negative length, out of the audio's bounds, unsorted or overlapping.

    ## What it detects
    In `metadata:vad` and `metadata:transcript`: segments whose end precedes their start, that start before 0 or
    end after the audio (from the WAV header), that are out of time order, or that overlap the previous segment.
    One finding per list, spanning the affected segments.

    ## Why it matters
    Segment-based loaders crop wrong or empty audio; overlaps double-count speech time.

    ## Evidence
    `list` (vad or transcript), `problems` (segment indices per problem), `count`, `audio_seconds`.

    ## Fix
    Sorts the list (and, for VAD, merges overlaps), moving, removing and changing only the segments that need it:
    safe, nothing is invented. Where segments were reversed or out of bounds, the fix also swaps and clips them
    (dropping any wholly outside the audio): unsafe, the true times are unknown. No fix when
    some entry cannot be parsed at all (IN017 reports those).

    ## Thresholds
    `tolerance_seconds`: slack for bounds and overlaps (VAD frames are 10 ms).
    """
    if not pf.has("json"):
        return
    meta = pf.meta()
    duration = pf.audio_info().duration if pf.has("wav") else None
    tolerance = ctx.settings.tolerance_seconds
    for name, key, parsed in (("vad", VAD_KEY, meta.vad()), ("transcript", TRANSCRIPT_KEY, meta.transcript())):
        segments = parsed.items
        problems = segment_problems(segments, duration, tolerance)
        if not problems:
            continue
        chosen = [segments[i] for indices in problems.values() for i in indices]
        fix = None
        if not parsed.problems and all("start" in e and "end" in e for e in meta.raw[key]):
            safe = set(problems) <= SAFE_PROBLEMS
            fix = Fix(Applicability.SAFE if safe else Applicability.UNSAFE, pf.path("json"),
                      operations(meta.raw, key, repaired(meta.raw[key], duration, name == "vad")),
                      f"rewrite {key} sorted" + (", merged" if name == "vad" else "") + ("" if safe else ", clipped"))
        summary = ", ".join(f"{len(v)} {k.replace('_', ' ')}" for k, v in problems.items())
        yield ctx.report(pf, f"{pf.path('json')}: {name} segments: {summary}", path=pf.path("json"),
                         span=(min(min(s.start, s.end) for s in chosen), max(max(s.start, s.end) for s in chosen)),
                         evidence={"list": name, "problems": {k: v[:50] for k, v in problems.items()},
                                   "count": len(set(i for v in problems.values() for i in v)),
                                   "audio_seconds": duration}, fix=fix)
