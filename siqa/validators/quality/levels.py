"""Channel levels shared by the quality rules: the owner's speech level and the channel's noise floor.

The speech level is the median level of the owner's own-speech frames (acoustic activity, which leaves the
partner's bleed out): a percentile of all frames would measure the bleed in the channel of someone who hardly
speaks. The noise floor is a low percentile of the non-zero frame levels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siqa.context import RuleContext, Skip
from siqa.dataset.units import Interaction, ParticipantFile
from siqa.signals.activity import FRAME_SECONDS, file_activity
from siqa.signals.energy import SILENCE_DBFS


@dataclass(frozen=True)
class Levels:
    speech_dbfs: float
    noise_dbfs: float

    @property
    def snr_db(self) -> float:
        return self.speech_dbfs - self.noise_dbfs


def channel_levels(pf: ParticipantFile, interaction: Interaction, ctx: RuleContext) -> Levels:
    def compute() -> Levels:
        settings = ctx.signal_settings("levels", pf.site)
        activity = file_activity(pf, interaction.partner_of(pf), ctx)
        own = activity.level_db[activity.speech[: len(activity.level_db)]]
        if own.size * FRAME_SECONDS < settings["min_speech_seconds"]:
            raise Skip(f"{pf.path('wav')}: under {settings['min_speech_seconds']} s of own speech for level statistics")
        levels = activity.level_db[activity.level_db > SILENCE_DBFS]  # digital zeros are dropouts, not the floor
        return Levels(float(np.median(own)), float(np.percentile(levels, settings["noise_percentile"])))

    return ctx.signals.get("levels", str(pf.file_id), compute)


def each_channel(interaction: Interaction, ctx: RuleContext):
    """(file, levels) for every channel whose levels can be measured; raises Skip when none can."""
    measured, reasons = [], []
    for pf in interaction.participants:
        if not pf.has("wav"):
            continue
        try:
            measured.append((pf, channel_levels(pf, interaction, ctx)))
        except Skip as skip:
            reasons.append(str(skip))
    if not measured and reasons:
        raise Skip("; ".join(reasons))
    return measured
