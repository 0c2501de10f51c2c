"""Identity-store rows of a synthetic release, drawn without audio: for comparing 100,000 files at scale, and
for tests of the comparison that need many people.

People are drawn like `siqa.synth.people` draws them (a unit-spread identity per signal) and sessions like the
synthetic recordings vary (`APPEARANCE_SPREAD` for the face, a similar spread for the voice), plus a little
per-file noise. Sites cycle per session. Id errors are injected with the generator's two kinds and recorded
with the same fields as `ground_truth.jsonl` (`id_shared`: someone under another recurring person's id;
`id_split`: someone under a new id).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from siqa.synth.features import APPEARANCE_SPREAD

VOICE_DIMS, VISUAL_DIMS = 40, 80  # as the default voice backend and the default visual keys
SITES = ("V00", "V01", "V02")


@dataclass(frozen=True)
class DrawnRelease:
    rows: pd.DataFrame  # identity-store rows (siqa.identity.store columns)
    truth: list[dict]


def draw_release(
    files: int,
    people: int,
    interactions: int = 2,
    error_share: float = 0.02,
    seed: int = 0,
    file_noise: float = 0.2,
) -> DrawnRelease:
    """About `files` rows: sessions of two people with `interactions` files each."""
    rng = np.random.default_rng(seed)
    sessions = max(1, files // (2 * interactions))
    first = rng.integers(people, size=sessions)
    pairs = np.stack([first, (first + rng.integers(1, people, size=sessions)) % people], axis=1)  # two people
    written = pairs.copy()
    truth = []
    for k, session in enumerate(
        rng.choice(sessions, min(sessions, int(error_share * people)), replace=False)
    ):
        slot = int(rng.integers(2))
        if k % 2 == 0:
            others = np.setdiff1d(np.arange(people), pairs[session])
            written[session, slot], kind = int(rng.choice(others)), "id_shared"
        else:
            written[session, slot], kind = people + 1 + k, "id_split"
        truth.append(
            {
                "family": "ID",
                "defect": kind,
                "scope": "session",
                "site": SITES[session % len(SITES)],
                "session_key": _session_key(int(session)),
                "details": {
                    "person": _pid(int(pairs[session, slot])),
                    "written_id": _pid(int(written[session, slot])),
                },
            }
        )
    file_session = np.repeat(np.arange(sessions), 2 * interactions)
    file_slot = np.tile(np.repeat([0, 1], interactions), sessions)
    person = pairs[file_session, file_slot]
    vectors = {}
    for signal, dims in (("voice", VOICE_DIMS), ("visual", VISUAL_DIMS)):
        identity = rng.normal(0, 1, (people, dims))
        look = rng.normal(0, APPEARANCE_SPREAD, (sessions, 2, dims))
        drawn = identity[person] + look[file_session, file_slot] + rng.normal(0, file_noise, (len(person), dims))
        vectors[signal] = list(drawn.astype(np.float32))
    keys = [_session_key(int(s)) for s in file_session]
    number = file_session * 100 + np.tile(np.arange(2 * interactions) % interactions, sessions)
    interaction = [f"{k}_I{n:08d}" for k, n in zip(keys, number)]
    ids = [_pid(int(p)) for p in written[file_session, file_slot]]
    rows = pd.DataFrame(
        {
            "file_id": [f"{i}_{p}" for i, p in zip(interaction, ids)],
            "participant_id": ids,
            "session_key": keys,
            "interaction_key": interaction,
            "site": [k[:3] for k in keys],
            "batch": "improvised/dev/0000",
            "digest": "drawn",
            "voice": vectors["voice"],
            "voice_space": "drawn-voice",
            "voice_seconds": 10.0,
            "visual": vectors["visual"],
            "visual_space": "drawn-visual",
            "visual_frames": 300,
        }
    )
    return DrawnRelease(rows, truth)


def _session_key(session: int) -> str:
    return f"{SITES[session % len(SITES)]}_S{session + 1:06d}"


def _pid(number: int) -> str:
    return f"P{number + 100:05d}"
