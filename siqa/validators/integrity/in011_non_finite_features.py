from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from siqa.context import RuleContext
from siqa.dataset.schema import FPS
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule


@rule("IN011", "non-finite-features", scope=Scope.FILE, severity=Severity.ERROR, reads=("npz",))
def non_finite_features(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """NaN or infinite values in NPZ feature arrays.

    ## What it detects
    Floating-point arrays of the NPZ holding NaN or +/-Inf, per key, with the frames affected.

    ## Why it matters
    One NaN propagates through a loss and ruins a training step; tracking failures often surface this way.

    ## Evidence
    `keys` (per key: count of non-finite values and the first and last frame), `frames` affected overall.
    """
    if not pf.has("npz"):
        return
    floating = {k: a for k, a in pf.features(*pf.npz_keys()).items()
                if np.issubdtype(a.dtype, np.floating) and a.ndim > 0}
    bad_frames = np.zeros(max((len(a) for a in floating.values()), default=0), dtype=bool)
    per_key = {}
    for key, array in sorted(floating.items()):
        frame_bad = ~np.isfinite(array.reshape(len(array), -1)).all(axis=1)
        if frame_bad.any():
            frames = np.flatnonzero(frame_bad)
            per_key[key] = {"count": int((~np.isfinite(array)).sum()), "first_frame": int(frames[0]),
                            "last_frame": int(frames[-1])}
            bad_frames[: len(frame_bad)] |= frame_bad
    if per_key:
        first = min(v["first_frame"] for v in per_key.values())
        last = max(v["last_frame"] for v in per_key.values())
        yield ctx.report(pf, f"{pf.path('npz')}: non-finite values in {', '.join(per_key)}", path=pf.path("npz"),
                         span=(first / FPS, (last + 1) / FPS),
                         evidence={"keys": per_key, "frames": int(bad_frames.sum())})
