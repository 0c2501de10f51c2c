"""What an interaction page shows: both channels on one time axis, each finding's evidence around its span, and
the transcript.

A finding about one file marks its own channel; a finding about the dyad marks both. Each finding with a span
gets a zoomed picture of both channels over the span and a little context (words written out), audio clips of
that window (each channel alone, and both mixed), and, for the findings judged by looking, a strip of video
frames. Transcript lines that overlap a flagged span are marked too, so a curator reads what was said where the
problem is. Media files go to the page's own folder (`links.page_files`), within the page's byte budget
(`clips`), named after the channel and window they show: findings with the same window share them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from siqa.dataset.errors import ReadError
from siqa.findings import Finding
from siqa.reports.dashboard import frames, images, spectrogram
from siqa.reports.dashboard.clips import DEFAULT_LIMITS, MediaFolder, MediaLimits, cut, mix, opus
from siqa.reports.dashboard.entries import Entry
from siqa.reports.dashboard.media import Channel
from siqa.reports.dashboard.pictures import SPECTRUM_HEIGHT, Mark, Picture, Window, picture

OPUS_BYTES_PER_SECOND = 4000  # a clip's expected size, checked against the budget before it is encoded
MAX_PARTS = 50  # sub-spans drawn per finding (evidence lists hold at most a few)


@dataclass(frozen=True)
class Line:
    start: float
    end: float
    speaker: str
    text: str
    flagged: bool


@dataclass(frozen=True)
class Clip:
    label: str  # the speaker, or "both"
    src: str


@dataclass(frozen=True)
class Strip:
    file_id: str
    frames: list[tuple[float, str]]  # (seconds, image)


@dataclass
class Zoom:
    window: Window
    pictures: list[tuple[Channel, Picture]]
    clips: list[Clip] = field(default_factory=list)
    strips: list[Strip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _parts(finding: Finding) -> tuple[tuple[float, float], ...]:
    """Sub-spans from the evidence (`spans`: [[start, end], ...]), when it lists them."""
    spans = finding.evidence.get("spans")
    if not isinstance(spans, list):
        return ()
    return tuple((float(s[0]), float(s[1])) for s in spans[:MAX_PARTS]
                 if isinstance(s, (list, tuple)) and len(s) == 2
                 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in s) and s[0] <= s[1])


def _concerns(finding: Finding, channel: Channel) -> bool:
    return finding.file_id is None or finding.file_id == channel.file_id


def _marks(entries: list[Entry], channel: Channel, current: Entry | None = None) -> list[Mark]:
    """The spans on `channel`; in a finding's zoomed picture (`current`), a span's tooltip gives its rule and
    times only: the message is in the entry the span links to, not repeated in every window that shows it."""
    out = []
    for entry in entries:
        f = entry.finding
        if f.span is not None and _concerns(f, channel):
            title = f"{f.code} {f.span[0]:.2f}–{f.span[1]:.2f} s" + (f": {f.message}" if current is None else "")
            out.append(Mark(f.code, f.span[0], f.span[1], f"#{entry.anchor}", title, _parts(f), entry is current))
    return out


def _words(channel: Channel) -> list[tuple[float, float, str]]:
    return [(w.start, w.end, w.word) for segment in channel.transcript for w in segment.words]


def _picture(channel: Channel, window: Window, marks: list[Mark], media: MediaFolder | None, name: str,
             labelled: bool) -> Picture:
    """The channel's picture over `window`, with its spectrogram band over the part the recording covers."""
    image, covered = None, window.x(min(window.end, channel.duration))
    if media is not None and channel.samples is not None and channel.rate > 0 and covered >= 1:
        known = media.known([name])  # drawn already for another finding with this window
        image = known[0] if known else None
        if image is None:
            end = window.start + covered / window.scale
            band = spectrogram.band(channel.samples, channel.rate, window.start, end, round(covered),
                                    SPECTRUM_HEIGHT)
            image = media.write(name, images.webp(band))
    return picture(channel.samples, channel.rate, window, marks, channel.activity,
                   [(s.start, s.end) for s in channel.transcript], _words(channel), image, covered, labelled)


