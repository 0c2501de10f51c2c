"""Channel levels shared by the quality rules: the owner's speech level and the channel's noise floor.

The speech level is the ITU-T P.56 active speech level (`siqa.signals.loudness`) of the channel's 16 kHz
audio with everything outside the owner's own-speech frames (acoustic activity) zeroed: the partner's turns
carry bleed, which in the channel of someone who hardly speaks would add to the energy that P.56 divides by
the active time. The former measure, a median of own-speech frame levels, read 2-7 dB under the active level,
by how much depending on speaking style. The noise floor is a low percentile of the non-zero frame levels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siqa.context import RuleContext, Skip
from siqa.dataset.units import Interaction, ParticipantFile
from siqa.signals.activity import FRAME_SAMPLES, FRAME_SECONDS, file_activity
from siqa.signals.audio import ANALYSIS_RATE, at_analysis_rate
from siqa.signals.energy import SILENCE_DBFS
from siqa.signals.loudness import active_speech_level


@dataclass(frozen=True)
class Levels:
    speech_dbfs: float
    noise_dbfs: float

    @property
    def snr_db(self) -> float:
        return self.speech_dbfs - self.noise_dbfs


def own_speech_dbfs(audio16k: np.ndarray, speech: np.ndarray) -> float:
    """P.56 active level of the 16 kHz `audio16k` with the frames that are not own `speech` (a flag per
    10 ms frame) zeroed: P.56's hangover then treats the partner's turns as pauses."""
    keep = np.repeat(speech, FRAME_SAMPLES)[: len(audio16k)]
    return active_speech_level(audio16k[: len(keep)] * keep, ANALYSIS_RATE).dbfs


def channel_levels(pf: ParticipantFile, interaction: Interaction, ctx: RuleContext) -> Levels:
    def compute() -> Levels:
        settings = ctx.signal_settings("levels", pf.site)
        activity = file_activity(pf, interaction.partner_of(pf), ctx)
        own = activity.level_db[activity.speech[: len(activity.level_db)]]
        if own.size * FRAME_SECONDS < settings["min_speech_seconds"]:
            raise Skip(f"{pf.path('wav')}: under {settings['min_speech_seconds']} s of own speech for level statistics")
        levels = activity.level_db[activity.level_db > SILENCE_DBFS]  # digital zeros are dropouts, not the floor
        speech = own_speech_dbfs(at_analysis_rate(pf, ctx.signals), activity.speech)
        return Levels(speech, float(np.percentile(levels, settings["noise_percentile"])))

    return ctx.signals.get("levels", str(pf.file_id), compute)


def each_channel(interaction: Interaction, ctx: RuleContext):
    """(file, levels) for every channel whose levels can be measured; a channel that cannot be is skipped with
    the reason (`RuleContext.skip`), so no channel goes unjudged silently."""
    measured = []
    for pf in interaction.participants:
        if not pf.has("wav"):
            continue
        try:
            measured.append((pf, channel_levels(pf, interaction, ctx)))
        except Skip as skip:
            ctx.skip(pf, str(skip))
    return measured
