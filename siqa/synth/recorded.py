"""Real recorded speech arranged as dyads in the release layout: rules tuned on espeak-ng speech, measured on
recordings nobody tuned them on (`python -m benchmarks.real_speech`).

Sources, read where Debian installs them (`apt-get install asterisk-core-sounds-en-wav codec2-examples`):
- `asterisk-core-sounds-en-wav` (CC-BY-SA-3.0): about 25 minutes of telephone prompts read by Allison Smith,
  8 kHz, one speaker; she is one participant of every dyad, with the same id in every session.
- `codec2-examples` (LGPL-2.1): about 3 minutes of 13 other speakers (Harvard sentences, radio amateurs'
  calls), 8 kHz (one file 16 kHz), some over the air with their own noise.
Neither ships word times (nor, in Debian, the prompts' text), so words and their times come from the bundled
Whisper tiny.en model (`siqa.asr`): the transcript rules, which compare transcripts with the same model's
hearing, are partly circular on these batches, and the model's own mistakes stand in for annotators'.

A dyad: each participant's utterances in alternating turns (gaps 0.2-1.5 s), each on its own channel at its
own level; the partner leaks in at -45 to -35 dB with a 1-3 ms lag; the site's room tone under both. VAD is
energy-based on the clean own track (`conversation.vad_segments`); NPZ features and moments of interest are
the generator's. Speech is band-limited to 4 kHz (telephone recordings resampled to 48 kHz).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
import soxr

from siqa.asr.backend import AsrSettings
from siqa.dataset.ids import FileId
from siqa.dataset.schema import SAMPLE_RATE, TRANSCRIPT_KEY, VAD_KEY
from siqa.synth import write
from siqa.synth.annotations import annotate, behaviour_events
from siqa.synth.conversation import Track, _gain, _place, sentence_ceiling, vad_segments
from siqa.synth.defects import CATALOGUE, _shift_segments
from siqa.synth.draft import FileDraft, InteractionDraft
from siqa.synth.features import behaviour_curve, frames_for, livelier_voice, make_features, speech_envelope
from siqa.synth.generate import SynthResult, _truth, _write_tables
from siqa.synth.mixing import mix_channel
from siqa.synth.people import Person, people_pool
from siqa.synth.room import room_tone
from siqa.synth.sites import SITES, SiteProfile
from siqa.synth.speech import Utterance, Word
from siqa.synth.topics import TOPICS
from siqa.synth.variation import NATURAL

ASTERISK = Path("/usr/share/asterisk/sounds/en_US_f_Allison")
CODEC2 = Path("/usr/share/codec2")
HOST = "allison"
PARTNERS: dict[str, tuple[str, str]] = {
    # speaker: (file under CODEC2, the prompt their dyad with the host was given)
    "bruce": ("wav/ve9qrp.wav", "Introduce yourselves as if on the air: your call sign, where you live and "
                                "what it is like there, while the other walks you through a phone menu."),
    "ka9q": ("raw/cq_ref.raw", "Practise calling for a contact on the radio, and answer like an office's "
                               "automated phone line would."),
    "vk5qi": ("wav/vk5qi.wav", "Run a quick radio check with counts and call signs, then leave each other a "
                               "voicemail."),
    "g3plx": ("raw/g3plx.raw", "Test your microphones by counting and spelling your call sign, then set up a "
                               "conference call."),
    "kristoff": ("raw/kristoff.raw", "Say who you are and which club you belong to, then sort out a missed "
                                     "call."),
    "hts1": ("raw/hts1.raw", "Read each other short sentences about everyday things while setting up "
                             "voicemail."),
    "hts2": ("raw/hts2.raw", "Swap kitchen tips in one sentence each while checking your messages."),
    "morig": ("wav/morig.wav", "Describe something you saw outside today and record a greeting for your "
                               "phone."),
    "forig": ("wav/forig.wav", "Talk about keeping your street clean, then check a mailbox together."),
    "mmt1": ("wav/mmt1.wav", "Share a saying you like and then transfer a call to the right extension."),
    "big_dog": ("wav/big_dog.wav", "Talk about a dog you know, then leave a message after the tone."),
    "cross": ("wav/cross.wav", "Describe your ride across town, then look up a number in the directory."),
    "harvard": ("raw/speech_orig_16k.wav", "Read out a few sentences about small tasks and try a phone "
                                           "menu."),
}
PARTNER_SECONDS = 25.0  # a longer partner recording is spread over several interactions of one session
HOST_SHARE = (2.5, 30.0, 90.0)  # the host talks 2.5x the partner's speech, within 30-90 s
BLEED_DB, BLEED_LAG_MS = (-45.0, -35.0), (1.0, 3.0)
GAP, PAUSE, EDGE = (0.2, 1.5), (0.15, 0.5), (0.5, 2.0)
SPLIT_GAP, MIN_UTTERANCE, MAX_PIECE = 0.35, 2.5, 28.0  # seconds
CEILING = sentence_ceiling(NATURAL)
TRANSCRIBE_GROUP = 64  # recordings per ASR call (progress is cached per group)


@dataclass(frozen=True)
class Recording:
    speaker: str
    path: Path


def recordings() -> list[Recording]:
    """The installed recordings, the host's first (the prompts' `silence/` folder is not speech)."""
    host = [Recording(HOST, p) for p in sorted(ASTERISK.rglob("*.wav")) if p.parent.name != "silence"]
    partners = [Recording(name, CODEC2 / rel) for name, (rel, _) in PARTNERS.items()
                if (CODEC2 / rel).is_file()]
    return host + partners


def missing_sources() -> str | None:
    """Why real-speech dyads cannot be built here, or None."""
    if not ASTERISK.is_dir() or not (CODEC2 / "raw").is_dir():
        return "needs Debian's asterisk-core-sounds-en-wav and codec2-examples (apt-get install ...)"
    return None


def load(path: Path) -> np.ndarray:
    """A recording at 48 kHz float32 (`.raw`: codec2's headerless 8 kHz 16-bit)."""
    if path.suffix == ".raw":
        samples, rate = np.fromfile(path, "<i2").astype(np.float32) / 32768, 8000
    else:
        samples, rate = sf.read(path, dtype="float32", always_2d=True)
        samples = samples[:, 0]
    return soxr.resample(samples, rate, SAMPLE_RATE).astype(np.float32)


def _pieces(samples: np.ndarray) -> list[tuple[int, int]]:
    """Spans of at most MAX_PIECE seconds (one Whisper window), cut at the quietest 10 ms of each window's
    last 5 s."""
    hop, limit, spans, start = SAMPLE_RATE // 100, int(MAX_PIECE * SAMPLE_RATE), [], 0
    while len(samples) - start > limit:
        tail = samples[start + limit - 5 * SAMPLE_RATE:start + limit]
        frames = tail[: len(tail) // hop * hop].reshape(-1, hop)
        cut = start + limit - 5 * SAMPLE_RATE + int(np.argmin((frames**2).mean(axis=1))) * hop + hop // 2
        spans.append((start, cut))
        start = cut
    return spans + [(start, len(samples))]


def transcribe(recs: list[Recording], cache: Path) -> dict[Path, list[dict[str, Any]]]:
    """Whisper tiny.en words of each recording (file time, seconds), cached as JSON under `cache`."""
    from siqa.asr.factory import load_backend

    cache.mkdir(parents=True, exist_ok=True)
    key = lambda rec: cache / f"{rec.speaker}-{rec.path.parent.name}-{rec.path.stem}.json"  # noqa: E731
    todo = [rec for rec in recs if not key(rec).is_file()]
    if todo:
        backend = load_backend(AsrSettings(
            backend="faster-whisper", model="bundled", device="cpu", compute_type="int8", language="en",
            beam_size=1, batch_size=8, cpu_threads=2, budget=1.0, calibration_fraction=0.0, seed=0,
            min_own_speech_share=0.3))
    for first in range(0, len(todo), TRANSCRIBE_GROUP):  # one call packs many short prompts per 30 s window
        group = todo[first:first + TRANSCRIBE_GROUP]
        pieces = [(rec, a, audio[a:b]) for rec in group for audio in [load(rec.path)]
                  for a, b in _pieces(audio)]
        heard = backend.transcribe([soxr.resample(clip, SAMPLE_RATE, 16_000) for _, _, clip in pieces])
        words: dict[Path, list[dict[str, Any]]] = {rec.path: [] for rec in group}
        for (rec, a, _), found in zip(pieces, heard):
            words[rec.path] += [{"word": w.word, "start": round(w.start + a / SAMPLE_RATE, 3),
                                 "end": round(w.end + a / SAMPLE_RATE, 3), "score": round(w.probability, 3)}
                                for w in found]
        for rec in group:
            write.atomic_write(key(rec), json.dumps(words[rec.path]).encode())
    return {rec.path: json.loads(key(rec).read_text()) for rec in recs}


def _trimmed(samples: np.ndarray) -> tuple[int, int]:
    """Where speech starts and ends: 10 ms frames over 30 dB under the loudest, with 50 ms kept around."""
    hop = SAMPLE_RATE // 100
    frames = samples[: len(samples) // hop * hop].reshape(-1, hop)
    db = 10 * np.log10((frames.astype(np.float64) ** 2).mean(axis=1) + 1e-12)
    loud = np.flatnonzero(db > max(db.max(initial=-120.0) - 30.0, -60.0))
    if not len(loud):
        return 0, 0
    return max(0, (loud[0] - 5) * hop), min(len(samples), (loud[-1] + 6) * hop)


def utterances(audio: np.ndarray, words: list[dict[str, Any]]) -> list[Utterance]:
    """A recording cut into utterances at pauses of SPLIT_GAP s once an utterance runs MIN_UTTERANCE s, each
    trimmed to its speech, with its words' times from its start."""
    groups: list[list[dict[str, Any]]] = []
    for w in words:
        if groups and (w["start"] - groups[-1][-1]["end"] < SPLIT_GAP
                       or groups[-1][-1]["end"] - groups[-1][0]["start"] < MIN_UTTERANCE):
            groups[-1].append(w)
        else:
            groups.append([w])
    out = []
    for i, group in enumerate(groups):
        lo = 0.0 if i == 0 else (groups[i - 1][-1]["end"] + group[0]["start"]) / 2
        last = i == len(groups) - 1
        hi = len(audio) / SAMPLE_RATE if last else (group[-1]["end"] + groups[i + 1][0]["start"]) / 2
        piece = audio[int(lo * SAMPLE_RATE):int(hi * SAMPLE_RATE)]
        a, b = _trimmed(piece)
        if b - a < SAMPLE_RATE // 10:
            continue
        t0, length = lo + a / SAMPLE_RATE, (b - a) / SAMPLE_RATE
        timed = tuple(Word(w["word"], float(np.clip(w["start"] - t0, 0, length)),
                           float(np.clip(w["end"] - t0, 0, length))) for w in group)
        out.append(Utterance(piece[a:b].copy(), timed))
    return out


def speech_of(recs: list[Recording], cache: Path) -> dict[str, list[Utterance]]:
    """Each speaker's utterances, in recording order."""
    words = transcribe(recs, cache)
    out: dict[str, list[Utterance]] = {}
    for rec in recs:
        out.setdefault(rec.speaker, []).extend(utterances(load(rec.path), words[rec.path]))
    return out


def converse(first: list[Utterance], second: list[Utterance], levels: tuple[float, float],
             rng: np.random.Generator) -> list[Track]:
    """Both tracks: who has fewer utterances says one a turn, the other fills the turns around them."""
    few, many = (0, 1) if len(first) <= len(second) else (1, 0)
    queues = (first, second)
    turns: list[tuple[int, list[Utterance]]] = []
    for k, chunk in enumerate(np.array_split(np.arange(len(queues[many])), len(queues[few]) + 1)):
        turns.append((many, [queues[many][j] for j in chunk]))
        if k < len(queues[few]):
            turns.append((few, [queues[few][k]]))
    turns = [(s, us) for s, us in turns if us]
    spoken = sum(u.duration for _, us in turns for u in us)
    total = spoken + 2 * EDGE[1] + len(turns) * (GAP[1] + 3 * PAUSE[1])
    tracks = [Track(np.zeros(int(total * SAMPLE_RATE), np.float32)) for _ in range(2)]
    t = float(rng.uniform(*EDGE))
    for speaker, said in turns:
        for j, utterance in enumerate(said):
            gain = _gain(utterance, levels[speaker] + float(rng.uniform(-2, 2)), CEILING)
            _place(tracks[speaker], utterance, t, gain, rng)
            t += utterance.duration + (float(rng.uniform(*PAUSE)) if j < len(said) - 1 else 0.0)
        t += float(rng.uniform(*GAP))
    end = int((t - GAP[0] + rng.uniform(*EDGE)) * SAMPLE_RATE)
    for track in tracks:
        track.samples = track.samples[:end]
    return tracks


@dataclass
class Plan:
    """One session: the host and a partner; each interaction's utterances of both."""

    number: int
    site: SiteProfile
    people: tuple[Person, Person]
    prompt: str
    parts: list[tuple[list[Utterance], list[Utterance]]]

    @property
    def key(self) -> str:
        return f"{self.site.site}_S{self.number:04d}"


def _seconds(us: Iterable[Utterance]) -> float:
    return sum(u.duration for u in us)


def plan_sessions(speech: dict[str, list[Utterance]], half: int, seed: int) -> list[Plan]:
    """A session per partner speaker; host utterances are shuffled and split in halves so that two batches
    (`half` 0 and 1) share no host recording."""
    rng = np.random.default_rng([seed, 11])
    host = [speech[HOST][int(i)] for i in rng.permutation(len(speech[HOST]))][half::2]
    speakers = [HOST, *sorted(s for s in speech if s != HOST)]
    pool = dict(zip(speakers, people_pool(len(speakers), seed)))
    sites = [replace(site, bleed_db=float(rng.uniform(*BLEED_DB)),
                     bleed_lag_ms=float(rng.uniform(*BLEED_LAG_MS))) for site in SITES]
    plans = []
    for s, speaker in enumerate(speakers[1:]):
        parts: list[list[Utterance]] = []
        current: list[Utterance] = []
        for u in speech[speaker]:
            if current and _seconds(current) + u.duration > PARTNER_SECONDS:
                parts.append(current)
                current = []
            current.append(u)
        parts.append(current)
        paired = []
        for part in parts:
            want = float(np.clip(HOST_SHARE[0] * _seconds(part), HOST_SHARE[1], HOST_SHARE[2]))
            taken: list[Utterance] = []
            while host and _seconds(taken) < want:
                taken.append(host.pop())
            paired.append((taken, part))
        plans.append(Plan(1000 * half + s + 1, sites[s % len(sites)], (pool[HOST], pool[speaker]),
                          PARTNERS[speaker][1], paired))
    return plans


def build(plan: Plan, index: int, key: str, rng: np.random.Generator) -> InteractionDraft:
    """An interaction's draft, mixed, with VAD, features and annotations; defects are applied by the caller
    (`edit_tracks` before mixing, then on the finished draft)."""
    base = plan.site.speech_dbfs - NATURAL.headroom_db / 2
    levels = (base + float(rng.uniform(-4, 4)), base + float(rng.uniform(-4, 4)))
    tracks = converse(*plan.parts[index], levels, rng)
    files = [FileDraft(FileId.parse(f"{key}_P{person.number:04d}"), person, track.samples, levels[i],
                       meta={TRANSCRIPT_KEY: sorted(track.segments, key=lambda seg: seg["start"])})
             for i, (person, track) in enumerate(zip(plan.people, tracks))]
    topic = TOPICS[index % len(TOPICS)]  # only what a transcript-substitution defect draws its words from
    return InteractionDraft(key, plan.site, topic, plan.prompt, files, [plan.site.bleed_db] * 2, NATURAL)


def finish(draft: InteractionDraft, rng: np.random.Generator) -> None:
    """Behaviour, VAD, mixed channels, features and annotations of a draft whose clean tracks are final."""
    for fd in draft.files:
        fd.events = behaviour_events(fd.duration, rng)
        fd.clean = livelier_voice(fd.clean, fd.events)
        fd.meta = {"id": str(fd.file_id), TRANSCRIPT_KEY: fd.meta[TRANSCRIPT_KEY],
                   VAD_KEY: vad_segments(fd.clean, fd.speech_dbfs)}
    for i, fd in enumerate(draft.files):
        tone = room_tone(len(fd.clean), draft.site, True, rng)
        partner = draft.files[1 - i].clean
        fd.audio = mix_channel(fd.clean, partner, draft.bleed_db[i], draft.site.bleed_lag_ms, tone,
                               NATURAL.peak_ceiling)
        frames = frames_for(fd.duration)
        valid = rng.random(frames) >= draft.site.invalid_frame_ratio
        fd.features = make_features(fd.person, speech_envelope(fd.clean, frames),
                                    behaviour_curve(frames, fd.events, rng), valid, rng)
        fd.video_frames = frames
        fd.meta.update(annotate(fd.events, rng))


# --- defects on top (the recall half), with ground truth in `siqa.synth`'s format --------------------------

DEFECTS = ("timing_offset", "high_bleed", "swapped_channels", "timing_offset", "loudness_off", "low_snr",
           "end_too_late", "transcript_substitution")
CLEAN_EVERY = 6  # every sixth interaction of a defect batch keeps no defect
TAIL_SECONDS, HIGH_BLEED_DB, LOUDNESS_DB, NOISE_SNR_DB = 8.0, -15.0, -25.0, 5.0


def edit_tracks(draft: InteractionDraft, defect: str, rng: np.random.Generator) -> dict[str, Any] | None:
    """Defects made before mixing (a silent padded tail, loud bleed); None for the others."""
    if defect == "end_too_late":
        pad = np.zeros(int(TAIL_SECONDS * SAMPLE_RATE), np.float32)
        for fd in draft.files:
            fd.clean = np.concatenate((fd.clean, pad))
        end = draft.files[0].duration
        return {"magnitude": TAIL_SECONDS, "unit": "s", "span": [end - TAIL_SECONDS, end],
                "details": {"content": "silence"}}
    if defect == "high_bleed":
        i = int(rng.integers(2))
        draft.bleed_db[i] = HIGH_BLEED_DB
        return {"file": draft.files[i], "magnitude": HIGH_BLEED_DB, "unit": "dB",
                "details": {"lag_ms": round(draft.site.bleed_lag_ms, 2)}}
    return None


def edit_final(draft: InteractionDraft, defect: str, rng: np.random.Generator) -> dict[str, Any]:
    """Defects made on the finished files."""
    fd = draft.files[int(rng.integers(2))]
    if defect == "timing_offset":
        fd = max(draft.files, key=lambda f: len(f.meta[VAD_KEY]))
        offset_ms = float(rng.choice([-1, 1]) * rng.uniform(200, 500))
        for key in (VAD_KEY, TRANSCRIPT_KEY):
            _shift_segments(fd.meta[key], offset_ms / 1000)
        return {"file": fd, "magnitude": round(offset_ms, 1), "unit": "ms"}
    if defect == "loudness_off":
        fd.audio = (fd.mixed * 10 ** (LOUDNESS_DB / 20)).astype(np.float32)
        return {"file": fd, "magnitude": LOUDNESS_DB, "unit": "dB"}
    if defect == "low_snr":
        noise = rng.normal(0, 10 ** ((fd.speech_dbfs - NOISE_SNR_DB) / 20), len(fd.mixed))
        fd.audio = (fd.mixed + noise).astype(np.float32)
        return {"file": fd, "magnitude": NOISE_SNR_DB, "unit": "dB"}
    return CATALOGUE[defect].apply(draft, rng)  # swapped channels, a replaced transcript segment


def generate_recorded(out: Path, speech: dict[str, list[Utterance]], half: int = 0, seed: int = 0,
                      defects: bool = False, label: str = "naturalistic", split: str = "dev",
                      limit: int | None = None) -> SynthResult:
    """Batch `half` (0 or 1: disjoint host recordings) of real-speech dyads under the dataset root `out`, in
    the extracted layout, with root tables and ground truth; `limit` caps the interactions (a test's one
    dyad)."""
    plans = plan_sessions(speech, half, seed)
    batch_dir = out / label / split / f"{half:04d}"
    result = SynthResult(out, f"{split}/{half:04d}", label)
    interaction_rows, file_rows, n = [], [], 0
    for plan in plans:
        for i in range(len(plan.parts)):
            if limit is not None and n >= limit:
                break
            key = f"{plan.key}_I{half * 100000 + n + 1:08d}"
            rng = np.random.default_rng([seed, half, n])
            draft = build(plan, i, key, rng)
            defect = DEFECTS[n % len(DEFECTS)] if defects and n % CLEAN_EVERY != CLEAN_EVERY - 1 else None
            fields = edit_tracks(draft, defect, rng) if defect else None
            finish(draft, rng)
            if defect:
                if fields is None:
                    fields = edit_final(draft, defect, rng)
                result.truth.append(_truth(defect, fields, draft))
            for fd in draft.files:
                write.write_extracted(batch_dir, n // 4, str(fd.file_id), write.modality_bytes(fd))
                file_rows.append({"file_id": str(fd.file_id), "label": label, "split": split,
                                  "batch_idx": str(half), "archive_idx": str(n // 4)})
                result.files += 1
            interaction_rows.append({"interaction_key": key, "session_key": plan.key, "prompt": plan.prompt,
                                     "label": label, "split": split, "batch_idx": str(half)})
            result.interactions, n = result.interactions + 1, n + 1
    sessions = [{"site": p.site, "number": p.number, "ids": [None, None], "people": list(p.people)}
                for p in plans]
    people = list({p.number: p for plan in plans for p in plan.people}.values())
    _write_tables(out, sessions, people, interaction_rows, file_rows)
    lines = "".join(json.dumps(r, sort_keys=True) + "\n" for r in result.truth)
    write.atomic_write(result.truth_path, lines.encode())
    return result
