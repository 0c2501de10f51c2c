"""The three on-disk layouts of a release. Each indexer lists a batch's participant files from names and
headers only, and returns sources that read modalities on demand; validators never see which layout it was."""

from __future__ import annotations

from pathlib import Path

from siqa.dataset.layouts.modality import is_modality_tree

LAYOUTS = ("extracted", "tar", "modality")


def detect_layout(folder: Path) -> str | None:
    """The layout of a batch or split folder, from names only: "tar" (`*.tar` files here, or in the first numbered
    subfolder), "modality" (folders such as `audio/`), "extracted" (other subfolders); None for none of them."""
    try:
        if not folder.is_dir():
            return None
        if any(folder.glob("*.tar")):
            return "tar"
        if is_modality_tree(folder):
            return "modality"
        subfolders = sorted(p for p in folder.iterdir() if p.is_dir())
        numbered = [p for p in subfolders if p.name.isdigit()]
        if numbered and any(numbered[0].glob("*.tar")):
            return "tar"
    except OSError:
        return None
    return "extracted" if subfolders else None
