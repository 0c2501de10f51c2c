"""The crafted corpus under `tests/fuzz/corpus/<reader>/`: one small file per way a dataset file can be broken or
hostile. Run `python -m tests.fuzz.make_corpus` to rewrite it; every byte is deterministic, and a test checks the
committed files are what this script makes. File names say what each file does; root tables are named
`<table>__<what>.csv`.
"""

from __future__ import annotations

import csv
import io
import json
import struct
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tests.fuzz.strategies import FILE_ID, U32, chunk, lie_about_size, npy_header, tar_bytes

CORPUS = Path(__file__).with_name("corpus")


def wav(frames: int = 480, rate: int = 48_000, channels: int = 1, bits: int = 16, tag: int = 1,
        data: bytes | None = None, declared: int | None = None) -> bytes:
    """A RIFF/WAVE file from its header fields; `data` defaults to a quiet ramp, `declared` to its true size."""
    align = channels * bits // 8
    samples = data if data is not None else (np.arange(frames * channels) % 200 - 100).astype("<i2").tobytes()
    fmt = chunk(b"fmt ", struct.pack("<HHIIHH", tag, channels, rate, (rate * align) & U32, align, bits), 16)
    body = b"WAVE" + fmt + chunk(b"data", samples, len(samples) if declared is None else declared)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def metadata(**fields: object) -> dict:
    doc = {"id": FILE_ID, "metadata:vad": [{"start": 0.1, "end": 0.4}],
           "metadata:transcript": [{"start": 0.1, "end": 0.4, "transcript": "hello",
                                    "words": [{"word": "hello", "start": 0.1, "end": 0.4, "score": 0.9}]}]}
    return {**doc, **fields}


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=array.dtype.hasobject)  # a pickle only where the file is meant to hold one
    return buffer.getvalue()


def npz(members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data, compress_type=method)
    return buffer.getvalue()


def member(name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE, link: str = "",
           pax: dict[str, str] | None = None) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size, info.mtime = kind, link, len(data) if kind == tarfile.REGTYPE else 0, 0
    info.pax_headers = pax or {}
    return info, data


