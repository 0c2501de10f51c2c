"""Correction patches: findings' fixes as `patches.jsonl`, applied to copies or in place, and reverted exactly.

    write    findings -> patches.jsonl (targets hashed, fixes merged and conflict-checked)    `write_patches`
    apply    patches.jsonl -> corrected copies, or files patched in place with backups        `apply_patches`
    revert   backups -> the original bytes, hash-checked                                      `revert_patches`

Underneath: `model` (the record format), `targets` (what a target names; path safety), `modality` (the
per-modality layout's files), `ops` (RFC 6902), `minimal` (a rule's fix as the smallest operations),
`conflicts`, `content` with `documents` (written back through `splice`, byte-exact where unchanged), `rows` and
`tars` (targets inside their files), `files` (hashing, atomic writes), `backup` (the manifest), `plan` and `report`
(apply's decisions and outcome), `diff` (what `siqa apply --diff` prints; the summary tables are
`siqa.reports.patch_summary`). Output-folder files are written through `siqa.outputs`.
"""

from siqa.patches.apply import ApplyOptions, ApplyReport, Status, apply_patches
from siqa.patches.model import PATCHES_JSONL, PatchRecord, read_patches
from siqa.patches.revert import RevertReport, revert_patches
from siqa.patches.write import PatchReport, write_patches

__all__ = ["PATCHES_JSONL", "ApplyOptions", "ApplyReport", "PatchRecord", "PatchReport", "RevertReport", "Status",
           "apply_patches", "read_patches", "revert_patches", "write_patches"]
