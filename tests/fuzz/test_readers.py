"""Every reader on hostile bytes: it returns what the file holds, within the limits, or raises a ReadError (a
TableError for root tables) that names the file; never another exception, never a hang, never a write."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

from siqa.dataset import decode
from siqa.dataset.batch import open_batches
from siqa.dataset.decode import Limits, NpzReader
from siqa.dataset.errors import ReadError
from siqa.dataset.tables import REQUIRED_COLUMNS, load_table
from tests.dataset.helpers import npy_bytes, npz_bytes, snapshot, wav_bytes
from tests.fuzz import make_corpus, strategies
from tests.fuzz.figures import attempt, record

NAME = "improvised/dev/0000/0000/V00_S0001_I00000001_P0001"
LIMITS = Limits(wav_bytes=1 << 20, json_bytes=1 << 20, array_bytes=1 << 20)
WAV = wav_bytes(4800)
NPZ = npz_bytes({"movement:is_valid": np.ones(30, bool), "smplh:translation": np.zeros((30, 3), np.float32)})


def check_wav(data: bytes) -> None:
    name = f"{NAME}.wav"
    with attempt("wav header", name):
        info = decode.audio_info(io.BytesIO(data), name)
        assert info.frames > 0 and info.sample_rate > 0 and info.channels > 0
    with attempt("wav", name):
        audio = decode.read_audio(io.BytesIO(data), name, LIMITS)
        assert len(audio.samples) == audio.info.frames
        assert np.isfinite(audio.samples).all()


def check_json(data: bytes) -> None:
    name = f"{NAME}.json"
    with attempt("json", name):
        assert isinstance(decode.parse_json_object(data, name, LIMITS), dict)
    with attempt("jsonl", name):
        decode.parse_jsonl(data, name, LIMITS)


def check_npy(data: bytes) -> None:
    name = f"{NAME}.npy"
    with attempt("npy", name):
        array = decode.read_npy(io.BytesIO(data), name, LIMITS)
        assert not array.dtype.hasobject and array.nbytes <= LIMITS.array_bytes


def check_npz(data: bytes) -> None:
    name = f"{NAME}.npz"
    with attempt("npz", name), NpzReader(io.BytesIO(data), name, LIMITS) as npz:
        arrays = npz.read(npz.keys())
        assert all(not a.dtype.hasobject and a.nbytes <= LIMITS.array_bytes for a in arrays.values())


def check_mp4(data: bytes) -> None:
    name = f"{NAME}.mp4"
    with attempt("mp4", name):
        info = decode.video_info(io.BytesIO(data), name)
        assert info.frames > 0 and info.fps > 0


def check_tar(data: bytes) -> str:
    """Index a batch holding this tar and read every member it yields; what the index refuses is a problem that
    names the tar, a member that cannot be decoded a ReadError that names `tar:member`; nothing is written."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        tar = root / "improvised" / "dev" / "0000" / "0000.tar"
        tar.parent.mkdir(parents=True)
        tar.write_bytes(data)
        before = snapshot(root)
        outcome = "accepted"
        try:
            (index,) = open_batches(root, "dev/0000", "improvised")
            outcome = "finding" if index.problems else outcome
            assert all(p.path.startswith("improvised/dev/0000/0000.tar") for p in index.problems), index.problems
            for pf in index.participant_files():
                for read in (pf.audio, pf.meta, pf.video_info, lambda pf=pf: pf.features(*pf.npz_keys())):
                    try:
                        read()
                    except ReadError as error:
                        assert error.path.startswith("improvised/dev/0000/0000.tar:"), error
                        outcome = "finding"
        except BaseException:
            record("tar", "crash")
            raise
        record("tar", outcome)
        assert snapshot(root) == before, "reading a tar must not write anything"
    return outcome


def check_csv(case: tuple[str, bytes]) -> None:
    name, data = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.csv"
        path.write_bytes(data)
        with attempt("csv", path.name):  # a root table is named relative to the root: by its name
            frame = load_table(path, name)
            assert set(REQUIRED_COLUMNS[name]) <= set(frame.columns)
            assert all(isinstance(v, str) for column in frame.columns for v in frame[column])


def test_wav_headers_that_lie(fuzz):
    fuzz(strategies.wav_files(), check_wav, 150)


def test_damaged_real_wav(fuzz):
    fuzz(strategies.damaged(WAV), check_wav, 60)


def test_json_malformed_nested_and_not_utf8(fuzz):
    fuzz(strategies.json_bytes, check_json, 150)


def test_npy_pickles_and_hostile_headers(fuzz):
    fuzz(strategies.npy_files(), check_npy, 100)


def test_npz_pickles_and_sizes_that_lie(fuzz):
    fuzz(strategies.npz_files(), check_npz, 100)


def test_damaged_real_npz(fuzz):
    fuzz(strategies.damaged(NPZ), check_npz, 60)


def test_tar_members_unsafe_duplicate_and_damaged(fuzz):
    fuzz(strategies.tar_files(), check_tar, 60)


def test_damaged_real_tar(fuzz):
    fuzz(strategies.damaged(make_corpus.GOOD_TAR), check_tar, 60)


def test_csv_missing_extra_fields_and_quoting(fuzz):
    fuzz(strategies.csv_files(), check_csv, 150)


def test_arbitrary_bytes_through_every_reader(fuzz):
    def check(data: bytes) -> None:
        check_wav(data), check_json(data), check_npy(data), check_npz(data)

    fuzz(st.binary(max_size=600), check, 100)


def test_damaged_real_mp4(fuzz, tmp_path):
    from siqa.synth.video import write_mp4

    write_mp4(tmp_path / "v.mp4", frames=12, seed=1)
    fuzz(strategies.damaged((tmp_path / "v.mp4").read_bytes()), check_mp4, 30)


def test_damaged_real_npy(fuzz):
    fuzz(strategies.damaged(npy_bytes(np.arange(50.0))), check_npy, 40)
