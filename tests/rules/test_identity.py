"""Identity rules (`ID`): ID001 and ID002 release-wide on identity-store rows drawn without audio, ID003 on a
relationships table that gives both partners one id, ID004's fingerprints collected for every file."""

from __future__ import annotations

import pytest

from siqa.identity.fingerprint import CHANNEL
from siqa.synth.fingerprints import draw_release
from siqa.testing import BATCH, Case, Edit, Spec, check, check_findings, run, run_release
from tests.rules.conftest import SNAPSHOTS


def _same_id_partners(data: bytes) -> bytes:
    """The first session's relationships row names its first partner twice."""
    header, first, *rest = data.split(b"\n")
    session, a, _, relationship = first.split(b",")
    return b"\n".join([header, b",".join([session, a, a, relationship]), *rest])


SPEC = Spec(defects=("silent_audio",), clean=1, interactions=2, seed=10,
            edits=(Edit("same_id_partners", _same_id_partners, path="relationships.csv"),))
ERRORS = draw_release(files=400, people=40, error_share=0.1, seed=3).rows
CLEAN_RELEASE = draw_release(files=400, people=40, error_share=0.0, seed=3).rows


@pytest.mark.parametrize("case", [Case("ID001", "id_shared", BATCH, positive=True),
                                  Case("ID002", "id_split", BATCH, positive=True),
                                  Case("ID001", "clean_release", BATCH, positive=False),
                                  Case("ID002", "clean_release", BATCH, positive=False)], ids=str)
def test_release_rule(case):
    rows = CLEAN_RELEASE if case.name == "clean_release" else ERRORS
    check_findings(case, run_release(case.code, rows), SNAPSHOTS)


def test_id003_same_id_partners(batch):
    check(Case("ID003", "same_id_partners", BATCH, positive=True), batch, SNAPSHOTS)


def test_id003_on_a_clean_batch(clean_batch):
    check(Case("ID003", "clean_batch", BATCH, positive=False), clean_batch, SNAPSHOTS)


def test_id004_fingerprints_every_file_and_finds_no_voice_in_a_silent_one(batch):
    """ID004 reports nothing: it hands each file's fingerprint to the release-wide pass (a silent file's holds
    its face only)."""
    result = run("ID004", batch)
    silent = batch.unit("silent_audio").interaction_key
    rows = {row["file_id"]: row for row in result.collected[CHANNEL]}
    assert result.findings == [] and result.skips == []
    assert set(rows) == {str(pf.file_id) for pf in batch.index.participant_files()}
    assert any(row["voice"] is None for file_id, row in rows.items() if file_id.startswith(silent))
    assert any(row["voice"] is not None for row in rows.values())
