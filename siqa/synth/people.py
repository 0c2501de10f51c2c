"""Participants who come back across sessions with the same voice, loudness and visual identity."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from siqa.synth.speech import Voice
from siqa.synth.variation import NATURAL, Variation

VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5")
NATURAL_VARIANTS = (*VARIANTS, "m8", "Andy", "annie", "benjamin", "linda", "max", "grandma", "adam", "belinda",
                    "david", "john", "michel")
"""espeak-ng voice variants that still sound like a person (the engine also has robots and croaks)."""
IDENTITY_DIMS = 64


@dataclass(frozen=True)
class Person:
    number: int  # participant id number (P%04d)
    voice: Voice
    identity: tuple[float, ...]  # visual identity vector (hypernet features / head encodings come from it)
    bfi: tuple[float, ...]  # BFI-2 domain scores
    level_db: float = 0.0  # how much louder (or quieter) than the site's typical speech this person talks

    @property
    def participant_id(self) -> str:
        return f"P{self.number:04d}"


def people_pool(size: int, seed: int, variation: Variation = NATURAL) -> list[Person]:
    """The same seed gives the same people in every batch, so identity checks can span batches. Natural voices
    and loudness come from a stream of their own: identities and BFI scores are the same in every variation."""
    rng = np.random.default_rng([seed, 7919])
    pool = []
    for i in range(size):
        voice = Voice(VARIANTS[i % len(VARIANTS)], int(rng.integers(20, 80)), int(rng.integers(140, 185)))
        identity = rng.normal(0.0, 1.0, IDENTITY_DIMS)
        pool.append(Person(100 + i, voice, tuple(np.round(identity, 4)), tuple(np.round(rng.uniform(1, 5, 5), 2))))
    return [_natural(p, variation, rng) for p, rng in zip(pool, np.random.default_rng([seed, 7919, 1]).spawn(size))]


def _natural(person: Person, variation: Variation, rng: np.random.Generator) -> Person:
    if variation.accents:
        person = replace(person, voice=replace(
            person.voice, language=str(rng.choice(variation.accents)), variant=str(rng.choice(NATURAL_VARIANTS)),
            rate=int(rng.integers(variation.rate_wpm[0], variation.rate_wpm[1] + 1))))
    if variation.person_level_sd_db > 0:
        offset = rng.normal(0.0, variation.person_level_sd_db)
        person = replace(person, level_db=round(float(np.clip(offset, -variation.level_limit_db,
                                                               variation.level_limit_db)), 2))
    return person
