"""Targets inside their files: reading each target's bytes and document, and rendering a file with new targets.

A file on disk holds one target (a JSON or JSONL file), or several (tar members, table rows). Write and apply
both go through here, so a target's hash means the same bytes everywhere: the whole file, the member's data, or
the row's record (see `rows`). A patched row is carried to `render` as its document in JSON, not as a record:
the table is rendered from all its patched rows at once, since a column one of them adds changes every record.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from siqa.dataset.decode import DEFAULT_LIMITS, Limits
from siqa.dataset.errors import ReadError
from siqa.patches import documents, rows, tars
from siqa.patches.files import Sink, read_bounded, sha256_bytes
from siqa.patches.ops import PatchError
from siqa.patches.targets import Target


@dataclass(frozen=True)
class Part:
    """One target's current bytes, and the way from bytes to document and back."""

    target: Target
    data: bytes
    row: dict[str, str] | None = None  # a row target's current values

    @property
    def sha256(self) -> str:
        return sha256_bytes(self.data)

    def load(self) -> Any:
        if self.row is not None:
            return dict(self.row)
        try:
            if self.target.document == "jsonl":
                return documents.load_jsonl(self.data, self.target.text)
            return documents.load_json(self.data, self.target.text)
        except ReadError as error:
            raise PatchError(error.reason) from None

    def dump(self, document: Any) -> bytes:
        if self.row is not None:
            return json.dumps(rows.checked_row(document, self.row), ensure_ascii=False).encode("utf-8")
        if self.target.document == "jsonl":
            return documents.dump_jsonl(document, self.data)
        return documents.dump_json(document, self.data)


def read_parts(path: Path, targets: Sequence[Target],
               limits: Limits = DEFAULT_LIMITS) -> dict[str, Part | PatchError]:
    """Each target's part, or the error that says why it cannot be read (all targets share the file `path`);
    a target over the reader's limit is refused unread."""
    if not path.is_file():
        error = PatchError(f"{targets[0].file}: no such file")
        return {t.text: error for t in targets}
    if targets[0].member is not None:
        try:
            found = tars.members(path, {str(t.member) for t in targets})
        except PatchError as error:
            return {t.text: error for t in targets}
        out: dict[str, Part | PatchError] = {}
        for t in targets:
            try:
                if t.member not in found:
                    raise PatchError(f"{t.text}: no such member")
                out[t.text] = Part(t, tars.read_member(path, found[str(t.member)], limits.json_bytes))
            except PatchError as error:
                out[t.text] = error
        return out
    if targets[0].row_key is not None:
        return _row_parts(path, targets, limits.table_bytes)
    try:
        data = read_bounded(path, limits.json_bytes, targets[0].file)
    except PatchError as error:
        return {t.text: error for t in targets}
    return {t.text: Part(t, data) for t in targets}


def _row_parts(path: Path, targets: Sequence[Target], limit: int) -> dict[str, Part | PatchError]:
    try:
        table = rows.records(read_bounded(path, limit, targets[0].file).decode("utf-8"))
    except (UnicodeDecodeError, PatchError) as error:
        return {t.text: PatchError(f"{t.file}: unreadable table: {error}") for t in targets}
    out: dict[str, Part | PatchError] = {}
    for target in targets:
        try:
            index = rows.find_row(table, *target.row)
            out[target.text] = Part(target, table[index].text.encode("utf-8"), rows.row_document(table, index))
        except PatchError as error:
            out[target.text] = PatchError(f"{target.text}: {error}")
    return out


def render(path: Path, targets: Sequence[Target], new: dict[str, bytes], sink: Sink) -> None:
    """Write the file at `path` to `sink` with the targets in `new` (by target text) replaced."""
    if targets[0].member is not None:
        tars.rewrite(path, {str(t.member): new[t.text] for t in targets if t.text in new}, sink)
        return
    if targets[0].row_key is not None:
        table = rows.records(path.read_bytes().decode("utf-8"))
        changes = {rows.find_row(table, *t.row): json.loads(new[t.text]) for t in targets if t.text in new}
        sink.write(rows.render_table(table, changes).encode("utf-8"))
        return
    (target,) = targets
    sink.write(new[target.text])
