"""Whether this siqa may read an output folder: the schema version its `summary.json` (or first finding)
carries, checked against this siqa's (`siqa.schemas.version`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from siqa.outputs.files import FINDINGS_JSONL, SUMMARY_JSON
from siqa.schemas.version import PRE_1, SCHEMA_VERSION, IncompatibleOutput, check_version


def folder_version(folder: Path) -> tuple[Any, Any, Path | None]:
    """(schema_version, siqa_version, the file they came from) of an audit output folder: its `summary.json`,
    else (a folder `siqa identity` wrote) its first finding; no file when it has neither (nothing to
    misread)."""
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
