"""Prompt rules on natural talk: mismatched prompts and an off-by-one session are found (and nothing else), with
ASR words or transcript words; the off-by-one fix, applied with `siqa apply`, puts the true prompts in
`interactions.csv` and `siqa revert` restores its bytes."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys

import numpy as np

from siqa.audit import AuditOptions, run_audit
from siqa.outputs.files import read_findings
from siqa.synth.scoring import score

PR = {"PR001", "PR002"}


def siqa(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "siqa", *map(str, args)], capture_output=True, text=True)


def prompts(table) -> dict[str, str]:
    with open(table, newline="", encoding="utf-8") as handle:
        return {row["interaction_key"]: row["prompt"] for row in csv.DictReader(handle)}


def assert_found(findings, truth) -> None:
    """Every PR defect found, nothing else reported, and each mismatch names the prompt its talk follows."""
    _, missed, unexplained = score(findings, truth, PR)
    assert missed == [] and unexplained == []
    mismatches = {r["interaction_key"]: r["details"]["spoken_topic"] for r in truth
                  if r["defect"] == "prompt_mismatch"}
    reported = {f.interaction_key: f.evidence for f in findings if f.code == "PR001"}
    assert set(reported) == set(mismatches)
    for key, evidence in reported.items():
        assert evidence["margin"] < 0 and evidence["judged_against"] == "recorded"
        assert evidence["best_other"]["prompt"] == mismatches[key] and evidence["profile_sizes"]["best_other"] > 0


def test_mismatched_and_shifted_prompts_are_found_and_nothing_else(prompt_audit):
    batch, findings, _ = prompt_audit
    defects = [r["defect"] for r in batch.truth]
    assert defects.count("prompt_mismatch") == 2 and defects.count("prompt_off_by_one") == 1
    assert all(r["details"]["recorded_prompt"] != r["details"]["spoken_topic"] for r in batch.truth
               if r["defect"] == "prompt_mismatch")
    assert_found(findings, batch.truth)
    assert {f.evidence["speech_source"] for f in findings if f.code == "PR001"} <= {"transcript+asr", "transcript"}
    (shifted,) = [f for f in findings if f.code == "PR002"]
    evidence, offset = shifted.evidence, shifted.evidence["shift"]
    matrix = np.array(evidence["similarity"])
    assert matrix.shape == (4, 4) and offset in (1, -1)
    assert all(matrix[i, i - offset] > matrix[i, i] for i in range(4) if 0 <= i - offset < 4)
    assert evidence["norm"]["deviation"] > evidence["norm"]["threshold"] >= 0.05
    assert evidence["gain"] > 0 > evidence["norm"]["median"]  # by chance a neighbour's prompt fits worse


def test_transcript_words_alone_find_the_same(prompt_audit, tmp_path):
    """Without ASR the talk is the transcript's: the same defects are found, and said to come from it."""
    batch, _, _ = prompt_audit
    outcome = run_audit(AuditOptions(batch=batch.batch, root=batch.root, out=tmp_path, jobs=1, select=["PR"],
                                     asr={"backend": "none"}))
    findings = list(read_findings(outcome.findings_path))
    assert_found(findings, batch.truth)
    assert {f.evidence["speech_source"] for f in findings if f.code == "PR001"} == {"transcript"}


def test_the_off_by_one_fix_applies_to_interactions_csv_and_reverts(prompt_audit, tmp_path):
    batch, findings, outcome = prompt_audit
    root = tmp_path / "root"
    shutil.copytree(batch.root, root)
    original = (root / "interactions.csv").read_bytes()
    truth = next(r for r in batch.truth if r["defect"] == "prompt_off_by_one")
    applied = siqa("apply", outcome.out_dir / "patches.jsonl", "--root", root, "--in-place", "--select", "PR002")
    assert applied.returncode == 0, applied.stderr
    fixed = prompts(root / "interactions.csv")
    session = sorted(k for k in fixed if k.startswith(truth["session_key"]))
    assert [fixed[k] for k in session] == truth["details"]["true_prompts"]
    others = prompts(batch.root / "interactions.csv")
    assert all(fixed[k] == others[k] for k in fixed if not k.startswith(truth["session_key"]))
    reverted = siqa("revert", outcome.out_dir / "patches.jsonl", "--root", root)
    assert reverted.returncode == 0, reverted.stderr
    assert (root / "interactions.csv").read_bytes() == original
