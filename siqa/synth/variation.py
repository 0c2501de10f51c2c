"""Natural variation: how recordings that are not defective still differ, drawn reproducibly from the seed.

Rules judged against the generator's own narrow habits (one loudness, one-sentence turns, short edges, speakers
who repeat the prompt's words) fail on real recordings. `NATURAL` widens every such habit to what real rooms and
people do; defects are injected on top of it and stay outside it (`siqa.synth.defects` says by how much).
`NONE` is the old narrow generator, draw for draw: a clean batch of a seed is byte for byte what it always was
(defects carry their new magnitudes in both).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Variation:
    name: str
    # levels (dB)
    person_level_sd_db: float  # a person's loudness, kept across sessions
    file_level_sd_db: float  # one recording's microphone placement, on top of the person's
    level_limit_db: float  # the person and file offsets together stay within +-this
    site_gain_db: float  # a site's calibration, uniform in +-this
    headroom_db: float  # speech sits this far below the site's nominal level, so that loud voices fit
    peak_ceiling: float | None  # no clean channel sample above this (None: unguarded, as before)
    # timing (s)
    lead_in: tuple[float, float]  # before the first word
    tail: tuple[float, float]  # after the last word
    edge_share: float  # a lead-in or tail is at most this share of the interaction ...
    end_margin: float  # the last word ends at least this long before the interaction's length
    gap: tuple[float, float]  # between turns
    gap_share: float  # ... a gap this share ...
    turn: tuple[float, float]  # how long a turn runs, log-uniform; (0, 0): one sentence
    turn_share: float  # ... and a turn this share: a short interaction still holds a conversation
    pause: tuple[float, float]  # between the sentences of one turn
    switch: float  # chance that the other person takes the next turn
    fit_tries: int  # sentences tried where one would run past the end, before the talk stops
    # talk and voices
    paraphrase: bool  # say the topic in other words than the prompt's (else `topics.sentence`)
    accents: tuple[str, ...]  # espeak-ng English voices a person may have; empty: en-us as before
    rate_wpm: tuple[int, int]  # a person's speaking rate
    rate_jitter: float  # a turn's rate within +-this share of the person's
    # sounds and rooms
    breath_chance: float  # share of turns that a breath precedes
    laughs_per_minute: float
    bursts_per_minute: float  # door, cough, keyboard
    room_tone: bool  # coloured room tone (and a site's hum) instead of white noise

    def edge(self, bounds: tuple[float, float], duration: float, rng: np.random.Generator) -> float:
        """A lead-in or tail: uniform in `bounds`, shortened to `edge_share` of a short interaction."""
        return _within(bounds, self.edge_share * duration, rng)

    def gap_seconds(self, duration: float, rng: np.random.Generator) -> float:
        """Silence between turns: uniform in `gap`, shortened to `gap_share` of a short interaction."""
        return _within(self.gap, self.gap_share * duration, rng)

    def turn_seconds(self, duration: float, rng: np.random.Generator) -> float:
        """How long the next turn runs (0: a single sentence; no draw then)."""
        low, high = self.turn
        if high <= 0:
            return 0.0
        return min(float(np.exp(rng.uniform(np.log(low), np.log(high)))), max(low, self.turn_share * duration))

    def file_offset_db(self, person_db: float, rng: np.random.Generator) -> float:
        """A recording's level offset: the person's plus the microphone placement's, bounded."""
        if self.file_level_sd_db <= 0:
            return person_db
        jitter = float(rng.normal(0.0, self.file_level_sd_db))
        return float(np.clip(person_db + jitter, -self.level_limit_db, self.level_limit_db))

    def site_gains(self, sites: list[str], seed: int) -> dict[str, float]:
        """Each site's calibration offset (dB): the same for a seed in every batch, as a site's is."""
        if self.site_gain_db <= 0:
            return {site: 0.0 for site in sites}
        rng = np.random.default_rng([seed, 104_729])
        return {site: float(rng.uniform(-self.site_gain_db, self.site_gain_db)) for site in sites}


def _within(bounds: tuple[float, float], most: float, rng: np.random.Generator) -> float:
    low, high = bounds
    return float(rng.uniform(low, min(high, max(low, most))))


NONE = Variation(
    "none", person_level_sd_db=0.0, file_level_sd_db=0.0, level_limit_db=0.0, site_gain_db=0.0, headroom_db=0.0,
    peak_ceiling=None, lead_in=(0.4, 1.0), tail=(0.4, 1.0), edge_share=1.0, end_margin=0.5, gap=(0.25, 0.8),
    gap_share=1.0, turn=(0.0, 0.0), turn_share=1.0, pause=(0.0, 0.0), switch=0.8, fit_tries=1, paraphrase=False,
    accents=(),
    rate_wpm=(140, 185), rate_jitter=0.0, breath_chance=0.0, laughs_per_minute=0.0, bursts_per_minute=0.0,
    room_tone=False)

NATURAL = Variation(
    "natural", person_level_sd_db=4.0, file_level_sd_db=1.5, level_limit_db=10.0, site_gain_db=4.0,
    headroom_db=8.0, peak_ceiling=0.9, lead_in=(0.3, 3.0), tail=(0.3, 3.0), edge_share=0.1, end_margin=0.3,
    gap=(0.2, 2.0), gap_share=0.08, turn=(2.0, 30.0), turn_share=0.3, pause=(0.1, 0.5), switch=1.0, fit_tries=8,
    paraphrase=True,
    accents=("en-us", "en", "en-gb-scotland", "en-029", "en-us-nyc", "en-gb-x-rp"), rate_wpm=(130, 210),
    rate_jitter=0.08, breath_chance=0.35, laughs_per_minute=2.0, bursts_per_minute=3.0, room_tone=True)

VARIATIONS: dict[str, Variation] = {v.name: v for v in (NATURAL, NONE)}
