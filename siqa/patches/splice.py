"""A patched JSON text made from the original one: unchanged values keep their bytes, changed ones are spliced in.

Walking the original document and the patched one together, a value that is equal in both (RFC 6902 equality,
so `1E5` stays `1E5` and `1` stays `1` beside `1.0`) is copied from the original text with everything around
it; a changed object or array keeps its brackets, the spacing inside them and its unchanged members, and only
the members that changed, came or went are rendered (each array element is paired with the one it was, see
`minimal.align`). New text takes the document's own style: its indent, separators and ASCII escaping, and the
indentation of the line it lands on. Object members keep their original order; new ones go last.

Refused by name (PatchError), never rewritten approximately: a change to an object that repeats a key (which
value a reader keeps is not defined, and keeping both is not a change of one), and a non-finite number (`NaN`,
`Infinity`, `1e999`), which JSON cannot hold.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from json.decoder import JSONDecoder
from typing import Any

from siqa.patches.minimal import align
from siqa.patches.ops import PatchError, format_pointer, json_equal

_SPACE_RE = re.compile(r"[ \t\n\r]*")
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_DECODER = JSONDecoder()


@dataclass(frozen=True)
class Member:
    head: int  # where the entry starts: its key's quote in an object, the value in an array
    start: int  # the value
    end: int
    key: str | None = None
    key_end: int = 0  # just after the key's closing quote


@dataclass(frozen=True)
class Style:
    indent: str | None  # one level of indentation; None: the document is on one line
    item: str  # between members on one line, e.g. ", "
    colon: str  # between a key and its value, e.g. ": "
    ascii: bool


def _space(text: str, pos: int) -> int:
    return _SPACE_RE.match(text, pos).end()  # type: ignore[union-attr]  # the pattern matches the empty string


def _value_end(text: str, pos: int) -> int:
    try:
        return _DECODER.raw_decode(text, pos)[1]
    except (ValueError, RecursionError) as error:
        raise PatchError(f"cannot rewrite: not JSON at character {pos} ({error})") from None


def members(text: str, start: int) -> list[Member]:
    """The entries of the object or array whose bracket is at `start`, in text order (the text is valid JSON)."""
    closing = "}" if text[start] == "{" else "]"
    out: list[Member] = []
    pos = _space(text, start + 1)
    while text[pos] != closing:
        head, key, key_end = pos, None, 0
        if closing == "}":
            key, key_end = _DECODER.raw_decode(text, pos)
            pos = _space(text, _space(text, key_end) + 1)  # past the colon
        end = _value_end(text, pos)
        out.append(Member(head, pos, end, key, key_end))
        pos = _space(text, end)
        if text[pos] == ",":
            pos = _space(text, pos + 1)
    return out


def lines(text: str) -> list[Member]:
    """The values of a JSON Lines text, one per non-blank line (lines end at CR, LF or CRLF, as the reader's)."""
    out = []
    for match in _LINE_RE.finditer(text):
        start = _space(text, match.start())
        if start < match.end() and text[start] not in "\r\n":
            out.append(Member(start, start, _value_end(text, start)))
        if match.end() == len(text):
            break
    return out


def _line_indent(text: str, pos: int) -> str:
    line = max(text.rfind("\n", 0, pos), text.rfind("\r", 0, pos)) + 1
    return text[line:_SPACE_RE.match(text, line).end()].lstrip("\r\n")  # type: ignore[union-attr]


def _first_containers(text: str, start: int, depth: int = 0) -> Iterator[tuple[int, list[Member]]]:
    """Containers along the first entries from `start` down, with their members: where the style is read."""
    while depth < 64 and text[start] in "{[":
        found = members(text, start)
        yield start, found
        if not found:
            return
        start, depth = found[0].start, depth + 1


def style_of(text: str, root: int = 0) -> Style:
    """The document's style, read from its first nested containers (json.dumps' defaults where it has none)."""
    indent: str | None = None
    item = colon = None
    for start, found in _first_containers(text, _space(text, root)):
        if not found:
            break
        lead = text[start + 1:found[0].head]
        if indent is None and ("\n" in lead or "\r" in lead):
            indent = _line_indent(text, found[0].head)[len(_line_indent(text, start)):] or None
        if item is None and len(found) > 1:
            item = text[found[0].end:found[1].head]
        if colon is None and found[0].key is not None:
            colon = text[found[0].key_end:found[0].start]
    one_line = item is None or "\n" in item or "\r" in item
    return Style(indent, "," if indent is not None else ", " if one_line else str(item), colon or ": ",
                 text.isascii())


def _named(where: tuple[str, ...]) -> str:
    return format_pointer(where) or "(document)"


def fresh(value: Any, style: Style, margin: str, where: tuple[str, ...]) -> str:
    """`value` rendered anew in the document's style, its continuation lines indented by `margin`."""
    # a scalar is the same in every layout, and json's C encoder only runs without one
    indent, separators = (style.indent, (style.item, style.colon)) if isinstance(value, (dict, list)) else (None, None)
    try:
        text = json.dumps(value, ensure_ascii=style.ascii, allow_nan=False, indent=indent, separators=separators)
    except ValueError:
        raise PatchError(f"{_named(where)}: a non-finite number (NaN, Infinity or beyond "
                         "the float range) cannot be written as JSON") from None
    return text.replace("\n", "\n" + margin)


def _both_nan(old: Any, new: Any) -> bool:
    """A NaN the original holds (Python reads it) and the patch left alone: kept as written, though unequal."""
    return isinstance(old, float) and isinstance(new, float) and math.isnan(old) and math.isnan(new)


def _repeated_key(found: list[Member]) -> str | None:
    seen: set[str | None] = set()
    for member in found:
        if member.key in seen:
            return member.key
        seen.add(member.key)
    return None


class Splicer:
    """Renders the patched text of one original text (see the module doc)."""

    def __init__(self, text: str, style: Style, line_end: str = "\n") -> None:
        self.text, self.style, self.line_end = text, style, line_end  # line_end: between new lines of JSON Lines

    def value(self, at: Member, old: Any, new: Any, where: tuple[str, ...]) -> str:
        text = self.text
        if json_equal(old, new) or _both_nan(old, new):
            return text[at.start:at.end]
        if isinstance(old, dict) and isinstance(new, dict) and text[at.start] == "{":
            return self._object(at, old, new, where)
        if isinstance(old, list) and isinstance(new, list) and text[at.start] == "[":
            return self._array(at, old, new, where)
        return fresh(new, self.style, _line_indent(text, at.start), where)

    def _object(self, at: Member, old: dict[str, Any], new: dict[str, Any], where: tuple[str, ...]) -> str:
        found = members(self.text, at.start)
        repeated = _repeated_key(found)
        if repeated is not None:
            raise PatchError(f"{_named(where)} repeats the key {repeated!r}: it cannot be "
                             "changed without choosing between the values, so the fix is refused")
        pieces: list[tuple[int | None, str]] = []
        for index, member in enumerate(found):
            key = str(member.key)
            if key in new:
                head = self.text[member.head:member.start]
                pieces.append((index, head + self.value(member, old[key], new[key], (*where, key))))
        colon = self.text[found[0].key_end:found[0].start] if found else self.style.colon
        margin = self._margin(at, found)
        pieces += [(None, json.dumps(key, ensure_ascii=self.style.ascii) + colon
                    + fresh(value, self.style, margin, (*where, key))) for key, value in new.items() if key not in old]
        return self.join(at, found, pieces, new, where)

    def _array(self, at: Member, old: list[Any], new: list[Any], where: tuple[str, ...]) -> str:
        return self.sequence(at, members(self.text, at.start), old, new, where)

    def sequence(self, at: Member, found: list[Member], old: list[Any], new: list[Any],
                 where: tuple[str, ...], bracketed: bool = True) -> str:
        """A changed array (or the lines of a JSON Lines text): paired elements re-rendered, new ones added."""
        pairs = align(old, new)
        margin = self._margin(at, found)
        pieces: list[tuple[int | None, str]] = [
            (pairs[j], self.value(found[pairs[j]], old[pairs[j]], value, (*where, str(j)))) if j in pairs
            else (None, fresh(value, self.style, margin, (*where, str(j)))) for j, value in enumerate(new)]
        return self.join(at, found, pieces, new, where, bracketed)

    def _margin(self, at: Member, found: list[Member]) -> str:
        """The indentation of the container's entries (one level in from its own line when it has none)."""
        if found:
            return _line_indent(self.text, found[0].head)
        return _line_indent(self.text, at.start) + (self.style.indent or "")

    def join(self, at: Member, found: list[Member], pieces: list[tuple[int | None, str]], new: Any,
             where: tuple[str, ...], bracketed: bool = True) -> str:
        """The container's text with `pieces` (old index or None, text) as its entries, keeping the original
        spacing: the text before the first entry and after the last, and the separator an entry had before it."""
        text = self.text
        if not bracketed and not found:  # JSON Lines that had none
            return "".join(piece + self.line_end for _, piece in pieces)
        if not found or not pieces:
            return fresh(new, self.style, _line_indent(text, at.start), where) if bracketed else ""
        inner = at.start + 1 if bracketed else at.start
        separators = [text[a.end:b.head] for a, b in pairwise(found)]
        lead = text[inner:found[0].head]
        default = separators[-1] if separators else (
            self.line_end if not bracketed else "," + lead if "\n" in lead or "\r" in lead else self.style.item)
        out = [text[at.start:inner], lead]
        for number, (index, piece) in enumerate(pieces):
            if number:
                before = pieces[number - 1][0]
                out.append(separators[index - 1] if index else
                           separators[before] if before is not None and before < len(separators) else default)
            out.append(piece)
        out.append(text[found[-1].end:at.end])
        return "".join(out)
