"""When two fixes to one target conflict: their footprints on the document overlap.

A footprint is the set of locations an operation reads (`test`, the source of `copy`) or writes. Inserting into or
removing from an array shifts every later index, so it writes the whole array. Two locations overlap when one
pointer is a prefix of the other (a value and anything inside it). Fixes conflict when a write of one overlaps a
read or write of the other, unless both carry the very same idempotent operation (the same `replace`, or the same
`add` of an object member). Fixes that do not conflict commute: any subset of them, applied in any order, gives
each location the value its own fix gives it, which is what lets `apply --only` and `--select` pick fixes freely.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from siqa.patches.ops import apply_in_place, check_operation, format_pointer, parse_pointer, resolve


@dataclass(frozen=True)
class Touch:
    tokens: tuple[str, ...]
    writes: bool
    op: str  # canonical JSON of the operation, for spotting the same operation in two fixes
    idempotent: bool


def _shifting(document: Any, tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Where an insertion or removal at `tokens` writes: the whole array when the parent is one."""
    return tokens[:-1] if tokens and isinstance(resolve(document, tokens[:-1]), list) else tokens


def footprint(document: Any, operations: Sequence[dict[str, Any]]) -> tuple[list[Touch], Any]:
    """The touches of a fix's operations, and the document after them (PatchError when they do not apply)."""
    touches: list[Touch] = []
    document = copy.deepcopy(document)  # once: a fix may hold a thousand per-word operations
    for op in operations:
        name, path = check_operation(op)["op"], parse_pointer(op["path"])
        canonical = json.dumps(op, sort_keys=True)
        if name == "test":
            touches.append(Touch(path, False, canonical, True))
        elif name == "replace":
            touches.append(Touch(path, True, canonical, True))
        elif name == "remove":
            touches.append(Touch(_shifting(document, path), True, canonical, False))
        elif name == "move":  # where the value leaves, in the document before the operation
            touches.append(Touch(_shifting(document, parse_pointer(op["from"])), True, canonical, False))
        elif name == "copy":
            touches.append(Touch(parse_pointer(op["from"]), False, canonical, False))
        document = apply_in_place(document, op)
        if name in ("add", "move", "copy"):  # the new value's location, in the document after the operation
            written = _shifting(document, path)
            touches.append(Touch(written, True, canonical, name == "add" and written == path))
    return touches, document


def _overlap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return a[: len(b)] == b or b[: len(a)] == a


def clash(first: Sequence[Touch], second: Sequence[Touch]) -> str | None:
    """The pointer where two footprints conflict, or None."""
    for a in first:
        for b in second:
            if (a.writes or b.writes) and _overlap(a.tokens, b.tokens) and not (a.op == b.op and a.idempotent):
                return format_pointer(a.tokens if len(a.tokens) <= len(b.tokens) else b.tokens) or "(document)"
    return None
