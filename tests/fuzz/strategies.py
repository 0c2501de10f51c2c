"""Hypothesis strategies for hostile dataset files, built field by field so each header field can lie.

Each strategy draws the bytes of one file (or the members of one tar): WAV headers whose sizes, rates and
formats disagree with the data, JSON that is malformed, deeply nested, not UTF-8 or wrongly typed in one field
of the metadata schema, NPZ zips with pickles and declared sizes that lie, tars with unsafe or duplicate members,
and CSVs with missing or extra fields and broken quoting. Every file id is fixed (`FILE_ID`), so the reader's
message can be checked for the name.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import struct
import tarfile
import warnings
import zipfile
from typing import Any

import numpy as np
from hypothesis import strategies as st

from siqa.dataset.schema import TRANSCRIPT_KEY, VAD_KEY
from siqa.dataset.tables import REQUIRED_COLUMNS

FILE_ID = "V00_S0001_I00000001_P0001"
U32 = 0xFFFFFFFF

# --- bytes damage ----------------------------------------------------------------------------------------------


@st.composite
def damaged(draw: st.DrawFn, original: bytes) -> bytes:
    """`original` cut short and/or with a run of bytes overwritten: headers that half-parse."""
    data = original
    if draw(st.booleans()):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        patch = draw(st.binary(min_size=1, max_size=16))
        data = data[:at] + patch + data[at + len(patch):]
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


# --- WAV -------------------------------------------------------------------------------------------------------


def chunk(tag: bytes, body: bytes, declared: int) -> bytes:
    return tag + struct.pack("<I", declared & U32) + body + b"\0" * (len(body) % 2)


@st.composite
def wav_files(draw: st.DrawFn) -> bytes:
    """A RIFF/WAVE file in which each header field lies one time in four: format tag, channels, rate, byte rate,
    block align, bits, chunk sizes (the RIFF size, the data size, extra chunks'); then optionally damaged."""

    def field(honest: int, lies: st.SearchStrategy[int]) -> int:
        return draw(lies) if draw(st.integers(0, 3)) == 0 else honest

    tag = field(1, st.sampled_from([3, 0xFFFE, 0]) | st.integers(0, 0xFFFF))
    channels = field(1, st.sampled_from([2, 0]) | st.integers(0, 0xFFFF))
    rate = field(48_000, st.sampled_from([16_000, 1, 0, 8, 4_000_000_000, U32]) | st.integers(0, U32))
    bits = field(16, st.sampled_from([24, 32, 8, 0, 7, 64]))
    align = field((channels * bits // 8) & 0xFFFF, st.integers(0, 0xFFFF))
    byte_rate = field((rate * align) & U32, st.integers(0, U32))
    fmt = chunk(b"fmt ", struct.pack("<HHIIHH", tag, channels, rate, byte_rate, align, bits),
                 field(16, st.sampled_from([0, 14, 18, 40, U32])))
    extras = b"".join(chunk(t, body, field(len(body), st.integers(0, U32))) for t, body in draw(st.lists(st.tuples(
        st.sampled_from([b"LIST", b"fact", b"JUNK", b"fmt ", b"\0\0\0\0"]), st.binary(max_size=24)), max_size=2)))
    frames = draw(st.integers(1, 3000))
    samples = np.random.default_rng(draw(st.integers(0, 2**32))).bytes(frames * max(1, align))
    data = chunk(b"data", samples, field(len(samples), st.sampled_from([0, U32]) | st.integers(0, U32)))
    body = b"WAVE" + (extras + fmt if draw(st.booleans()) else fmt + extras) + data
    riff = b"RIFF" if draw(st.integers(0, 3)) else draw(st.sampled_from([b"RIFX", b"RF64", b"FORM"]))
    whole = riff + struct.pack("<I", field(len(body), st.integers(0, U32)) & U32) + body
    return draw(damaged(whole)) if draw(st.integers(0, 3)) == 0 else whole


# --- JSON ------------------------------------------------------------------------------------------------------

scalars = (st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=12)
           | st.floats(allow_nan=True, allow_infinity=True))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=16)


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


@st.composite
def nested(draw: st.DrawFn) -> bytes:
    """Arrays or objects nested up to far beyond the reader's depth limit (and Python's recursion limit)."""
    depth = draw(st.sampled_from([63, 64, 65, 200, 5000, 200_000]) | st.integers(1, 100))
    opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}"), (b'[{"k":', b"}]")]))
    return opener * depth + b"1" + closer * depth


def _non_utf8(text: bytes, how: str) -> bytes:
    if how == "latin-1":
        return text.decode().encode("latin-1", "replace") + b'"\xe9"'
    if how == "utf-16":
        return text.decode().encode("utf-16")
    if how == "surrogate":
        return text[:-1] + b', "s": "\xed\xa0\x80"}' if text.endswith(b"}") else text + b"\xed\xa0\x80"
    return b"\xef\xbb\xbf" + text  # a UTF-8 byte-order mark before the document


