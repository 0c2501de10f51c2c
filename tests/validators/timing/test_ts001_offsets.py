"""TS001 end to end on a synthetic batch with natural variation (turns of 2-30 s, gaps of 0.2-2 s) where offsets
are the only defect: those of 200 ms and more are reported with precision and recall of at least 0.95, and no
file of a clean interaction is."""

from __future__ import annotations

import pytest

from siqa.synth import SynthConfig
from tests.conftest import synth_and_audit

ONLY_OFFSETS = ('affected = 0.7\nfamilies = ["TS"]\n[weights]\ntiming_offset = 1\nstart_too_late = 0\n'
                'end_too_early = 0\nstart_too_early = 0\nend_too_late = 0\n')


@pytest.fixture(scope="module")
def offsets_audit(tmp_path_factory):
    batch, findings, _ = synth_and_audit(tmp_path_factory.mktemp("ts001"), ONLY_OFFSETS,
                                         SynthConfig(sessions=5, interactions_per_session=4, duration=60.0, seed=9,
                                                     variation="natural"),
                                         ["TS001"])
    return batch, findings


def test_offsets_of_200_ms_and_more_are_found_with_precision_and_recall_of_095(offsets_audit):
    batch, findings = offsets_audit
    reported = {f.file_id: f.evidence["offset_ms"] for f in findings if f.code == "TS001"}
    offsets = {r["file_id"]: r["magnitude"] for r in batch.truth if r["defect"] == "timing_offset"}
    large = {file_id for file_id, ms in offsets.items() if abs(ms) >= 200}
    right = {file_id for file_id in large if abs(reported.get(file_id, float("inf")) - offsets[file_id]) < 50}
    judged = set(reported) - (set(offsets) - large)  # reports of offsets under 200 ms are neither right nor wrong
    assert len(large) >= 4
    assert len(right) / len(large) >= 0.95 and len(right) / len(judged) >= 0.95


def test_no_file_of_a_clean_interaction_is_reported(offsets_audit):
    batch, findings = offsets_audit
    touched = {r["interaction_key"] for r in batch.truth}
    assert batch.interactions - len(touched) >= 4
    assert not [f for f in findings if f.code == "TS001" and f.interaction_key not in touched]
