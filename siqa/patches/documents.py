"""JSON and JSONL documents as bytes: parsed with the reader's limits, written back in the file's own style.

A patched file should differ from the original only where the patch changed it, so the diff a reviewer (or rsync)
sees is small. The style (indent, separators, ASCII escaping, final newline, line terminator) is taken from the
original: the first candidate that reproduces the original text exactly, else the one closest to it. The output is
a pure function of (document, original bytes), which apply relies on: it renders a file twice (hash, then write).
"""

from __future__ import annotations

import json
from itertools import product
from typing import Any

from siqa.dataset.decode import parse_json, parse_jsonl
from siqa.patches.ops import PatchError

_SEPARATORS = ((", ", ": "), (",", ":"), (",", ": "))


def _styles(text: str) -> list[dict[str, Any]]:
    """Candidate `json.dumps` keyword sets for a text, the most likely first."""
    lines = text.strip().split("\n")  # not splitlines(): JSON strings may hold U+0085 or U+2028
    indent: int | str | None = None
    if len(lines) > 1:
        second = lines[1]
        margin = second[: len(second) - len(second.lstrip())]
        indent = "\t" if margin.startswith("\t") else len(margin)
    ascii_first = text.isascii()
    separators = _SEPARATORS[2:] + _SEPARATORS[:2] if indent is not None else _SEPARATORS
    return [{"indent": indent, "separators": sep, "ensure_ascii": ascii_}
            for ascii_, sep in product((ascii_first, not ascii_first), separators)]


def _style_of(text: str, value: Any) -> dict[str, Any]:
    candidates = _styles(text)
    expected = text.strip()
    return next((style for style in candidates if json.dumps(value, **style) == expected), candidates[0])


def load_json(data: bytes, where: str) -> Any:
    return parse_json(data, where)


def dump_json(document: Any, original: bytes) -> bytes:
    text = original.decode("utf-8")
    style = _style_of(text, json.loads(text))
    ending = text[len(text.rstrip()):]
    return (json.dumps(document, **style) + ending).encode("utf-8")


def load_jsonl(data: bytes, where: str) -> list[Any]:
    return parse_jsonl(data, where)


def dump_jsonl(document: Any, original: bytes) -> bytes:
    """One JSON value per line; a JSONL document must stay a list."""
    if not isinstance(document, list):
        raise PatchError(f"a JSONL document must stay a list of lines, not become {type(document).__name__}")
    text = original.decode("utf-8")
    first = next((line.rstrip("\r") for line in text.split("\n") if line.strip()), "")
    style = {**_style_of(first, json.loads(first)), "indent": None} if first else {}
    terminator = "\r\n" if "\r\n" in text else "\n"
    body = terminator.join(json.dumps(item, **style) for item in document)
    final = terminator if document and (text.endswith("\n") or not text) else ""
    return (body + final).encode("utf-8")
