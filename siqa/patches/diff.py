"""Dry-run output: a unified diff per target of the bytes apply would write, or of its document pretty-printed.

Writes change only what a fix changes (see `documents`), so the diff of a target written over several lines is
the change itself, as `git diff` will show it after the apply. A target on one line (a compact JSON file, a tar
member written compactly, a CSV record) would diff as one huge changed line: its document, indented two spaces
per level in its own key order, diffs to the lines that changed instead.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from siqa.patches.content import read_parts
from siqa.patches.ops import PatchError
from siqa.patches.plan import FilePlan


def _pretty(document: Any) -> list[str]:
    return [line + "\n" for line in json.dumps(document, indent=2, ensure_ascii=False).splitlines()]


def _text_lines(data: bytes) -> list[str] | None:
    """The lines of a text written over several lines, else None."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.splitlines(keepends=True)
    return lines if len(lines) > 1 else None


def target_diff(target: str, before: Any, after: Any, old: bytes, new: bytes) -> str:
    """The diff of one target: `before`/`after` its documents, `old`/`new` its bytes."""
    old_lines, new_lines = _text_lines(old), _text_lines(new)
    if old_lines is None or new_lines is None:
        old_lines, new_lines = _pretty(before), _pretty(after)
    return "".join(difflib.unified_diff(old_lines, new_lines, f"a/{target}", f"b/{target}"))


def plan_diffs(plan: FilePlan) -> list[str]:
    """The diff of every target of a planned file that changes."""
    parts = read_parts(plan.base, [t for t, _ in plan.entries], plan.limits)
    diffs = []
    for text, (before, after, new) in plan.patched().items():
        part = parts[text]
        if before != after and not isinstance(part, PatchError):
            diffs.append(target_diff(text, before, after, part.dump(before), new))
    return diffs
