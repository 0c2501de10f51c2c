"""The version of siqa's output contract, stamped on every output so that a reader can tell what wrote it.

`schema_version` is "MAJOR.MINOR". A minor step only adds fields, so every reader of the same major reads the
file; a major step removes, renames or changes the meaning of a field, and readers of another major refuse the
file rather than misread it (a gate comparing two releases must compare like with like). Every JSONL record
and `summary.json` carry `schema_version` and `siqa_version` (the release that wrote the file); Parquet files
carry both as key-value metadata. Folders written before siqa stamped its outputs carry neither: they read as
"pre-1", which is the 1.0 layout without the two fields, with a warning.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from siqa import __version__

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


def folder_version(folder: Path) -> tuple[Any, Any, Path | None]:
    """(schema_version, siqa_version, the file they came from) of an audit output folder: its `summary.json`,
    else (a folder `siqa identity` wrote) its first finding; no file when it has neither (nothing to
    misread)."""
    from siqa.reports.outputs import FINDINGS_JSONL, SUMMARY_JSON

    summary, findings = folder / SUMMARY_JSON, folder / FINDINGS_JSONL
    source = summary if summary.is_file() else findings
    try:
        if source is summary:
            record = json.loads(summary.read_text(encoding="utf-8"))
        else:
            with open(findings, encoding="utf-8") as handle:
                record = next((json.loads(line) for line in handle if line.strip()), None)
    except FileNotFoundError:
        return None, None, None
    except (OSError, ValueError) as error:
        raise IncompatibleOutput(f"{source} cannot be read as an output siqa wrote: {error}") from None
    if record is None:
        return None, None, None
    if not isinstance(record, dict):
        raise IncompatibleOutput(f"{source} is not an output siqa wrote: expected a JSON object")
    return record.get("schema_version"), record.get("siqa_version"), source


def check_folder(folder: Path) -> str | None:
    """Refuse an audit output folder of another major schema version (`IncompatibleOutput`); for a folder
    written before outputs were stamped, the warning to show (it is read as the 1.0 layout it is)."""
    version, written_by, source = folder_version(folder)
    check_version(version, str(source), written_by)
    if version is None and source is not None:
        return (f"{folder} carries no schema_version (written by a siqa older than output schema "
                f"{SCHEMA_VERSION}): read as {PRE_1}, the {SCHEMA_VERSION} layout without version fields")
    return None
