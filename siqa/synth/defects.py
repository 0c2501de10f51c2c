"""The defect catalogue: every documented defect family, injected into drafts with a ground-truth record.

Each defect is a function registered with its family, scope and stage:
- `tracks`: before mixing, on the clean speech tracks and their transcripts (interaction boundaries);
- `mix`: the mixing parameters (bleed level);
- `final`: the finished files (everything else).
It edits the draft and returns the ground-truth fields it knows (magnitude, unit, span, details, target file).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from siqa.dataset.schema import FPS, SAMPLE_RATE, TRANSCRIPT_KEY, VAD_KEY
from siqa.synth.conversation import converse
from siqa.synth.draft import FileDraft, InteractionDraft
from siqa.synth.topics import TOPICS

Truth = dict[str, Any]
Apply = Callable[[InteractionDraft, np.random.Generator], Truth]


@dataclass(frozen=True)
class Defect:
    name: str
    family: str
    scope: str  # "file" or "interaction" (session and people defects are planned in generate.py)
    stage: str
    apply: Apply


CATALOGUE: dict[str, Defect] = {}
SESSION_DEFECTS = {"prompt_off_by_one": "PR"}
PEOPLE_DEFECTS = {"id_shared": "ID", "id_split": "ID"}


def defect(name: str, family: str, scope: str = "file", stage: str = "final") -> Callable[[Apply], Apply]:
    def register(apply: Apply) -> Apply:
        CATALOGUE[name] = Defect(name, family, scope, stage, apply)
        return apply

    return register


def _pick(draft: InteractionDraft, rng: np.random.Generator) -> FileDraft:
    return draft.files[int(rng.integers(len(draft.files)))]


def _speech_segments(fd: FileDraft) -> list[dict[str, Any]]:
    return fd.meta.get(TRANSCRIPT_KEY, [])


def _shift_segments(segments: list[dict[str, Any]], delta: float) -> None:
    for seg in segments:
        seg["start"], seg["end"] = round(seg["start"] + delta, 3), round(seg["end"] + delta, 3)
        for w in seg.get("words", []):
            w["start"], w["end"] = round(w["start"] + delta, 3), round(w["end"] + delta, 3)


# --- integrity -------------------------------------------------------------------------------------------------

@defect("corrupt_wav", "IN")
def _corrupt_wav(draft, rng):
    fd = _pick(draft, rng)
    fd.truncated["wav"] = 0.6  # the header still declares the full length
    return {"file": fd, "details": {"kept_ratio": 0.6}}


@defect("malformed_json", "IN")
def _malformed_json(draft, rng):
    fd = _pick(draft, rng)
    text = json.dumps(fd.meta)
    fd.raw["json"] = text[: len(text) // 2].encode()
    return {"file": fd}


@defect("pickled_npz", "IN")
def _pickled_npz(draft, rng):
    fd = _pick(draft, rng)
    fd.features["movement:emotion_scores"] = np.array([{"payload": "pickled"}], dtype=object)  # saved as a pickle
    return {"file": fd, "details": {"key": "movement:emotion_scores"}}


@defect("missing_modality", "IN")
def _missing_modality(draft, rng):
    fd = _pick(draft, rng)
    modality = str(rng.choice(["npz", "mp4"]))
    fd.missing.add(modality)
    return {"file": fd, "details": {"modality": modality}}


@defect("wrong_audio_format", "IN")
def _wrong_audio_format(draft, rng):
    fd = _pick(draft, rng)
    kind = str(rng.choice(["sample_rate", "subtype", "channels"]))
    if kind == "sample_rate":
        fd.sample_rate = 44_100
    elif kind == "subtype":
        fd.subtype = "PCM_24"
    else:
        fd.stereo = True
    return {"file": fd, "details": {"changed": kind}}


@defect("duration_mismatch", "IN")
def _duration_mismatch(draft, rng):
    fd = _pick(draft, rng)
    keep = int(len(fd.features["movement:is_valid"]) * 0.75)
    fd.features = {k: v[:keep] for k, v in fd.features.items()}
    return {"file": fd, "magnitude": round(fd.duration - keep / FPS, 3), "unit": "s"}


@defect("nan_features", "IN")
def _nan_features(draft, rng):
    fd = _pick(draft, rng)
    frames = len(fd.features["movement:FAUValue"])
    start = int(rng.integers(0, frames - 30))
    fd.features["movement:FAUValue"][start:start + 30] = np.nan
    return {"file": fd, "span": [start / FPS, (start + 30) / FPS]}


@defect("low_tracking_validity", "IN")
def _low_validity(draft, rng):
    fd = _pick(draft, rng)
    flags = fd.features["boxes_and_keypoints:is_valid_box"]
    lost = int(len(flags) * 0.65)
    flags[:lost] = False
    return {"file": fd, "magnitude": round(1 - flags.mean(), 3), "unit": "ratio", "span": [0.0, lost / FPS]}


@defect("silent_audio", "IN")
def _silent_audio(draft, rng):
    fd = _pick(draft, rng)
    fd.audio = np.zeros_like(fd.audio)
    fd.meta[VAD_KEY], fd.meta[TRANSCRIPT_KEY] = [], []
    return {"file": fd, "details": {"vad": "empty"}}


@defect("silent_audio_with_vad", "IN")
def _silent_with_vad(draft, rng):
    fd = _pick(draft, rng)
    fd.audio = np.zeros_like(fd.audio)
    return {"file": fd, "details": {"vad": "kept"}}


@defect("empty_vad", "IN")
def _empty_vad(draft, rng):
    fd = max(draft.files, key=lambda f: sum(s["end"] - s["start"] for s in f.meta[VAD_KEY]))
    fd.meta[VAD_KEY] = []
    return {"file": fd}


def _segments_defect(kind: str) -> Apply:
    def apply(draft, rng):
        fd = max(draft.files, key=lambda f: len(f.meta[VAD_KEY]))
        vad = fd.meta[VAD_KEY]
        i = int(rng.integers(1, len(vad))) if len(vad) > 1 else 0
        if kind == "unsorted" and len(vad) > 1:
            vad[i - 1], vad[i] = vad[i], vad[i - 1]
        elif kind == "overlapping" and len(vad) > 1:
            vad[i]["start"] = round(vad[i - 1]["end"] - 0.3, 2)
        elif kind == "negative_length":
            vad[i]["start"], vad[i]["end"] = vad[i]["end"], vad[i]["start"]
        else:
            vad[-1]["end"] = round(fd.duration + 2.0, 2)
            i = len(vad) - 1
        return {"file": fd, "span": sorted([vad[i]["start"], vad[i]["end"]]), "details": {"problem": kind}}

    return apply


for _kind in ("unsorted", "overlapping", "negative_length", "out_of_bounds"):
    defect(f"segments_{_kind}", "IN")(_segments_defect(_kind))


@defect("word_outside_segment", "IN")
def _word_outside(draft, rng):
    fd = max(draft.files, key=lambda f: len(_speech_segments(f)))
    seg = _speech_segments(fd)[0]
    word = seg["words"][-1]
    word["start"], word["end"] = round(seg["end"] + 0.5, 3), round(seg["end"] + 0.8, 3)
    return {"file": fd, "span": [word["start"], word["end"]]}


@defect("wrong_metadata_id", "IN")
def _wrong_id(draft, rng):
    fd = _pick(draft, rng)
    other = draft.files[1] if fd is draft.files[0] else draft.files[0]
    fd.meta["id"] = str(other.file_id)
    return {"file": fd}


@defect("missing_partner", "IN", scope="interaction")
def _missing_partner(draft, rng):
    draft.dropped = True
    return {"details": {"kept": str(draft.files[0].file_id)}}


@defect("malformed_file_name", "IN")
def _malformed_name(draft, rng):
    fd = _pick(draft, rng)
    fd.name = str(fd.file_id).replace("_P", "_Px")
    return {"file": fd, "details": {"written_as": fd.name}}


@defect("duplicate_file", "IN")
def _duplicate(draft, rng):
    fd = _pick(draft, rng)
    fd.duplicate = True
    return {"file": fd}


# --- timing ----------------------------------------------------------------------------------------------------

@defect("timing_offset", "TS")
def _timing_offset(draft, rng):
    fd = max(draft.files, key=lambda f: len(f.meta[VAD_KEY]))
    # log-uniform: small ones too
    offset_ms = float(rng.choice([-1, 1]) * np.exp(rng.uniform(np.log(50), np.log(1000))))
    for key in (VAD_KEY, TRANSCRIPT_KEY):
        _shift_segments(fd.meta[key], offset_ms / 1000)
    return {"file": fd, "magnitude": round(offset_ms, 1), "unit": "ms"}


def _cut(draft: InteractionDraft, start: int, stop: int) -> None:
    for fd in draft.files:
        fd.clean = fd.clean[start:stop]
        _shift_segments(_speech_segments(fd), -start / SAMPLE_RATE)
        length = len(fd.clean) / SAMPLE_RATE
        fd.meta[TRANSCRIPT_KEY] = [s for s in _speech_segments(fd) if s["end"] > 0 and s["start"] < length]


@defect("start_too_late", "TS", scope="interaction", stage="tracks")
def _start_too_late(draft, rng):
    first = min((s for fd in draft.files for s in _speech_segments(fd)), key=lambda s: s["start"])
    cut = first["start"] + (first["end"] - first["start"]) * float(rng.uniform(0.3, 0.6))
    missing = cut - first["start"]
    _cut(draft, int(cut * SAMPLE_RATE), len(draft.files[0].clean))
    for fd in draft.files:  # the truncated words start before 0: clamp like an annotator would
        for seg in _speech_segments(fd):
            seg["words"] = [dict(w, start=max(0.0, w["start"])) for w in seg["words"] if w["end"] > 0]
            seg["start"] = max(0.0, seg["start"])
    return {"magnitude": round(missing, 3), "unit": "s", "span": [0.0, 0.5]}


@defect("end_too_early", "TS", scope="interaction", stage="tracks")
def _end_too_early(draft, rng):
    last = max((s for fd in draft.files for s in _speech_segments(fd)), key=lambda s: s["end"])
    cut = last["start"] + (last["end"] - last["start"]) * float(rng.uniform(0.4, 0.7))
    missing = last["end"] - cut
    _cut(draft, 0, int(cut * SAMPLE_RATE))
    for fd in draft.files:
        for seg in _speech_segments(fd):
            seg["words"] = [w for w in seg["words"] if w["start"] < cut]
            seg["end"] = min(seg["end"], round(cut, 3))
    return {"magnitude": round(missing, 3), "unit": "s", "span": [cut - 0.5, cut]}


def _pad(where: str) -> Apply:
    """Too early a start (too late an end): silence, or half the time off-prompt talk (the tail of the
    neighbouring interaction, the setup chat), before the first (after the last) word of the prompt's talk.

    The silence lasts 6-15 s (it was 1-3 s): natural lead-ins and tails now run to 3 s, and a padded edge must
    stand clear of them. It is silence of the speech tracks only: the room tone, mixed in later, carries on
    through it. Off-prompt talk switches to another prompt's scenario, in the interaction's own variation, and
    makes 15-25% of the padded interaction: a boundary annotated into the neighbouring talk errs by seconds, not
    by half the interaction. A draft does not know its neighbours, so the scenario is another of the synthetic
    prompts (`TOPICS`), which every batch draws its prompts from."""

    def apply(draft, rng):
        seconds = float(rng.uniform(6.0, 15.0))
        side = rng.spawn(1)[0]  # a child stream: the silent variant draws only `seconds` from `rng`
        off_prompt = bool(side.random() < 0.5)
        if off_prompt:
            other = TOPICS[int(side.choice([i for i, t in enumerate(TOPICS) if t.prompt != draft.topic.prompt]))]
            share = float(side.uniform(0.15, 0.25))  # of the padded interaction
            levels = (draft.files[0].speech_dbfs, draft.files[1].speech_dbfs)
            tracks = converse((draft.files[0].person, draft.files[1].person), other,
                              draft.files[0].duration * share / (1 - share), levels, draft.variation, side)
            seconds = len(tracks[0].samples) / SAMPLE_RATE
            pads = [(t.samples, t.segments) for t in tracks]
        else:
            pads = [(np.zeros(int(seconds * SAMPLE_RATE), np.float32), [])] * 2
        for fd, (pad, segments) in zip(draft.files, pads):
            fd.clean = np.concatenate((pad, fd.clean) if where == "start" else (fd.clean, pad))
            if where == "start":
                _shift_segments(_speech_segments(fd), seconds)
            else:
                _shift_segments(segments, len(fd.clean) / SAMPLE_RATE - seconds)
            fd.meta[TRANSCRIPT_KEY] = sorted(_speech_segments(fd) + segments, key=lambda seg: seg["start"])
        end = len(draft.files[0].clean) / SAMPLE_RATE
        return {"magnitude": round(seconds, 3), "unit": "s",
                "span": [0.0, seconds] if where == "start" else [end - seconds, end],
                "details": {"content": "off_prompt" if off_prompt else "silence"}}

    return apply


defect("start_too_early", "TS", scope="interaction", stage="tracks")(_pad("start"))
defect("end_too_late", "TS", scope="interaction", stage="tracks")(_pad("end"))


# --- transcript vs speech --------------------------------------------------------------------------------------

def _longest_segment(draft: InteractionDraft) -> tuple[FileDraft, dict[str, Any]]:
    return max(((fd, s) for fd in draft.files for s in _speech_segments(fd)), key=lambda p: len(p[1]["words"]))


def _rewrite(seg: dict[str, Any]) -> None:
    seg["transcript"] = " ".join(w["word"] for w in seg["words"])


@defect("transcript_substitution", "TR")
def _substitution(draft, rng):
    fd, seg = _longest_segment(draft)
    vocabulary = [w for t in TOPICS for w in t.words]
    for w in rng.choice(seg["words"], size=max(2, len(seg["words"]) // 2), replace=False):
        w["word"] = str(rng.choice(vocabulary))
    _rewrite(seg)
    return {"file": fd, "span": [seg["start"], seg["end"]]}


@defect("transcript_deletion", "TR")
def _deletion(draft, rng):
    fd, seg = _longest_segment(draft)
    seg["words"] = seg["words"][: max(1, len(seg["words"]) // 3)]
    seg["end"] = seg["words"][-1]["end"]
    _rewrite(seg)
    return {"file": fd, "span": [seg["start"], seg["end"]]}


@defect("transcript_without_speech", "TR")
def _without_speech(draft, rng):
    fd = _pick(draft, rng)
    gaps = [(a["end"], b["start"]) for a, b in zip(fd.meta[VAD_KEY], fd.meta[VAD_KEY][1:]) if b["start"] - a["end"] > 2]
    start = gaps[0][0] + 0.5 if gaps else fd.duration - 1.5
    words = [{"word": w, "start": round(start + i * 0.3, 3), "end": round(start + i * 0.3 + 0.25, 3), "score": 0.5}
             for i, w in enumerate(["they", "said", "nothing"])]
    fd.meta[TRANSCRIPT_KEY].append({"start": words[0]["start"], "end": words[-1]["end"],
                                    "transcript": "they said nothing", "words": words})
    fd.meta[TRANSCRIPT_KEY].sort(key=lambda s: s["start"])
    return {"file": fd, "span": [words[0]["start"], words[-1]["end"]]}


@defect("speech_without_transcript", "TR")
def _speech_without(draft, rng):
    fd, seg = _longest_segment(draft)
    fd.meta[TRANSCRIPT_KEY].remove(seg)
    return {"file": fd, "span": [seg["start"], seg["end"]]}


# --- prompts ---------------------------------------------------------------------------------------------------

@defect("prompt_mismatch", "PR", scope="interaction")
def _prompt_mismatch(draft, rng):
    others = [t for t in TOPICS if t.prompt != draft.topic.prompt]
    draft.prompt = others[int(rng.integers(len(others)))].prompt
    return {"details": {"recorded_prompt": draft.prompt, "spoken_topic": draft.topic.prompt}}


# --- speaker bleed ---------------------------------------------------------------------------------------------

@defect("high_bleed", "BL", stage="mix")
def _high_bleed(draft, rng):
    i = int(rng.integers(2))
    draft.bleed_db[i] = float(rng.uniform(-16.0, -8.0))
    return {"file": draft.files[i], "magnitude": round(draft.bleed_db[i], 1), "unit": "dB",
            "details": {"lag_ms": draft.site.bleed_lag_ms}}


@defect("echo_words", "BL")
def _echo_words(draft, rng):
    owner, partner = (draft.files[0], draft.files[1]) if rng.random() < 0.5 else (draft.files[1], draft.files[0])
    source = max(_speech_segments(partner), key=lambda s: len(s["words"]))
    echo = [dict(w, score=0.3) for w in source["words"][:3]]
    owner.meta[TRANSCRIPT_KEY].append({"start": echo[0]["start"], "end": echo[-1]["end"],
                                       "transcript": " ".join(w["word"] for w in echo), "words": echo})
    owner.meta[TRANSCRIPT_KEY].sort(key=lambda s: s["start"])
    return {"file": owner, "span": [echo[0]["start"], echo[-1]["end"]],
            "details": {"words": [w["word"] for w in echo], "partner": str(partner.file_id)}}


@defect("swapped_channels", "BL", scope="interaction")
def _swapped(draft, rng):
    a, b = draft.files
    a.audio, b.audio = b.audio, a.audio
    return {}


@defect("duplicated_channel", "BL", scope="interaction")
def _duplicated(draft, rng):
    draft.files[1].audio = draft.files[0].audio.copy()
    return {}


# --- recording quality -----------------------------------------------------------------------------------------

def _audio_defect(edit: Callable[[FileDraft, np.random.Generator], tuple[np.ndarray, dict[str, Any]]]) -> Apply:
    def apply(draft, rng):
        fd = _pick(draft, rng)
        fd.audio, fields = edit(fd, rng)
        return {"file": fd, **fields}

    return apply


def _low_snr(fd, rng):
    """Broadband noise 0-8 dB below the file's own speech level (magnitude: that SNR). A fixed -32 dBFS noise
    was 12 dB under speech at every site; with speakers spread over +-10 dB it would be inside natural SNRs."""
    snr = float(rng.uniform(0.0, 8.0))
    noise_dbfs = fd.speech_dbfs - snr
    noise = rng.normal(0, 10 ** (noise_dbfs / 20), len(fd.audio)).astype(np.float32)
    return fd.audio + noise, {"magnitude": round(snr, 2), "unit": "dB",
                              "details": {"noise_dbfs": round(noise_dbfs, 2)}}


def _clipping(fd, rng):
    """Gain of 12, or more for a quiet speaker (speech brought to -6 dBFS), into a 0.5 ceiling."""
    gain = max(12.0, 10 ** ((-6.0 - fd.speech_dbfs) / 20))
    clipped = np.clip(fd.audio * gain, -0.5, 0.5).astype(np.float32)
    return clipped, {"details": {"gain": round(gain, 2), "ceiling": 0.5}}


def _dropouts(fd, rng):
    out = fd.audio.copy()
    spans = []
    for start in np.sort(rng.uniform(0.5, len(out) / SAMPLE_RATE - 1.0, 4)):
        length = float(rng.uniform(0.05, 0.3))
        out[int(start * SAMPLE_RATE):int((start + length) * SAMPLE_RATE)] = 0.0
        spans.append([round(start, 3), round(start + length, 3)])
    return out, {"details": {"dropouts": spans}}


def _dc_offset(fd, rng):
    return (fd.audio + 0.05).astype(np.float32), {"magnitude": 0.05, "unit": "ratio"}


def _mains_hum(fd, rng):
    """A -30 dBFS sine at 50 or 60 Hz: 40 dB and more over the room tone around it, where the natural hum of an
    old room (`SiteProfile.hum_prominence_db`) stands about 12 dB over it."""
    hz = float(rng.choice([50.0, 60.0]))
    t = np.arange(len(fd.audio)) / SAMPLE_RATE
    hum = 10 ** (-30 / 20) * np.sin(2 * np.pi * hz * t)
    return (fd.audio + hum).astype(np.float32), {"magnitude": hz, "unit": "Hz"}


def _loudness_off(fd, rng):
    """The whole channel 28 dB down (it was 20 dB): speakers and sites now spread over +-10 dB naturally, and a
    gain error has to stand outside that spread from wherever the file's own level was."""
    return (fd.audio * 10 ** (-28 / 20)).astype(np.float32), {"magnitude": -28.0, "unit": "dB"}


