"""Safe decoders shared by every layout: bytes in, arrays and records out, ReadError for anything else.

Input is untrusted (27 TB from several vendors): every decoder bounds what it reads, never unpickles
(`allow_pickle` is never enabled), and turns every failure into a ReadError that names the file.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import IO, Any, Iterable

import numpy as np
import soundfile as sf

from siqa.dataset.errors import ReadError
from siqa.dataset.units import Audio, AudioInfo, VideoInfo

MAX_FILE_BYTES = 4 << 30
MAX_JSON_BYTES = 256 << 20
MAX_JSON_DEPTH = 64
MAX_ARRAY_BYTES = 2 << 30

Readable = IO[bytes]


def _riff_data_chunk(handle: Readable) -> tuple[int, int] | None:
    """Offset and declared size of a RIFF/WAVE `data` chunk, or None when the file is not plain RIFF."""
    handle.seek(0)
    header = handle.read(12)
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        return None
    position = 12
    while True:
        chunk = handle.read(8)
        if len(chunk) < 8:
            return None
        size = int.from_bytes(chunk[4:], "little")
        if chunk[:4] == b"data":
            return position + 8, size
        position += 8 + size + (size & 1)
        handle.seek(position)


def audio_info(handle: Readable, path: str, size: int) -> AudioInfo:
    """Header facts. libsndfile quietly shortens a truncated file, so the `data` chunk's declared size is
    checked against the bytes present: a shorter file is reported as truncated, not read as shorter audio."""
    data = _riff_data_chunk(handle)
    if data is not None and data[1] != 0xFFFFFFFF and data[0] + data[1] > size:
        raise ReadError(path, "wav", f"truncated: the data chunk declares {data[1]} bytes, "
                                     f"the file holds {max(0, size - data[0])}")
    handle.seek(0)
    try:
        info = sf.info(handle)
    except Exception as error:  # soundfile raises several types for bad headers
        raise ReadError(path, "wav", f"not a readable WAV: {error}") from None
    if info.frames <= 0 or info.samplerate <= 0 or info.channels <= 0:
        raise ReadError(path, "wav", "header declares no audio")
    return AudioInfo(info.samplerate, info.channels, info.frames, info.subtype)


def read_audio(handle: Readable, path: str, size: int) -> Audio:
    info = audio_info(handle, path, size)
    handle.seek(0)
    try:
        samples, _ = sf.read(handle, dtype="float32", always_2d=False)
    except Exception as error:
        raise ReadError(path, "wav", f"cannot decode samples: {error}") from None
    if len(samples) != info.frames:
        raise ReadError(path, "wav", f"truncated: header declares {info.frames} frames, decoded {len(samples)}")
    return Audio(samples, info, path)


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of a parsed JSON value, iteratively (no recursion limit to hit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def parse_json(data: bytes, path: str) -> Any:
    if len(data) > MAX_JSON_BYTES:
        raise ReadError(path, "json", f"{len(data)} bytes exceeds the {MAX_JSON_BYTES}-byte limit")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ReadError(path, "json", f"not UTF-8: {error}") from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise ReadError(path, "json", f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    except json.JSONDecodeError as error:
        raise ReadError(path, "json", f"malformed JSON: {error}") from None
    if _depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise ReadError(path, "json", f"nested deeper than {MAX_JSON_DEPTH} levels")
    return value


def parse_json_object(data: bytes, path: str) -> dict[str, Any]:
    value = parse_json(data, path)
    if not isinstance(value, dict):
        raise ReadError(path, "json", f"expected a JSON object, found {type(value).__name__}")
    return value


def parse_jsonl(data: bytes, path: str) -> list[Any]:
    """JSON Lines (the per-modality layout's transcript and VAD files): one value per non-empty line."""
    return [parse_json(line, f"{path} line {n}") for n, line in enumerate(data.splitlines(), 1) if line.strip()]


def read_npy(handle: Readable, path: str, kind: str = "npz") -> np.ndarray:
    """One .npy array, refusing pickles and declared sizes beyond the limit before allocating anything."""
    try:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
        else:  # 2.0 and 3.0 share the 4-byte header length (3.0 only allows UTF-8 field names)
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
    except Exception as error:
        raise ReadError(path, kind, f"not a valid .npy array: {error}") from None
    if dtype.hasobject:
        raise ReadError(path, kind, "contains a pickled/object array (refused: allow_pickle is never enabled)")
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if count * dtype.itemsize > MAX_ARRAY_BYTES:
        raise ReadError(path, kind, f"declares {count * dtype.itemsize} bytes, over the {MAX_ARRAY_BYTES} limit")
    data = handle.read(count * dtype.itemsize)
    if len(data) != count * dtype.itemsize:
        raise ReadError(path, kind, f"truncated array: {len(data)} of {count * dtype.itemsize} bytes")
    array = np.frombuffer(data, dtype=dtype)
    return array.reshape(shape, order="F" if fortran else "C")


class NpzReader:
    """Key listing and selective reading of an NPZ held in memory or on disk (zip members by name)."""

    def __init__(self, source: str | bytes, path: str) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise ReadError(path, "npz", f"not a readable NPZ (zip): {error}") from None

    def keys(self) -> list[str]:
        return [n[:-4] for n in self._zip.namelist() if n.endswith(".npy")]

    def read(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        arrays = {}
        for key in keys:
            member = self._zip.getinfo(f"{key}.npy")
            if member.file_size > MAX_ARRAY_BYTES:
                raise ReadError(self.path, "npz", f"{key}: declares {member.file_size} bytes, over the limit")
            try:
                with self._zip.open(member) as handle:
                    arrays[key] = read_npy(handle, f"{self.path}:{key}")
            except ReadError:
                raise
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
                raise ReadError(self.path, "npz", f"{key}: corrupt member: {error}") from None
        return arrays

    def close(self) -> None:
        self._zip.close()


def video_info(handle: Readable | str, path: str) -> VideoInfo:
    """Frame count, rate and size from the container; counts packets (no decoding) when the header omits frames."""
    import av

    try:
        with av.open(handle, mode="r") as container:
            if not container.streams.video:
                raise ReadError(path, "mp4", "no video stream")
            stream = container.streams.video[0]
            fps = float(stream.average_rate or stream.guessed_rate or 0)
            frames = stream.frames or sum(1 for p in container.demux(stream) if p.size)
            width, height = stream.codec_context.width, stream.codec_context.height
    except ReadError:
        raise
    except Exception as error:  # PyAV raises many error types for damaged containers
        raise ReadError(path, "mp4", f"not a readable MP4: {error}") from None
    if frames <= 0 or fps <= 0:
        raise ReadError(path, "mp4", "video stream has no frames")
    return VideoInfo(frames, fps, width, height)