def table(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


GOOD_WAV = wav()
GOOD_META = json.dumps(metadata()).encode()
GOOD_NPZ = npz({"movement:is_valid.npy": npy(np.ones(3, bool))})
GOOD_MEMBERS = [member(f"{FILE_ID}.wav", GOOD_WAV), member(f"{FILE_ID}.json", GOOD_META),
                member(f"{FILE_ID}.npz", GOOD_NPZ)]
GOOD_TAR = tar_bytes(GOOD_MEMBERS, tarfile.GNU_FORMAT)
FILELIST = ["file_id", "label", "split", "batch_idx", "archive_idx"]


def _tar(*extra: tuple[tarfile.TarInfo, bytes], fmt: int = tarfile.GNU_FORMAT) -> bytes:
    return tar_bytes([*GOOD_MEMBERS, *extra], fmt)


def _mp4_box(kind: bytes, body: bytes, declared: int | None = None) -> bytes:
    return struct.pack(">I", len(body) + 8 if declared is None else declared) + kind + body


FILES: dict[str, Callable[[], bytes]] = {
    # WAV: cut, garbled, lying about its length, its rate or its format
    "wav/truncated.wav": lambda: GOOD_WAV[:44 + 200],
    "wav/header_garbled.wav": lambda: GOOD_WAV[:20] + b"\xff" * 16 + GOOD_WAV[36:],
    "wav/declares_more_data.wav": lambda: wav(declared=0x7FFFFFF0),
    "wav/declares_no_data.wav": lambda: wav(declared=0),
    "wav/rate_1hz.wav": lambda: wav(frames=30_000, rate=1),  # 8.3 h: 480 million samples at 16 kHz
    "wav/rate_0hz.wav": lambda: wav(rate=0),
    "wav/rate_4ghz.wav": lambda: wav(rate=4_000_000_000),
    "wav/zero_channels.wav": lambda: wav(channels=0),
    "wav/float_nan.wav": lambda: wav(bits=32, tag=3, data=np.array([np.nan, np.inf, -np.inf, 0.5] * 120,
                                                                    "<f4").tobytes()),
    "wav/empty.wav": lambda: b"",
    "wav/not_a_wav.wav": lambda: b"ID3\x03\x00 an mp3, not a wav" * 4,
    # JSON: malformed, nested beyond the limit, not UTF-8, not an object, wrong types everywhere
    "json/malformed.json": lambda: GOOD_META[:-7],
    "json/nested_5000.json": lambda: b"[" * 5000 + b"]" * 5000,  # beyond Python's recursion limit too
    "json/nested_65_objects.json": lambda: b'{"a":' * 65 + b"1" + b"}" * 65,
    "json/latin1.json": lambda: json.dumps(metadata(), ensure_ascii=False).replace("hello", "caf\xe9")
    .encode("latin-1"),
    "json/utf16.json": lambda: json.dumps(metadata()).encode("utf-16"),
    "json/bom.json": lambda: b"\xef\xbb\xbf" + GOOD_META,
    "json/lone_surrogate.json": lambda: GOOD_META.replace(b"hello", b"\xed\xa0\x80", 1),
    "json/not_an_object.json": lambda: b'[{"id": "x"}]',
    "json/integer_5000_digits.json": lambda: b'{"id": ' + b"9" * 5000 + b"}",
    "json/wrong_types.json": lambda: json.dumps({
        "id": 7, "metadata:vad": [{"start": "0.1", "end": None}, 3, {"start": 1e308, "end": -1e308}],
        "metadata:transcript": [{"start": True, "end": [1], "transcript": 5, "words": 12},
                                {"start": 0.1, "end": 0.4, "transcript": ["a"], "words": [
                                    {"word": 3, "start": 0.1, "end": 0.2}, "w",
                                    {"word": "x", "start": 0.1, "end": 0.2, "score": "high"}]}],
        "annotations:1P-IS": 4, "annotations:3P-V": [{"start_ms": "a", "end_ms": 1}]}).encode(),
    "json/nan_and_huge_times.json": lambda: json.dumps(metadata(**{
        "metadata:vad": [{"start": float("nan"), "end": float("inf")}, {"start": 0.0, "end": 2.0**70}]})).encode(),
    "json/control_characters.json": lambda: json.dumps(metadata(**{"metadata:transcript": [{
        "start": 0.1, "end": 0.4, "transcript": "\x1b[2J\x1b]0;owned\x07[red]x[/red] <script>", "words": []}]}))
    .encode(),
    # NPY / NPZ: pickles, declared sizes and shapes that lie, damage
    "npz/pickled_object_array.npz": lambda: npz({"movement:is_valid.npy": npy(np.array([{}], dtype=object))}),
    "npz/object_field_in_a_struct.npz": lambda: npz({"k.npy": npy_header((1,), [("a", "<f4"), ("b", "|O")])
                                                     + b"\0" * 16}),
    "npz/declares_3gib.npz": lambda: lie_about_size(GOOD_NPZ, 24, 3 << 30),
    "npz/declares_zero_bytes.npz": lambda: lie_about_size(GOOD_NPZ, 24, 0),
    "npz/shape_2_pow_40.npz": lambda: npz({"movement:is_valid.npy": npy_header((2**40,), "<f8") + b"\0" * 64}),
    "npz/shape_overflows_int64.npz": lambda: npz({"k.npy": npy_header((2**40, 2**40, 2**40), "<f4")}),
    "npz/zero_size_dtype.npz": lambda: npz({"k.npy": npy_header((10**12,), "|V0")}),
    "npz/deflate_damaged.npz": lambda: (lambda d: d[:60] + b"\xff" * 40 + d[100:])(
        npz({"k.npy": npy(np.arange(1000.0))}, zipfile.ZIP_DEFLATED)),
    "npz/truncated.npz": lambda: GOOD_NPZ[: len(GOOD_NPZ) // 2],
    "npz/not_a_zip.npz": lambda: b"PK\x03\x04 this is not a zip" * 3,
    "npz/unsafe_member_names.npz": lambda: npz({"../up.npy": npy(np.ones(2)), "/abs.npy": npy(np.ones(2))}),
    # tar: damage, unsafe members, duplicates
    "tar/truncated_in_member.tar": lambda: GOOD_TAR[:512 + 100],
    "tar/truncated_in_header.tar": lambda: GOOD_TAR[:len(GOOD_TAR) // 2 // 512 * 512 + 100],
    "tar/garbage_header.tar": lambda: GOOD_TAR[:1024] + b"\x07" * 512 + GOOD_TAR[1536:],
    "tar/no_end_block.tar": lambda: GOOD_TAR.rstrip(b"\0"),
    "tar/absolute_path.tar": lambda: _tar(member(f"/tmp/{FILE_ID}.json", GOOD_META)),
    "tar/dotdot.tar": lambda: _tar(member(f"../../{FILE_ID}.json", GOOD_META)),
    "tar/symlink.tar": lambda: _tar(member(f"{FILE_ID}.mp4", kind=tarfile.SYMTYPE, link="/etc/passwd")),
    "tar/hardlink.tar": lambda: _tar(member(f"{FILE_ID}.mp4", kind=tarfile.LNKTYPE, link="/etc/shadow")),
    "tar/char_device.tar": lambda: _tar(member(f"{FILE_ID}.mp4", kind=tarfile.CHRTYPE)),
    "tar/fifo.tar": lambda: _tar(member(f"{FILE_ID}.mp4", kind=tarfile.FIFOTYPE)),
    "tar/folder_member.tar": lambda: _tar(member("sub", kind=tarfile.DIRTYPE), member(f"sub/{FILE_ID}.mp4", b"x")),
    "tar/duplicate_member.tar": lambda: _tar(member(f"{FILE_ID}.wav", wav(frames=10))),
    "tar/pax_path_escapes.tar": lambda: _tar(member("plain.json", GOOD_META, pax={"path": f"../{FILE_ID}.json"}),
                                             fmt=tarfile.PAX_FORMAT),
    "tar/pax_size_lies.tar": lambda: _tar(member(f"{FILE_ID}.mp4", b"x" * 10, pax={"size": "99999999999"}),
                                          fmt=tarfile.PAX_FORMAT),
    "tar/not_a_tar.tar": lambda: b"this is not a tar archive\n" * 40,
    # MP4: boxes that lie, damage
    "mp4/ftyp_only.mp4": lambda: _mp4_box(b"ftyp", b"isom\0\0\2\0isomiso2avc1mp41"),
    "mp4/box_declares_4gib.mp4": lambda: _mp4_box(b"ftyp", b"isom\0\0\2\0isom") + _mp4_box(b"moov", b"", U32),
    "mp4/random_bytes.mp4": lambda: np.random.default_rng(7).bytes(2048),
    # root tables: missing and extra fields, broken quoting, bad encodings, rows naming missing files
    "csv/filelist__missing_column.csv": lambda: table([FILELIST[:-1], [FILE_ID, "improvised", "dev", "0"]]),
    "csv/filelist__listed_twice_and_missing.csv": lambda: table([FILELIST, *[
        [fid, "improvised", "dev", "0", "0"] for fid in (FILE_ID, FILE_ID, "V09_S0009_I00000009_P0009")]]),
    "csv/interactions__extra_field.csv": lambda: table([["interaction_key", "session_key", "prompt"],
                                                        ["V00_S0001_I00000001", "V00_S0001", "talk", "spill"]]),
    "csv/interactions__unclosed_quote.csv": lambda: b'interaction_key,session_key,prompt\nV00_S0001_I00000001,'
                                                    b'V00_S0001,"talk about\n',
    "csv/participants__quote_inside_field.csv": lambda: b'participant_id,age\nP0001,4"2\n',
    "csv/participants__latin1.csv": lambda: "participant_id,name\nP0001,Jos\xe9\n".encode("latin-1"),
    "csv/relationships__nul_byte.csv": lambda: b"session_key,participant_a,participant_b,relationship\n"
                                               b"V00_S0001,P0001,P0002,fr\x00iends\n",
    "csv/relationships__empty.csv": lambda: b"",
}


def build(folder: Path = CORPUS) -> list[Path]:
    paths = []
    for name, make in FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(make())
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in build():
        print(written.relative_to(Path.cwd()) if written.is_relative_to(Path.cwd()) else written)
