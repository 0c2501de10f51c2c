"""The identity store: a newer row replaces a file's older one, a re-audited batch replaces its rows, and the
stores of several output folders merge (the later folder's row wins)."""

from __future__ import annotations

import numpy as np

from siqa.identity import store


def _row(file_id: str, batch: str, value: float) -> dict:
    return {
        "file_id": file_id,
        "participant_id": file_id[-5:],
        "session_key": file_id[:9],
        "batch": batch,
        "site": "V00",
        "voice": [value, value],
        "voice_space": "v",
        "visual": None,
    }


def test_rows_round_trip_through_parquet_with_float32_vectors(tmp_path):
    written = store.frame([store.compact(_row("V00_S0001_I00000001_P0100", "b0", 0.5))])
    store.write_store(tmp_path, written)
    read = store.read_store(tmp_path)
    assert read["file_id"].tolist() == ["V00_S0001_I00000001_P0100"]
    assert read["voice"].iloc[0].dtype == np.float32 and read["voice"].iloc[0].tolist() == [0.5, 0.5]
    assert read["visual"].iloc[0] is None


def test_new_rows_win_and_a_reaudited_batch_loses_the_files_it_no_longer_has():
    old = store.frame(
        [
            _row("V00_S0001_I00000001_P0100", "b0", 1.0),
            _row("V00_S0001_I00000002_P0100", "b0", 1.0),
            _row("V00_S0002_I00000003_P0101", "b1", 1.0),
        ]
    )
    new = store.frame([_row("V00_S0001_I00000001_P0100", "b0", 2.0)])
    merged = store.merge(old, new, replaced_batches={"b0"})
    assert merged["file_id"].tolist() == ["V00_S0001_I00000001_P0100", "V00_S0002_I00000003_P0101"]
    assert merged["voice"].iloc[0].tolist() == [2.0, 2.0]
    kept = store.merge(old, new)  # no batch re-audited: only the file with a new row changes
    assert len(kept) == 3


def test_stores_of_several_audits_merge_with_the_later_folder_winning(tmp_path):
    store.write_store(tmp_path / "a", store.frame([_row("V00_S0001_I00000001_P0100", "b0", 1.0)]))
    store.write_store(
        tmp_path / "b",
        store.frame(
            [_row("V00_S0001_I00000001_P0100", "b0", 3.0), _row("V00_S0002_I00000003_P0101", "b1", 1.0)]
        ),
    )
    merged = store.load_stores([tmp_path / "a", tmp_path / "b", tmp_path / "missing"])
    assert len(merged) == 2 and merged["voice"].iloc[0].tolist() == [3.0, 3.0]
