"""A fix as a curator reads it: what its target holds before and after, compared value by value.

The page does not render operations one by one: whatever their grain (a whole array replaced, or one word
removed and one time moved), the fix is applied in memory with the patch code `siqa apply` runs, to the target
read the way `siqa apply` reads it, and the two documents are compared. So a fix reads the same however it is
written:
    timed items (transcript segments, speech-activity segments)   words struck out or inserted, times before
                                                                  and after, a common shift said once
    any other value (a table cell, a prompt, an id, a field)      old → new, a changed text word by word
Nothing is cut: every change is listed (long lists folded, never dropped), and the operations themselves are
given in full as well. A fix that no longer applies (the file changed since the audit) says why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, TypeGuard

from siqa.dataset.tables import REQUIRED_COLUMNS
from siqa.findings import Finding
from siqa.patches.content import read_parts
from siqa.patches.modality import split_fix
from siqa.patches.model import fix_id
from siqa.patches.ops import PatchError, apply_patch, format_pointer, json_equal
from siqa.patches.rows import is_table, split_rows
from siqa.patches.targets import TargetError, parse_target, resolve_inside

ABSENT = "(absent)"
SIMILAR = 0.5  # share of words two texts have in common to be shown word by word
_TIMES = ("start", "end")


@dataclass(frozen=True)
class Token:
    """A word of a segment: `same`, `moved` (same word, new times), `del` (struck out) or `ins` (inserted)."""

    kind: str
    text: str
    before: tuple[float, float] | None = None
    after: tuple[float, float] | None = None


@dataclass(frozen=True)
class SegmentChange:
    path: str
    before: tuple[float, float] | None  # the segment's times; None for an inserted segment
    after: tuple[float, float] | None  # None for a removed segment
    tokens: list[Token]
    shift: float | None  # when every time of the segment moved by the same amount

    @property
    def moved(self) -> list[Token]:
        return [t for t in self.tokens if t.kind == "moved"]


@dataclass(frozen=True)
class FieldChange:
    path: str
    before: str  # JSON text (a string as it is), or ABSENT
    after: str
    words: list[tuple[str, str]] = field(default_factory=list)  # (kind, text) when both sides are texts


@dataclass
class PartDiff:
    """One target's changes (a per-modality or whole-table fix changes several)."""

    target: str
    segments: list[SegmentChange] = field(default_factory=list)
    fields: list[FieldChange] = field(default_factory=list)
    error: str = ""

    @property
    def moved_words(self) -> int:
        return sum(len(s.moved) for s in self.segments)

    @property
    def shift(self) -> float | None:
        """The one shift every changed segment shares, when it does."""
        shifts = {s.shift for s in self.segments}
        return shifts.pop() if len(shifts) == 1 and self.segments and not self.fields else None


@dataclass
class FixDiff:
    id: str  # as patches.jsonl holds it
    parts: list[PartDiff]
    operations: str  # every operation, as JSON
    error: str = ""

    @property
    def rows(self) -> bool:
        """Every part a table row with field changes only: the fix reads as one table before and after."""
        return bool(self.parts) and all("#" in p.target and not p.segments and not p.error for p in self.parts)


class Targets:
    """Targets read once per page, the way `siqa apply` reads them (by `siqa.patches.content`)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._documents: dict[str, Any] = {}

    def document(self, text: str) -> Any:
        """The target's current document; PatchError saying why it cannot be read."""
        if text not in self._documents:
            self._documents[text] = self._load(text)
        found = self._documents[text]
        if isinstance(found, PatchError):
            raise found
        return found

    def _load(self, text: str) -> Any:
        if self.root is None:
            return PatchError("no dataset root was given, so the target was not read")
        try:
            target = parse_target(text, _key_column(text))
            part = read_parts(resolve_inside(self.root, target.file), [target])[text]
            if isinstance(part, PatchError):
                return part
            return part.load()
        except (TargetError, PatchError) as error:
            return PatchError(str(error))


def _key_column(text: str) -> str | None:
    """A row target's key column, as the canonical tables name it (a rule set may map it: then the page says
    the row was not found)."""
    if "#" not in text:
        return None
    columns = REQUIRED_COLUMNS.get(Path(text.partition("#")[0]).stem)
    return columns[0] if columns else None


def fix_diff(finding: Finding, targets: Targets) -> FixDiff | None:
    """The finding's fix as before → after per target; None for a finding without a fix."""
    fix = finding.fix
    if fix is None:
        return None
    diff = FixDiff(fix_id(finding.code, fix.target, fix.operations), [],
                   json.dumps(fix.operations, indent=1, ensure_ascii=False, default=str))
    try:
        parts = (split_rows if is_table(fix.target) else split_fix)(fix.target, fix.operations)
    except PatchError as error:
        diff.error = f"the operations cannot be applied: {error}"
        return diff
    for text, operations in parts:
        part = PartDiff(text)
        diff.parts.append(part)
        try:
            before = targets.document(text)
        except PatchError as error:
            part.error = f"not read: {error}"
            continue
        try:
            after = apply_patch(before, operations)
        except PatchError as error:
            part.error = f"does not apply to the target as it is now: {error}"
            continue
        _compare(before, after, (), part)
    return diff


# Comparing documents ----------------------------------------------------------------------------------------

def _text(value: Any) -> str:
    if value is _MISSING:
        return ABSENT
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