json_bytes = st.one_of(
    values.map(_dumps),
    values.map(_dumps).flatmap(damaged),
    nested(),
    st.tuples(values.map(_dumps), st.sampled_from(["latin-1", "utf-16", "surrogate", "bom"])).map(
        lambda pair: _non_utf8(*pair)),
    st.binary(max_size=200),
    st.just(b'{"n": ' + b"9" * 5000 + b"}"),
)


# --- metadata fields of the wrong type -------------------------------------------------------------------------

NOT_A_NUMBER = (st.none() | st.booleans() | st.text(max_size=6) | st.lists(st.integers(), max_size=2)
                | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
                | st.sampled_from([float("nan"), float("inf"), float("-inf")]))
ABSURD_NUMBER = st.sampled_from([1e308, -1e308, 2.0**70, -(2**70), 10**30])
NOT_TEXT = st.none() | st.booleans() | st.integers() | st.floats() | st.lists(st.text(max_size=3), max_size=2)
NOT_A_LIST = st.none() | st.booleans() | st.integers() | st.text(max_size=6) | st.dictionaries(
    st.text(max_size=3), st.integers(), max_size=2)
NOT_AN_OBJECT = NOT_A_LIST.filter(lambda v: not isinstance(v, dict)) | st.lists(st.integers(), max_size=2)

SEGMENT = (VAD_KEY, 0)
TEXT_SEGMENT = (TRANSCRIPT_KEY, 0)
WORD = (*TEXT_SEGMENT, "words", 0)
FIELDS: dict[tuple[Any, ...], st.SearchStrategy[Any]] = {
    ("id",): NOT_TEXT,
    (VAD_KEY,): NOT_A_LIST,
    SEGMENT: NOT_AN_OBJECT,
    (*SEGMENT, "start"): NOT_A_NUMBER | ABSURD_NUMBER,
    (*SEGMENT, "end"): NOT_A_NUMBER | ABSURD_NUMBER,
    (TRANSCRIPT_KEY,): NOT_A_LIST,
    TEXT_SEGMENT: NOT_AN_OBJECT,
    (*TEXT_SEGMENT, "start"): NOT_A_NUMBER | ABSURD_NUMBER,
    (*TEXT_SEGMENT, "end"): NOT_A_NUMBER | ABSURD_NUMBER,
    (*TEXT_SEGMENT, "transcript"): NOT_TEXT,
    (*TEXT_SEGMENT, "words"): NOT_A_LIST,
    WORD: NOT_AN_OBJECT,
    (*WORD, "word"): NOT_TEXT,
    (*WORD, "start"): NOT_A_NUMBER | ABSURD_NUMBER,
    (*WORD, "end"): NOT_A_NUMBER | ABSURD_NUMBER,
    (*WORD, "score"): NOT_A_NUMBER.filter(lambda v: v is not None),  # a null score is an absent score
}
"""Every field of the documented metadata schema, with values that are not of its type."""

wrong_field = st.sampled_from(sorted(FIELDS, key=str)).flatmap(
    lambda path: st.tuples(st.just(path), FIELDS[path]))


