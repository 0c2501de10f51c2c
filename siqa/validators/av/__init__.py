"""Audio-video sync rules (`AV`): mouth motion against the speech envelope, frame-count drift.

Importing this package registers every rule module in it (the `av` entry point of `siqa.validators`).
"""

from siqa.validators.av import av001_av_offset, av002_frame_drift  # noqa: F401