for _name, _edit in (("low_snr", _low_snr), ("clipping", _clipping), ("dropouts", _dropouts),
                     ("dc_offset", _dc_offset), ("mains_hum", _mains_hum), ("loudness_off", _loudness_off)):
    defect(_name, "RQ")(_audio_defect(_edit))


@defect("out_of_frame", "RQ")
def _out_of_frame(draft, rng):
    fd = _pick(draft, rng)
    flags = fd.features["boxes_and_keypoints:is_valid_box"]
    lost = int(len(flags) * float(rng.uniform(0.3, 0.4)))
    start = int(rng.integers(0, len(flags) - lost))
    flags[start:start + lost] = False
    return {"file": fd, "magnitude": round(lost / len(flags), 3), "unit": "ratio",
            "span": [start / FPS, (start + lost) / FPS]}


# --- moments of interest ---------------------------------------------------------------------------------------

def _first_window(fd: FileDraft) -> dict[str, Any]:
    return fd.meta["annotations:1P-IS"][0]


@defect("moi_truncated", "MO")
def _moi_truncated(draft, rng):
    """The window keeps 30-50% of the behaviour: its start, its end, or both cut."""
    fd = _pick(draft, rng)
    window = _first_window(fd)
    start, end = window["start"], window["end"]
    kept = (end - start) * float(rng.uniform(0.3, 0.5))
    cut = str(rng.choice(["start", "end", "both"]))
    lead = {"start": end - start - kept, "end": 0.0, "both": (end - start - kept) / 2}[cut]
    window["start"], window["end"] = round(start + lead, 3), round(start + lead + kept, 3)
    return {"file": fd, "magnitude": round(end - start - kept, 3), "unit": "s", "span": [start, end],
            "details": {"annotation": "1P-IS", "index": 0, "cut": cut, "annotated": [window["start"], window["end"]],
                        "behaviour": [start, end]}}


