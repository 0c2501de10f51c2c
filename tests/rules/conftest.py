"""Per-rule fixtures (`siqa.testing`): each family module builds its small batch once and checks every case
against its snapshot under `snapshots/` (`SIQA_UPDATE_SNAPSHOTS=1` rewrites them); `batch` builds the module's
`SPEC`. `clean_batch`, shared by the
modules, is the negative fixture of rules judged per batch or per session: one session, no defect, in tars."""

from __future__ import annotations

from pathlib import Path

import pytest

from siqa.testing import Built, Spec, build

SNAPSHOTS = Path(__file__).parent / "snapshots"
CLEAN_SPEC = Spec(clean=3, interactions=3, seed=2, duration=8.0, layout="tar")


@pytest.fixture(scope="module")
def batch(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The batch the test module's `SPEC` declares, built once per module."""
    return build(request.module.SPEC, tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]))


@pytest.fixture(scope="session")
def clean_batch(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(CLEAN_SPEC, tmp_path_factory.mktemp("clean-rules"))

# every transcript and prompt defect, with the bundled Whisper tiny model (ASR is the costly part: one batch,
# shared by test_transcript.py and test_prompts.py); the narrow generator, whose words the tiny model hears
SPEECH_SPEC = Spec(defects=("transcript_substitution", "transcript_deletion", "transcript_without_speech",
                            "speech_without_transcript", "prompt_mismatch"),
                   clean=7, interactions=4, session_defects=0.34, seed=5, duration=10.0)


@pytest.fixture(scope="session")
def speech_batch(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(SPEECH_SPEC, tmp_path_factory.mktemp("speech-rules"))
