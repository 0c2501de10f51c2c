"""The shared decoders: real files decode, and any other input gives a ReadError naming the file, never another
exception, never an allocation a header asked for."""

from __future__ import annotations

import io
import json
import struct
import zipfile

import numpy as np
import pytest

from siqa.dataset import decode
from siqa.dataset.decode import Limits, NpzReader
from siqa.dataset.errors import ReadError
from tests.dataset.helpers import npy_bytes, npz_bytes, wav_bytes

WAV = wav_bytes(4800)
NPZ = npz_bytes({"movement:is_valid": np.ones(30, bool), "smplh:translation": np.zeros((30, 3), np.float32)})


def _mp4(tmp_path) -> bytes:
    from siqa.synth.video import write_mp4

    path = tmp_path / "clip.mp4"
    write_mp4(path, frames=12, seed=1)
    return path.read_bytes()


# --- WAV -------------------------------------------------------------------------------------------------------


def test_wav_header_and_samples_from_a_path_or_a_file_like(tmp_path):
    path = tmp_path / "a.wav"
    path.write_bytes(WAV)
    info = decode.audio_info(path, "a.wav")
    assert (info.sample_rate, info.channels, info.frames, info.subtype) == (48_000, 1, 4800, "PCM_16")
    audio = decode.read_audio(io.BytesIO(WAV), "a.wav")
    assert audio.samples.dtype == np.float32 and audio.samples.shape == (4800,) and audio.info == info


def test_truncated_wav_says_frames_declared_and_held():
    cut = WAV[: 44 + 2 * 1000]
    for read in (decode.audio_info, decode.read_audio):
        with pytest.raises(ReadError) as error:
            read(io.BytesIO(cut), "x/a.wav")
        assert error.value.kind == "wav" and error.value.path == "x/a.wav"
        assert error.value.reason == "truncated: header declares 4800 frames, file holds 1000"


@pytest.mark.parametrize("data, reason", [
    (b"not a wav at all", "not a readable WAV"),
    (wav_bytes(4800, fmt="FLAC"), "not a WAV file"),
    (b"", "not a readable WAV"),
])
def test_non_wav_bytes_are_refused(data, reason):
    with pytest.raises(ReadError, match=reason):
        decode.read_audio(io.BytesIO(data), "a.wav")


def test_wav_over_the_size_limit_is_refused_before_decoding():
    with pytest.raises(ReadError, match="over the 1000-byte limit"):
        decode.read_audio(io.BytesIO(WAV), "a.wav", Limits(wav_bytes=1000))


def test_a_vanished_file_is_a_read_error(tmp_path):
    with pytest.raises(ReadError, match="cannot read") as error:
        decode.audio_info(tmp_path / "gone.wav", "gone.wav")
    assert error.value.kind == "wav"


# --- JSON ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data, reason", [
    (b'{"metadata:vad": [ {"start": 1,', "malformed JSON"),
    ('{"id": "caf\xe9"}'.encode("latin-1"), "not UTF-8"),
    (b"[1, 2]", "expected a JSON object, found list"),
    (b'{"a": ' * 65 + b"1" + b"}" * 65, "nested deeper than 64 levels"),
    (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 64 levels"),
    (b'{"n": ' + b"1" * 5000 + b"}", "malformed JSON"),
])
def test_json_that_is_not_a_utf8_object_is_refused(data, reason):
    with pytest.raises(ReadError, match=reason) as error:
        decode.parse_json_object(data, "m/a.json")
    assert error.value.path == "m/a.json" and error.value.kind == "json"


def test_json_limits_are_configurable():
    doc = json.dumps({"a": {"b": {"c": 1}}}).encode()
    assert decode.parse_json_object(doc, "a.json")["a"]["b"]["c"] == 1
    with pytest.raises(ReadError, match="deeper than 2"):
        decode.parse_json_object(doc, "a.json", Limits(json_depth=2))
    with pytest.raises(ReadError, match="over the 10-byte limit"):
        decode.parse_json_object(doc, "a.json", Limits(json_bytes=10))


def test_jsonl_errors_name_the_line():
    assert decode.parse_jsonl(b'{"start": 0, "end": 1}\n\n{"start": 2, "end": 3}\n', "v.jsonl")[1]["end"] == 3
    with pytest.raises(ReadError) as error:
        decode.parse_jsonl(b'{"start": 0}\n{"start": \n', "v.jsonl")
    assert error.value.path == "v.jsonl" and error.value.reason.startswith("line 2: malformed JSON")