def _quiet_start(fd: FileDraft, length: float, rng: np.random.Generator) -> float:
    """Where a window of `length` seconds can go away from every behaviour event: random among the places at
    least 1 s clear of them, else the clearest place the file has."""
    starts = np.arange(0.3, max(0.4, fd.duration - length - 0.3), 0.1)
    clearance = np.array([min((max(s - (b + length), b - e) for s, e in fd.events), default=np.inf) for b in starts])
    clear = starts[clearance >= 1.0]
    return round(float(rng.choice(clear) if len(clear) else starts[int(np.argmax(clearance))]), 3)


@defect("moi_displaced", "MO")
def _moi_displaced(draft, rng):
    fd = _pick(draft, rng)
    window = _first_window(fd)
    start, end = window["start"], window["end"]
    new = _quiet_start(fd, end - start, rng)
    window["start"], window["end"] = new, round(new + end - start, 3)
    return {"file": fd, "magnitude": round(new - start, 3), "unit": "s", "span": [window["start"], window["end"]],
            "details": {"annotation": "1P-IS", "index": 0, "annotated": [window["start"], window["end"]],
                        "behaviour": [start, end]}}


@defect("moi_spurious", "MO")
def _moi_spurious(draft, rng):
    fd = _pick(draft, rng)
    start = _quiet_start(fd, 2.0, rng)
    windows = fd.meta["annotations:3P-V"]
    windows.append({"start_time": start, "end_time": round(start + 2.0, 3), "label": "spurious"})
    return {"file": fd, "span": [start, start + 2.0],
            "details": {"annotation": "3P-V", "index": len(windows) - 1, "annotated": [start, start + 2.0]}}


# --- audio-video sync ------------------------------------------------------------------------------------------

@defect("av_offset", "AV")
def _av_offset(draft, rng):
    """The face keypoints lag (positive) or lead (negative) the audio by 2-10 frames."""
    fd = _pick(draft, rng)
    frames = int(rng.choice([-1, 1]) * rng.integers(2, 11))
    key = "boxes_and_keypoints:keypoints"
    fd.features[key] = np.roll(fd.features[key], frames, axis=0)
    return {"file": fd, "magnitude": frames, "unit": "frames",
            "details": {"offset_ms": round(frames / FPS * 1000, 1)}}


@defect("frame_drift", "AV")
def _frame_drift(draft, rng):
    """The MP4 holds 3% more frames than the audio's duration at its frame rate: sync drifts along the file."""
    fd = _pick(draft, rng)
    extra = int(round(fd.video_frames * 0.03))
    fd.video_frames += extra
    return {"file": fd, "magnitude": extra, "unit": "frames",
            "details": {"ratio": round(extra / (fd.video_frames - extra), 4)}}
