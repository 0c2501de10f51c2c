"""Audit a synthetic batch with known defects, apply the patches, audit again: the fixed findings are gone and
nothing else changed; revert brings the first audit back. In all three layouts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from siqa.audit import AuditOptions, run_audit
from siqa.outputs.files import read_findings
from siqa.patches.model import FixStatus, read_patches
from siqa.patches.write import write_patches
from siqa.synth import SynthConfig, generate
from siqa.synth.defects import CATALOGUE

FIXABLE = ("wrong_metadata_id", "segments_unsorted", "segments_overlapping", "segments_out_of_bounds",
           "segments_negative_length")


@pytest.fixture(scope="module")
def fixable_profile(tmp_path_factory) -> Path:
    """Every interaction gets one of the defects whose findings carry a fix."""
    path = tmp_path_factory.mktemp("profile") / "fixable.toml"
    weights = "\n".join(f'{name} = {int(name in FIXABLE)}' for name, d in sorted(CATALOGUE.items()) if d.family == "IN")
    path.write_text(f'affected = 1.0\nfamilies = ["IN"]\n[weights]\n{weights}\n')
    return path


def _audit(root: Path, batch: str, out: Path) -> list:
    outcome = run_audit(AuditOptions(batch=batch, root=root, out=out, jobs=1, cache=False))
    return list(read_findings(outcome.findings_path))


def _keys(findings) -> Counter:
    return Counter((f.code, f.unit_key, f.path) for f in findings)


@pytest.mark.parametrize("layout", ["extracted", "tar", "modality"])
def test_safe_then_unsafe_fixes_make_their_findings_disappear(layout, fixable_profile, tmp_path, cli):
    batch = generate(tmp_path / "root", SynthConfig(layout=layout, sessions=3, interactions_per_session=2,
                                                    duration=8.0, seed=7, defects=str(fixable_profile)))
    first = _audit(batch.root, batch.batch, tmp_path / "audit")
    report = write_patches(first, batch.root, tmp_path / "audit")
    assert report.fixes > 0 and report.issues == [], report.issues
    patches = tmp_path / "audit" / "patches.jsonl"
    ok = {f.id: f.applicability.value for r in read_patches(patches) for f in r.fixes if f.status is FixStatus.OK}
    fixed_by = {kind: Counter((f.code, f.unit_key, f.path) for f in first
                              if f.fix is not None and f.fix.applicability.value == kind)
                for kind in ("safe", "unsafe")}
    assert sum(fixed_by["safe"].values()) + sum(fixed_by["unsafe"].values()) == len(ok)
    assert fixed_by["unsafe"] and (fixed_by["safe"] or layout == "modality")

    expected = _keys(first)
    for kind in ("safe", "unsafe"):
        result = cli("apply", patches, "--root", batch.root, "--in-place", "--only", kind)
        assert result.exit_code == 0, result.stderr
        expected -= fixed_by[kind]
        assert _keys(_audit(batch.root, batch.batch, tmp_path / f"after-{kind}")) == expected

    wrong_ids = {t["file_id"] for t in batch.truth if t["defect"] == "wrong_metadata_id"}
    if layout != "modality":  # the per-modality layout stores no id, so the defect cannot show there
        assert wrong_ids and wrong_ids <= {f.file_id for f in first if f.code == "IN017"}
    assert not any(code == "IN015" or code == "IN017" and unit in wrong_ids for code, unit, _ in expected)

    result = cli("revert", patches, "--root", batch.root)
    assert result.exit_code == 0, result.stderr
    assert _keys(_audit(batch.root, batch.batch, tmp_path / "reverted")) == _keys(first)
