"""TR001 against ASR's own error floor, with the real ASR backend: a rewritten segment is far less plausible to
the model than what it heard, further than ordinary speech ever is, and is reported with that floor in its
evidence; the floor is the calibration sample's implausibility, the measure the segments are judged in; and a
batch whose sample is too small for a floor is judged against the stated absolute limit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from siqa.audit import AuditOptions, run_audit
from siqa.config import RuleSet
from siqa.dataset.schema import TRANSCRIPT_KEY
from siqa.findings import Severity
from siqa.norms import robust
from siqa.outputs.files import read_findings
from siqa.synth import SynthConfig, generate
from siqa.validators.transcript.tr001_transcript_vs_speech import FLOOR

NONSENSE = "quantum penguins juggle volcanic saxophones beneath crimson glaciers".split()
SETTINGS = RuleSet.load("default").settings("TR001", Severity.WARNING).values


def garble(root: Path) -> tuple[str, list[float], str]:
    """The longest transcript segment of the batch rewritten with words nobody says: (file id, span, words)."""
    longest = max(((path, i, len(seg["words"])) for path in sorted(root.rglob("*.json"))
                   for i, seg in enumerate(json.loads(path.read_text())[TRANSCRIPT_KEY])), key=lambda c: c[2])
    path, index, _ = longest
    meta = json.loads(path.read_text())
    segment = meta[TRANSCRIPT_KEY][index]
    for n, word in enumerate(segment["words"]):
        word["word"] = NONSENSE[n % len(NONSENSE)]
    segment["transcript"] = " ".join(w["word"] for w in segment["words"])
    path.write_text(json.dumps(meta))
    return path.stem, [round(segment["start"], 2), round(segment["end"], 2)], segment["transcript"]


@pytest.fixture(scope="module")
def floor_audit(tmp_path_factory):
    """A clean batch with one garbled segment, every span transcribed (the whole batch is the sample):
    (garbled file id, its span, its words, findings, metrics). Narrow synthetic speech, which the small model
    hears well: a wholly wrong segment stands clear of its floor (in noisy rooms it may not, and is then
    rightly not reported)."""
    root = tmp_path_factory.mktemp("tr001-floor")
    batch = generate(root / "data", SynthConfig(layout="extracted", sessions=3, interactions_per_session=3,
                                                duration=10.0, seed=7, defects="none", variation="none"))
    file_id, span, words = garble(batch.root)
    outcome = run_audit(AuditOptions(batch=batch.batch, root=batch.root, out=root / "out", jobs=2,
                                     select=["TR001"], asr={"budget": 1.0}))
    metrics = [json.loads(line) for line in (outcome.out_dir / "metrics.jsonl").read_text().splitlines()]
    return file_id, span, words, list(read_findings(outcome.findings_path)), metrics


def test_a_rewritten_segment_lies_far_above_the_asr_floor_and_is_reported_with_it(floor_audit):
    file_id, span, words, findings, _ = floor_audit
    (garbled,) = [f for f in findings if f.file_id == file_id]
    worst = garbled.evidence["segments"][0]
    assert worst["reference"] == words and worst["span"] == [round(t, 2) for t in garbled.span]
    assert worst["span"] == pytest.approx(span, abs=abs(garbled.evidence["offset_seconds"]) + 0.01)  # audio time
    norm = garbled.evidence["norm"]
    assert norm["basis"] in ("site", "batch") and norm["value"] == worst["implausibility"]
    assert norm["deviation"] > norm["threshold"] >= SETTINGS["min_effect"]
    assert worst["confident_wer"] >= SETTINGS["screen_wer"]
    assert "median implausibility of ASR's calibration sample" in garbled.message


def test_the_floor_is_the_calibration_samples_confident_wer(floor_audit):
    file_id, _, _, findings, metrics = floor_audit
    norm = next(f for f in findings if f.file_id == file_id).evidence["norm"]
    floor = [m for m in metrics if m["metric"] == FLOOR and (norm["basis"] == "batch" or m["site"] == norm["site"])]
    median, spread = robust(np.array([m["value"] for m in floor]))
    assert (norm["units"], norm["median"], norm["spread"]) == (len(floor), round(median, 4), round(spread, 4))
    # a floor value per sampled segment ASR heard words in, in the measure a segment is judged in
    assert 0 < len(floor) <= len([m for m in metrics if m["metric"] == "asr_calibration_wer"])
    garbled = next(f for f in findings if f.file_id == file_id).evidence["segments"]
    assert {s["implausibility"] for s in garbled} <= {m["value"] for m in floor if m["unit"] == file_id}


def test_a_batch_too_small_for_a_floor_is_judged_against_the_stated_limit(transcript_audit):
    _, findings, outcome = transcript_audit
    metrics = [json.loads(line) for line in (outcome.out_dir / "metrics.jsonl").read_text().splitlines()]
    sample = [m for m in metrics if m["metric"] == FLOOR]
    reported = [f for f in findings if f.code == "TR001"]
    assert reported
    for finding in reported:
        norm = finding.evidence["norm"]
        assert (norm["basis"] == "fallback") == (len(sample) < SETTINGS["min_units"])
        if norm["basis"] == "fallback":
            assert norm["limit"] == SETTINGS["fallback_high"] < norm["value"]
            assert "above the absolute limit" in finding.message
