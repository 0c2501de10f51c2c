"""Patch targets: what a record's `target` string names, checked before anything is read or written.

Three forms, all relative to the dataset root:
    `<dir>/<file>.json` or `.jsonl`   a whole file (extracted layout, or a part of the per-modality layout)
    `<dir>/<archive>.tar:<member>`    a JSON member of a WebDataset tar
    `<table>.csv#<key>`               the row of a root table whose key column holds `<key>`

Patches are untrusted input, so a target must be a normalised relative POSIX path (no absolute path, `.`, `..`,
empty part, backslash or control character), and `resolve_inside` refuses symlinks and anything whose real path
leaves the root.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_DOCUMENT_SUFFIXES = (".json", ".jsonl")


class TargetError(ValueError):
    """A target that is malformed or would reach outside the dataset root."""


@dataclass(frozen=True)
class Target:
    text: str
    file: str  # the file on disk that holds the target, relative to the root
    member: str | None = None
    row_key: str | None = None
    key_column: str | None = None  # a row target's key column, as the table's header spells it

    @property
    def row(self) -> tuple[str, str]:
        """(key column, key) of a row target."""
        if self.row_key is None or self.key_column is None:
            raise TargetError(f"{self.text!r} is not a table row")
        return self.key_column, self.row_key

    @property
    def document(self) -> str:
        """How the target's bytes are read: "json", "jsonl" or "row"."""
        if self.row_key is not None:
            return "row"
        return "jsonl" if self.file.endswith(".jsonl") else "json"


def check_relative(path: str) -> str:
    """`path` itself when it is a normalised relative POSIX path, else TargetError."""
    if not path or _CONTROL_RE.search(path) or "\\" in path:
        raise TargetError(f"{path!r}: not a plain relative path")
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        raise TargetError(f"{path!r}: absolute paths are refused; targets are relative to the dataset root")
    if any(part in ("", ".", "..") for part in path.split("/")):
        raise TargetError(f"{path!r}: not normalised ('..', '.' or an empty part); refused")
    return path


def parse_target(text: str, key_column: str | None = None) -> Target:
    if not isinstance(text, str):
        raise TargetError(f"a target must be a string, not {type(text).__name__}")
    if "#" in text:
        file, _, key = text.partition("#")
        if not file.endswith(".csv") or not key or _CONTROL_RE.search(key):
            raise TargetError(f"{text!r}: a row target is <table>.csv#<key>")
        if not isinstance(key_column, str) or not key_column:
            raise TargetError(f"{text!r}: a row target needs its key column")
        return Target(text, check_relative(file), row_key=key, key_column=key_column)
    if ".tar:" in text:
        file, _, member = text.partition(".tar:")
        if "/" in member or member in ("", ".", "..") or not member.endswith(".json"):
            raise TargetError(f"{text!r}: a tar target is <archive>.tar:<name>.json (a member at the tar's top)")
        check_relative(member)
        return Target(text, check_relative(file + ".tar"), member=member)
    if not text.endswith(_DOCUMENT_SUFFIXES):
        raise TargetError(f"{text!r}: only .json and .jsonl files, tar members and table rows can be patched")
    return Target(text, check_relative(text))


def resolve_inside(root: Path, relative: str) -> Path:
    """`root/relative`, refused when it is a symlink or its real path is not inside the root's real path."""
    path = root / check_relative(relative)
    if path.is_symlink():
        raise TargetError(f"{relative}: is a symlink; refused")
    real_root = os.path.realpath(root)
    if os.path.commonpath([real_root, os.path.realpath(path)]) != real_root:
        raise TargetError(f"{relative}: resolves outside {root} (through a symlink); refused")
    return path
