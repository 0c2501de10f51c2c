"""Transcript-vs-speech rules with the real ASR backend: each finds its injected defect, stays quiet on clean
speech, spends no more than the budget, reuses the cache, and skips with a reason when ASR is off."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from siqa.asr.cache import read_stats
from siqa.audit import CACHE_DIR, AuditOptions, run_audit
from siqa.config import RuleSet
from siqa.dataset.batch import open_batches
from siqa.reports.outputs import read_findings
from siqa.synth.scoring import score

TR = {"TR001", "TR002", "TR003"}
TR_DEFECTS = {"transcript_substitution", "transcript_deletion", "transcript_without_speech",
              "speech_without_transcript"}


def test_every_transcript_defect_is_found_and_nothing_else(asr_audit):
    batch, findings, _ = asr_audit
    assert TR_DEFECTS <= {r["defect"] for r in batch.truth}
    result, missed, unexplained = score(findings, batch.truth, TR)
    assert missed == [] and unexplained == []
    substituted = next(f for f in findings if f.code == "TR001")
    segment = substituted.evidence["segments"][0]
    assert segment["wer"] > 0.3 and any(op == "substitute" for op, _, _ in segment["alignment"])


def test_asr_stays_within_the_budget(asr_audit):
    _, _, outcome = asr_audit
    stats = read_stats(outcome.out_dir / CACHE_DIR)
    budget = RuleSet.load("default").signal("asr")["budget"]
    assert 0 < stats["transcribed_seconds"] <= budget * outcome.summary.audio_seconds


def test_a_rerun_takes_every_transcription_from_the_cache(asr_audit, tmp_path):
    batch, findings, outcome = asr_audit
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


def test_asr_none_skips_the_transcript_rules_with_the_reason_and_runs_the_rest(asr_audit, tmp_path):
    batch, _, _ = asr_audit
    command = ["audit", "--root", str(batch.root), "--batch", batch.batch, "--out", str(tmp_path), "--select",
               "TR,PR", "--asr", "none", "--no-report", "--jobs", "1"]
    run = subprocess.run([sys.executable, "-m", "siqa", *command], capture_output=True, text=True)
    assert run.returncode in (0, 1), run.stderr
    skips = [json.loads(line) for line in (tmp_path / "skips.jsonl").read_text().splitlines()]
    skipped = {s["code"] for s in skips if "ASR is off" in s["reason"]}
    sessions = {s.key for s in open_batches(batch.root, batch.batch, batch.label)[0].sessions}
    assert skipped == TR and {s["unit"] for s in skips} == sessions
    found = list(read_findings(tmp_path / "findings.jsonl"))
    assert not any(f.family == "TR" for f in found)
    assert {f.code for f in found} >= {"PR001", "PR002"}
    assert read_stats(tmp_path / CACHE_DIR)["transcribed_clips"] == 0


def test_clean_speech_raises_no_transcript_or_prompt_finding(clean_tar_batch, tmp_path):
    outcome = run_audit(AuditOptions(batch=clean_tar_batch.batch, root=clean_tar_batch.root, out=tmp_path, jobs=1,
                                     select=["TR", "PR"]))
    assert list(read_findings(outcome.findings_path)) == []
    assert (tmp_path / "skips.jsonl").read_text() == ""

