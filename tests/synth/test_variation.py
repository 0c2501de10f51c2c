"""Natural variation: present, bounded, reproducible; `variation="none"` keeps the old narrow generator; defects
stay outside what natural variation produces."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import replace

import numpy as np
import pytest
from scipy.signal import welch

from siqa.dataset.batch import open_batches
from siqa.signals.lexicon import content_words
from siqa.synth import SynthConfig, generate
from siqa.synth.conversation import converse
from siqa.synth.paraphrases import TALK
from siqa.synth.people import people_pool
from siqa.synth.sites import SITES
from siqa.synth.sounds import with_sounds
from siqa.synth.speech import Voice, speak
from siqa.synth.topics import BACKCHANNELS, FILLERS, TOPICS
from siqa.synth.variation import NATURAL, NONE

RATE = 48_000
FULL_SCALE_CEILING = 0.9 + 1 / 32768  # one 16-bit step of rounding


def _channels(batch):
    """(interaction key, site, audio, transcript segments) of every participant file."""
    (index,) = open_batches(batch.root, batch.batch)
    for session in index.sessions:
        for interaction in session.interactions:
            for pf in interaction.participants:
                yield interaction.key, interaction.site, str(pf.file_id), pf.audio().mono, pf.meta().transcript().items


def _db(power: float) -> float:
    return float(10 * np.log10(power + 1e-20))


def _speech_level(audio: np.ndarray, segments, others=()) -> float:
    """Mean power over one's own words, where the partner says nothing."""
    mask = np.zeros(len(audio), bool)
    for segment in segments:
        for word in segment.words:
            mask[int(word.start * RATE):int(word.end * RATE)] = True
    for segment in others:
        mask[int(segment.start * RATE):int(segment.end * RATE)] = False
    return _db(float(np.mean(audio[mask] ** 2)))


def _levels(batch) -> dict[str, tuple[str, float]]:
    """file id -> (site, speech level dBFS) of every file with more to say than a backchannel."""
    by_key = defaultdict(list)
    for key, site, file_id, audio, segments in _channels(batch):
        by_key[key].append((site, file_id, audio, segments))
    out = {}
    for files in by_key.values():
        for (site, file_id, audio, segments), (*_, partner) in zip(files, files[::-1]):
            if any(s.text not in BACKCHANNELS for s in segments):  # the old talk may leave one person mute
                out[file_id] = (site, _speech_level(audio, segments, partner))
    return out


