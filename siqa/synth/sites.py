"""Recording sites (vendors) and their quality profiles: the residual bleed, noise, room and framing of each site."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SiteProfile:
    site: str
    bleed_db: float  # partner's level in one's own channel, relative to the partner's own channel
    bleed_lag_ms: float
    noise_dbfs: float  # room tone level (white noise without natural variation)
    speech_dbfs: float  # typical speech level
    invalid_frame_ratio: float  # share of frames where tracking is lost (clean files stay well above IN012)
    tone_corner_hz: float = 4000.0  # the room tone is pink noise rolled off above this: low, rumbling rooms
    hum_hz: float = 0.0  # a weak natural mains hum (0: none), an old room's wiring ...
    hum_prominence_db: float = 0.0  # ... this far over the room tone around it (Welch, 1 Hz resolution)


SITES: tuple[SiteProfile, ...] = (
    SiteProfile("V00", bleed_db=-38.0, bleed_lag_ms=1.5, noise_dbfs=-68.0, speech_dbfs=-20.0, invalid_frame_ratio=0.01,
                tone_corner_hz=6000.0),
    SiteProfile("V01", bleed_db=-33.0, bleed_lag_ms=2.5, noise_dbfs=-62.0, speech_dbfs=-22.0, invalid_frame_ratio=0.03,
                tone_corner_hz=1500.0),
    SiteProfile("V02", bleed_db=-35.0, bleed_lag_ms=3.5, noise_dbfs=-56.0, speech_dbfs=-18.0, invalid_frame_ratio=0.06,
                tone_corner_hz=300.0, hum_hz=50.0, hum_prominence_db=12.0),
)
