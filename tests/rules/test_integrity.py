"""Integrity rules (`IN`): each defect of the generator in an interaction of its own, bytes it has no defect for
as edits, batch-scope rules against the shared clean batch."""

from __future__ import annotations

import io

import numpy as np
import pytest

from siqa.dataset.schema import NPZ_KEYS
from siqa.testing import BATCH, CLEAN, Case, Edit, Spec, build, check
from tests.rules.conftest import SNAPSHOTS


def _drop_npz_key(data: bytes) -> bytes:
    with np.load(io.BytesIO(data)) as npz:
        kept = {k: npz[k] for k in npz.files if k != NPZ_KEYS[0]}
    out = io.BytesIO()
    np.savez_compressed(out, **kept)
    return out.getvalue()


def _drop_first_column(data: bytes) -> bytes:
    return b"\n".join(line.split(b",", 1)[-1] for line in data.split(b"\n"))


FILE_DEFECTS = {"IN001": "corrupt_wav", "IN002": "malformed_json", "IN003": "pickled_npz",
                "IN005": "missing_modality", "IN006": "missing_partner", "IN009": "wrong_audio_format",
                "IN010": "duration_mismatch",
                "IN011": "nan_features", "IN012": "low_tracking_validity", "IN013": "silent_audio",
                "IN014": "empty_vad", "IN015": "segments_overlapping", "IN016": "word_outside_segment",
                "IN017": "wrong_metadata_id"}
BATCH_DEFECTS = {"IN007": "malformed_file_name", "IN008": "duplicate_file", "IN021": "malformed_file_name"}
EDITS = {"IN018": Edit("npz_without_a_key", _drop_npz_key, modality="npz"),
         "IN020": Edit("unreadable_mp4", lambda data: b"not a video", modality="mp4"),
         "IN019": Edit("participants_without_id_column", _drop_first_column, path="participants.csv")}
SPEC = Spec(defects=tuple(sorted({*FILE_DEFECTS.values(), *BATCH_DEFECTS.values()})), edits=tuple(EDITS.values()),
            clean=2, interactions=10, seed=3)
TRUNCATED = Spec(clean=2, interactions=2, seed=3, layout="tar", edits=(
    Edit("truncated_tar", lambda data: data[: len(data) // 2], path="improvised/dev/0000/0000.tar"),))

CASES = [
    *(Case(code, defect, defect, positive=True) for code, defect in FILE_DEFECTS.items()),
    *(Case(code, "clean", CLEAN, positive=False) for code in [*FILE_DEFECTS, "IN018", "IN020"]),
    *(Case(code, defect, BATCH, positive=True) for code, defect in BATCH_DEFECTS.items()),
    Case("IN018", "npz_without_a_key", "npz_without_a_key", positive=True),
    Case("IN020", "unreadable_mp4", "unreadable_mp4", positive=True),
    Case("IN019", "participants_without_id_column", BATCH, positive=True),
    Case("IN010", "duration_mismatch_tolerated", "duration_mismatch", positive=False,
         settings={"tolerance_seconds": 10.0}),
]
CLEAN_BATCH_CASES = [Case(code, "clean_batch", BATCH, positive=False)
                     for code in ("IN004", "IN007", "IN008", "IN019", "IN021")]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule(case, batch):
    check(case, batch, SNAPSHOTS)


@pytest.mark.parametrize("case", CLEAN_BATCH_CASES, ids=str)
def test_batch_rule_on_a_clean_batch(case, clean_batch):
    check(case, clean_batch, SNAPSHOTS)


def test_in004_truncated_archive(tmp_path_factory):
    check(Case("IN004", "truncated_tar", BATCH, positive=True), build(TRUNCATED, tmp_path_factory.mktemp("tar")),
          SNAPSHOTS)
