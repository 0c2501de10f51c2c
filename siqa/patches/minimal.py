"""The smallest RFC 6902 operations that turn one JSON value into another: what a rule's fix is made of.

A rule computes what a list or document should become (a transcript without echo words, sorted segments,
shifted times); `operations` turns that into changes of the smallest units that differ (a word removed, a
segment moved, one `start` replaced), so a reviewer reads the change itself and two fixes conflict only where
they touch the same unit. Arrays are aligned (`align`): equal elements are kept, an element found elsewhere is
moved, and the rest are paired by position, or by shared members where a run changes length, and changed in
place; what stays unpaired is removed or added. Removals come first, from the highest index down, so each names
the element it removes in the original array; moves and additions follow in ascending final position, then the
changes inside paired elements at their final indices.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Any

from siqa.patches.ops import format_pointer, json_equal

_MAX_ALIGNED_CELLS = 10_000  # a run of changed elements larger than this is paired by position, not by members


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _similarity(a: Any, b: Any) -> float:
    """Share of members two objects have in common (0 for anything else): how likely one became the other."""
    if not (isinstance(a, dict) and isinstance(b, dict)) or not (a or b):
        return 0.0
    return sum(1 for k in a if k in b and json_equal(a[k], b[k])) / max(len(a), len(b))


def _pair_run(before: Sequence[Any], after: Sequence[Any], olds: list[int], news: list[int]) -> dict[int, int]:
    """Pairs (new index -> old index) within one run of changed elements, keeping their order: by position when
    the run keeps its length, else the order-preserving pairing with the most members in common."""
    if len(olds) == len(news) or len(olds) * len(news) > _MAX_ALIGNED_CELLS:
        return dict(zip(news, olds))
    rows, cols = len(olds), len(news)
    best = [[0.0] * (cols + 1) for _ in range(rows + 1)]
    for r in range(rows - 1, -1, -1):
        for c in range(cols - 1, -1, -1):
            best[r][c] = max(best[r + 1][c], best[r][c + 1],
                             best[r + 1][c + 1] + _similarity(before[olds[r]], after[news[c]]))
    pairs, r, c = {}, 0, 0
    while r < rows and c < cols:
        score = _similarity(before[olds[r]], after[news[c]])
        if score > 0 and best[r][c] == best[r + 1][c + 1] + score:
            pairs[news[c]] = olds[r]
            r, c = r + 1, c + 1
        elif best[r][c] == best[r + 1][c]:
            r += 1
        else:
            c += 1
    return pairs


def align(before: Sequence[Any], after: Sequence[Any]) -> dict[int, int]:
    """Which element of `before` each element of `after` is (new index -> old index); unpaired ones are new."""
    return _aligned(before, after)[0]


def _aligned(before: Sequence[Any], after: Sequence[Any]) -> tuple[dict[int, int], set[int]]:
    """`align`'s pairs, and the old indices of the elements that moved out of order."""
    old_text, new_text = [_canonical(v) for v in before], [_canonical(v) for v in after]
    pairs: dict[int, int] = {}
    runs: list[tuple[list[int], list[int]]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_text, new_text, autojunk=False).get_opcodes():
        if tag == "equal":
            pairs.update(zip(range(j1, j2), range(i1, i2)))
        else:
            runs.append((list(range(i1, i2)), list(range(j1, j2))))
    unpaired: dict[str, list[int]] = defaultdict(list)
    for olds, _ in runs:
        for i in olds:
            unpaired[old_text[i]].append(i)
    moved: set[int] = set()
    for _, news in runs:
        for j in news:
            if unpaired[new_text[j]]:
                pairs[j] = unpaired[new_text[j]].pop(0)
                moved.add(pairs[j])
    for olds, news in runs:
        pairs.update(_pair_run(before, after, [i for i in olds if i not in moved], [j for j in news if j not in pairs]))
    return pairs, moved


def _array_operations(tokens: tuple[str, ...], before: list[Any], after: list[Any]) -> list[dict[str, Any]]:
    pairs, moved = _aligned(before, after)
    operations: list[dict[str, Any]] = []
    live = list(range(len(before)))  # the old index of each element at its current position
    for i in sorted(set(range(len(before))) - set(pairs.values()), reverse=True):
        operations.append({"op": "remove", "path": format_pointer((*tokens, str(i)))})
        del live[i]
    for j in sorted(j for j, i in pairs.items() if i in moved):  # each right after the element it follows
        position = live.index(pairs[j])
        del live[position]
        previous = next((pairs[k] for k in range(j - 1, -1, -1) if k in pairs), None)
        place = 0 if previous is None else live.index(previous) + 1
        operations.append({"op": "move", "from": format_pointer((*tokens, str(position))),
                           "path": format_pointer((*tokens, str(place)))})
        live.insert(place, pairs[j])
    operations += [{"op": "add", "path": format_pointer((*tokens, str(j))), "value": value}
                   for j, value in enumerate(after) if j not in pairs]
    for j, i in sorted(pairs.items()):
        operations += operations_between(before[i], after[j], (*tokens, str(j)))
    return operations


def operations_between(before: Any, after: Any, tokens: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The operations that turn `before`, found at `tokens` in a document, into `after` (none when equal)."""
    if json_equal(before, after):
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        operations = [{"op": "remove", "path": format_pointer((*tokens, key))} for key in before if key not in after]
        for key, value in after.items():
            operations += (operations_between(before[key], value, (*tokens, key)) if key in before
                           else [{"op": "add", "path": format_pointer((*tokens, key)), "value": value}])
        return operations
    if isinstance(before, list) and isinstance(after, list):
        return _array_operations(tokens, before, after)
    return [{"op": "replace", "path": format_pointer(tokens), "value": after}]


def operations(document: dict[str, Any], key: str, after: Any) -> list[dict[str, Any]]:
    """The operations that turn `document[key]` into `after` (an `add` when the document has no such member)."""
    if key not in document:
        return [{"op": "add", "path": format_pointer((key,)), "value": after}]
    return operations_between(document[key], after, (key,))
