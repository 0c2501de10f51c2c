"""Prompt rules: a mismatched prompt and an off-by-one session are found (and nothing else), and the off-by-one
fix, applied with `siqa apply`, puts the true prompts in `interactions.csv`; `siqa revert` restores its bytes."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys

import numpy as np

from siqa.synth.scoring import score

PR = {"PR001", "PR002"}


def siqa(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "siqa", *map(str, args)], capture_output=True, text=True)


def prompts(table) -> dict[str, str]:
    with open(table, newline="", encoding="utf-8") as handle:
        return {row["interaction_key"]: row["prompt"] for row in csv.DictReader(handle)}


def test_mismatched_and_shifted_prompts_are_found_and_nothing_else(asr_audit):
    batch, findings, _ = asr_audit
    assert {"prompt_mismatch", "prompt_off_by_one"} <= {r["defect"] for r in batch.truth}
    result, missed, unexplained = score(findings, batch.truth, PR)
    assert missed == [] and unexplained == []
    shifted = next(f for f in findings if f.code == "PR002")
    matrix = np.array(shifted.evidence["similarity"])
    offset = shifted.evidence["shift"]
    assert matrix.shape == (4, 4) and offset in (1, -1)
    rows = [i for i in range(4) if 0 <= i - offset < 4]
    assert all(matrix[i, i - offset] > matrix[i, i] for i in rows)


def test_the_off_by_one_fix_applies_to_interactions_csv_and_reverts(asr_audit, tmp_path):
    batch, findings, outcome = asr_audit
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
