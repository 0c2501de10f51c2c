"""The exclude list: files whose standing findings reach the chosen severity and confidence."""

from __future__ import annotations

from siqa.findings import Applicability, Severity
from tests.export.conftest import expected_flags, file_ids


def _listed(siqa_export, extracted_audit, out, *options) -> list[str]:
    batch, _, out_dir = extracted_audit
    result = siqa_export(out_dir, "--to", "exclude-list", "--out", out, "--root", batch.root, *options)
    assert result.exit_code == 0, result.output
    return (out / "exclude.txt").read_text().splitlines()


def test_thresholds_and_safe_fixes_decide_who_is_excluded(extracted_audit, siqa_export, tmp_path):
    batch, findings, _ = extracted_audit
    flagged = sorted({f.file_id for f in findings})
    assert flagged and {f.severity for f in findings} == {Severity.ERROR}  # TS001
    assert _listed(siqa_export, extracted_audit, tmp_path / "a") == flagged
    assert _listed(siqa_export, extracted_audit, tmp_path / "b", "--min-confidence", "1.0") == sorted(
        {f.file_id for f in findings if f.confidence >= 1.0})
    after_fixes = _listed(siqa_export, extracted_audit, tmp_path / "c", "--apply-safe")
    fixed = {f.file_id for f in findings if f.fix and f.fix.applicability is Applicability.SAFE}
    assert fixed and set(after_fixes) == set(flagged) - fixed
    assert after_fixes == [fid for fid in file_ids(batch) if expected_flags(findings, fid, True)["quality_excluded"]]
