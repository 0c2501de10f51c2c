"""Root-table rows as patch targets: a row is found by its key column, patched as `{column: value}`, and written
back as one CSV record, so every other record (and the header) keeps its exact bytes unless a column is added.

A row's hash is the SHA-256 of its record's UTF-8 bytes without the line terminator. Row operations `test` or
`replace` a column's value with a string, or `add` a column the table does not have yet (a trimmed interaction
boundary, say): then, and only then, the header gains the column and every other record an empty field for it.
Columns are never removed or reordered.

A fix may also target a whole table (`interactions.csv`), its operations addressing rows by key
(`/<key>/<column>`): `split_rows` turns it into one row target per key (`interactions.csv#<key>`, `/<column>`),
applied all together or not at all, like any fix that spans several targets (reassigning a session's prompts).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

from siqa.patches.ops import PatchError, check_operation, format_pointer, parse_pointer

# One record: quoted fields may hold newlines and doubled quotes; a record ends at a newline outside quotes.
_RECORD_RE = re.compile(r'(?:"[^"]*"|[^"\r\n]|\r(?!\n))*(?:\r?\n|$)')


@dataclass(frozen=True)
class Record:
    text: str  # without the terminator
    terminator: str
    fields: list[str]


def records(text: str) -> list[Record]:
    """The table's records in order (the header first), each with its own terminator."""
    raw = [m.group(0) for m in _RECORD_RE.finditer(text) if m.group(0)]
    if "".join(raw) != text:
        raise PatchError("CSV with an unbalanced quote")
    out = []
    for record in raw:
        body = record.rstrip("\r\n")
        fields = next(csv.reader([body]), []) if body else []
        out.append(Record(body, record[len(body):], fields))
    return out


def _header(table: list[Record]) -> list[str]:
    """Column names, without the byte-order mark some tools put before the first."""
    names = list(table[0].fields) if table else []
    return [names[0].lstrip("\ufeff"), *names[1:]] if names else names


def find_row(table: list[Record], key_column: str, key: str) -> int:
    """Index in `table` of the one record whose `key_column` is `key`."""
    header = _header(table)
    if key_column not in header:
        raise PatchError(f"no column {key_column!r} (columns: {', '.join(header)})")
    column = header.index(key_column)
    found = [i for i, r in enumerate(table[1:], 1) if len(r.fields) > column and r.fields[column] == key]
    if len(found) != 1:
        raise PatchError(f"{key_column} {key!r} is in {len(found)} rows (expected exactly one)")
    return found[0]


def row_document(table: list[Record], index: int) -> dict[str, str]:
    header, fields = _header(table), table[index].fields
    if len(fields) != len(header):
        raise PatchError(f"row has {len(fields)} fields, the header {len(header)}")
    return dict(zip(header, fields))


def checked_row(document: Any, before: dict[str, str]) -> dict[str, str]:
    """A patched row document, refused when it lost or reordered columns, or holds a value that is not a string."""
    if not isinstance(document, dict) or list(document)[:len(before)] != list(before):
        raise PatchError("row operations may replace a column's value or add a column, not remove or reorder "
                         "columns")
    bad = [k for k, v in document.items() if not isinstance(v, str)]
    if bad:
        raise PatchError(f"table cells are strings; {', '.join(bad)} would not be")
    if any(not name.strip() or name != name.strip() for name in list(document)[len(before):]):
        raise PatchError("an added column needs a name without surrounding spaces")
    return document


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def formula_cells(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """What a row patch writes that a spreadsheet would run as a formula (OWASP CSV injection): each new column
    name and changed value starting with =, +, -, @, tab or carriage return, unless it is a plain number ("-1.5")."""
    def formula(text: str) -> bool:
        return text.startswith(_FORMULA_START) and not _NUMBER_RE.fullmatch(text)

    names = [f"column name {name!r}" for name in after if name not in before and formula(name)]
    return names + [f"{name} = {value!r}" for name, value in after.items()
                    if isinstance(value, str) and value != before.get(name) and formula(value)]


def _record(fields: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(fields)
    return buffer.getvalue()


def render_table(table: list[Record], changes: dict[int, dict[str, str]]) -> str:
    """The table with the records at the indices in `changes` replaced by those rows (checked by `checked_row`).
    Columns the rows add are appended to the header, and every other record gets an empty field for each."""
    header = _header(table)
    added = list(dict.fromkeys(c for row in changes.values() for c in row if c not in header))
    columns = header + added
    texts = []
    for index, record in enumerate(table):
        if index in changes:
            texts.append(_record([changes[index].get(c, "") for c in columns]))
        elif added and index == 0:
            texts.append(f"{record.text},{_record(added)}")
        else:
            texts.append(record.text + "," * len(added) if record.text else record.text)
    return "".join(text + record.terminator for text, record in zip(texts, table))


def is_table(target: str) -> bool:
    """A whole root table (`<name>.csv` at the root), as opposed to one of its rows (`<name>.csv#<key>`)."""
    return target.endswith(".csv") and "#" not in target and "/" not in target


def split_rows(target: str, operations: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(row target, operations) per row key a whole-table fix touches, in first-use order."""
    parts: dict[str, list[dict[str, Any]]] = {}
    for op in operations:
        check_operation(op)
        path = parse_pointer(op["path"])
        if op["op"] not in ("test", "replace"):
            raise PatchError(f"{op['op']} on {target}: table rows only take test and replace of a column")
        if len(path) != 2:
            raise PatchError(f"{op['path']!r}: a table operation addresses /<row key>/<column>")
        parts.setdefault(f"{target}#{path[0]}", []).append({**op, "path": format_pointer(path[1:])})
    return list(parts.items())
