"""The Parquet dataset, read with Hugging Face `datasets`: one row per participant file, flags as the findings."""

from __future__ import annotations

import pytest

from siqa.findings import Severity
from tests.export.conftest import expected_flags, file_ids, flags_of

datasets = pytest.importorskip("datasets", reason="the export extra is not installed: pip install 'siqa[export]'")


def test_one_row_per_file_with_its_flags(extracted_audit, siqa_export, tmp_path):
    batch, findings, out_dir = extracted_audit
    result = siqa_export(out_dir, "--to", "hf", "--out", tmp_path / "hf", "--root", batch.root,
                         "--min-severity", "warning")
    assert result.exit_code == 0, result.output
    rows = datasets.load_dataset("parquet", data_files=str(tmp_path / "hf" / "files.parquet"), split="train",
                                 cache_dir=str(tmp_path / "cache"))
    assert sorted(rows["file_id"]) == file_ids(batch)
    for row in rows:
        assert flags_of(row) == expected_flags(findings, row["file_id"], severity=Severity.WARNING)
        assert row["audio_member"] is None and row["audio_path"].endswith(f"{row['file_id']}.wav")
        assert row["text"] == " ".join(s["text"] for s in row["segments"])
    assert any(row["quality_excluded"] for row in rows) and not all(row["quality_excluded"] for row in rows)