def interaction_view(entries: list[Entry], channels: list[Channel], media: MediaFolder | None = None,
                     limits: MediaLimits = DEFAULT_LIMITS) -> dict[str, Any]:
    """The page's pictures and transcript; each entry with a span gets its `zoom` (clips and frames when
    `media` is given)."""
    ends = [c.duration for c in channels] + [e.finding.span[1] for e in entries if e.finding.span]
    ends += [s.end for c in channels for s in c.transcript] + [e for c in channels for _, e in c.activity]
    whole = Window(0.0, max(max(ends, default=0.0), 1e-3))
    pictures = [(c, _picture(c, whole, _marks(entries, c), media, f"{c.speaker}-spectrum.webp", False))
                for c in channels]
    lines: list[Line] = []
    for channel in channels:
        spans = [(m.start, m.end) for m in _marks(entries, channel)]
        lines += [Line(s.start, s.end, channel.speaker, s.text, any(a <= s.end and s.start <= b for a, b in spans))
                  for s in channel.transcript]
    if channels:
        for entry in entries:
            if entry.finding.span is not None:
                entry.zoom = _zoom(entry, entries, channels, whole, media, limits)
    return {"channels": pictures, "transcript": sorted(lines, key=lambda line: (line.start, line.speaker)),
            "refused": media.refused if media else 0, "budget": media.budget if media else 0}


def _zoom(entry: Entry, entries: list[Entry], channels: list[Channel], whole: Window, media: MediaFolder | None,
          limits: MediaLimits) -> Zoom:
    start, end = entry.finding.span or (0.0, 0.0)
    window = Window(max(0.0, start - limits.context_seconds), min(whole.end, end + limits.context_seconds))
    notes = []
    if window.end - window.start > limits.clip_seconds:
        window = Window(window.start, window.start + limits.clip_seconds)
        notes.append(f"The span lasts {end - start:.1f} s: this view and its clips cover its first "
                     f"{limits.clip_seconds:g} s with context ({window.start:.2f}–{window.end:.2f} s).")
    tag = f"{window.start:.3f}-{window.end:.3f}"  # media names: the same window, the same files
    zoom = Zoom(window, [(c, _picture(c, window, _marks(entries, c, entry), media, f"{tag}-{c.speaker}-spectrum.webp",
                                      True)) for c in channels], notes=notes)
    if media is not None:
        _clips(zoom, tag, channels, media)
        if frames.wants_frames(entry.finding.code):
            _strips(zoom, tag, [c for c in channels if _concerns(entry.finding, c)], media)
    return zoom


def _clips(zoom: Zoom, tag: str, channels: list[Channel], media: MediaFolder) -> None:
    """Each channel's clip and, with two, both mixed: all or none, within the page's budget (cut once per
    window: a finding with the window of an earlier one plays its clips)."""
    audible = [c for c in channels if c.samples is not None and c.rate > 0]
    if not audible:
        zoom.notes.append("No clip: neither channel's audio is readable.")
        return
    labels = [c.speaker for c in audible] + (["both"] if len(audible) == 2 else [])
    names = [f"{tag}-{label}.ogg" for label in labels]
    written = media.known(names)
    if written is None:
        window = zoom.window
        if not media.fits(int(len(labels) * (window.end - window.start) * OPUS_BYTES_PER_SECOND)):
            media.refused += 1
            zoom.notes.append(f"No clip: this page's media budget ({media.budget / 2**20:.1f} MiB) is spent; "
                              "listen in the WAV files at the times above.")
            return
        pieces = [cut(np.asarray(c.samples), c.rate, window.start, window.end) for c in audible]
        encoded = [opus(piece, c.rate) for c, piece in zip(audible, pieces)]
        if len(audible) == 2:
            encoded.append(opus(mix(pieces[0], audible[0].rate, pieces[1], audible[1].rate), audible[0].rate))
        written = media.write_all(list(zip(names, encoded)))
    if written is None:
        zoom.notes.append(f"No clip: this page's media budget ({media.budget / 2**20:.1f} MiB) is spent.")
        return
    zoom.clips = [Clip(label, src) for label, src in zip(labels, written)]


def _strips(zoom: Zoom, tag: str, channels: list[Channel], media: MediaFolder) -> None:
    for channel in channels:
        if channel.video is None:
            zoom.notes.append(f"No video frames of {channel.file_id}: it has no MP4.")
            continue
        try:
            thumbs = frames.thumbnails(channel.video, frames.times(zoom.window.start, zoom.window.end))
        except ReadError as error:
            zoom.notes.append(f"No video frames of {channel.file_id}: {error}")
            continue
        written = media.write_all([(f"{tag}-{channel.speaker}-frame{i}.webp", t.image)
                                   for i, t in enumerate(thumbs)])
        if written is None:
            zoom.notes.append(f"No video frames of {channel.file_id}: this page's media budget is spent.")
            continue
        zoom.strips.append(Strip(channel.file_id, [(t.time, src) for t, src in zip(thumbs, written)]))
