"""Batches for the generator's own tests: natural variation (the default), the old narrow generator, and
natural variation carrying the defects whose magnitudes natural variation could otherwise hide."""

from __future__ import annotations

import pytest

from siqa.synth import SynthConfig, SynthResult, generate

EDGE_AND_LEVEL_DEFECTS = """
affected = 1.0
families = ["TS", "RQ"]
[weights]
timing_offset = 0
start_too_late = 0
end_too_early = 0
dropouts = 0
dc_offset = 0
out_of_frame = 0
"""


@pytest.fixture(scope="package")
def natural_batch(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    root = tmp_path_factory.mktemp("natural")
    return generate(root, SynthConfig(sessions=6, interactions_per_session=2, duration=16.0, seed=21,
                                      defects="none"))


@pytest.fixture(scope="package")
def narrow_batch(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    root = tmp_path_factory.mktemp("narrow")
    return generate(root, SynthConfig(layout="tar", sessions=3, interactions_per_session=2, duration=8.0, seed=3,
                                      defects="none", variation="none"))


@pytest.fixture(scope="package")
def defect_batch(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """Every edge and level defect twice (start_too_early, end_too_late, low_snr, clipping, mains_hum,
    loudness_off), on natural variation."""
    root = tmp_path_factory.mktemp("defects")
    profile = root / "edges_and_levels.toml"
    profile.write_text(EDGE_AND_LEVEL_DEFECTS)
    return generate(root / "data", SynthConfig(sessions=6, interactions_per_session=2, duration=12.0, seed=8,
                                               defects=str(profile)))
