"""Finding a batch under a root: labels, layouts, grouping into dyads and sessions, problems, and messages that
say where siqa looked and how to get data."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from siqa.dataset.batch import DEFAULT_ROOT, open_batches, parse_spec
from siqa.dataset.errors import DatasetNotFound, ReadError
from tests.dataset.helpers import FILE_ID, PARTNER_ID, npy_bytes, wav_bytes

WAV = wav_bytes(2400)


def _extracted_file(root: Path, where: str, fid: str, exts: tuple[str, ...] = ("wav", "json")) -> None:
    folder = root / where
    folder.mkdir(parents=True, exist_ok=True)
    for ext in exts:
        data = WAV if ext == "wav" else json.dumps({"id": fid, "metadata:vad": []}).encode()
        (folder / f"{fid}.{ext}").write_bytes(data)


def test_missing_root_says_where_it_looked_and_how_to_get_data(tmp_path, monkeypatch):
    monkeypatch.setenv("SIQA_ROOT", str(tmp_path / "from-env"))
    with pytest.raises(DatasetNotFound) as error:
        open_batches(None, "dev/0000")
    message = str(error.value)
    assert str(tmp_path / "from-env") in message and "$SIQA_ROOT" in message
    assert "official downloader" in message and "siqa synth --out DIR" in message and "--root DIR" in message
    monkeypatch.delenv("SIQA_ROOT")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with pytest.raises(DatasetNotFound, match="default root"):
        open_batches(None, "dev/0000")
    assert str(DEFAULT_ROOT) == "~/datasets/seamless_interaction"


def test_missing_batch_lists_every_path_tried(tmp_path):
    _extracted_file(tmp_path, "improvised/dev/0000/0000", FILE_ID)
    (tmp_path / "naturalistic").mkdir()
    with pytest.raises(DatasetNotFound) as error:
        open_batches(tmp_path, "dev/3")
    message = str(error.value)
    for label in ("improvised", "naturalistic"):
        assert str(tmp_path / label / "dev" / "0003") in message
        assert f"per-modality tree at {tmp_path / label / 'dev'}" in message
    assert "siqa synth --out DIR" in message


@pytest.mark.parametrize("spec", ["dev", "dev/", "/0000", "dev/00x0", "../dev/0000"])
def test_bad_batch_spec(spec):
    with pytest.raises(DatasetNotFound, match="expected <split>/<batch>"):
        parse_spec(spec)


@given(st.sampled_from(["dev", "test", "train"]), st.integers(0, 9999))
def test_batch_numbers_are_four_digits_however_written(split, number):
    assert parse_spec(f"{split}/{number}") == parse_spec(f"{split}/{number:04d}") == (split, f"{number:04d}")


def test_extracted_batch_groups_dyads_across_archives_and_reports_names(tmp_path):
    _extracted_file(tmp_path, "improvised/dev/0000/0000", FILE_ID)
    _extracted_file(tmp_path, "improvised/dev/0000/0001", PARTNER_ID)
    _extracted_file(tmp_path, "improvised/dev/0000/0001", "V00_S0002_I00000003_P0004")
    _extracted_file(tmp_path, "improvised/dev/0000/0002", FILE_ID, ("wav",))  # a second copy
    _extracted_file(tmp_path, "improvised/dev/0000/0002", "V00_S0001_I0000000x_P0001", ("json",))
    link = tmp_path / "improvised/dev/0000/0002/link.wav"
    link.symlink_to(tmp_path / "improvised/dev/0000/0000" / f"{FILE_ID}.wav")
    _extracted_file(tmp_path, "naturalistic/dev/0000/0000", "V01_S0001_I00000001_P0009")

    improvised, naturalistic = open_batches(tmp_path, "dev/0")
    assert (improvised.label, improvised.layout, improvised.batch) == ("improvised", "extracted", "0000")
    assert [s.key for s in improvised.sessions] == ["V00_S0001", "V00_S0002"]
    (dyad,) = improvised.sessions[0].interactions
    assert [str(pf.file_id) for pf in dyad.participants] == [FILE_ID, PARTNER_ID]
    assert improvised.counts() == {"sessions": 2, "interactions": 2, "participant_files": 3, "problems": 3}
    problems = {(p.kind, p.path) for p in improvised.problems}
    assert problems == {("duplicate", f"improvised/dev/0000/0002/{FILE_ID}"),
                        ("file_id", "improvised/dev/0000/0002/V00_S0001_I0000000x_P0001.json"),
                        ("archive", "improvised/dev/0000/0002/link.wav")}
    assert dyad.participants[0].path("wav") == f"improvised/dev/0000/0000/{FILE_ID}.wav"
    assert [pf.label for pf in naturalistic.participant_files()] == ["naturalistic"]
    assert [i.label for i in open_batches(tmp_path, "dev/0000", label="naturalistic")] == ["naturalistic"]


def test_absent_modality_is_a_missing_read_error_named_after_the_file(tmp_path):
    _extracted_file(tmp_path, "improvised/dev/0000/0000", FILE_ID, ("wav",))
    (pf,) = open_batches(tmp_path, "dev/0000")[0].participant_files()
    with pytest.raises(ReadError) as error:
        pf.meta()
    assert (error.value.kind, error.value.path) == ("missing", f"improvised/dev/0000/0000/{FILE_ID}.json")


def _modality_tree(root: Path, fid: str) -> None:
    split = root / "improvised" / "dev"
    files = {
        f"audio/{fid}.wav": WAV,
        f"movement/is_valid/{fid}.npy": npy_bytes(np.ones(3, bool)),
        f"metadata/vad/{fid}.jsonl": b'{"start": 0.0, "end": 0.5}\n{"start": 1.0, "end": 1.5}\n',
        f"metadata/transcript/{fid}.jsonl": json.dumps({"start": 0.0, "end": 0.5, "transcript": "hi",
                                                        "words": []}).encode() + b"\n",
        f"annotations/1P-IS/{fid}.json": json.dumps([{"start": 0.1, "end": 0.4}]).encode(),
    }
    for name, data in files.items():
        (split / name).parent.mkdir(parents=True, exist_ok=True)
        (split / name).write_bytes(data)


def test_modality_tree_assembles_the_logical_json_and_features(tmp_path):
    _modality_tree(tmp_path, FILE_ID)
    (index,) = open_batches(tmp_path, "dev/0000")
    (pf,) = index.participant_files()
    assert index.layout == "modality" and pf.source.modalities() == {"wav", "json", "npz"}
    assert pf.meta().raw == {"id": FILE_ID, "metadata:vad": [{"start": 0.0, "end": 0.5}, {"start": 1.0, "end": 1.5}],
                             "metadata:transcript": [{"start": 0.0, "end": 0.5, "transcript": "hi", "words": []}],
                             "annotations:1P-IS": [{"start": 0.1, "end": 0.4}]}
    assert pf.npz_keys() == ["movement:is_valid"] and pf.features("movement:is_valid")["movement:is_valid"].all()
    # without filelist.csv the whole split is batch 0000, and the index says so
    (warning,) = index.problems
    assert (warning.kind, warning.path) == ("filelist", "filelist.csv") and "whole of improvised/dev" in warning.reason
    with pytest.raises(DatasetNotFound, match="only batch 0000"):
        open_batches(tmp_path, "dev/0001")


def test_modality_batches_come_from_the_filelist(tmp_path):
    _modality_tree(tmp_path, FILE_ID)
    _modality_tree(tmp_path, PARTNER_ID)
    missing = "V00_S0001_I00000002_P0001"
    (tmp_path / "filelist.csv").write_text("file_id,label,split,batch_idx,archive_idx\n"
                                           f"{FILE_ID},improvised,dev,0,0\n{missing},improvised,dev,0,0\n"
                                           f"{PARTNER_ID},improvised,dev,1,0\n")
    first, second = (open_batches(tmp_path, f"dev/{n}")[0] for n in (0, 1))
    assert [str(pf.file_id) for pf in first.participant_files()] == [FILE_ID]
    assert [str(pf.file_id) for pf in second.participant_files()] == [PARTNER_ID]
    assert [(p.kind, p.file_id) for p in first.problems] == [("filelist", missing)] and second.problems == []
    with pytest.raises(DatasetNotFound, match="lists no file of improvised/dev in batch 0002"):
        open_batches(tmp_path, "dev/2")


def test_modality_tree_reports_bad_names_and_stray_files(tmp_path):
    _modality_tree(tmp_path, FILE_ID)
    audio = tmp_path / "improvised/dev/audio"
    (audio / "V00_S0001_Ixx_P0001.wav").write_bytes(WAV)
    (audio / f"{PARTNER_ID}.mp3").write_bytes(WAV)
    (audio / "folder").mkdir()
    (index,) = open_batches(tmp_path, "dev/0000")
    kinds = {p.path: p.kind for p in index.problems}
    assert kinds["improvised/dev/audio/V00_S0001_Ixx_P0001.wav"] == "file_id"
    assert kinds[f"improvised/dev/audio/{PARTNER_ID}.mp3"] == "file_id"
    assert kinds["improvised/dev/audio/folder"] == "archive"


def test_unreadable_folder_is_a_problem_not_an_exception(tmp_path, monkeypatch):
    _extracted_file(tmp_path, "improvised/dev/0000/0000", FILE_ID)
    locked = tmp_path / "improvised/dev/0000/0001"
    locked.mkdir()
    scandir = os.scandir

    def refuse_locked(path):  # chmod 0 would not stop a test run as root
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse_locked)
    (index,) = open_batches(tmp_path, "dev/0000")
    assert [(p.kind, p.path, p.reason) for p in index.problems] == [
        ("archive", "improvised/dev/0000/0001", "unreadable folder: Permission denied")]
    assert index.counts()["participant_files"] == 1
