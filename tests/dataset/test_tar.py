"""WebDataset tars are indexed from headers and read in place: hostile members are reported and skipped, damage
keeps what came before it readable, and nothing is ever written anywhere."""

from __future__ import annotations

import json
import tarfile

import numpy as np
import pytest

from siqa.dataset.batch import open_batches
from siqa.dataset.errors import ReadError
from tests.dataset.helpers import FILE_ID, PARTNER_ID, member, npz_bytes, snapshot, wav_bytes, write_tar

BATCH = "improvised/dev/0000"
META = json.dumps({"id": FILE_ID, "metadata:vad": [{"start": 0.0, "end": 0.05}]}).encode()


def _files(fid: str) -> list[tuple[tarfile.TarInfo, bytes]]:
    return [member(f"{fid}.wav", wav_bytes(2400)), member(f"{fid}.json", META),
            member(f"{fid}.npz", npz_bytes({"movement:is_valid": np.ones(3, bool)}))]


@pytest.fixture
def root(tmp_path):
    return tmp_path / "root"


def _index(root):
    (index,) = open_batches(root, "dev/0000")
    assert index.layout == "tar"
    return index


def _problems(index, kind):
    return {p.path: p.reason for p in index.problems if p.kind == kind}


def test_members_are_read_in_place_and_named_archive_colon_member(root):
    write_tar(root / BATCH / "0000.tar", _files(FILE_ID))
    write_tar(root / BATCH / "0001.tar", _files(PARTNER_ID))
    index = _index(root)
    assert index.problems == []
    (session,) = index.sessions
    (interaction,) = session.interactions  # partners in different archives still form one dyad
    first, second = interaction.participants
    assert first.path("wav") == f"{BATCH}/0000.tar:{FILE_ID}.wav"
    assert second.path("json") == f"{BATCH}/0001.tar:{PARTNER_ID}.json"
    assert first.audio().info.frames == 2400 and first.meta().raw["id"] == FILE_ID
    assert first.features("movement:is_valid")["movement:is_valid"].all()
    with pytest.raises(ReadError) as error:
        first.video_info()
    assert error.value.kind == "missing" and error.value.path == f"{BATCH}/0000.tar:{FILE_ID}.mp4"


def test_hostile_members_are_reported_skipped_and_never_written(root, tmp_path):
    payload = wav_bytes(480)
    hostile = [
        member("../evil.wav", payload), member("/abs.wav", payload),
        member(f"../{FILE_ID}.json", META),
        member(f"{PARTNER_ID}.wav", kind=tarfile.SYMTYPE, link="/etc/passwd"),
        member(f"{PARTNER_ID}.json", kind=tarfile.LNKTYPE, link=f"{FILE_ID}.json"),
        member(f"{PARTNER_ID}.npz", kind=tarfile.CHRTYPE),
        member("sub", kind=tarfile.DIRTYPE), member(f"sub/{PARTNER_ID}.mp4", payload),
    ]
    tar_path = write_tar(root / BATCH / "0000.tar", _files(FILE_ID) + hostile)
    before = snapshot(tmp_path.parent)
    index = _index(root)
    pf = next(index.participant_files())
    pf.audio(), pf.meta(), pf.features("movement:is_valid")
    assert snapshot(tmp_path.parent) == before, "indexing and reading must not write anything"
    archive = _problems(index, "archive")
    prefix = f"{BATCH}/0000.tar:"
    assert "escapes the archive" in archive[prefix + "../evil.wav"]
    assert "absolute member path" in archive[prefix + "/abs.wav"]
    for name in (f"{PARTNER_ID}.wav", f"{PARTNER_ID}.json", f"{PARTNER_ID}.npz", "sub"):
        assert "not a regular file" in archive[prefix + name], name
    assert "inside a folder" in archive[prefix + f"sub/{PARTNER_ID}.mp4"]
    assert [str(p.file_id) for p in index.participant_files()] == [FILE_ID]
    assert {p.file_id for p in index.problems if p.path.endswith(PARTNER_ID + ".wav")} == {PARTNER_ID}
    assert not (tar_path.parent.parent / "evil.wav").exists() and not (root / "abs.wav").exists()


def test_duplicate_members_and_bad_names(root):
    write_tar(root / BATCH / "0000.tar", _files(FILE_ID) + [member(f"{FILE_ID}.wav", b"second copy"),
                                                              member("V00_S0001_I0000000x_P0003.wav", b"x"),
                                                              member(f"{FILE_ID}.txt", b"x")])
    index = _index(root)
    assert "duplicate member" in _problems(index, "archive")[f"{BATCH}/0000.tar:{FILE_ID}.wav"]
    bad = _problems(index, "file_id")
    assert "not a file id" in bad[f"{BATCH}/0000.tar:V00_S0001_I0000000x_P0003.wav"]
    assert "unexpected file type 'txt'" in bad[f"{BATCH}/0000.tar:{FILE_ID}.txt"]
    assert next(index.participant_files()).audio().info.frames == 2400  # the first copy is audited


def _tar_bytes(tmp_path) -> tuple[bytes, list[int], int]:
    """A tar of two file ids, the offsets of its member headers, and where the last member's data ends."""
    path = write_tar(tmp_path / "whole.tar", _files(FILE_ID) + _files(PARTNER_ID))
    with tarfile.open(path) as archive:
        members = archive.getmembers()
    last = members[-1]
    return path.read_bytes(), [m.offset for m in members], last.offset_data + -(-last.size // 512) * 512


@pytest.mark.parametrize("where", ["at a header boundary", "inside a header", "inside member data",
                                   "garbage header", "no end block"])
def test_damaged_tar_is_one_problem_and_keeps_the_members_before_it(root, tmp_path, where):
    data, headers, end = _tar_bytes(tmp_path)
    fourth = headers[3]  # the partner's first member
    damaged = {
        "at a header boundary": data[:fourth],
        "inside a header": data[:fourth + 100],
        "inside member data": data[:fourth + 512 + 50],
        "garbage header": data[:fourth] + b"\x07" * 512 + data[fourth + 512:],
        "no end block": data[:end],
    }[where]
    tar_path = root / BATCH / "0000.tar"
    tar_path.parent.mkdir(parents=True)
    tar_path.write_bytes(damaged)
    before = snapshot(tmp_path.parent)
    index = _index(root)
    damage = [p for p in index.problems if p.kind == "archive" and ":" not in p.path]
    assert len(damage) == 1 and damage[0].path == f"{BATCH}/0000.tar", index.problems
    assert "truncated or corrupt" in damage[0].reason
    files = {str(pf.file_id): pf for pf in index.participant_files()}
    assert files[FILE_ID].source.modalities() == {"wav", "json", "npz"}
    assert files[FILE_ID].audio().info.frames == 2400 and files[FILE_ID].meta().raw["id"] == FILE_ID
    assert snapshot(tmp_path.parent) == before


def test_a_file_that_is_not_a_tar(root):
    (root / BATCH).mkdir(parents=True)
    (root / BATCH / "0000.tar").write_bytes(b"this is not a tar archive" * 40)
    index = _index(root)
    assert index.sessions == [] and "truncated or corrupt tar" in _problems(index, "archive")[f"{BATCH}/0000.tar"]
