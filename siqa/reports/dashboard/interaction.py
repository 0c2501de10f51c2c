"""What an interaction page shows: both channels on one time axis with the flagged spans, and the transcript.

A finding about one file marks its own channel; a finding about the dyad marks both. Transcript lines that
overlap a flagged span are marked too, so a curator reads what was said where the problem is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from siqa.findings import Finding
from siqa.reports.dashboard.media import Channel
from siqa.reports.dashboard.pictures import Picture, picture


@dataclass(frozen=True)
class Line:
    start: float
    end: float
    speaker: str
    text: str
    flagged: bool


def _flagged(findings: list[Finding], file_id: str | None) -> list[tuple[float, float, str]]:
    return [(f.span[0], f.span[1], f.code) for f in findings
            if f.span is not None and (f.file_id is None or f.file_id == file_id)]


def interaction_view(findings: list[Finding], channels: list[Channel]) -> dict[str, Any]:
    ends = [c.duration for c in channels] + [f.span[1] for f in findings if f.span]
    ends += [s.end for c in channels for s in c.transcript] + [e for c in channels for _, e in c.activity]
    timeline = max(ends, default=0.0)
    pictures: list[tuple[Channel, Picture]] = []
    lines: list[Line] = []
    for channel in channels:
        spans = _flagged(findings, channel.file_id)
        pictures.append((channel, picture(channel.samples, channel.duration, timeline, channel.activity,
                                          [(s.start, s.end) for s in channel.transcript], spans)))
        speaker = channel.file_id.rsplit("_", 1)[-1]
        lines += [Line(s.start, s.end, speaker, s.text, any(a <= s.end and s.start <= b for a, b, _ in spans))
                  for s in channel.transcript]
    return {"channels": pictures, "transcript": sorted(lines, key=lambda line: (line.start, line.speaker))}