# --- NPY and NPZ -----------------------------------------------------------------------------------------------


def _npy_header(shape: tuple[int, ...], descr: str = "<f4") -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def test_npy_round_trips_and_is_writable():
    array = np.arange(12, dtype=">i4").reshape(3, 4)
    read = decode.read_npy(io.BytesIO(npy_bytes(array)), "f.npy")
    assert np.array_equal(read, array) and read.flags.writeable


@pytest.mark.parametrize("data, reason", [
    (npy_bytes(np.array([object()], dtype=object)), "pickled/object array"),
    (_npy_header((2**40, 2**40, 2**40)), "over the"),  # would overflow int64 to a small size
    (_npy_header((1000, 1000)), "truncated array: header declares 4000000 bytes"),
    (b"\x93NUMPY\x09\x00junk", "not a valid .npy"),
    (b"PK\x03\x04", "not a valid .npy"),
])
def test_npy_refusals(data, reason):
    with pytest.raises(ReadError, match=reason) as error:
        decode.read_npy(io.BytesIO(data), "movement/x/a.npy")
    assert error.value.path == "movement/x/a.npy" and error.value.kind == "npz"


def test_npz_lists_keys_and_reads_only_the_keys_asked_for():
    with NpzReader(io.BytesIO(NPZ), "a.npz") as npz:
        assert npz.keys() == ["movement:is_valid", "smplh:translation"]
        arrays = npz.read(["smplh:translation", "not:there"])
    assert list(arrays) == ["smplh:translation"] and arrays["smplh:translation"].shape == (30, 3)


def test_pickled_npz_member_is_refused():
    pickled = npz_bytes({"k": np.array([{}], dtype=object)})
    with NpzReader(io.BytesIO(pickled), "p.npz") as npz, pytest.raises(ReadError, match=r"k: contains a pickled"):
        npz.read(["k"])


def _zip_with_declared_size(name: str, payload: bytes, declared: int) -> bytes:
    """A stored zip member whose central directory claims `declared` uncompressed bytes (a zip bomb's lie)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, payload)
    data = bytearray(buffer.getvalue())
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)
    return bytes(data)


def test_zip_bomb_like_members_are_refused_before_decompressing():
    bomb = _zip_with_declared_size("k.npy", npy_bytes(np.zeros(4)), declared=3 << 30)
    with NpzReader(io.BytesIO(bomb), "b.npz") as npz:
        assert npz.keys() == ["k"]
        with pytest.raises(ReadError, match="k: member declares 3221225472 bytes, over the"):
            npz.read(["k"])


def test_npy_header_declaring_more_than_the_limit_or_the_member_is_refused_unallocated():
    lying = _npy_header((10**8,), "<f8") + b"\0" * 64
    npz = _zip_with_declared_size("k.npy", lying, len(lying))
    with NpzReader(io.BytesIO(npz), "b.npz") as reader, pytest.raises(ReadError, match="k: truncated array: "
                                                                                       "header declares 800000000"):
        reader.read(["k"])
    with NpzReader(io.BytesIO(npz), "b.npz", Limits(array_bytes=1000)) as reader, \
            pytest.raises(ReadError, match="declares 800000000 bytes of array data, over the 1000-byte limit"):
        reader.read(["k"])


def test_corrupt_npz_is_a_read_error():
    with pytest.raises(ReadError, match="not a readable NPZ"):
        NpzReader(io.BytesIO(b"PK\x03\x04 garbage"), "c.npz")
    damaged = bytearray(npz_bytes({"k": np.arange(1000.0)}, compressed=True))
    damaged[60:200] = b"\xff" * 140
    with pytest.raises(ReadError, match="c.npz"), NpzReader(io.BytesIO(bytes(damaged)), "c.npz") as npz:
        npz.read(npz.keys())


# --- MP4 -------------------------------------------------------------------------------------------------------


def test_mp4_facts_from_metadata(tmp_path):
    info = decode.video_info(io.BytesIO(_mp4(tmp_path)), "v.mp4")
    assert (info.frames, info.fps, info.width, info.height) == (12, 30.0, 64, 48)


def test_non_mp4_bytes_are_refused():
    with pytest.raises(ReadError, match="not a readable MP4") as error:
        decode.video_info(io.BytesIO(b"\0\0\0\x18ftypmp42 but nothing else"), "v.mp4")
    assert error.value.kind == "mp4"
