"""The per-modality layout splits a file's logical JSON document over several files; this maps a fix onto them.

Rules see one logical document per file id (`id`, `metadata:vad`, `metadata:transcript`, `annotations:<type>`)
and name it by one of its parts (`<label>/<split>/metadata/vad/<id>.jsonl`, as `ModalitySource.path("json")`
does). A patch must change the file that holds the value, so each operation is routed by its first pointer token:

    /metadata:vad/...         -> <label>/<split>/metadata/vad/<id>.jsonl         (the document is the list of lines)
    /metadata:transcript/...  -> <label>/<split>/metadata/transcript/<id>.jsonl
    /annotations:<type>/...   -> <label>/<split>/annotations/<type>/<id>.json
and the rest of the pointer becomes the pointer inside that file (`/metadata:vad/3/end` -> `/3/end`).

Refused, because no file could hold the result: `/id` (the file name is the id), the whole document, removing a
whole part (that would delete a file), and `move`/`copy` between parts. Every other target passes unchanged.
"""

from __future__ import annotations

import re
from typing import Any

from siqa.patches.ops import PatchError, check_operation, format_pointer, parse_pointer

_PART_RE = re.compile(r"^(?P<split>[^/]+/[^/]+)/(?:metadata/(?:vad|transcript)/(?P<meta_id>[^/]+)\.jsonl|"
                      r"annotations/[^/]+/(?P<ann_id>[^/]+)\.json)$")
_ANNOTATION_TYPE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _part_file(split: str, file_id: str, key: str) -> str:
    if key in ("metadata:vad", "metadata:transcript"):
        return f"{split}/metadata/{key.split(':', 1)[1]}/{file_id}.jsonl"
    kind = key[len("annotations:"):] if key.startswith("annotations:") else ""
    if not _ANNOTATION_TYPE_RE.match(kind):
        raise PatchError(f"{key!r} has no file of its own in the per-modality layout")
    return f"{split}/annotations/{kind}/{file_id}.json"


def part_key(target: str) -> str | None:
    """The logical document's key a per-modality part file holds (`metadata:transcript`, `annotations:<type>`),
    or None for a target of another layout (the whole document): `split_fix` the other way round."""
    match = _PART_RE.match(target)
    if match is None:
        return None
    if match.group("meta_id"):
        return "metadata:" + target.split("/")[-2]
    return "annotations:" + target.split("/")[-2]


def split_fix(target: str, operations: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(target, operations) per file the operations change, in first-use order; one pair for other layouts."""
    match = _PART_RE.match(target)
    if match is None:
        return [(target, operations)]
    split, file_id = match.group("split"), match.group("meta_id") or match.group("ann_id")
    parts: dict[str, list[dict[str, Any]]] = {}
    for op in operations:
        check_operation(op)
        path = parse_pointer(op["path"])
        if not path:
            raise PatchError(f"{op['op']} on the whole document: the per-modality layout stores it in several files")
        part = _part_file(split, file_id, path[0])
        routed = {**op, "path": format_pointer(path[1:])}
        if op["op"] == "remove" and len(path) == 1:
            raise PatchError(f"removing {path[0]!r} would delete {part}; refused")
        if op["op"] in ("move", "copy"):
            source = parse_pointer(op["from"])
            if not source or _part_file(split, file_id, source[0]) != part:
                raise PatchError(f"{op['op']} from {op['from']!r} to {op['path']!r} crosses files")
            routed["from"] = format_pointer(source[1:])
        parts.setdefault(part, []).append(routed)
    return list(parts.items())
