"""Lhotse manifests, read back with Lhotse itself: flags match the findings, safe fixes move the supervisions,
audio loads from files and from tar members."""

from __future__ import annotations

import json

import pytest

from siqa.dataset.meta import Meta
from siqa.findings import Applicability
from siqa.patches.ops import apply_patch
from tests.export.conftest import expected_flags, file_ids, flags_of

lhotse = pytest.importorskip("lhotse", reason="the export extra is not installed: pip install 'siqa[export]'")


def _segments(document: dict) -> list[tuple[float, float]]:
    return sorted((s.start, round(s.end - s.start, 6))
                  for s in Meta(document, "").transcript().items if s.end > s.start)


def test_cuts_carry_the_flags_and_supervisions_the_safely_fixed_transcripts(extracted_audit, siqa_export, tmp_path):
    batch, findings, out_dir = extracted_audit
    result = siqa_export(out_dir, "--to", "lhotse", "--out", tmp_path, "--root", batch.root, "--apply-safe")
    assert result.exit_code == 0, result.output
    cuts = lhotse.load_manifest(tmp_path / "cuts.jsonl.gz")
    recordings = lhotse.load_manifest(tmp_path / "recordings.jsonl.gz")
    supervisions = lhotse.load_manifest(tmp_path / "supervisions.jsonl.gz")
    lhotse.validate_recordings_and_supervisions(recordings, supervisions)
    assert sorted(c.recording_id for c in cuts) == file_ids(batch)
    for cut in cuts:
        assert flags_of(cut.custom) == expected_flags(findings, cut.recording_id, applied_safe=True)
    shifted = [f for f in findings if f.fix and f.fix.applicability is Applicability.SAFE]
    for finding in shifted:
        original = json.loads((batch.root / finding.fix.target).read_text())
        fixed = apply_patch(original, finding.fix.operations)
        cut = next(c for c in cuts if c.recording_id == finding.file_id)
        assert sorted((s.start, s.duration) for s in cut.supervisions) == _segments(fixed) != _segments(original)
        assert cut.custom["quality_fixed"] == ["TS001"]
    cut = cuts[0]
    assert cut.load_audio().shape == (1, cut.num_samples)


def test_tar_members_are_read_in_place_and_their_safe_fixes_apply(tar_audit, siqa_export, tmp_path):
    batch, findings, out_dir = tar_audit
    result = siqa_export(out_dir, "--to", "lhotse", "--out", tmp_path, "--root", batch.root, "--apply-safe")
    assert result.exit_code == 0, result.output
    cuts = lhotse.load_manifest(tmp_path / "cuts.jsonl.gz")
    source = cuts[0].recording.sources[0]
    assert source.type == "command" and source.source.startswith("tar -xOf ")
    assert cuts[0].load_audio().shape == (1, cuts[0].num_samples)
    for cut in cuts:
        assert flags_of(cut.custom) == expected_flags(findings, cut.recording_id, applied_safe=True)
    assert any(c.custom["quality_fixed"] for c in cuts)