_MISSING = object()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _field(tokens: tuple[str, ...], before: Any, after: Any, part: PartDiff) -> None:
    """A changed value; two texts that share most words are compared word by word, others shown whole."""
    words: list[tuple[str, str]] = []
    if isinstance(before, str) and isinstance(after, str):
        matcher = SequenceMatcher(None, before.split(), after.split(), autojunk=False)
        if matcher.ratio() >= SIMILAR:
            words = word_diff(before.split(), after.split())
    part.fields.append(FieldChange(format_pointer(tokens), _text(before), _text(after), words))


def word_diff(before: list[str], after: list[str]) -> list[tuple[str, str]]:
    """(kind, word) in reading order: `same`, `del` or `ins`."""
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            out += [("same", w) for w in before[i1:i2]]
        else:
            out += [("del", w) for w in before[i1:i2]] + [("ins", w) for w in after[j1:j2]]
    return out


def _timed(value: Any) -> TypeGuard[list[dict[str, Any]]]:
    """A list of timed items (segments, words, VAD spans): objects with numeric start and end."""
    return isinstance(value, list) and all(
        isinstance(item, dict) and all(isinstance(item.get(k), (int, float)) for k in _TIMES) for item in value)


def _compare(before: Any, after: Any, tokens: tuple[str, ...], part: PartDiff) -> None:
    if json_equal(before, after):
        return
    if _timed(before) and _timed(after) and (before or after):
        _segments(before, after, tokens, part)
    elif isinstance(before, dict) and isinstance(after, dict):
        for key in after:
            if key in before:
                _compare(before[key], after[key], (*tokens, key), part)
            else:
                _field((*tokens, key), _MISSING, after[key], part)
        for key in before:
            if key not in after:
                _field((*tokens, key), before[key], _MISSING, part)
    elif isinstance(before, list) and isinstance(after, list):
        matcher = SequenceMatcher(None, [_canonical(v) for v in before], [_canonical(v) for v in after],
                                  autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "replace" and i2 - i1 == j2 - j1:
                for i, j in zip(range(i1, i2), range(j1, j2)):
                    _compare(before[i], after[j], (*tokens, str(i)), part)
            elif tag != "equal":
                for i in range(i1, i2):
                    _field((*tokens, str(i)), before[i], _MISSING, part)
                for j in range(j1, j2):
                    _field((*tokens, str(j)), _MISSING, after[j], part)
    else:
        _field(tokens, before, after, part)


def _times(item: dict[str, Any]) -> tuple[float, float]:
    return float(item["start"]), float(item["end"])


def _label(item: dict[str, Any]) -> str:
    """What a timed item says: a segment's text, a word, or nothing (a VAD span)."""
    for key in ("transcript", "text", "word"):
        if isinstance(item.get(key), str):
            return item[key]
    return ""


def _words(item: dict[str, Any]) -> list[dict[str, Any]]:
    words = item.get("words")
    return words if _timed(words) else []


def _segments(before: list[Any], after: list[Any], tokens: tuple[str, ...], part: PartDiff) -> None:
    """Timed items paired by what they say, then compared word by word; the rest of each item field by field."""
    matcher = SequenceMatcher(None, [_label(s) for s in before], [_label(s) for s in after], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        pairs = list(zip(range(i1, i2), range(j1, j2))) if tag in ("equal", "replace") else []
        for i, j in pairs:
            _segment_pair(before[i], after[j], (*tokens, str(j)), part)
        for i in range(i1 + len(pairs), i2):
            part.segments.append(_whole(before[i], (*tokens, str(i)), "del"))
        for j in range(j1 + len(pairs), j2):
            part.segments.append(_whole(after[j], (*tokens, str(j)), "ins"))


def _whole(item: dict[str, Any], tokens: tuple[str, ...], kind: str) -> SegmentChange:
    """A segment removed (`del`) or inserted (`ins`) as a whole."""
    times = _times(item)
    words = [Token(kind, _label(w), *((_times(w), None) if kind == "del" else (None, _times(w))))
             for w in _words(item)] or [Token(kind, _label(item), *((times, None) if kind == "del" else (None, times)))]
    return SegmentChange(format_pointer(tokens), times if kind == "del" else None, times if kind == "ins" else None,
                         words, None)


def _segment_pair(old: dict[str, Any], new: dict[str, Any], tokens: tuple[str, ...], part: PartDiff) -> None:
    if json_equal(old, new):
        return
    old_words, new_words = _words(old), _words(new)
    words: list[Token] = []
    matcher = SequenceMatcher(None, [_label(w) for w in old_words], [_label(w) for w in new_words], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            words += [Token("same" if json_equal(_times(a), _times(b)) else "moved", _label(b), _times(a), _times(b))
                      for a, b in zip(old_words[i1:i2], new_words[j1:j2])]
        else:
            words += [Token("del", _label(w), _times(w), None) for w in old_words[i1:i2]]
            words += [Token("ins", _label(w), None, _times(w)) for w in new_words[j1:j2]]
    deltas = {round(b - a, 6) for t in [Token("", "", _times(old), _times(new)), *words] if t.before and t.after
              for a, b in zip(t.before, t.after)}
    edited = any(t.kind in ("del", "ins") for t in words)
    shift = deltas.pop() if len(deltas) == 1 and not edited else None
    part.segments.append(SegmentChange(format_pointer(tokens), _times(old), _times(new), words, shift or None))
    rest = {k: v for k, v in old.items() if k not in (*_TIMES, "words")}
    _compare(rest, {k: v for k, v in new.items() if k not in (*_TIMES, "words")}, tokens, part)
