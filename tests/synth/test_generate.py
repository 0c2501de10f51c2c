"""The synthetic generator: real layouts and formats, speech that matches its transcript, controllable bleed,
ground truth, determinism."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import soundfile as sf

from siqa.dataset.batch import open_batches
from siqa.dataset.schema import FPS, NPZ_FRAME_SHAPES, TRANSCRIPT_KEY, VAD_KEY
from siqa.synth import SynthConfig, generate
from siqa.synth.defects import CATALOGUE
from siqa.synth.profiles import DefectProfile


def _digest(root) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_different_seed_different_bytes(tmp_path):
    config = SynthConfig(sessions=1, interactions_per_session=2, duration=8.0, seed=9, defects="heavy")
    a = generate(tmp_path / "a", config)
    b = generate(tmp_path / "b", config)
    generate(tmp_path / "c", SynthConfig(**{**config.__dict__, "seed": 10}))
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert a.truth == b.truth
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_clean_batch_has_release_formats_and_every_npz_key(clean_tar_batch):
    (index,) = open_batches(clean_tar_batch.root, clean_tar_batch.batch)
    for pf in index.participant_files():
        info = pf.audio_info()
        assert (info.sample_rate, info.subtype, info.channels) == (48_000, "PCM_16", 1)
        keys = pf.npz_keys()
        assert sorted(keys) == sorted(NPZ_FRAME_SHAPES)
        arrays = pf.features(*keys)
        frames = round(info.duration * FPS)
        for key, array in arrays.items():
            assert array.shape == (frames, *NPZ_FRAME_SHAPES[key]), key
        assert pf.video_info().frames == frames
        assert {"metadata:vad", "metadata:transcript", "annotations:1P-IS", "annotations:3P-V"} <= set(pf.meta().raw)


def test_transcript_words_sit_on_the_speech_and_vad_covers_them(clean_tar_batch):
    (index,) = open_batches(clean_tar_batch.root, clean_tar_batch.batch)
    for pf in index.participant_files():
        meta = pf.meta()
        vad = meta.vad().items
        audio = pf.audio()
        for segment in meta.transcript().items:
            for word in segment.words:
                assert segment.start - 1e-6 <= word.start < word.end <= segment.end + 1e-6
                middle = (word.start + word.end) / 2
                assert any(v.start - 0.05 <= middle <= v.end + 0.05 for v in vad), (pf.file_id, word)
                chunk = audio.mono[int(word.start * 48000):int(word.end * 48000)]
                assert np.sqrt(np.mean(chunk**2)) > 10 ** (-40 / 20), (pf.file_id, word)


def test_bleed_level_matches_the_site_profile(narrow_batch):
    """Where only the partner speaks, one's channel holds the partner at the site's bleed level (measured without
    natural variation: a quiet partner's bleed sinks under the room tone there)."""
    from siqa.synth.sites import SITES

    (index,) = open_batches(narrow_batch.root, narrow_batch.batch)
    site = {s.site: s for s in SITES}
    checked = 0
    for interaction in (i for session in index.sessions for i in session.interactions):
        a, b = interaction.participants
        own = [(w.start, w.end) for s in b.meta().transcript().items for w in s.words]
        quiet = np.ones(len(a.audio().mono), bool)
        for s in a.meta().vad().items:
            quiet[int(s.start * 48000):int(s.end * 48000) + 4800] = False
        mask = np.zeros_like(quiet)
        for start, end in own:
            mask[int(start * 48000):int(end * 48000)] = True
        mask &= quiet
        if mask.sum() < 48000 // 2:
            continue
        checked += 1
        leak = np.mean(a.audio().mono[mask] ** 2)
        source = np.mean(b.audio().mono[mask] ** 2)
        measured = 10 * np.log10(leak / source)
        assert abs(measured - site[interaction.site].bleed_db) < 2.5, (interaction.key, measured)
    assert checked >= 2


def test_ground_truth_lists_what_was_injected(tmp_path):
    result = generate(tmp_path, SynthConfig(sessions=4, interactions_per_session=3, duration=8.0, seed=2,
                                            defects="heavy"))
    records = [json.loads(line) for line in result.truth_path.read_text().splitlines()]
    assert records == result.truth and records
    for record in records:
        assert record["family"] in {"IN", "TS", "TR", "PR", "ID", "BL", "RQ", "MO", "AV"}
        assert record["scope"] in {"file", "interaction", "session"}
        assert record.get("file_id") or record.get("interaction_key") or record.get("session_key")


def test_none_profile_injects_nothing(clean_tar_batch):
    assert clean_tar_batch.truth == []


def test_profiles_cover_every_family_and_custom_toml_is_checked(tmp_path):
    heavy = DefectProfile.load("heavy")
    assert {CATALOGUE[name].family for name in heavy.weights} == {"IN", "TS", "TR", "PR", "BL", "RQ", "MO", "AV"}
    assigned = heavy.assign(len(heavy.weights), np.random.default_rng(0))
    assert sorted(d for d in assigned if d) != [] and len(set(assigned)) > 0.7 * len(heavy.weights)
    bad = tmp_path / "bad.toml"
    bad.write_text("affected = 0.5\n[weights]\nnot_a_defect = 2\n")
    with pytest.raises(ValueError, match="not_a_defect"):
        DefectProfile.load(str(bad))
    assert DefectProfile.load("none").assign(5, np.random.default_rng(0)) == [None] * 5
    with pytest.raises(ValueError, match="not found"):
        DefectProfile.load(str(tmp_path / "missing.toml"))


def test_twenty_interactions_need_only_seconds(tmp_path):
    """Size check of the default demo batch (timing lives in the benchmark)."""
    result = generate(tmp_path, SynthConfig(sessions=5, interactions_per_session=4, duration=10.0, defects="none"))
    assert result.interactions == 20 and result.files == 40
    assert len(list(tmp_path.rglob("*.wav"))) == 40
    wav = next(tmp_path.rglob("*.wav"))
    assert 6.0 < sf.info(str(wav)).duration <= 10.0
    assert VAD_KEY in json.loads(next(tmp_path.rglob("*.json")).read_text())
    assert TRANSCRIPT_KEY in json.loads(next(tmp_path.rglob("*.json")).read_text())
