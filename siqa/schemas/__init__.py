"""JSON Schemas (draft 2020-12) of the files siqa writes and reads, shipped in the package (`siqa schema`).

One schema per record kind: a JSONL schema describes one line. `siqa.schemas.version` holds the version every
output is stamped with; the schemas' `$id` carry it too.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

SUFFIX = ".schema.json"


def names() -> list[str]:
    """The shipped schemas, by name (`findings`, `summary` ...)."""
    return sorted(entry.name.removesuffix(SUFFIX) for entry in files(__name__).iterdir()
                  if entry.name.endswith(SUFFIX))


def schema_text(name: str) -> str:
    """The schema as shipped; a name that is none of `names()` is a KeyError saying which exist."""
    if name not in names():
        raise KeyError(f"no schema {name!r}: one of {', '.join(names())}")
    return (files(__name__) / f"{name}{SUFFIX}").read_text(encoding="utf-8")


def load(name: str) -> dict[str, Any]:
    return json.loads(schema_text(name))
