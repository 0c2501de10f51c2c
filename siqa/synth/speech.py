"""Real speech with known word times, from libespeak-ng as shipped by the `espeakng-loader` wheel (ctypes).

espeak-ng reports a WORD event with the sample offset where each word starts, so transcripts are exact by
construction. The engine is process-global and not thread-safe: one engine per process, used serially.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import soxr

from siqa.dataset.schema import SAMPLE_RATE

AUDIO_OUTPUT_RETRIEVAL, POS_CHARACTER, CHARS_UTF8 = 1, 1, 1
EVENT_END_OF_LIST, EVENT_WORD = 0, 1
PARAM_RATE, PARAM_PITCH, PARAM_RANGE = 1, 3, 4
WORD_END_DBFS = -45.0


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", ctypes.c_int64)]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice: an English accent (`en-us`, `en-gb-scotland`) plus a variant (`m3`, `f2`), pitch (0-99)
    and rate (words per minute)."""

    variant: str
    pitch: int
    rate: int
    language: str = "en-us"


@dataclass(frozen=True)
class Word:
    text: str
    start: float  # seconds from the utterance start
    end: float


@dataclass(frozen=True)
class Utterance:
    samples: np.ndarray  # float32 at SAMPLE_RATE
    words: tuple[Word, ...]

    @property
    def duration(self) -> float:
        return len(self.samples) / SAMPLE_RATE


class _Engine:
    def __init__(self) -> None:
        import espeakng_loader

        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.rate = self.lib.espeak_Initialize(AUDIO_OUTPUT_RETRIEVAL, 0, espeakng_loader.get_data_path().encode(), 0)
        if self.rate <= 0:
            raise RuntimeError("libespeak-ng failed to initialise (espeakng-loader data missing?)")
        self._chunks: list[np.ndarray] = []
        self._events: list[tuple[int, int, int]] = []
        self._callback = _Callback(self._collect)  # keep a reference: C holds the pointer
        self.lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav: ctypes._Pointer[ctypes.c_short], count: int, events: ctypes._Pointer[_Event]) -> int:
        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, (count,)).copy())
        i = 0
        while events[i].type != EVENT_END_OF_LIST:
            event = events[i]
            if event.type == EVENT_WORD:
                self._events.append((event.text_position, event.length, event.sample))
            i += 1
        return 0

    def speak(self, text: str, voice: Voice) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
        self.lib.espeak_SetVoiceByName(f"{voice.language}+{voice.variant}".encode())
        self.lib.espeak_SetParameter(PARAM_RATE, voice.rate, 0)
        self.lib.espeak_SetParameter(PARAM_PITCH, voice.pitch, 0)
        self.lib.espeak_SetParameter(PARAM_RANGE, 50, 0)
        # breathy variants (f2, f3, f5) draw noise from a seed that is the clock's unless set: set, the same text
        # in the same voice sounds the same in every process
        self.lib.espeak_ng_SetRandSeed(ctypes.c_long(0))
        self._chunks, self._events = [], []
        data = text.encode("utf-8")
        self.lib.espeak_Synth(data, len(data) + 1, 0, POS_CHARACTER, 0, CHARS_UTF8, None, None)
        self.lib.espeak_Synchronize()
        pcm = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
        return pcm.astype(np.float32) / 32768.0, list(self._events)


@lru_cache(maxsize=1)
def _engine() -> _Engine:
    return _Engine()


def _word_end(samples: np.ndarray, start: int, stop: int, rate: int) -> int:
    """Last 10 ms frame above the word-end level between a word's start and the next word's start."""
    hop = rate // 100
    frames = samples[start:stop][: (stop - start) // hop * hop].reshape(-1, hop)
    if len(frames) == 0:
        return stop
    with np.errstate(divide="ignore"):
        level = 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-12)
    loud = np.flatnonzero(level > WORD_END_DBFS)
    return start + (int(loud[-1]) + 1) * hop if len(loud) else stop


def _token_starts(text: str, events: list[tuple[int, int, int]], total: int) -> list[int]:
    """The sample where each word of `text` starts. espeak-ng reports a WORD event (at the word's 1-based
    character position) per stressed word and runs an unstressed one into the word before it ("for the", "should
    have"): the words of such a run share its span in proportion to their characters."""
    at = {position: sample for position, _, sample in events}
    offsets = [match.start() + 1 for match in re.finditer(r"\S+", text)]
    anchors = [0] + [i for i, offset in enumerate(offsets) if i and offset in at]
    starts = []
    for first, last in zip(anchors, [*anchors[1:], len(offsets)]):
        begin = at.get(offsets[first], 0)
        stop, stop_char = (at[offsets[last]], offsets[last]) if last < len(offsets) else (total, len(text) + 2)
        starts += [begin + (stop - begin) * (offsets[i] - offsets[first]) // (stop_char - offsets[first])
                   for i in range(first, last)]
    return starts


def speak(text: str, voice: Voice) -> Utterance:
    """Synthesise `text` (plain lowercase words) and time every word, at the release's 48 kHz."""
    engine = _engine()
    samples, events = engine.speak(text, voice)
    tokens = text.split()
    starts = _token_starts(text, events, len(samples))
    bounds = [*starts[1:], len(samples)]
    words = tuple(Word(tok, s / engine.rate, _word_end(samples, s, e, engine.rate) / engine.rate)
                  for tok, s, e in zip(tokens, starts, bounds))
    resampled = soxr.resample(samples, engine.rate, SAMPLE_RATE, quality="HQ").astype(np.float32)
    return Utterance(resampled, words)