def with_field(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """A deep copy of `document` with the field at `path` set to `value`."""
    doc = copy.deepcopy(document)
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return doc


# --- NPY and NPZ -----------------------------------------------------------------------------------------------

SAFE_DTYPES = ["<f4", ">f8", "|b1", "<i2", "<u8", "<c16", "<M8[ns]", "|S3", "<U2"]
HOSTILE_DESCRS = ["|O", "|V0", "<U0", "|S0", [("a", "|O")], [("a", "<f4"), ("b", "|O")], "|V16", "<f2"]


def npy_header(shape: tuple[int, ...], descr: Any, fortran: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_2_0(buffer, {"descr": descr, "fortran_order": fortran, "shape": shape})
    return buffer.getvalue()


@st.composite
def npy_files(draw: st.DrawFn) -> bytes:
    """A real array, a pickled object array, or a header whose dtype or shape is hostile, with data or not."""
    kind = draw(st.sampled_from(["array", "pickle", "header"]))
    if kind == "array":
        array = np.zeros(draw(st.lists(st.integers(0, 5), max_size=3)), dtype=draw(st.sampled_from(SAFE_DTYPES)))
        buffer = io.BytesIO()
        np.save(buffer, np.asfortranarray(array) if draw(st.booleans()) else array)
        return buffer.getvalue()
    if kind == "pickle":
        buffer = io.BytesIO()
        np.save(buffer, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)  # what the reader refuses
        return buffer.getvalue()
    shape = tuple(draw(st.lists(st.sampled_from([0, 1, 3, 2**31, 2**40, 2**63]) | st.integers(0, 64), max_size=3)))
    descr = draw(st.sampled_from(HOSTILE_DESCRS + SAFE_DTYPES))
    return npy_header(shape, descr, draw(st.booleans())) + draw(st.binary(max_size=64))


def lie_about_size(data: bytes, field_offset: int, value: int) -> bytes:
    """Overwrite a 4-byte size field of every central directory entry (offset 20: compressed, 24: uncompressed)."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at != -1:
        struct.pack_into("<I", out, at + field_offset, value & U32)
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


@st.composite
def npz_files(draw: st.DrawFn) -> bytes:
    """A zip of .npy members (duplicate, unsafe or odd names allowed), stored or deflated, whose central directory
    may declare sizes that lie (a zip bomb's header), then optionally damaged."""
    names = st.sampled_from(["movement:is_valid.npy", "smplh:translation.npy", "../up.npy", "/abs.npy",
                             "dir/k.npy", "k", ".npy"])
    members = draw(st.lists(st.tuples(names, npy_files()), min_size=1, max_size=3))
    method = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are part of the test
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data, compress_type=method)
    data = buffer.getvalue()
    if draw(st.booleans()):
        data = lie_about_size(data, draw(st.sampled_from([20, 24])),
                               draw(st.sampled_from([0, 1, 3 << 30, U32]) | st.integers(0, U32)))
    return draw(damaged(data)) if draw(st.booleans()) else data


# --- tar -------------------------------------------------------------------------------------------------------

MEMBER_TYPES = [tarfile.REGTYPE, tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.LNKTYPE, tarfile.SYMTYPE,
                tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.DIRTYPE, tarfile.FIFOTYPE, tarfile.CONTTYPE]
member_names = st.sampled_from([
    f"{FILE_ID}.wav", f"{FILE_ID}.json", f"{FILE_ID}.npz", f"{FILE_ID}.mp4", f"../{FILE_ID}.json",
    f"/{FILE_ID}.wav", f"/etc/{FILE_ID}.json", f"sub/{FILE_ID}.wav", f"./{FILE_ID}.wav", "..", ".", "",
    f"{FILE_ID}.exe", "V00_S0001_I0000000x_P0001.wav", "a/../../b.json", f"{'x' * 150}_{FILE_ID}.json",
    f"{FILE_ID}.json\x1b[31m", f"C:\\{FILE_ID}.wav",
])


@st.composite
def tar_members(draw: st.DrawFn) -> list[tuple[tarfile.TarInfo, bytes]]:
    """Members of every type, with names that are absolute, climb out with `..`, sit in folders, repeat, or
    carry control characters; links point anywhere; pax headers may override the name or the size."""
    members = []
    for _ in range(draw(st.integers(1, 5))):
        info = tarfile.TarInfo(draw(member_names))
        info.type = draw(st.sampled_from(MEMBER_TYPES))
        info.linkname = draw(st.sampled_from(["/etc/passwd", "../../x", f"{FILE_ID}.json", ""]))
        data = draw(st.sampled_from([b"", b'{"id": "x"}', b"RIFF\0\0\0\0WAVE"]) | st.binary(max_size=64))
        info.size = len(data)
        if draw(st.booleans()):
            info.pax_headers = draw(st.dictionaries(st.sampled_from(["path", "size", "linkpath", "comment"]),
                                                    st.sampled_from(["../evil.json", "/abs.json", "999999999999",
                                                                     "-1", "x"]), max_size=2))
        members.append((info, data))
    return members


def tar_bytes(members: list[tuple[tarfile.TarInfo, bytes]], fmt: int) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buffer.getvalue()


@st.composite
def tar_files(draw: st.DrawFn) -> bytes:
    formats = st.sampled_from([tarfile.GNU_FORMAT, tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT])
    try:
        data = tar_bytes(draw(tar_members()), draw(formats))
    except (ValueError, tarfile.TarError):  # a name or header the chosen format cannot hold
        data = tar_bytes(draw(tar_members()), tarfile.PAX_FORMAT)
    return draw(damaged(data)) if draw(st.booleans()) else data


# --- CSV -------------------------------------------------------------------------------------------------------

cells = st.sampled_from(["", "x", FILE_ID, "0000", '"', 'a"b', '"open', "a,b", "line\nbreak", "\x00", "é",
                         "=cmd|' /C calc'!A0", "\x1b[31mred"]) | st.text(max_size=6)


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """(table name, CSV bytes): headers missing or repeating required columns, rows with fields missing or extra,
    cells with quotes, separators, newlines and NULs, written raw (quoting errors) or through the csv module."""
    name = draw(st.sampled_from(sorted(REQUIRED_COLUMNS)))
    required = list(REQUIRED_COLUMNS[name])
    header = draw(st.lists(st.sampled_from([*required, "extra", "x"]), max_size=7)) if draw(
        st.booleans()) else required
    rows = draw(st.lists(st.lists(cells, max_size=len(header) + 2), max_size=6))
    if draw(st.booleans()):
        text = "\n".join(",".join(row) for row in [header, *rows])  # raw: unbalanced quotes stay unbalanced
    else:
        buffer = io.StringIO()
        csv.writer(buffer).writerows([header, *rows])
        text = buffer.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    data = text.encode(encoding, "replace")
    return name, draw(damaged(data)) if draw(st.booleans()) else data
