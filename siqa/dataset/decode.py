"""Safe decoders shared by every layout: bytes in, arrays and records out, ReadError for anything else.

Input is untrusted (27 TB from several vendors): every decoder bounds what it reads and allocates (`Limits`), never
unpickles (`allow_pickle` is never enabled), and turns every failure into a ReadError that names the file, so one
bad file becomes one finding and the audit goes on. Decoders take a path or an open binary file-like object (a tar
member's byte window); `path` is only the display name used in messages.
"""

from __future__ import annotations

import errno
import io
import json
import math
import os
import stat
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from typing import Any, cast

import numpy as np
import soundfile as sf

from siqa.dataset.errors import ReadError
from siqa.dataset.units import Audio, AudioInfo, VideoInfo

Input = str | os.PathLike[str] | io.BufferedIOBase


@dataclass(frozen=True)
class Limits:
    """Upper bounds on what one file may make siqa read or allocate; anything larger is refused unread.

    The defaults are far above what the release holds (interactions of about 4 minutes: 23 MB of 16-bit WAV,
    a few MB of features) and far below what a hostile header can declare. They bound memory, not only bytes
    read: a WAV decodes to 4 bytes a frame whatever its sample width (`audio_frames`: an 8-bit file would
    otherwise take 4 times its size), `audio_seconds` bounds the 16 kHz analysis copy (a small file whose header
    declares 1 Hz would make it 16000 times its sample count), `npz_bytes` the members of one NPZ together
    (deflate expands 1000-fold: a 1 MB file can declare a GB), and `feature_frames` the frames of a feature
    array (per-frame signals hold several float64 values a frame). docs/cluster.md turns them into the memory a
    worker may reach. A rule set sets them under `[limits]`.
    """

    wav_bytes: int = 2 << 30
    json_bytes: int = 256 << 20
    json_depth: int = 64
    array_bytes: int = 2 << 30
    npz_bytes: int = 512 << 20
    feature_frames: int = 1 << 18  # rows of one feature array: 2.4 hours at 30 fps
    audio_seconds: float = 3600.0
    audio_frames: int = 1 << 27  # 512 MiB as float32 mono: 46 minutes at 48 kHz
    table_bytes: int = 256 << 20

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], source: str) -> Limits:
        """Limits from a rule set's `[limits]` table; unknown names and non-positive values are errors."""
        defaults = cls()
        known = [f.name for f in fields(cls)]
        for name, value in values.items():
            if name not in known:
                raise ValueError(f"{source}: unknown limit {name!r} under [limits] (known: {', '.join(known)})")
            kinds = (int, float) if isinstance(getattr(defaults, name), float) else (int,)
            if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:
                raise ValueError(f"{source}: [limits] {name} must be a positive "
                                 f"{'number' if float in kinds else 'integer'}, not {value!r}")
        return replace(defaults, **values)


DEFAULT_LIMITS = Limits()
DECODE_BLOCK = 1 << 20  # samples decoded at a time (4 MiB of float32), whatever the channel count
DEFERRED_IMPORTS = ("av",)
"""Modules the decoders import on first use (FFmpeg takes a tenth of a second to load): a process that forks
workers, such as the local engine's fork server, imports them once for all of its workers."""
WAV_FORMATS = frozenset({"WAV", "WAVEX", "RF64", "W64"})
FLOAT_SUBTYPES = frozenset({"FLOAT", "DOUBLE"})
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError,
               NotImplementedError, RuntimeError)  # RuntimeError: encrypted member; NotImplementedError: codec


@contextmanager
def guard(path: str, kind: str) -> Iterator[None]:
    """Turn an OS failure (vanished file, permission, I/O error) inside the block into a ReadError."""
    try:
        yield
    except OSError as error:
        raise ReadError(path, kind, f"cannot read: {error.strerror or error}") from None


def open_regular(path: str | os.PathLike[str], follow_symlinks: bool = False) -> io.BufferedReader:
    """`path` opened for binary reading if it is a regular file, else OSError: a FIFO would block the reader
    forever, a device never ends, and a listed file may have been swapped for a link since it was listed."""
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow_symlinks else getattr(os, "O_NOFOLLOW", 0))
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "is a symbolic link (refused)") from None
        raise
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise OSError(errno.EINVAL, "not a regular file (FIFO, device or folder; refused)")
    return os.fdopen(descriptor, "rb")


