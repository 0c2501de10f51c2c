"""What every export shares: the audit folder read back, and safe fixes refused on a file changed since."""

from __future__ import annotations

import shutil

from siqa.export.entries import Audit, Threshold
from siqa.findings import Applicability


def test_a_file_changed_since_the_audit_keeps_its_bytes_and_its_finding(extracted_audit, tmp_path, caplog):
    batch, findings, out_dir = extracted_audit
    root = tmp_path / "data"
    shutil.copytree(batch.root, root)
    fixed = [f for f in findings if f.fix and f.fix.applicability is Applicability.SAFE]
    changed, kept = fixed[0], fixed[1:]
    (root / changed.fix.target).write_text((root / changed.fix.target).read_text() + " ")
    entries = {str(e.pf.file_id): e for e in Audit.open(out_dir, root, apply_safe=True).entries(Threshold())}
    assert entries[changed.file_id].flags.codes == ("TS001",) and entries[changed.file_id].flags.fixed == ()
    assert all(entries[f.file_id].flags.fixed == ("TS001",) for f in kept)
    assert "changed since the audit" in caplog.text


def test_bad_folders_and_missing_patches_exit_2_naming_them(extracted_audit, siqa_export, tmp_path):
    batch, _, out_dir = extracted_audit
    not_audit = siqa_export(tmp_path, "--to", "hf", "--out", tmp_path / "x", "--root", batch.root)
    assert not_audit.exit_code == 2 and "findings.jsonl is missing" in not_audit.output
    copy = tmp_path / "audit"
    shutil.copytree(out_dir, copy)
    (copy / "patches.jsonl").unlink()
    no_patches = siqa_export(copy, "--to", "nemo", "--out", tmp_path / "y", "--root", batch.root, "--apply-safe")
    assert no_patches.exit_code == 2 and "patches.jsonl" in no_patches.output
    bad = siqa_export(out_dir, "--to", "hf", "--out", tmp_path / "z", "--root", batch.root, "--min-severity", "fatal")
    assert bad.exit_code == 2 and "fatal" in bad.output
