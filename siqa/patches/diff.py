"""Dry-run output: a unified diff per target, of its document pretty-printed rather than of its raw bytes.

A file written on one line (or a tar member, or a CSV record) would diff as one huge changed line; the same
document indented two spaces per level diffs to the lines that changed.
"""

from __future__ import annotations

import difflib
import json
from typing import Any


def _lines(document: Any) -> list[str]:
    return [line + "\n" for line in json.dumps(document, indent=2, ensure_ascii=False).splitlines()]


def document_diff(target: str, before: Any, after: Any) -> str:
    return "".join(difflib.unified_diff(_lines(before), _lines(after), f"a/{target}", f"b/{target}"))