@contextmanager
def opened(source: Input, path: str, kind: str) -> Iterator[io.BufferedIOBase]:
    """A binary handle on `source`: opened (and closed) here for a path, passed through for a file-like."""
    with guard(path, kind):
        if isinstance(source, (str, os.PathLike)):
            with open_regular(source) as handle:
                yield handle
        else:
            yield source


# --- WAV -------------------------------------------------------------------------------------------------------


def _riff_data(handle: io.BufferedIOBase) -> tuple[int, int, int] | None:
    """(data offset, declared data bytes, block align or 0) of a RIFF/WAVE file; None when not plain RIFF."""
    handle.seek(0)
    header = handle.read(12)
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        return None
    position, block_align = 12, 0
    while True:
        chunk = handle.read(8)
        if len(chunk) < 8:
            return None
        size = int.from_bytes(chunk[4:], "little")
        if chunk[:4] == b"data":
            return position + 8, size, block_align
        if chunk[:4] == b"fmt ":
            fmt = handle.read(16)
            block_align = int.from_bytes(fmt[12:14], "little") if len(fmt) == 16 else 0
        position += 8 + size + (size & 1)
        handle.seek(position)


def _check_not_truncated(handle: io.BufferedIOBase, path: str, size: int) -> None:
    """libsndfile quietly shortens a truncated file, so the declared data size is checked against the bytes
    present: a cut file is reported as truncated rather than read as shorter audio."""
    data = _riff_data(handle)
    if data is None:
        return
    offset, declared, block_align = data
    held = max(0, size - offset)
    if declared == 0xFFFFFFFF or declared <= held:  # 0xFFFFFFFF: size unknown (streamed), nothing to compare
        return
    if block_align:
        raise ReadError(path, "wav", f"truncated: header declares {declared // block_align} frames, "
                                     f"file holds {held // block_align}")
    raise ReadError(path, "wav", f"truncated: header declares {declared} data bytes, file holds {held}")


def _audio_info(handle: io.BufferedIOBase, path: str) -> AudioInfo:
    size = handle.seek(0, io.SEEK_END)
    _check_not_truncated(handle, path, size)
    handle.seek(0)
    try:
        info = sf.info(handle)
    except Exception as error:  # soundfile raises several types for bad headers
        raise ReadError(path, "wav", f"not a readable WAV: {error}") from None
    if info.format not in WAV_FORMATS:
        raise ReadError(path, "wav", f"not a WAV file: the bytes are {info.format_info}")
    if info.frames <= 0 or info.samplerate <= 0 or info.channels <= 0:
        raise ReadError(path, "wav", "header declares no audio")
    return AudioInfo(info.samplerate, info.channels, info.frames, info.subtype)


def audio_info(source: Input, path: str) -> AudioInfo:
    """Header facts, without decoding the samples."""
    with opened(source, path, "wav") as handle:
        return _audio_info(handle, path)


def read_audio(source: Input, path: str, limits: Limits = DEFAULT_LIMITS) -> Audio:
    """The samples as float32 mono in [-1, 1] (the mean of the channels, which is what every rule measures);
    files over `limits.wav_bytes`, `limits.audio_seconds` or `limits.audio_frames` are refused before decoding."""
    with opened(source, path, "wav") as handle:
        size = handle.seek(0, io.SEEK_END)
        if size > limits.wav_bytes:
            raise ReadError(path, "wav", f"{size} bytes, over the {limits.wav_bytes}-byte limit")
        info = _audio_info(handle, path)
        if info.duration > limits.audio_seconds:
            raise ReadError(path, "wav", f"header declares {info.duration:.0f} s of audio ({info.frames} frames at "
                                         f"{info.sample_rate} Hz), over the {limits.audio_seconds:.0f}-second limit")
        if info.frames > limits.audio_frames:
            raise ReadError(path, "wav", f"header declares {info.frames} frames ({info.duration:.0f} s at "
                                         f"{info.sample_rate} Hz), over the {limits.audio_frames}-frame limit")
        handle.seek(0)
        try:
            mono, nonfinite = _decode_mono(handle, info)
        except Exception as error:
            raise ReadError(path, "wav", f"cannot decode samples: {error}") from None
    if len(mono) != info.frames:
        raise ReadError(path, "wav", f"truncated: header declares {info.frames} frames, file holds {len(mono)}")
    if nonfinite:  # integer PCM is always finite
        raise ReadError(path, "wav", f"{nonfinite} samples are NaN or infinite: not audio any rule can measure")
    return Audio(mono, info, path)


