"""What was said, per channel of a session: the transcript, and ASR where triage sent it, in audio time.

Computed once per session (the unit whose budget triage spends) and shared by the transcript (TR) and prompt
(PR) rules. Two passes keep memory to one interaction's audio: the first reads each channel's cheap signals and
cuts it into spans (`siqa.asr.triage`); after the session's spans are chosen within the budget, the second decodes
only the interactions that have chosen spans, answers what it can from the cache, and sends the rest to the
backend a full batch of windows at a time.

Annotated times are moved by the file's global offset (the timing rules' alignment, when confident) so content
is compared with content, not with a shifted clock: TS001 reports the offset itself. ASR words keep only those
over this channel's own speech, so the partner's voice heard through bleed is never taken for this speaker's.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from siqa.asr.backend import AsrSettings, AsrUnavailable, AsrWord
from siqa.asr.cache import clip_key, open_cache
from siqa.asr.factory import load_backend
from siqa.asr.packing import WINDOW_SECONDS
from siqa.asr.triage import ChannelEvidence, Span, TriageSettings, select, speech_share, triage
from siqa.context import RuleContext, Skip
from siqa.dataset.errors import ReadError
from siqa.dataset.meta import Segment, Word
from siqa.dataset.units import Interaction, ParticipantFile, Session
from siqa.signals.activity import file_activity
from siqa.signals.alignment import file_timing
from siqa.signals.audio import ANALYSIS_RATE, at_analysis_rate
from siqa.signals.lexicon import content_words
from siqa.signals.prompts import recorded_prompts


@dataclass
class ChannelAsr:
    file_id: str
    json_path: str
    has_transcript: bool
    duration: float = 0.0  # seconds of audio
    offset: float = 0.0  # annotated minus audio time, removed from the transcript below
    segments: tuple[Segment, ...] = ()  # the transcript in audio time
    speech: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # own speech per 10 ms frame
    spans: list[Span] = field(default_factory=list)
    checked: list[tuple[Span, str]] = field(default_factory=list)  # spans ASR ran on, and why
    heard: list[AsrWord] = field(default_factory=list)  # ASR words over own speech, audio time
    context: Counter[str] = field(default_factory=Counter)  # content words of the interaction's text and prompt

    @property
    def asr_seconds(self) -> float:
        return sum(span.seconds for span, _ in self.checked)

    def checked_at(self, t: float) -> tuple[Span, str] | None:
        return next(((s, why) for s, why in self.checked if s.start <= t < s.end), None)

    def heard_in(self, span: Span) -> list[AsrWord]:
        return [w for w in self.heard if span.start <= w.middle < span.end]

    def spoken_words(self, min_probability: float) -> list[str]:
        """What this person said, as well as the audit knows: ASR's words in the spans where it ran and was
        sure of them (mean word probability), the transcript's words elsewhere."""
        trusted = [s for s, _ in self.checked if (heard := self.heard_in(s))
                   and float(np.mean([w.probability for w in heard])) >= min_probability]
        timed = [(w.start, w.word) for s in self.segments for w in s.words
                 if not any(span.start <= w.start < span.end for span in trusted)]
        timed += [(w.start, w.word) for span in trusted for w in self.heard_in(span)]
        return [word for _, word in sorted(timed)]


@dataclass
class SessionAsr:
    channels: dict[str, ChannelAsr]
    interactions: dict[str, list[str]]  # interaction key -> file ids, in order
    unavailable: str  # why ASR did not run ("" when it did)
    model: str  # as [signals.asr] names it, for evidence

    def of(self, interaction_key: str) -> list[ChannelAsr]:
        return [self.channels[f] for f in self.interactions.get(interaction_key, [])]

    def require(self) -> None:
        """Skip a rule that needs ASR when none ran, naming why."""
        if self.unavailable:
            raise Skip(self.unavailable)


def _moved(segment: Segment, seconds: float) -> Segment:
    words = tuple(Word(w.word, w.start - seconds, w.end - seconds, w.score) for w in segment.words)
    return replace(segment, start=segment.start - seconds, end=segment.end - seconds, words=words)


def _offset(pf: ParticipantFile, interaction: Interaction, ctx: RuleContext, confident: float) -> float:
    try:
        timing = file_timing(pf, interaction, ctx)
    except Skip:  # too little speech to align: nothing to move
        return 0.0
    return timing.offset_seconds if timing.confidence >= confident else 0.0


def _channel(pf: ParticipantFile, interaction: Interaction, ctx: RuleContext, confident: float,
             listen: bool) -> tuple[ChannelAsr, ChannelEvidence | None]:
    """The channel's transcript in audio time and, when `listen`, its triage evidence (None when ASR cannot run,
    or the audio or JSON is unreadable: the integrity rules report those files)."""
    channel = ChannelAsr(str(pf.file_id), pf.path("json") if pf.has("json") else "", has_transcript=False)
    meta = audio = None
    try:
        meta = pf.meta() if pf.has("json") else None
        if listen:
            audio = at_analysis_rate(pf, ctx.signals)
            channel.speech = file_activity(pf, interaction.partner_of(pf), ctx).speech
    except ReadError:
        audio = None
    if meta is None:
        return channel, None
    channel.offset = _offset(pf, interaction, ctx, confident) if audio is not None else 0.0
    channel.has_transcript = meta.has_transcript
    channel.segments = tuple(_moved(s, channel.offset) for s in meta.transcript().items)
    if audio is None:
        return channel, None
    channel.duration = len(audio) / ANALYSIS_RATE
    vad = tuple((s.start - channel.offset, s.end - channel.offset) for s in meta.vad().items)
    return channel, ChannelEvidence(channel.file_id, channel.duration, channel.speech, channel.segments, vad)


