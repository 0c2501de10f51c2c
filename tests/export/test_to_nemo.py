"""The NeMo manifest: one line per transcript segment, inside its audio, with the file's flags."""

from __future__ import annotations

import json

import soundfile as sf

from tests.export.conftest import expected_flags, file_ids, flags_of


def test_a_line_per_segment_inside_the_audio_with_the_files_flags(extracted_audit, siqa_export, tmp_path):
    batch, findings, out_dir = extracted_audit
    result = siqa_export(out_dir, "--to", "nemo", "--out", tmp_path, "--root", batch.root)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in (tmp_path / "manifest.jsonl").read_text().splitlines()]
    assert {line["file_id"] for line in lines} <= set(file_ids(batch)) and len(lines) > len(file_ids(batch)) / 2
    for line in lines:
        assert line["text"] and line["duration"] > 0
        assert line["offset"] + line["duration"] <= sf.info(line["audio_filepath"]).duration + 0.5
        assert flags_of(line) == expected_flags(findings, line["file_id"])
