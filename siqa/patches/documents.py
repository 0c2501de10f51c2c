"""JSON and JSONL documents as bytes: parsed with the reader's limits, written back as the original with only the
patch's changes spliced in.

A patched file differs from the original only where the patch changed it: key order, number spelling (`1E5`
stays `1E5`), spacing, escapes and line endings are kept byte for byte everywhere else, so the diff a reviewer
(or rsync, or git) sees is the change itself (see `splice`). What cannot be written exactly is refused with a
PatchError that names the value: a change inside an object that repeats a key, and a non-finite number. The
output is a pure function of (document, original bytes), which apply relies on: it renders a file twice (hash,
then write).
"""

from __future__ import annotations

import re
from typing import Any

from siqa.dataset.decode import parse_json, parse_jsonl
from siqa.patches.ops import PatchError
from siqa.patches.splice import Member, Splicer, lines, style_of

_SPACE_RE = re.compile(r"[ \t\n\r]*")


def _decoded(original: bytes) -> str:
    try:
        return original.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PatchError(f"cannot rewrite: not UTF-8 ({error})") from None


def load_json(data: bytes, where: str) -> Any:
    return parse_json(data, where)


def dump_json(document: Any, original: bytes) -> bytes:
    text = _decoded(original)
    start = _SPACE_RE.match(text).end()  # type: ignore[union-attr]  # the pattern matches the empty string
    end = len(text.rstrip(" \t\r\n"))
    old = parse_json(original, "the original")
    spliced = Splicer(text, style_of(text, start)).value(Member(start, start, end), old, document, ())
    return (text[:start] + spliced + text[end:]).encode("utf-8")


def load_jsonl(data: bytes, where: str) -> list[Any]:
    return parse_jsonl(data, where)


def dump_jsonl(document: Any, original: bytes) -> bytes:
    """One JSON value per line; a JSONL document must stay a list."""
    if not isinstance(document, list):
        raise PatchError(f"a JSONL document must stay a list of lines, not become {type(document).__name__}")
    text = _decoded(original)
    found = lines(text)
    splicer = Splicer(text, style_of(text, found[0].start) if found else style_of("[]"),
                      "\r\n" if "\r\n" in text else "\n")
    old = parse_jsonl(original, "the original")
    if len(old) != len(found):
        raise PatchError("cannot rewrite exactly: the lines are not plain JSON Lines")
    return splicer.sequence(Member(0, 0, len(text)), found, old, document, (), bracketed=False).encode("utf-8")
