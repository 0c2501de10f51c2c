"""In-memory drafts of what will be written: defects edit drafts, writers serialise them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from siqa.dataset.ids import FileId
from siqa.dataset.schema import SAMPLE_RATE
from siqa.synth.people import Person
from siqa.synth.sites import SiteProfile
from siqa.synth.topics import Topic
from siqa.synth.variation import NATURAL, Variation


@dataclass
class FileDraft:
    file_id: FileId
    person: Person
    clean: np.ndarray  # own speech only (what the mouth follows)
    speech_dbfs: float  # the level this recording's speaker talks at (the site's, the person's, the microphone's)
    audio: np.ndarray | None = None  # the mixed channel
    sample_rate: int = SAMPLE_RATE
    subtype: str = "PCM_16"
    stereo: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
    features: dict[str, np.ndarray] = field(default_factory=dict)
    events: list[tuple[float, float]] = field(default_factory=list)  # behaviour the MOIs annotate
    video_frames: int = 0
    raw: dict[str, bytes] = field(default_factory=dict)  # modality -> bytes written instead (corruption)
    truncated: dict[str, float] = field(default_factory=dict)  # modality -> share of its bytes written
    missing: set[str] = field(default_factory=set)
    name: str | None = None  # a file name other than the id (malformed-name defect)
    duplicate: bool = False  # also written into the next archive

    @property
    def duration(self) -> float:
        return len(self.clean) / SAMPLE_RATE

    @property
    def mixed(self) -> np.ndarray:
        """The mixed channel, which writers and defects on finished files need (set when the draft is mixed)."""
        if self.audio is None:
            raise ValueError(f"{self.file_id}: the draft is not mixed yet")
        return self.audio


@dataclass
class InteractionDraft:
    key: str
    site: SiteProfile
    topic: Topic
    prompt: str
    files: list[FileDraft]
    bleed_db: list[float]
    variation: Variation = NATURAL  # what a defect that makes new talk (off-prompt padding) talks like
    dropped: bool = False  # a partner file is withheld (not-a-dyad defect)
