"""The voice backend a rule set names: the offline default, or a neural model in ONNX. Apart from the backends
themselves (`voice`, `onnx_voice`), so that each imports only the shared protocol and never the other."""

from __future__ import annotations

from siqa.config import ConfigError, RuleSettings
from siqa.identity.voice import MfccPitchVoice, VoiceBackend
from siqa.signals.activity import FRAME_SECONDS


def voice_backend(settings: RuleSettings) -> VoiceBackend:
    """The backend a rule set names: `voice_backend = "mfcc-pitch"`, or `"onnx"` with `onnx_model`."""
    kind = settings.get("voice_backend")
    min_frames = round(settings.get("min_voice_seconds") / FRAME_SECONDS)
    if kind == "mfcc-pitch":
        return MfccPitchVoice(min_frames=min_frames)
    if kind == "onnx":
        from siqa.identity.onnx_voice import onnx_voice  # onnxruntime, an extra, only when asked for

        return onnx_voice(str(settings.get("onnx_model")), min_frames)
    raise ConfigError(f"{settings.code}: unknown voice_backend {kind!r} (mfcc-pitch or onnx)")
