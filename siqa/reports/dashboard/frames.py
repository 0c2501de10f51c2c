"""A strip of video frames around a flagged span, for the findings a curator judges by looking.

AV offset (AV001), low tracking validity (IN012), out of frame (RQ007) and moment-of-interest (MO) findings are
about what the camera saw: a few thumbnails across the span, with a little context, show it without a video
player or a video file in the folder. Frames are decoded by PyAV (seeking to the keyframe before each time) and
written as small WebP images.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from siqa.dataset.errors import ReadError
from siqa.dataset.layouts.blob import Blob
from siqa.reports.dashboard.images import webp

VIDEO_CODES = ("AV001", "IN012", "RQ007")
VIDEO_FAMILIES = ("MO",)
FRAMES = 6
THUMB_WIDTH = 160


def wants_frames(code: str) -> bool:
    return code in VIDEO_CODES or code.rstrip("0123456789") in VIDEO_FAMILIES


@dataclass(frozen=True)
class Thumb:
    time: float  # seconds, of the frame shown
    image: bytes  # WebP


def times(start: float, end: float, count: int = FRAMES) -> list[float]:
    """`count` evenly spaced times from `start` to `end` (one, at the middle, for an instant)."""
    if end - start < 1e-3 or count == 1:
        return [(start + end) / 2]
    return [float(t) for t in np.linspace(start, end, count)]


def thumbnails(video: Blob, moments: list[float], width: int = THUMB_WIDTH) -> list[Thumb]:
    """The first frame at or after each moment, scaled to `width` pixels; ReadError when the MP4 cannot be
    decoded. Moments past the end give the last frame, once."""
    import av  # loading FFmpeg costs time that pages without video need not pay

    out: list[Thumb] = []
    with video.open("mp4") as handle:
        try:
            with av.open(handle, mode="r") as container:
                if not container.streams.video:
                    raise ReadError(video.display, "mp4", "no video stream")
                stream = container.streams.video[0]
                stream.thread_count = 1  # FFmpeg's thread pools do not survive the fork of parallel builds
                for moment in moments:
                    frame = _frame_at(container, stream, moment)
                    if frame is not None and not (out and out[-1].time == float(frame.time or 0.0)):
                        height = max(2, round(frame.height * width / max(1, frame.width)))
                        rgb = frame.to_ndarray(format="rgb24", width=width, height=height, threads=1)
                        out.append(Thumb(float(frame.time or 0.0), webp(rgb)))
        except ReadError:
            raise
        except (av.FFmpegError, ValueError, OSError) as error:  # a damaged container
            raise ReadError(video.display, "mp4", f"frames not decodable: {error}") from None
    return out


def _frame_at(container: Any, stream: Any, moment: float) -> Any:  # PyAV's classes, imported late
    container.seek(max(0, int(moment / stream.time_base)), stream=stream, backward=True)
    last = None
    for frame in container.decode(stream):
        last = frame
        if frame.time is not None and frame.time >= moment - 0.5 / float(stream.average_rate or 30):
            return frame
    return last