def _decode_mono(handle: io.BufferedIOBase, info: AudioInfo) -> tuple[np.ndarray, int]:
    """(float32 mono of at most `info.frames` frames, count of non-finite samples), decoded `DECODE_BLOCK`
    samples at a time into one array: the file costs 4 bytes a frame plus one block, whatever its sample width
    and channel count (a whole-file decode would hold every channel at 4 bytes a sample, and its mean beside)."""
    mono = np.empty(info.frames, np.float32)
    block = np.empty((max(1, DECODE_BLOCK // info.channels), info.channels), np.float32)
    filled = nonfinite = 0
    with sf.SoundFile(handle) as wav:
        while filled < info.frames:
            chunk = wav.read(out=block[: info.frames - filled])
            if not len(chunk):
                break
            if info.subtype in FLOAT_SUBTYPES:
                nonfinite += int(np.count_nonzero(~np.isfinite(chunk)))
            with np.errstate(invalid="ignore", over="ignore"):  # non-finite samples are counted above
                chunk.mean(axis=1, dtype=np.float32, out=mono[filled : filled + len(chunk)])
            filled += len(chunk)
    return mono[:filled], nonfinite


# --- JSON ------------------------------------------------------------------------------------------------------


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether a parsed value nests deeper than `limit`, checked iteratively (no recursion limit to hit)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False


def _check_json_size(data: bytes, path: str, limits: Limits) -> None:
    if len(data) > limits.json_bytes:
        raise ReadError(path, "json", f"{len(data)} bytes, over the {limits.json_bytes}-byte limit")


def parse_json(data: bytes, path: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Any JSON value from UTF-8 bytes, within the size and nesting limits."""
    _check_json_size(data, path, limits)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ReadError(path, "json", f"not UTF-8: {error}") from None
    too_deep = ReadError(path, "json", f"nested deeper than {limits.json_depth} levels")
    try:
        value = json.loads(text)
    except RecursionError:
        raise too_deep from None
    except ValueError as error:  # JSONDecodeError, or an integer too long to convert
        raise ReadError(path, "json", f"malformed JSON: {error}") from None
    if _depth_exceeds(value, limits.json_depth):
        raise too_deep
    return value


def parse_json_object(data: bytes, path: str, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """A JSON document that must be an object (the per-file metadata)."""
    value = parse_json(data, path, limits)
    if not isinstance(value, dict):
        raise ReadError(path, "json", f"expected a JSON object, found {type(value).__name__}")
    return value


def parse_jsonl(data: bytes, path: str, limits: Limits = DEFAULT_LIMITS) -> list[Any]:
    """JSON Lines (the per-modality layout's transcript and VAD files): one value per non-empty line."""
    _check_json_size(data, path, limits)
    values = []
    for number, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            values.append(parse_json(line, path, limits))
        except ReadError as error:
            raise ReadError(path, "json", f"line {number}: {error.reason}") from None
    return values


# --- NPY and NPZ -----------------------------------------------------------------------------------------------


def _read_npy(handle: io.BufferedIOBase, path: str, limits: Limits, kind: str, available: int) -> np.ndarray:
    """`available` bounds the bytes the array may hold (file or zip member size): a header declaring more is
    refused before anything is allocated."""
    try:
        with warnings.catch_warnings():  # numpy reads the header with `ast.literal_eval`: a damaged one may
            warnings.simplefilter("ignore", (DeprecationWarning, SyntaxWarning))  # hold escapes Python warns of
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
            elif version in ((2, 0), (3, 0)):  # 3.0 differs only in allowing UTF-8 field names
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
            else:
                raise ValueError(f"unknown .npy format version {version}")
    except Exception as error:  # numpy raises ValueError, SyntaxError, EOFError... for damaged headers
        raise ReadError(path, kind, f"not a valid .npy array: {error}") from None
    if dtype.hasobject:
        raise ReadError(path, kind, "contains a pickled/object array (refused: allow_pickle is never enabled)")
    nbytes = math.prod(shape) * dtype.itemsize  # Python ints: a hostile shape cannot overflow to a small size
    if nbytes > limits.array_bytes:
        raise ReadError(path, kind, f"declares {nbytes} bytes of array data, over the {limits.array_bytes}-byte limit")
    if nbytes > available:
        raise ReadError(path, kind, f"truncated array: header declares {nbytes} bytes, file holds at most {available}")
    if shape and shape[0] > limits.feature_frames:
        raise ReadError(path, kind, f"declares {shape[0]} frames (rows), over the {limits.feature_frames}-frame limit")
    buffer = bytearray(nbytes)
    view, filled = memoryview(buffer), 0
    while filled < nbytes and (count := handle.readinto(view[filled:])):
        filled += count
    if filled != nbytes:
        raise ReadError(path, kind, f"truncated array: {filled} of {nbytes} bytes")
    try:
        return np.frombuffer(buffer, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    except ValueError as error:  # e.g. a zero-size dtype
        raise ReadError(path, kind, f"not a valid .npy array: {error}") from None


def read_npy(source: Input, path: str, limits: Limits = DEFAULT_LIMITS, kind: str = "npz") -> np.ndarray:
    """One .npy array (a feature file of the per-modality layout), without pickles and within the size limit."""
    with opened(source, path, kind) as handle:
        available = handle.seek(0, io.SEEK_END)
        handle.seek(0)
        return _read_npy(handle, path, limits, kind, available)


class NpzReader:
    """Key listing and selective reading of one NPZ (a zip of .npy members): only the members asked for are
    decompressed, and each is checked against the limit both by its zip entry and by its .npy header. Before
    any is, the members' declared sizes together are checked against `npz_bytes` (a member never decompresses to
    more than it declares), so the arrays of one file stay within it however many keys the rules read."""

    def __init__(self, source: Input, path: str, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path, self.limits = path, limits
        try:
            self._zip = zipfile.ZipFile(source)
        except _ZIP_ERRORS as error:
            raise ReadError(path, "npz", f"not a readable NPZ (zip): {error}") from None
        self._members: dict[str, zipfile.ZipInfo] = {}
        for info in self._zip.infolist():
            if info.filename.endswith(".npy"):
                self._members.setdefault(info.filename[: -len(".npy")], info)

    def __enter__(self) -> NpzReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._zip.close()

    def keys(self) -> list[str]:
        return list(self._members)

    def read(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """The requested arrays; keys the file lacks are left out of the result."""
        wanted = {key: self._members[key] for key in keys if key in self._members}
        for key, member in wanted.items():
            if member.file_size > self.limits.array_bytes:
                raise ReadError(self.path, "npz", f"{key}: member declares {member.file_size} bytes, over the "
                                                  f"{self.limits.array_bytes}-byte limit")
        declared = sum(member.file_size for member in self._members.values())
        if declared > self.limits.npz_bytes:
            raise ReadError(self.path, "npz", f"its members declare {declared} bytes in all, over the "
                                              f"{self.limits.npz_bytes}-byte limit for one NPZ")
        arrays = {}
        for key, member in wanted.items():
            try:
                with cast(io.BufferedIOBase, self._zip.open(member)) as handle:  # a ZipExtFile, typed IO[bytes]
                    arrays[key] = _read_npy(handle, self.path, self.limits, "npz", member.file_size)
            except ReadError as error:
                raise ReadError(self.path, "npz", f"{key}: {error.reason}") from None
            except _ZIP_ERRORS as error:
                raise ReadError(self.path, "npz", f"{key}: corrupt member: {error}") from None
        return arrays


# --- MP4 -------------------------------------------------------------------------------------------------------


def video_info(source: Input, path: str) -> VideoInfo:
    """Frame count, rate and size from the container; counts packets (no decoding) when the header omits frames."""
    import av  # imported here: loading FFmpeg costs time that audio-only runs need not pay

    with opened(source, path, "mp4") as handle:
        try:
            with av.open(handle, mode="r") as container:
                if not container.streams.video:
                    raise ReadError(path, "mp4", "no video stream")
                stream = container.streams.video[0]
                fps = float(stream.average_rate or stream.guessed_rate or 0)
                frames = stream.frames or sum(1 for packet in container.demux(stream) if packet.size)
                width, height = stream.codec_context.width, stream.codec_context.height
        except ReadError:
            raise
        except av.FFmpegError as error:  # FFmpeg's own words, without the name it was given (a descriptor)
            raise ReadError(path, "mp4", f"not a readable MP4: {error.strerror}") from None
        except Exception as error:  # PyAV raises other error types for damaged containers too
            raise ReadError(path, "mp4", f"not a readable MP4: {error}") from None
    if frames <= 0 or fps <= 0:
        raise ReadError(path, "mp4", "video stream has no frames")
    return VideoInfo(frames, fps, width, height)
