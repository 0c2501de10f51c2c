"""RFC 6902 JSON Patch and RFC 6901 JSON Pointer, written here instead of taken from the `jsonpatch` package.

Why not the package: patches are untrusted input, so every operation is validated with a message that names it;
the conflict check needs each operation's footprint on the document, which the package does not expose; and
`test` must follow the RFC's equality (`1` equals `1.0`, `true` does not equal `1`), where the package uses
Python's `==`. No inverse patch is computed: revert restores the original bytes from a backup, which an inverse
patch cannot do (it restores the document, not its key order, spacing or number spelling).

Documents are never mutated in place: `apply_patch` works on one deep copy, so a failed patch leaves the caller's
document as it was. Patches are untrusted, so a fix is bounded like a file the reader reads (`Growth`): at most
`MAX_OPERATIONS` operations, and no operation may grow the document past the `json_bytes` limit or three times its
size plus 1 MiB (twenty `copy` operations of a document into itself would double it twenty times), or nest a value
deeper than `json_depth`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from siqa.dataset.decode import DEFAULT_LIMITS, Limits

MAX_OPERATIONS = 10_000
"""Operations per fix: far above any fix a rule writes (one per table row it reassigns), far below a flood."""
GROWTH_SLACK = 1 << 20
"""What the fixes of a document may add beyond twice its size (see `Growth.from_bytes`)."""
OPERATIONS = ("add", "remove", "replace", "move", "copy", "test")
_INDEX_RE = re.compile(r"0|[1-9][0-9]*")
_BAD_ESCAPE_RE = re.compile(r"~(?![01])")


class PatchError(ValueError):
    """An operation that is malformed or does not apply to the document."""


def parse_pointer(pointer: object) -> tuple[str, ...]:
    """`/a~1b/0` -> ("a/b", "0"); "" is the whole document."""
    if not isinstance(pointer, str):
        raise PatchError(f"a JSON pointer must be a string, not {type(pointer).__name__}")
    if pointer == "":
        return ()
    if not pointer.startswith("/"):
        raise PatchError(f"JSON pointer {pointer!r} must start with '/'")
    if _BAD_ESCAPE_RE.search(pointer):
        raise PatchError(f"JSON pointer {pointer!r} has a '~' not followed by 0 or 1")
    return tuple(token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/"))


def format_pointer(tokens: Sequence[str]) -> str:
    return "".join("/" + token.replace("~", "~0").replace("/", "~1") for token in tokens)


def check_operation(op: Any) -> dict[str, Any]:
    """The operation itself if it is well formed (members and types), else PatchError."""
    if not isinstance(op, dict):
        raise PatchError(f"an operation must be a JSON object, not {type(op).__name__}")
    name = op.get("op")
    if name not in OPERATIONS:
        raise PatchError(f"unknown op {name!r} (expected one of {', '.join(OPERATIONS)})")
    parse_pointer(op.get("path"))
    if name in ("add", "replace", "test") and "value" not in op:
        raise PatchError(f"{name} needs a 'value'")
    if name in ("move", "copy"):
        parse_pointer(op.get("from"))
    return op


def json_equal(a: Any, b: Any) -> bool:
    """RFC 6902 `test` equality: numbers by value, booleans only with booleans, containers member by member."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _index(array: list[Any], token: str, insert: bool) -> int:
    if insert and token == "-":
        return len(array)
    if not _INDEX_RE.fullmatch(token):
        raise PatchError(f"{token!r} is not an array index")
    index = int(token)
    if index > len(array) or (index == len(array) and not insert):
        raise PatchError(f"index {index} is out of range (array of {len(array)})")
    return index


def resolve(document: Any, tokens: Sequence[str]) -> Any:
    """The value at `tokens`, or PatchError naming the pointer when it does not exist."""
    value = document
    for depth, token in enumerate(tokens):
        if isinstance(value, dict):
            if token not in value:
                raise PatchError(f"{format_pointer(tokens[: depth + 1])} does not exist")
            value = value[token]
        elif isinstance(value, list):
            value = value[_index(value, token, insert=False)]
        else:
            raise PatchError(f"{format_pointer(tokens[:depth])} is not an object or array")
    return value


def _add(document: Any, tokens: tuple[str, ...], value: Any) -> Any:
    if not tokens:
        return value
    parent = resolve(document, tokens[:-1])
    if isinstance(parent, dict):
        parent[tokens[-1]] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, tokens[-1], insert=True), value)
    else:
        raise PatchError(f"{format_pointer(tokens[:-1])} is not an object or array")
    return document


def _remove(document: Any, tokens: tuple[str, ...]) -> Any:
    if not tokens:
        raise PatchError("cannot remove the whole document")
    parent = resolve(document, tokens[:-1])
    resolve(parent, tokens[-1:])  # must exist
    if isinstance(parent, dict):
        del parent[tokens[-1]]
    else:
        del parent[_index(parent, tokens[-1], insert=False)]
    return document