def _noise_floor(audio: np.ndarray) -> float:
    frames = audio[: len(audio) // 480 * 480].reshape(-1, 480).astype(np.float64)
    return float(np.percentile(10 * np.log10(np.mean(frames**2, axis=1) + 1e-20), 10))


def _hum_prominence(audio: np.ndarray, hz: float) -> float:
    freqs, power = welch(audio, RATE, nperseg=RATE)
    peak = power[np.abs(freqs - hz) <= 1].max()
    around = power[(np.abs(freqs - hz) <= 10) & (np.abs(freqs - hz) > 3)]
    return _db(peak) - _db(float(np.median(around)))


def _edges(batch) -> list[tuple[float, float]]:
    """(lead-in, tail) of every interaction: before the first and after the last word of either person."""
    by_key = defaultdict(list)
    for key, _, _, audio, segments in _channels(batch):
        by_key[key].append((len(audio) / RATE, segments))
    edges = []
    for files in by_key.values():
        segments = [s for _, segs in files for s in segs]
        edges.append((min(s.start for s in segments), files[0][0] - max(s.end for s in segments)))
    return edges


def _turns(batch) -> list[list[list]]:
    """Per interaction, its sentences grouped into turns (a speaker's run; backchannels left out)."""
    by_key = defaultdict(list)
    for key, _, file_id, _, segments in _channels(batch):
        by_key[key] += [(s, file_id) for s in segments if s.text not in BACKCHANNELS]
    interactions = []
    for said in by_key.values():
        turns: list[list] = []
        for segment, speaker in sorted(said, key=lambda item: item[0].start):
            if turns and turns[-1][-1][1] == speaker:
                turns[-1].append((segment, speaker))
            else:
                turns.append([(segment, speaker)])
        interactions.append(turns)
    return interactions


def _gaps(interactions: list[list[list]]) -> list[float]:
    return [b[0][0].start - a[-1][0].end for turns in interactions for a, b in zip(turns, turns[1:])]


# --- levels ------------------------------------------------------------------------------------------------------

def test_speakers_differ_in_level_by_several_db(natural_batch, narrow_batch):
    natural = [level for _, level in _levels(natural_batch).values()]
    assert np.std(natural) > 3.0 and max(natural) - min(natural) > 10.0, natural
    narrow = defaultdict(list)
    for site, level in _levels(narrow_batch).values():
        narrow[site].append(level)
    assert all(max(v) - min(v) < 4.0 for v in narrow.values()), narrow  # one loudness per site, +-2 dB


def test_levels_are_bounded_people_keep_theirs_and_sites_get_a_gain():
    pool = people_pool(200, seed=4)
    offsets = np.array([p.level_db for p in pool])
    assert np.abs(offsets).max() <= NATURAL.level_limit_db and 3.0 < offsets.std() < 5.0
    assert [p.level_db for p in people_pool(10, seed=4)] == list(offsets[:10])  # the same person in every batch
    assert all(p.level_db == 0.0 for p in people_pool(20, seed=4, variation=NONE))
    gains = NATURAL.site_gains([s.site for s in SITES], seed=4)
    assert all(abs(g) <= NATURAL.site_gain_db for g in gains.values()) and len(set(gains.values())) == len(SITES)
    assert set(NONE.site_gains([s.site for s in SITES], seed=4).values()) == {0.0}


def test_clean_channels_keep_headroom(natural_batch):
    peaks = [float(np.abs(audio).max()) for *_, audio, _ in _channels(natural_batch)]
    assert max(peaks) <= FULL_SCALE_CEILING, max(peaks)
    assert max(peaks) > 0.1  # and are not simply quiet


# --- timing and talk ---------------------------------------------------------------------------------------------

def test_edges_are_natural_and_bounded(natural_batch, narrow_batch):
    natural = [e for pair in _edges(natural_batch) for e in pair]
    assert min(natural) >= NATURAL.lead_in[0] - 0.01 and max(natural) <= NATURAL.lead_in[1] + 0.5
    assert max(natural) > NONE.tail[1] + 0.2  # wider than the old narrow edges
    narrow = [e for pair in _edges(narrow_batch) for e in pair]
    assert min(narrow) >= NONE.lead_in[0] - 0.01 and max(narrow) <= NONE.lead_in[1] + 0.5


def test_turns_run_several_sentences_with_natural_gaps(natural_batch):
    interactions = _turns(natural_batch)
    turns = [turn for turns in interactions for turn in turns]
    assert np.mean([len(t) for t in turns]) > 1.3 and max(t[-1][0].end - t[0][0].start for t in turns) > 6.0
    gaps = _gaps(interactions)
    assert min(gaps) > 0.1 and max(gaps) < NATURAL.gap[1] + 0.5 and np.std(gaps) > 0.15


def test_both_people_talk_in_a_short_interaction():
    pool = people_pool(12, seed=0)
    for seed in range(6):
        tracks = converse((pool[seed], pool[seed + 1]), TOPICS[seed], 8.0, (-28.0, -30.0), NATURAL,
                          np.random.default_rng(seed))
        assert all(track.segments for track in tracks), seed
        assert len(tracks[0].samples) <= 8.0 * RATE


def _prompt_share(batch) -> float:
    import pandas as pd

    prompts = pd.read_csv(batch.root / "interactions.csv").set_index("interaction_key")["prompt"]
    said, hits = 0, 0
    for key, _, _, _, segments in _channels(batch):
        prompt = set(content_words(prompts[key]))
        words = [w for s in segments for w in content_words(s.text)]
        said, hits = said + len(words), hits + sum(w in prompt for w in words)
    return hits / said


def test_talk_mostly_avoids_the_prompts_words(natural_batch, narrow_batch):
    assert _prompt_share(natural_batch) < 0.15
    assert _prompt_share(narrow_batch) > 0.4  # the old talk repeats the prompt


def test_paraphrase_pools_are_large_on_their_own_topic_and_distinct():
    assert len({t.prompt for t in TOPICS}) == len(TOPICS) and len(TALK) == len(TOPICS)
    for topic in TOPICS:
        assert len(topic.talk) >= 20 and len(set(topic.talk)) == len(topic.talk)
        prompt = set(content_words(topic.prompt))
        words = [w for line in topic.talk for w in content_words(line)]
        assert sum(w in prompt for w in words) / len(words) <= 0.2, topic.prompt
    shared = set(TOPICS[0].talk) & {line for t in TOPICS[1:] for line in t.talk}
    assert not shared


def test_every_paraphrase_is_timed_word_by_word():
    voice = Voice("m3", 50, 175, "en-gb-scotland")
    for topic in TOPICS:
        for line in topic.talk:
            assert line == line.lower() and all(w.isalpha() for w in line.split()), line
            assert [w.text for w in speak(line, voice).words] == line.split(), line


def test_voices_and_rates_vary_but_identities_stay():
    natural, narrow = people_pool(24, seed=1), people_pool(24, seed=1, variation=NONE)
    assert len({p.voice.language for p in natural}) >= 4 and len({p.voice.variant for p in natural}) >= 12
    rates = [p.voice.rate for p in natural]
    assert NATURAL.rate_wpm[0] <= min(rates) and max(rates) <= NATURAL.rate_wpm[1] and np.ptp(rates) > 50
    assert {p.voice.language for p in narrow} == {"en-us"} and all(140 <= p.voice.rate < 185 for p in narrow)
    assert [p.identity for p in natural] == [p.identity for p in narrow]


# --- sounds and rooms --------------------------------------------------------------------------------------------

def test_breaths_and_laughs_stay_off_ones_own_speech_and_below_it():
    own = np.zeros(30 * RATE, np.float32)
    vad = [{"start": 2.0, "end": 5.0}, {"start": 12.0, "end": 15.0}, {"start": 22.0, "end": 25.0}]
    lively = replace(NATURAL, breath_chance=1.0, laughs_per_minute=20.0, bursts_per_minute=0.0)
    out = with_sounds(own, vad, -30.0, lively, np.random.default_rng(0))
    inside = np.zeros(len(own), bool)
    for segment in vad:
        inside[int(segment["start"] * RATE):int(segment["end"] * RATE)] = True
    assert not out[inside].any() and out[~inside].any()
    frames = out[: len(out) // 4800 * 4800].reshape(-1, 4800)
    assert max(_db(float(np.mean(f**2))) for f in frames) < -30.0 + 3.0  # below the speech level
    assert with_sounds(own, vad, -30.0, NONE, np.random.default_rng(0)) is own


def test_room_tone_differs_per_site_and_one_old_room_hums_weakly(natural_batch):
    floors, hums = defaultdict(list), defaultdict(list)
    for _, site, _, audio, _ in _channels(natural_batch):
        floors[site].append(_noise_floor(audio))
        hums[site].append(_hum_prominence(audio, 50.0))
    medians = sorted(np.median(v) for v in floors.values())
    assert min(np.diff(medians)) > 3.0, floors
    humming = [s.site for s in SITES if s.hum_hz]
    # speech sometimes fills the hum's neighbourhood: the room's hum is its median over the site's channels
    assert humming and all(8.0 < np.median(hums[s]) and max(hums[s]) < 16.0 for s in humming), hums
    assert all(h < 6.0 for s, v in hums.items() if s not in humming for h in v), hums


# --- reproducibility and the narrow generator --------------------------------------------------------------------

def _digest(root) -> str:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


def test_variation_is_reproducible_from_the_seed(tmp_path):
    config = SynthConfig(sessions=1, interactions_per_session=1, duration=8.0, seed=12, defects="none")
    generate(tmp_path / "a", config)
    generate(tmp_path / "b", config)
    generate(tmp_path / "c", replace(config, variation="none"))
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b") != _digest(tmp_path / "c")


def test_none_keeps_the_old_narrow_talk(narrow_batch):
    interactions = _turns(narrow_batch)
    sentences = [s for turns in interactions for turn in turns for s, _ in turn]
    assert all(any(s.text.startswith(f) for f in FILLERS) for s in sentences)
    gaps = _gaps(interactions)
    assert min(gaps) >= NONE.gap[0] - 0.01 and max(gaps) <= NONE.gap[1] + 0.5


def test_unknown_variation_is_refused():
    with pytest.raises(ValueError, match="variation"):
        SynthConfig(variation="wild")


# --- defects against natural variation ---------------------------------------------------------------------------

def _records(batch, defect):
    return [r for r in batch.truth if r["defect"] == defect]


def _longest_zero_run(samples: np.ndarray) -> int:
    edges = np.flatnonzero(np.diff(np.concatenate(([0], (samples == 0).astype(np.int8), [0]))))
    return int(np.max(edges[1::2] - edges[::2], initial=0))


def test_padded_edges_are_longer_than_any_natural_edge_and_carry_room_tone(defect_batch):
    records = [r for d in ("start_too_early", "end_too_late") for r in _records(defect_batch, d)]
    assert len(records) == 4 and any(r["details"]["content"] == "silence" for r in records)
    audio = {file_id: (a, key) for key, _, file_id, a, _ in _channels(defect_batch)}
    for record in records:
        if record["details"]["content"] != "silence":  # another scenario's talk: found by what is said
            continue
        assert record["magnitude"] > NATURAL.tail[1] + 2.0
        start, end = record["span"]
        for channel, key in audio.values():
            if key == record["interaction_key"]:
                pad = channel[int(start * RATE):int(end * RATE)]
                assert -80.0 < _db(float(np.mean(pad**2))) < -40.0 and _longest_zero_run(pad) < 50


def test_level_defects_stand_outside_natural_variation(natural_batch, defect_batch):
    channels = {file_id: (site, audio) for _, site, file_id, audio, _ in _channels(defect_batch)}
    natural_hum = max(_hum_prominence(audio, hz) for *_, audio, _ in _channels(natural_batch) for hz in (50.0, 60.0))
    for record in _records(defect_batch, "mains_hum"):
        assert _hum_prominence(channels[record["file_id"]][1], record["magnitude"]) > natural_hum + 20.0
    natural_levels = _levels(natural_batch)
    natural_audio = {file_id: audio for _, _, file_id, audio, _ in _channels(natural_batch)}
    natural_snr = min(level - _noise_floor(natural_audio[file_id]) for file_id, (_, level) in natural_levels.items())
    levels = _levels(defect_batch)
    for record in _records(defect_batch, "low_snr"):
        snr = levels[record["file_id"]][1] - _noise_floor(channels[record["file_id"]][1])
        assert snr < natural_snr - 8.0, (snr, natural_snr)
    quietest = min(level for _, level in natural_levels.values())
    for record in _records(defect_batch, "loudness_off"):
        assert levels[record["file_id"]][1] < quietest - 5.0
    for record in _records(defect_batch, "clipping"):
        assert np.mean(np.abs(channels[record["file_id"]][1]) >= 0.5 - 1e-4) > 0.005
