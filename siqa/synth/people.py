"""Participants who come back across sessions with the same voice and the same visual identity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siqa.synth.speech import Voice

VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5")
IDENTITY_DIMS = 64


@dataclass(frozen=True)
class Person:
    number: int  # participant id number (P%04d)
    voice: Voice
    identity: tuple[float, ...]  # visual identity vector (hypernet features / head encodings come from it)
    bfi: tuple[float, ...]  # BFI-2 domain scores

    @property
    def participant_id(self) -> str:
        return f"P{self.number:04d}"


def people_pool(size: int, seed: int) -> list[Person]:
    """The same seed gives the same people in every batch, so identity checks can span batches."""
    rng = np.random.default_rng([seed, 7919])
    pool = []
    for i in range(size):
        voice = Voice(VARIANTS[i % len(VARIANTS)], int(rng.integers(20, 80)), int(rng.integers(140, 185)))
        identity = rng.normal(0.0, 1.0, IDENTITY_DIMS)
        pool.append(Person(100 + i, voice, tuple(np.round(identity, 4)), tuple(np.round(rng.uniform(1, 5, 5), 2))))
    return pool