def _context(channels: list[ChannelAsr], prompt: str) -> Counter[str]:
    text = " ".join([prompt, *(s.text or " ".join(w.word for w in s.words) for c in channels for s in c.segments)])
    return Counter(content_words(text))


def _first_pass(session: Session, ctx: RuleContext, triage_settings: TriageSettings, confident: float,
                listen: bool) -> Iterator[ChannelAsr]:
    try:
        prompts = recorded_prompts(ctx, (i.key for i in session.interactions))
    except Skip:
        prompts = {}
    for interaction in session.interactions:
        pairs = [_channel(pf, interaction, ctx, confident, listen) for pf in interaction.participants]
        context = _context([c for c, _ in pairs], prompts.get(interaction.key, ""))
        for channel, evidence in pairs:
            channel.context = context
            if evidence is not None:
                channel.spans = triage(evidence, context, triage_settings)
            yield channel
        _release(interaction, ctx)


def _release(interaction: Interaction, ctx: RuleContext) -> None:
    for pf in interaction.participants:
        ctx.signals.release(str(pf.file_id))
    interaction.release()


def _place(channel: ChannelAsr, span: Span, words: list[AsrWord], min_share: float) -> None:
    """Keep the span's words that lie over this channel's own speech, in audio time."""
    for word in words:
        placed = word.moved(span.start)
        if speech_share(channel.speech, placed.start, placed.end) >= min_share:
            channel.heard.append(placed)
    channel.heard.sort(key=lambda w: w.start)


class _Transcriber:
    """Answers the session's chosen spans from the cache and sends the rest to the backend, a full batch of
    windows at a time: packing across interactions fills windows, flushing bounds memory to about one batch."""

    def __init__(self, settings: AsrSettings, ctx: RuleContext) -> None:
        self.settings = settings
        self.backend = load_backend(settings)
        self.cache = open_cache(ctx.cache_dir)
        self.decoding = settings.decoding()
        self.pending: list[tuple[ChannelAsr, Span, str, np.ndarray]] = []
        self.loaded = False

    def add(self, interaction: Interaction, channels: dict[str, ChannelAsr], ctx: RuleContext) -> None:
        chosen = [(channels[str(pf.file_id)], pf, span) for pf in interaction.participants
                  for span, _ in channels[str(pf.file_id)].checked]
        clips = [at_analysis_rate(pf, ctx.signals)[int(span.start * ANALYSIS_RATE):int(span.end * ANALYSIS_RATE)]
                 for _, pf, span in chosen]
        _release(interaction, ctx)
        keys = [clip_key(clip, self.backend.model_id, self.decoding) for clip in clips]
        found = self.cache.get_many(keys)
        self.cache.record([], 0.0, [span.seconds for (_, _, span), key in zip(chosen, keys) if key in found])
        for (channel, _, span), key, clip in zip(chosen, keys, clips):
            if key in found:
                _place(channel, span, found[key], self.settings.min_own_speech_share)
            else:
                self.pending.append((channel, span, key, clip))
        if sum(span.seconds for _, span, _, _ in self.pending) >= self.settings.batch_size * WINDOW_SECONDS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        if not self.loaded:  # timed apart: loading is paid once per process, transcribing per clip
            started = time.perf_counter()
            self.backend.load()
            self.cache.record([], 0.0, [], load_seconds=time.perf_counter() - started)
            self.loaded = True
        started, cpu = time.perf_counter(), time.process_time()
        fresh = self.backend.transcribe([clip for *_, clip in self.pending])
        self.cache.record([(key, span.seconds, words) for (_, span, key, _), words in zip(self.pending, fresh)],
                          time.perf_counter() - started, [], cpu_seconds=time.process_time() - cpu)
        for (channel, span, _, _), words in zip(self.pending, fresh):
            _place(channel, span, words, self.settings.min_own_speech_share)
        self.pending = []


def session_asr(session: Session, ctx: RuleContext) -> SessionAsr:
    """The session's channels with their transcripts, spans, and ASR words (computed once per session)."""

    def compute() -> SessionAsr:
        settings = AsrSettings.from_dict(ctx.signal_settings("asr", session.site))
        triage_values = ctx.signal_settings("asr_triage", session.site)
        confident = triage_values.pop("offset_min_confidence")
        try:
            transcriber, unavailable = _Transcriber(settings, ctx), ""
        except AsrUnavailable as error:  # known before any audio is read: only the transcripts are
            transcriber, unavailable = None, str(error)
        channels = {c.file_id: c for c in _first_pass(session, ctx, TriageSettings.from_dict(triage_values),
                                                      confident, listen=transcriber is not None)}
        spans = [s for c in channels.values() for s in c.spans]
        audio_seconds = sum(c.duration for c in channels.values())
        for span, why in select(spans, audio_seconds, settings.budget, settings.calibration_fraction,
                                settings.seed):
            channels[span.file_id].checked.append((span, why))
        files = {i.key: [str(p.file_id) for p in i.participants] for i in session.interactions}
        result = SessionAsr(channels, files, unavailable, settings.model)
        try:
            if transcriber is not None:
                for interaction in session.interactions:
                    transcriber.add(interaction, channels, ctx)
                transcriber.flush()
        except AsrUnavailable as error:  # the model failed to load
            result.unavailable = str(error)
            for channel in channels.values():
                channel.checked, channel.heard = [], []
        return result

    return ctx.signals.get("asr", session.key, compute)
