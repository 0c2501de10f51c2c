"""The faster-whisper backend (`pip install 'siqa[asr]'`): CTranslate2 Whisper, batched, with word timestamps.

The model loads on first use and stays loaded for the life of the worker process (loading costs far more than
transcribing one session). Clips are packed into 30 s windows (`packing`) and the windows decoded `batch_size` at
a time by faster-whisper's `BatchedInferencePipeline`, with word timestamps from its cross-attention alignment.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from siqa.asr.backend import AsrSettings, AsrUnavailable, AsrWord
from siqa.asr.models import resolve_model
from siqa.asr.packing import RATE, WINDOW_SECONDS, pack

_PIPELINES: dict[tuple[str, str, str, int], Any] = {}


def _pipeline(source: str, settings: AsrSettings) -> Any:
    """One pipeline per model and device in this process; a model that failed to load is not retried."""
    key = (source, settings.device, settings.compute_type, settings.cpu_threads)
    if key not in _PIPELINES:
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        try:
            model = WhisperModel(source, device=settings.device, compute_type=settings.compute_type,
                                 cpu_threads=settings.cpu_threads)
            _PIPELINES[key] = BatchedInferencePipeline(model)
        except Exception as error:  # noqa: BLE001 - download, file, device or compute-type errors alike
            _PIPELINES[key] = AsrUnavailable(f"ASR model {source!r} could not be loaded on {settings.device} "
                                             f"({settings.compute_type}): {type(error).__name__}: {error}")
    loaded = _PIPELINES[key]
    if isinstance(loaded, AsrUnavailable):
        raise loaded
    return loaded


class FasterWhisper:
    def __init__(self, settings: AsrSettings) -> None:
        if importlib.util.find_spec("faster_whisper") is None:
            raise AsrUnavailable("faster-whisper is not installed: pip install 'siqa[asr]'")
        self.settings = settings
        self.ref = resolve_model(settings.model)
        self.model_id = self.ref.id

    def load(self) -> None:
        _pipeline(self.ref.source, self.settings)

    def transcribe(self, clips: Sequence[np.ndarray]) -> list[list[AsrWord]]:
        if not clips:
            return []
        pipeline = _pipeline(self.ref.source, self.settings)
        packed = pack(clips)
        # The log-mel features are a BLAS product whose rounding follows the BLAS thread count: the audit's
        # session task (`siqa.engine.task.run_session`) runs with one thread, so the words are the same under
        # every engine and `--jobs`.
        segments, _ = pipeline.transcribe(
            packed.audio, language=self.settings.language or None, beam_size=self.settings.beam_size,
            batch_size=self.settings.batch_size, clip_timestamps=packed.windows, word_timestamps=True,
            without_timestamps=False)
        words = [AsrWord(w.word.strip(), float(w.start), float(w.end), float(w.probability))
                 for segment in segments for w in (segment.words or ())]
        return packed.unpack(words)

    def plausibility(self, clips: Sequence[np.ndarray], texts: Sequence[Sequence[str]]) -> list[list[float]]:
        """Teacher-forced scoring with CTranslate2's `align` (the call faster-whisper makes for word timestamps):
        one encoder pass per clip, `batch_size` clips at a time, then each of its texts' token probabilities."""
        from faster_whisper.tokenizer import Tokenizer

        model = _pipeline(self.ref.source, self.settings).model
        tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe",
                              language=self.settings.language or "en")
        tokens = [[tokenizer.encode(" " + text.strip()) if text.strip() else [] for text in row] for row in texts]
        out = [[math.nan] * len(row) for row in texts]
        todo = [i for i, row in enumerate(tokens) if any(row)]
        frames = int(WINDOW_SECONDS * 100)  # log-mel frames per window (10 ms hop)
        for first in range(0, len(todo), self.settings.batch_size):
            chunk = todo[first:first + self.settings.batch_size]
            features = [model.feature_extractor(clips[i][:int(WINDOW_SECONDS * RATE)]) for i in chunk]
            lengths = [min(f.shape[-1], frames) for f in features]
            padded = np.stack([np.pad(f[:, :frames], ((0, 0), (0, frames - n))) for f, n in zip(features, lengths)])
            encoded = model.encode(padded)
            for column in range(len(tokens[chunk[0]])):
                # an empty text is read as the end token alone, and its score dropped (align needs a token)
                results = model.model.align(encoded, tokenizer.sot_sequence,
                                            [tokens[i][column] or [tokenizer.eot] for i in chunk],
                                            [max(n // 2, 1) for n in lengths])
                for i, result in zip(chunk, results):
                    if tokens[i][column]:
                        out[i][column] = float(np.mean(np.log(np.clip(result.text_token_probs, 1e-9, 1.0))))
        return out
