"""The embedded default of `siqa audit` with no --batch: a synthetic demo batch, made once and reused."""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console

DEMO_BATCH = "dev/0000"
DEMO_SEED = 2024


def demo_root() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "siqa" / "demo"


def ensure_demo_root(console: Console) -> Path:
    """Synthesise the demo batch on first use (about half a minute); later runs reuse it."""
    from siqa.synth import SynthConfig, generate, ground_truth_path

    root = demo_root()
    if not ground_truth_path(root, "improvised", DEMO_BATCH).exists():
        console.print(f"making the synthetic demo batch in {root} (first use only) ...")
        generate(root, SynthConfig(layout="tar", sessions=5, interactions_per_session=4, seed=DEMO_SEED,
                                   defects="heavy"))
    return root