def _measure(value: Any, budget: int) -> tuple[int, int]:
    """(about the bytes `value` takes as JSON, its nesting depth), walked iteratively; the walk stops once the size
    passes `budget`, so measuring a hostile value costs no more than the budget."""
    size, depth, stack = 0, 0, [(value, 1)]
    while stack and size <= budget:
        item, level = stack.pop()
        depth = max(depth, level)
        if isinstance(item, dict):
            size += 2 + sum(len(key) + 4 for key in item)
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            size += 2 + len(item)
            stack.extend((v, level + 1) for v in item)
        elif isinstance(item, str):
            size += len(item) + 2
        elif isinstance(item, int) and not isinstance(item, bool):
            size += item.bit_length() // 3 + 2
        else:
            size += 24  # a float, true, false or null
    return size, depth


@dataclass
class Growth:
    """How large a document may get while fixes apply to it. `size` (about its bytes as JSON) starts at the size of
    the bytes it was read from and grows by every value an operation puts in (added, copied, or moved deeper), never
    shrinking: an upper bound, which also bounds the work of measuring. It may reach `cap`, at most `json_bytes`.
    One instance follows a document through all the fixes applied to it."""

    size: int = 0
    limits: Limits = DEFAULT_LIMITS
    cap: int | None = None  # None: json_bytes

    @classmethod
    def from_bytes(cls, start: int, limits: Limits = DEFAULT_LIMITS) -> Growth:
        """For a document read from `start` bytes: its fixes may add twice that plus `GROWTH_SLACK`, so `copy`
        operations cannot inflate a small document up to the size limit (which takes minutes and gigabytes)."""
        return cls(start, limits, min(limits.json_bytes, 3 * start + GROWTH_SLACK))

    def admit(self, tokens: Sequence[str], value: Any) -> None:
        """PatchError when `value` placed at `tokens` nests deeper than `json_depth`, or the document would pass
        its cap."""
        cap = self.limits.json_bytes if self.cap is None else self.cap
        size, depth = _measure(value, cap - self.size)
        self.size += size
        if self.size > cap:
            what = "the json_bytes limit" if cap == self.limits.json_bytes else "the growth cap (3 x its size + 1 MiB)"
            raise PatchError(f"the document would grow past {what} of {cap} bytes")
        if len(tokens) + depth > self.limits.json_depth:
            raise PatchError(f"the value would nest {len(tokens) + depth} levels deep, over the json_depth limit "
                             f"of {self.limits.json_depth}")


def apply_in_place(document: Any, op: dict[str, Any], growth: Growth | None = None) -> Any:
    """The document after one operation, changed in place where it can be (an operation on the root returns the
    new root): for callers that hold their own copy."""
    check_operation(op)
    growth = growth or Growth()
    name, path = op["op"], parse_pointer(op["path"])
    if name == "test":
        if not json_equal(resolve(document, path), op["value"]):
            raise PatchError(f"test failed: {op['path'] or '(document)'} is not {op['value']!r}")
        return document
    if name == "remove":
        return _remove(document, path)
    if name in ("add", "replace"):
        growth.admit(path, op["value"])
        value = copy.deepcopy(op["value"])  # the operation's own value stays as it was, for the next render
        if name == "add":
            return _add(document, path, value)
        resolve(document, path)
        if not path:
            return value
        parent = resolve(document, path[:-1])  # in place, so an object keeps its key order
        parent[path[-1] if isinstance(parent, dict) else _index(parent, path[-1], insert=False)] = value
        return document
    source = parse_pointer(op["from"])
    value = resolve(document, source)
    if name == "copy" or len(path) > len(source):  # a move up or across nests no deeper than the value was
        growth.admit(path, value)
    if name == "copy":
        return _add(document, path, copy.deepcopy(value))
    if source == path:
        return document
    if path[: len(source)] == source:
        raise PatchError(f"cannot move {op['from']} into its own child {op['path']}")
    return _add(_remove(document, source), path, value)


def apply_operation(document: Any, op: dict[str, Any]) -> Any:
    """The document after one operation (the input is left untouched)."""
    return apply_in_place(copy.deepcopy(document), op)


def apply_patch(document: Any, operations: Sequence[dict[str, Any]], growth: Growth | None = None) -> Any:
    """The document after every operation in order (the input is left untouched); PatchError names the first that
    fails, or the cap a fix passes (`MAX_OPERATIONS`, `Growth`)."""
    if len(operations) > MAX_OPERATIONS:
        raise PatchError(f"{len(operations)} operations, over the cap of {MAX_OPERATIONS} per fix")
    growth = growth or Growth()
    document = copy.deepcopy(document)
    for number, op in enumerate(operations):
        try:
            document = apply_in_place(document, op, growth)
        except PatchError as error:
            where = f"{op.get('op')} {op.get('path')!r}" if isinstance(op, dict) else "?"
            raise PatchError(f"operation {number} ({where}): {error}") from None
    return document
