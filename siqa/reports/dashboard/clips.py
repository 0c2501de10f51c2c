"""Audio clips of flagged spans, cut at report time into the dashboard folder as Ogg Opus.

A curator judges bleed, timing, transcript and prompt findings by ear, so each flagged span is cut with a little
context on each side, from each channel alone and from both mixed, and played by the page's own <audio>
elements: the folder stays self-contained and opens offline. Opus at 24 kbit/s (libopus, through PyAV, which
encodes several times faster than libsndfile's Opus here) keeps speech clear at about 3 kB a second, and
Chromium, Firefox and Safari play Ogg Opus.

What the clips may cost is bounded twice (`MediaLimits`): a clip covers at most `clip_seconds`, and a page's
media (clips, spectrograms, video frames) at most `page_bytes`, itself at most an equal share of
`dashboard_bytes` over the interaction pages with findings. The share is computed once for the whole dashboard
and is part of each page's digest, so pages built in parallel, one at a time or kept from the last build all
had the same budget. What a limit cuts off, the page says.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
from scipy.signal import resample_poly

OPUS_RATE = 48000  # what Opus runs at; other rates are resampled by the encoder
OPUS_BITS = 24000  # per second: speech stays clear, a faint partner voice audible
OPUS_COMPLEXITY = "3"  # of 0–10: a fraction of the time of 10, a few percent larger


@dataclass(frozen=True)
class MediaLimits:
    """What the dashboard's media may cost (docs/dashboard.md, "Clips and their limits")."""

    context_seconds: float = 1.0  # heard before and after a span
    clip_seconds: float = 20.0  # the most a clip covers; a longer span is heard from its start
    page_bytes: int = 4 << 20  # clips, spectrograms and video frames of one page
    dashboard_bytes: int = 512 << 20  # of every page together

    def page_share(self, pages: int) -> int:
        """What each of `pages` interaction pages with findings (the whole dashboard's, counted once, before
        pages are shared among workers) may spend: `page_bytes`, or an equal share of `dashboard_bytes` when
        that is less, rounded down to an eighth of an octave (at most 8% less) so that a release grown by a
        few pages keeps its shares, and an incremental build its pages."""
        share = self.dashboard_bytes // max(1, pages)
        if share >= self.page_bytes:
            return self.page_bytes
        return min(share, int(2 ** (math.floor(8 * math.log2(max(1, share))) / 8)))


DEFAULT_LIMITS = MediaLimits()


@dataclass
class MediaFolder:
    """One page's media files: written under `folder` (relative to the dashboard folder `root`), refused once
    the page's byte budget is spent. A name is written once: media named after what they show (a channel over
    a window) are shared by every finding that shows the same. The page links them by paths relative to
    itself (it sits beside its folder), so a page and its folder move together."""

    root: Path
    folder: str  # relative to root: the page's own folder (`links.page_files`), kept with the page
    budget: int
    spent: int = 0
    refused: int = 0  # media left out for the budget (a picture, or a finding's clips or frames)
    written: dict[str, str] = field(default_factory=dict)  # name -> path relative to the page

    def fits(self, size: int) -> bool:
        return self.spent + size <= self.budget

    def known(self, names: list[str]) -> list[str] | None:
        """The paths of files already written under all of `names`, else None."""
        return [self.written[name] for name in names] if all(n in self.written for n in names) else None

    def write_all(self, files: list[tuple[str, bytes]]) -> list[str] | None:
        """The files' paths relative to the page, or None (nothing written) when the budget does not cover
        those not written yet."""
        new = [(name, data) for name, data in files if name not in self.written]
        if not self.fits(sum(len(data) for _, data in new)):
            self.refused += 1
            return None
        for name, data in new:
            path = self.root / self.folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            self.spent += len(data)
            self.written[name] = f"{PurePosixPath(self.folder).name}/{name}"
        return [self.written[name] for name, _ in files]

    def write(self, name: str, data: bytes) -> str | None:
        written = self.write_all([(name, data)])
        return written[0] if written else None


def opus(samples: np.ndarray, rate: int) -> bytes:
    """Mono float samples as an Ogg Opus file."""
    import av  # loading FFmpeg costs time that pages without clips need not pay

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=OPUS_RATE)
        stream.bit_rate, stream.layout = OPUS_BITS, "mono"
        stream.codec_context.options = {"compression_level": OPUS_COMPLEXITY}
        frame = av.AudioFrame.from_ndarray(np.clip(samples, -1.0, 1.0).astype(np.float32)[None, :], format="flt",
                                           layout="mono")
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    return buffer.getvalue()


def cut(samples: np.ndarray, rate: int, start: float, end: float) -> np.ndarray:
    """`start`–`end` seconds of a channel; time outside the recording is silence, so two channels of different
    lengths stay aligned."""
    first, last = round(start * rate), round(end * rate)
    out = np.zeros(max(1, last - first), dtype=np.float32)
    piece = samples[max(0, first): max(0, min(len(samples), last))]
    offset = max(0, -first)
    out[offset: offset + len(piece)] = piece
    return out


def mix(first: np.ndarray, first_rate: int, second: np.ndarray, second_rate: int) -> np.ndarray:
    """Both channels summed, at the first one's rate."""
    if second_rate != first_rate:
        second = resample_poly(second, first_rate, second_rate).astype(np.float32)
    length = max(len(first), len(second))
    out = np.zeros(length, dtype=np.float32)
    out[: len(first)] += first
    out[: len(second)] += second
    return out
