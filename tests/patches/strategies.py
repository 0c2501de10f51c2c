"""Hypothesis strategies: random JSON documents, and random RFC 6902 operations drawn against a document."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from siqa.patches.ops import apply_operation, format_pointer

keys = st.text(alphabet=st.sampled_from("ab~/: é0-"), min_size=1, max_size=4)
scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False) \
    | st.text(max_size=8)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
                      max_leaves=12)
documents = st.dictionaries(keys, values, min_size=1, max_size=5)
STYLES = [{}, {"indent": 1}, {"indent": 2}, {"indent": 4}, {"indent": "\t"}, {"separators": (",", ":")},
          {"indent": 2, "ensure_ascii": False}, {"ensure_ascii": False, "separators": (",", ":")}]
"""`json.dumps` keyword sets a release's JSON files might be written with."""


def locations(document: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every pointer (as tokens) that exists in the document, the document itself first."""
    out = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            out += locations(value, prefix + (key,))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            out += locations(value, prefix + (str(index),))
    return out


def _at(document: Any, tokens: tuple[str, ...]) -> Any:
    for token in tokens:
        document = document[int(token)] if isinstance(document, list) else document[token]
    return document


def _new_location(draw: Any, document: Any, avoid: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Where an `add` can write: a new or existing member of an object, or an index (or `-`) of an array."""
    containers = [p for p in locations(document) if isinstance(_at(document, p), (dict, list))
                  and (avoid is None or p[: len(avoid)] != avoid)]
    parent = draw(st.sampled_from(containers))
    container = _at(document, parent)
    if isinstance(container, list):
        return parent + (draw(st.sampled_from([str(i) for i in range(len(container) + 1)] + ["-"])),)
    return parent + (draw(keys | st.sampled_from(sorted(container) or ["k"])),)


@st.composite
def operation(draw: Any, document: Any) -> dict[str, Any]:
    """One operation valid against `document` (so the whole patch applies), of any of the six kinds."""
    existing = locations(document)
    inner = [p for p in existing if p]
    kinds = ["replace", "test"] + (["add", "copy"] if isinstance(document, (dict, list)) else []) \
        + (["remove", "move"] if inner else [])
    kind = draw(st.sampled_from(kinds))
    if kind in ("replace", "test"):
        path = draw(st.sampled_from(existing))
        return {"op": kind, "path": format_pointer(path),
                "value": _at(document, path) if kind == "test" else draw(values)}
    if kind == "remove":
        return {"op": "remove", "path": format_pointer(draw(st.sampled_from(inner)))}
    if kind == "add":
        return {"op": "add", "path": format_pointer(_new_location(draw, document)), "value": draw(values)}
    source = draw(st.sampled_from(inner if kind == "move" else existing))
    if kind == "move":  # the target is drawn in the document after removing the source, as RFC 6902 evaluates it
        without = _remove(document, source)
        return {"op": "move", "from": format_pointer(source),
                "path": format_pointer(_new_location(draw, without, avoid=source))}
    return {"op": "copy", "from": format_pointer(source), "path": format_pointer(_new_location(draw, document))}


def _remove(document: Any, tokens: tuple[str, ...]) -> Any:
    clone = copy.deepcopy(document)
    parent = _at(clone, tokens[:-1])
    if isinstance(parent, list):
        del parent[int(tokens[-1])]
    else:
        del parent[tokens[-1]]
    return clone


@st.composite
def patches(draw: Any, document: Any, max_size: int = 4) -> list[dict[str, Any]]:
    """A sequence of operations, each valid against the document the ones before it leave."""
    ops = []
    for _ in range(draw(st.integers(1, max_size))):
        op = draw(operation(document))
        document = apply_operation(document, op)
        ops.append(op)
    return ops
