"""Exports of an audit into what training pipelines read: Lhotse manifests, a Hugging Face Parquet dataset, a
NeMo manifest, an exclude list. Each carries the per-file quality flags (`entries.Flags`); with `apply_safe`,
transcripts come with the audit's safe fixes applied in memory (the dataset is never written).

    write    entries -> files under `out`, one module per target: `to_lhotse`, `to_hf`, `to_nemo`, `exclude_list`
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from siqa.export import exclude_list, to_hf, to_lhotse, to_nemo
from siqa.export.entries import Audit, Entry, ExportError, Threshold

Writer = Callable[[Iterable[Entry], Path], dict[str, int]]
TARGETS: dict[str, Writer] = {"lhotse": to_lhotse.write, "hf": to_hf.write, "nemo": to_nemo.write,
                              "exclude-list": exclude_list.write}
DEFAULT_THRESHOLD = Threshold()  # frozen: one shared instance is safe as a default


def export(folder: Path, target: str, out: Path, root: Path, apply_safe: bool = False,
           threshold: Threshold = DEFAULT_THRESHOLD) -> dict[str, int]:
    """Export the audit in `folder` (of the dataset at `root`) as `target` into `out`; what was written, counted."""
    if target not in TARGETS:
        raise ExportError(f"unknown export target {target!r} (one of: {', '.join(TARGETS)})")
    audit = Audit.open(folder, root, apply_safe)
    return TARGETS[target](audit.entries(threshold), out)


__all__ = ["TARGETS", "ExportError", "Threshold", "export"]
