"""Defect profiles: how many units carry a defect, and which defects, from TOML (`none`, `default`, `heavy`,
or a file of your own).

Schema (every key optional):
    affected = 0.1            # share of interactions given one defect each
    session_affected = 0.05   # share of sessions (3+ interactions) with prompts off by one
    people_affected = 0.02    # share of recurring people given an id error (id_shared or id_split)
    families = ["IN", "TS"]   # only defects of these families
    [weights]                 # relative frequency per defect name (0 disables one); absent names weigh 1
    timing_offset = 3

Assignment is deterministic for a seed and cycles through the chosen defects before repeating any, so a batch
with as many affected interactions as defect types carries each of them once.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import numpy as np

from siqa.synth.defects import CATALOGUE

BUILTIN = Path(__file__).with_name("profiles")


@dataclass(frozen=True)
class DefectProfile:
    name: str
    affected: float = 0.0
    session_affected: float = 0.0
    people_affected: float = 0.0
    weights: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, name_or_path: str) -> DefectProfile:
        path = Path(name_or_path)
        if not path.suffix:
            path = BUILTIN / f"{name_or_path}.toml"
        if not path.exists():
            raise ValueError(f"defect profile {name_or_path!r} not found (none, default, heavy, or a .toml path)")
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        families = set(data.get("families", [])) or {d.family for d in CATALOGUE.values()}
        unknown = set(data.get("weights", {})) - set(CATALOGUE)
        if unknown:
            raise ValueError(f"{path}: unknown defects {sorted(unknown)}; known: {sorted(CATALOGUE)}")
        weights = {n: int(data.get("weights", {}).get(n, 1)) for n, d in CATALOGUE.items() if d.family in families}
        return cls(path.stem, float(data.get("affected", 0.0)), float(data.get("session_affected", 0.0)),
                   float(data.get("people_affected", 0.0)), {n: w for n, w in weights.items() if w > 0})

    def assign(self, count: int, rng: np.random.Generator) -> list[str | None]:
        """The defect (or None) of each of `count` interactions."""
        affected = int(round(self.affected * count))
        if not affected or not self.weights:
            return [None] * count
        pool = [name for name, weight in sorted(self.weights.items()) for _ in range(weight)]
        rng.shuffle(pool)
        chosen = [pool[i % len(pool)] for i in range(affected)]
        slots: list[str | None] = chosen + [None] * (count - affected)
        rng.shuffle(slots)
        return slots
