"""Short spans packed into full Whisper windows, and the words mapped back to their spans.

Whisper's encoder always reads a 30 s window: a 2 s span transcribed alone costs as much as 30 s of audio.
Packing consecutive spans (with a short silence between them) into one window fills it: with the tiny model on
2-4 s conversational turns, about 3.5x faster than one span per window, and the neighbouring speech gives the
decoder context. The backend decodes with timestamps, so silence between spans does not end a window's text. A
word belongs to the span its midpoint falls in (the silence between spans is split in half).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from siqa.asr.backend import AsrWord

RATE = 16_000
WINDOW_SECONDS = 30.0
GAP_SECONDS = 0.5


@dataclass(frozen=True)
class Packed:
    audio: np.ndarray  # every clip, with GAP_SECONDS of silence after each
    windows: list[dict[str, float]]  # each window's start and end in `audio`, seconds (at most WINDOW_SECONDS)
    places: list[tuple[float, float]]  # each clip's start and end in `audio`, seconds

    def unpack(self, words: Sequence[AsrWord]) -> list[list[AsrWord]]:
        """The words of each clip, times from the clip's start (clamped to the clip)."""
        out: list[list[AsrWord]] = [[] for _ in self.places]
        if not self.places:
            return out
        bounds = np.array([end + GAP_SECONDS / 2 for _, end in self.places])
        for word in words:
            i = min(int(np.searchsorted(bounds, word.middle, side="right")), len(self.places) - 1)
            start, end = self.places[i]
            length = end - start
            out[i].append(AsrWord(word.word, min(max(word.start - start, 0.0), length),
                                  min(max(word.end - start, 0.0), length), word.probability))
        return out


def pack(clips: Sequence[np.ndarray]) -> Packed:
    """Clips in order, packed greedily into windows of at most WINDOW_SECONDS (clips must each fit one)."""
    gap = np.zeros(int(GAP_SECONDS * RATE), np.float32)
    parts: list[np.ndarray] = []
    windows: list[dict[str, float]] = []
    places: list[tuple[float, float]] = []
    position = window_start = 0
    for clip in clips:
        length = len(clip) + len(gap)
        if length > WINDOW_SECONDS * RATE:
            raise ValueError(f"a clip of {len(clip) / RATE:.1f} s does not fit one {WINDOW_SECONDS:.0f} s window")
        if position + length - window_start > WINDOW_SECONDS * RATE:
            windows.append({"start": window_start / RATE, "end": position / RATE})
            window_start = position
        places.append((position / RATE, (position + len(clip)) / RATE))
        parts += [np.asarray(clip, np.float32), gap]
        position += length
    if position > window_start:
        windows.append({"start": window_start / RATE, "end": position / RATE})
    audio = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    return Packed(audio, windows, places)
