"""Small still images for the pages (spectrogram bands, video thumbnails) encoded as WebP by PyAV's libwebp.

PyAV is already a dependency (it reads the MP4s), so no imaging package is added; WebP is a fraction of PNG's
size for these pictures, and every browser the dashboard supports shows it.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

QUALITY = 80


def webp(rgb: np.ndarray, quality: int = QUALITY) -> bytes:
    """An (height, width, 3) uint8 RGB array as a WebP image (lossy; even sizes are not required)."""
    import av  # loading FFmpeg costs time that pages without pictures need not pay

    height, width = rgb.shape[:2]
    codec = av.CodecContext.create("libwebp", "w")
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    codec.time_base = Fraction(1, 1)
    codec.options = {"quality": str(quality)}
    codec.thread_count = 1
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb, dtype=np.uint8), format="rgb24")
    # one thread: FFmpeg's thread pools do not survive the fork that builds pages in parallel (a forked worker
    # waited forever on a pool the parent had started)
    packets = [*codec.encode(frame.reformat(format="yuv420p", threads=1)), *codec.encode(None)]
    return b"".join(bytes(packet) for packet in packets)
