"""The transcript against what ASR heard, segment by segment, in audio time (shared by the TR rules).

An ASR word belongs to the transcript segment it falls in (edges widened by a tolerance; the nearest segment
when two qualify). Words that belong to no segment are speech the transcript does not cover.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import jiwer

from siqa.asr.backend import AsrWord
from siqa.asr.signal import ChannelAsr
from siqa.asr.triage import Span
from siqa.dataset.meta import Segment
from siqa.dataset.units import ParticipantFile, Session
from siqa.signals.lexicon import content_words, tokens, words_tokens


@dataclass(frozen=True)
class SegmentCheck:
    segment: Segment
    span: Span
    why: str  # why triage sent the span to ASR
    heard: tuple[AsrWord, ...]

    @property
    def reference(self) -> list[str]:
        words = self.segment.words
        return words_tokens(w.word for w in words) if words else tokens(self.segment.text)

    @property
    def hypothesis(self) -> list[str]:
        return words_tokens(w.word for w in self.heard)

    @property
    def probabilities(self) -> list[float]:
        """ASR's probability of each hypothesis token (the probability of the word it comes from)."""
        return [w.probability for w in self.heard for _ in tokens(w.word)]


def _distance(segment: Segment, t: float) -> float:
    return max(segment.start - t, 0.0, t - segment.end)


def _owner(segments: tuple[Segment, ...], word: AsrWord, tolerance: float) -> int | None:
    near = [(d, i) for i, s in enumerate(segments) if (d := _distance(s, word.middle)) <= tolerance]
    return min(near)[1] if near else None


def checked_segments(channel: ChannelAsr, tolerance: float) -> list[SegmentCheck]:
    """Every transcript segment that lies in a span ASR ran on, with the words ASR heard in it."""
    owned: dict[int, list[AsrWord]] = {}
    for word in channel.heard:
        index = _owner(channel.segments, word, tolerance)
        if index is not None:
            owned.setdefault(index, []).append(word)
    out = []
    for i, segment in enumerate(channel.segments):
        where = channel.checked_at((segment.start + segment.end) / 2)
        if where is not None:
            out.append(SegmentCheck(segment, where[0], where[1], tuple(owned.get(i, []))))
    return out


def uncovered_words(channel: ChannelAsr, tolerance: float) -> list[AsrWord]:
    """ASR words (over own speech) that no transcript segment covers."""
    return [w for w in channel.heard if _owner(channel.segments, w, tolerance) is None]


def _asr_mistake(reference: list[str], hypothesis: list[str], context: Counter[str]) -> bool:
    """Whether a disagreement is taken as ASR's: every content word of the transcript's side fits the
    conversation and none of ASR's does (a small model mishears words into ones nobody in the interaction
    uses). Disagreements on function words alone (`could`/`can`) fall here too: they carry no content."""
    said, heard = content_words(" ".join(reference)), content_words(" ".join(hypothesis))
    return all(context[w] > 0 for w in said) and not any(context[w] > 0 for w in heard)


def word_errors(check: SegmentCheck, speech_share: float, context: Counter[str], sure: float) -> dict[str, Any]:
    """WER and CER of the transcript against ASR's words, the word alignment, and the *confident* WER.

    The confident WER counts an error only as far as ASR can be trusted on it: a substitution or insertion
    weighs ASR's probability of its words (full weight from probability `sure` up), and nothing where the
    transcript's words fit the conversation (`context`: content words of the rest of the interaction and its
    prompt) and ASR's do not; a deletion (transcript words ASR did not hear) weighs the segment's lack of own
    speech (over speech, ASR missed them; over silence, they were never said)."""
    reference, hypothesis, probabilities = check.reference, check.hypothesis, check.probabilities
    ref, hyp = " ".join(reference), " ".join(hypothesis)
    words = jiwer.process_words(ref, hyp)
    weighted = 0.0
    for chunk in words.alignments[0]:
        said = reference[chunk.ref_start_idx:chunk.ref_end_idx]
        heard = hypothesis[chunk.hyp_start_idx:chunk.hyp_end_idx]
        if chunk.type == "delete":
            weighted += len(said) * (1.0 - speech_share)
        elif chunk.type != "equal" and not _asr_mistake(said, heard, context):
            weighted += sum(min(1.0, p / sure) for p in probabilities[chunk.hyp_start_idx:chunk.hyp_end_idx])
    alignment = [[chunk.type, " ".join(reference[chunk.ref_start_idx:chunk.ref_end_idx]),
                  " ".join(hypothesis[chunk.hyp_start_idx:chunk.hyp_end_idx])] for chunk in words.alignments[0]]
    return {"wer": round(words.wer, 3), "confident_wer": round(weighted / max(len(reference), 1), 3),
            "cer": round(jiwer.process_characters(ref, hyp).cer, 3), "alignment": alignment}


def files_of(session: Session) -> dict[str, ParticipantFile]:
    return {str(pf.file_id): pf for interaction in session.interactions for pf in interaction.participants}
