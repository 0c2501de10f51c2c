"""One participant file's identity fingerprint: its voice and visual vectors and what they rest on.

The record is plain JSON (lists of floats) because it travels the way findings do: back from a worker (local
or Ray), into the result cache, and into the identity store, where the release-wide comparison reads it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from siqa.context import RuleContext
from siqa.dataset.errors import ReadError
from siqa.dataset.units import ParticipantFile
from siqa.identity.visual import visual_print
from siqa.identity.voice import VoiceBackend
from siqa.signals.activity import FRAME_SECONDS, file_activity
from siqa.signals.audio import at_analysis_rate

CHANNEL = "identity"  # the RuleContext.collect channel the release-wide pass reads


def content_digest(pf: ParticipantFile, modalities: Sequence[str] = ("wav", "npz")) -> str:
    """Changes when the bytes a fingerprint rests on change (the store replaces a file's row then)."""
    parts = []
    for modality in modalities:
        try:
            parts.append(pf.source.content_digest(modality) if pf.has(modality) else "absent")
        except ReadError as error:
            parts.append(f"unreadable:{error.reason}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def fingerprint(pf: ParticipantFile, partner: ParticipantFile | None, ctx: RuleContext, backend: VoiceBackend,
                visual_keys: Sequence[str], min_visual_frames: int) -> dict[str, Any]:
    """The file's fingerprint record; a signal that cannot be computed (unreadable, too little own speech or
    tracking) is None, and the comparison uses the other."""
    voice, voice_seconds = None, 0.0
    if pf.has("wav"):
        try:
            own = file_activity(pf, partner, ctx).speech
            voice_seconds = float(own.sum()) * FRAME_SECONDS
            voice = backend.embed(at_analysis_rate(pf, ctx.signals), own)
        except ReadError:
            pass
    visual, frames = None, 0
    if pf.has("npz"):
        try:
            found = visual_print(pf, visual_keys, min_visual_frames)
            visual, frames = found.vector, found.frames
        except ReadError:
            pass
    fid = pf.file_id
    return {"file_id": str(fid), "participant_id": fid.participant_id, "session_key": fid.session_key,
            "interaction_key": fid.interaction_key, "site": fid.site, "batch": ctx.batch.name,
            "digest": content_digest(pf), "voice": None if voice is None else [float(v) for v in voice],
            "voice_space": backend.name, "voice_seconds": round(voice_seconds, 2),
            "visual": None if visual is None else [float(v) for v in visual],
            "visual_space": "+".join(visual_keys), "visual_frames": frames}
