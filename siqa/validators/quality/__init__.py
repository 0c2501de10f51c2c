"""Recording-quality rules (`RQ`): noise, clipping, dropouts, DC offset, hum, loudness, framing.

Importing this package registers every rule module in it (the `quality` entry point of `siqa.validators`).
"""

from siqa.validators.quality import (  # noqa: F401
    rq001_low_snr,
    rq002_clipping,
    rq003_dropouts,
    rq004_dc_offset,
    rq005_mains_hum,
    rq006_loudness,
    rq007_out_of_frame,
)
