"""Small real H.264 MP4s (PyAV wheels carry the codec): a cheap moving pattern, one frame per 1/30 s."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from siqa.dataset.schema import FPS

WIDTH, HEIGHT = 64, 48


def write_mp4(path: Path, frames: int, seed: int) -> None:
    import av

    base = np.random.default_rng(seed).integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=int(FPS))
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "35"}
        for i in range(frames):
            image = np.roll(base, i % WIDTH, axis=1)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
