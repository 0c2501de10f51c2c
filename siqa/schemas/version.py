"""The version of siqa's output contract, stamped on every output so that a reader can tell what wrote it.

`schema_version` is "MAJOR.MINOR". A minor step only adds fields, so every reader of the same major reads the
file; a major step removes, renames or changes the meaning of a field, and readers of another major refuse the
file rather than misread it (a gate comparing two releases must compare like with like). Every JSONL record
and `summary.json` carry `schema_version` and `siqa_version` (the release that wrote the file); Parquet files
carry both as key-value metadata. Folders written before siqa stamped its outputs carry neither: they read as
"pre-1", which is the 1.0 layout without the two fields, with a warning.
"""

from __future__ import annotations

import re
from typing import Any

__version__ = "0.1.0"  # siqa's release (`siqa.__version__`), stamped beside the schema version
SCHEMA_VERSION = "1.0"
MAJOR = 1
PRE_1 = "pre-1"  # how a folder without `schema_version` is named in messages
_VERSION_RE = re.compile(r"^(\d+)\.(\d+)$")


class IncompatibleOutput(ValueError):
    """An output written under another major schema version (or an unreadable one): refused, never misread."""


def stamp() -> dict[str, str]:
    return {"schema_version": SCHEMA_VERSION, "siqa_version": __version__}


def stamped(record: dict[str, Any]) -> dict[str, Any]:
    """`record` with this release's `schema_version` and `siqa_version`, as every output record has them."""
    return {**record, **stamp()}


def parquet_metadata() -> dict[bytes, bytes]:
    """The stamp as Parquet key-value metadata."""
    return {key.encode(): value.encode() for key, value in stamp().items()}


def check_version(version: Any, where: str, written_by: Any = None) -> None:
    """Refuse `version` (of the output at `where`) unless its major is this siqa's; None (pre-1) passes."""
    if version is None:
        return
    match = _VERSION_RE.match(version) if isinstance(version, str) else None
    if match is None:
        raise IncompatibleOutput(f"{where}: schema_version {version!r} is not MAJOR.MINOR: not an output "
                                 "siqa wrote")
    if int(match.group(1)) != MAJOR:
        by = f"siqa {written_by}" if written_by else "another siqa"
        raise IncompatibleOutput(
            f"{where} was written by {by} in output schema {version}; this siqa ({__version__}) reads "
            f"schema {MAJOR}.x only, whose fields differ: audit that release again with this siqa, or read "
            "it with the siqa that wrote it")
