from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext, Skip
from siqa.dataset.units import Interaction
from siqa.findings import Finding, Scope, Severity
from siqa.identity.fingerprint import CHANNEL, fingerprint
from siqa.identity.voice_backends import voice_backend
from siqa.registry import Setting, rule

SETTINGS = {
    "voice_backend": Setting("mfcc-pitch", "mfcc-pitch (offline MFCC and pitch statistics, no model) or onnx (a "
                                         "speaker-embedding model at onnx_model)"),
    "onnx_model": Setting("", "local path of the ONNX model (voice_backend = onnx): log-mel fbank in, "
                              "embedding out"),
    "min_voice_seconds": Setting(1.0, "own speech (partner's bleed gated out) needed for a voice vector"),
    "visual_keys": Setting(["movement:hypernet_features", "movement:head_encodings"],
                           "NPZ features averaged over valid frames into the visual vector"),
    "min_visual_frames": Setting(30, "valid tracking frames needed for a visual vector"),
}


@rule("ID004", "identity-fingerprint", scope=Scope.INTERACTION, severity=Severity.INFO, reads=("wav", "npz"),
      settings=SETTINGS)
def identity_fingerprint(interaction: Interaction, ctx: RuleContext) -> Iterator[Finding]:
    """Voice and face fingerprint of every participant file, for the release-wide identity checks.

    ## What it does
    Reports nothing itself. For each participant file it computes a voice vector from the participant's own
    speech only (the shared activity signal gates out the partner's bleed) and a visual vector (the per-file
    means of NPZ face features over valid tracking frames), and hands them to the identity store
    (`<out>/identity/fingerprints.parquet`). ID001 and ID002 compare every stored file with every other once
    the audit's sessions are done, and `siqa identity` does so over the stores of many audits.

    ## Why it matters
    People come back across sessions and batches, so id errors only show across the whole release; computing
    the fingerprints while each file's audio is already decoded means the release-wide pass never decodes
    audio.

    ## Evidence
    The store row: `voice` (vector), `voice_space` (backend), `voice_seconds` (own speech used), `visual`,
    `visual_space` (feature keys), `visual_frames`, and the file's content digest.

    ## Thresholds
    `voice_backend`: `mfcc-pitch` (MFCC and pitch statistics, offline, no model) or onnx (a neural
    speaker-embedding model at `onnx_model`, a local path); `min_voice_seconds`: own speech needed for a voice
    vector; `visual_keys`: NPZ features averaged into the visual vector; `min_visual_frames`: valid frames
    needed.
    """
    backend = voice_backend(ctx.settings)
    keys, min_frames = tuple(ctx.settings.visual_keys), int(ctx.settings.min_visual_frames)
    empty = []
    for pf in interaction.participants:
        record = fingerprint(pf, interaction.partner_of(pf), ctx, backend, keys, min_frames)
        ctx.measure(pf, "own_speech_seconds", record["voice_seconds"])
        if record["voice"] is None and record["visual"] is None:
            empty.append(f"{pf.file_id}: too little own speech ({record['voice_seconds']:.1f} s) and "
                         f"tracking ({record['visual_frames']} frames) for a fingerprint")
            continue
        ctx.collect(CHANNEL, record)
    if empty:
        raise Skip("; ".join(empty))
    return iter(())
