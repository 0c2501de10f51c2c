"""Transcript-vs-speech rules with the real ASR backend: each finds its injected defect, stays quiet on clean
speech, spends no more than the budget, reuses the cache, and skips with a reason when ASR is off. The defect
batch is `transcript_audit` (this folder's conftest: the narrow generator, and why)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from siqa.asr.cache import read_stats
from siqa.audit import AuditOptions, run_audit
from siqa.config import RuleSet
from siqa.dataset.batch import open_batches
from siqa.outputs.files import CACHE_DIR, read_findings
from siqa.synth import SynthConfig, generate
from siqa.synth.scoring import score
from siqa.validators.transcript.tr001_transcript_vs_speech import FLOOR

TR = {"TR001", "TR002", "TR003"}
TR_DEFECTS = {"transcript_substitution", "transcript_deletion", "transcript_without_speech",
              "speech_without_transcript"}


def test_every_transcript_defect_is_found_and_nothing_else(transcript_audit):
    batch, findings, _ = transcript_audit
    assert TR_DEFECTS <= {r["defect"] for r in batch.truth}
    result, missed, unexplained = score(findings, batch.truth, TR)
    assert missed == [] and unexplained == []
    substituted = next(f for f in findings if f.code == "TR001")
    segment = substituted.evidence["segments"][0]
    assert segment["wer"] > 0.3 and any(op == "substitute" for op, _, _ in segment["alignment"])


def test_asr_stays_within_the_budget(transcript_audit):
    _, _, outcome = transcript_audit
    stats = read_stats(outcome.out_dir / CACHE_DIR)
    budget = RuleSet.load("default").signal("asr")["budget"]
    assert 0 < stats["transcribed_seconds"] <= budget * outcome.summary.audio_seconds


def test_a_rerun_takes_every_transcription_from_the_cache(transcript_audit, tmp_path):
    batch, findings, outcome = transcript_audit
    out = tmp_path / "out"
    shutil.copytree(outcome.out_dir, out)
    before = read_stats(out / CACHE_DIR)
    rules = tmp_path / "rules.toml"  # another severity: TR001's cached results no longer apply, ASR's do
    rules.write_text('extends = "default"\n[rules.TR001]\nseverity = "error"\n')
    again = run_audit(AuditOptions(batch=batch.batch, root=batch.root, out=out, jobs=1, select=["TR001"],
                                   rules=str(rules)))
    after = read_stats(out / CACHE_DIR)
    assert after["transcribed_clips"] == before["transcribed_clips"]
    assert after["cached_clips"] > before["cached_clips"]
    flagged = {f.file_id for f in findings if f.code == "TR001"}
    assert {f.file_id for f in read_findings(again.findings_path)} == flagged


def test_asr_none_skips_the_transcript_rules_with_the_reason_and_runs_the_rest(transcript_audit, tmp_path):
    batch, _, _ = transcript_audit
    command = ["audit", "--root", str(batch.root), "--batch", batch.batch, "--out", str(tmp_path), "--select",
               "TR,PR", "--asr", "none", "--no-report", "--jobs", "1"]
    run = subprocess.run([sys.executable, "-m", "siqa", *command], capture_output=True, text=True)
    assert run.returncode in (0, 1), run.stderr
    skips = [json.loads(line) for line in (tmp_path / "skips.jsonl").read_text().splitlines()]
    sessions = {s.key for s in open_batches(batch.root, batch.batch, batch.label)[0].sessions}
    off = [s for s in skips if "ASR is off" in s["reason"]]
    # every TR rule skipped once per session (its unit), with the reason, and nothing else for that reason
    assert sorted((s["code"], s["unit"]) for s in off) == sorted((c, k) for c in TR for k in sessions)
    assert all(s["scope"] == "session" for s in off)
    assert {s["code"] for s in skips if s not in off} <= {"PR001", "PR002"}
    found = list(read_findings(tmp_path / "findings.jsonl"))
    assert not any(f.family == "TR" for f in found)
    # the prompt rules ran on the transcript's words: they reported, or skipped for the batch's size (prompts
    # barely recur in so small a batch; their findings are tested in tests/validators/prompts), never for ASR
    assert {f.code for f in found} | {s["code"] for s in skips if s not in off} >= {"PR001"}
    assert all("too few" in s["reason"] for s in skips if s not in off)
    assert read_stats(tmp_path / CACHE_DIR)["transcribed_clips"] == 0


def test_clean_speech_raises_no_transcript_or_prompt_finding(tmp_path):
    """Clean narrow speech, every segment transcribed (on clean speech triage finds nothing suspicious, and so
    small a batch has no calibration segment): every segment is in the batch's floor, and TR001 reports none."""
    batch = generate(tmp_path / "data", SynthConfig(layout="tar", sessions=2, interactions_per_session=3,
                                                    duration=8.0, seed=3, defects="none", variation="none"))
    outcome = run_audit(AuditOptions(batch=batch.batch, root=batch.root, out=tmp_path / "out", jobs=1,
                                     select=["TR", "PR"], asr={"budget": 1.0}))
    assert list(read_findings(outcome.findings_path)) == []
    skips = [json.loads(line) for line in (tmp_path / "out" / "skips.jsonl").read_text().splitlines()]
    # only the prompt rules skip, per interaction, for the batch's size (prompts barely recur in it)
    assert all(s["code"] in ("PR001", "PR002") and "too few" in s["reason"] for s in skips)
    metrics = [json.loads(line) for line in (tmp_path / "out" / "metrics.jsonl").read_text().splitlines()]
    assert len([m for m in metrics if m["metric"] == FLOOR]) >= 12  # a floor, whatever ASR disagreed with
    norms = [json.loads(line) for line in (tmp_path / "out" / "norms.jsonl").read_text().splitlines()]
    assert {n["basis"] for n in norms if n["code"] == "TR001"} <= {"batch"}  # judged against it, if at all


def test_clean_natural_speech_raises_no_transcript_gap_or_prompt_finding(clean_tar_batch, tmp_path):
    """Clean speech with natural variation, which the tiny model often mishears: still no finding. A misheard
    transcript stays about as plausible to the model as its own words; only words that were not said are not."""
    outcome = run_audit(AuditOptions(batch=clean_tar_batch.batch, root=clean_tar_batch.root, out=tmp_path, jobs=1,
                                     select=["TR", "PR"]))
    assert list(read_findings(outcome.findings_path)) == []
    skips = [json.loads(line) for line in (tmp_path / "skips.jsonl").read_text().splitlines()]
    assert all(s["code"] in ("PR001", "PR002") and "too few" in s["reason"] for s in skips)
