"""Errors a reader raises for one file; the audit turns each into a finding and goes on."""

from __future__ import annotations


class ReadError(Exception):
    """A file (or tar member) that cannot be read as what it claims to be.

    `path` is relative to the dataset root (a tar member is `archive.tar:member`), so the message names the file.
    `kind` says which integrity rule owns it: "wav", "json", "npz", "mp4", "archive" or "table".
    """

    def __init__(self, path: str, kind: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.kind = kind
        self.reason = reason


class DatasetNotFound(Exception):
    """A root or batch that does not exist; the message says where siqa looked and how to get data."""


class TableError(Exception):
    """A root table that cannot be used (missing column, unreadable CSV); names file and column."""
