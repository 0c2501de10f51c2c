"""Writing the dashboard's pages: only those whose inputs changed, the costly ones in parallel.

A page's digest covers everything it shows (its context, or for an interaction page the findings and the
recordings' sizes and times) and the code that renders it (templates, static files, this package), and the
digests go to `manifest.json` in the dashboard folder. A page whose digest is unchanged since the last build is
linked from the previous folder, with its own files (`links.page_files`), instead of being rendered again.
Interaction pages, which decode recordings and cut clips, are built by forked workers (`in_parallel`).
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import multiprocessing
import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from siqa.reports.dashboard import links

MANIFEST = "manifest.json"
HERE = Path(__file__).parent


@cache
def code_digest() -> str:
    """What renders every page: templates, static files, this package's code and siqa's version."""
    digest = hashlib.sha256(version("siqa").encode())
    for path in sorted(HERE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".html", ".css", ".js"):
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def canonical(value: Any, mark: Callable[[Any], Any] = lambda value: None) -> Iterator[str]:
    """`value` as text that is the same for the same content in every process (sets sorted, dict order
    ignored), for digests; `mark(item)` adds what a page shows of a dataclass item beyond its fields (a
    finding's review)."""
    if isinstance(value, dict):
        yield "{"
        for key in sorted(value, key=repr):
            yield repr(key)
            yield from canonical(value[key], mark)
        yield "}"
    elif isinstance(value, (set, frozenset)):
        yield "set"
        yield from canonical(sorted(value, key=repr), mark)
    elif isinstance(value, (list, tuple)):
        yield "["
        for item in value:
            yield from canonical(item, mark)
        yield "]"
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield f"{type(value).__name__}{mark(value)!r}"
        yield from canonical({f.name: getattr(value, f.name) for f in dataclasses.fields(value)}, mark)
    elif isinstance(value, enum.Enum):
        yield repr(value.value)
    else:
        yield repr(value)


def digest_of(path: str, inputs: Any, mark: Callable[[Any], Any] = lambda value: None) -> str:
    digest = hashlib.sha256(f"{code_digest()}|{path}".encode())
    for part in canonical(inputs, mark):
        digest.update(part.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:24]


class Writer:
    """Keeps the unchanged pages of `previous` (the last build) and renders the rest; `finish` writes the
    manifest."""

    def __init__(self, pages: Any, previous: Path | None,  # pages: builder.Pages
                 mark: Callable[[Any], Any] = lambda value: None) -> None:
        self.pages, self.previous, self.mark = pages, previous, mark
        self.old = _manifest(previous) if previous is not None else {}
        self.digests: dict[str, str] = {}
        self.kept = self.rendered = 0

    def keep(self, path: str, inputs: Any) -> bool:
        """Records the page's digest; True when the previous build's page (and its files) was kept."""
        digest = self.digests[path] = digest_of(path, inputs, self.mark)
        if self.previous is None or self.old.get(path) != digest or not (self.previous / path).is_file():
            return False
        target = self.pages.folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        _link(self.previous / path, target)
        files = self.previous / links.page_files(path)
        if files.is_dir():
            shutil.copytree(files, self.pages.folder / links.page_files(path), copy_function=_link)
        self.kept += 1
        return True

    def write(self, path: str, template: str, **context: Any) -> None:
        """`Pages.write`, unless the previous build's page is the same."""
        if not self.keep(path, (template, context)):
            self.pages.write(path, template, **context)
            self.rendered += 1

    def finish(self) -> None:
        (self.pages.folder / MANIFEST).write_text(
            json.dumps({"code": code_digest(), "pages": self.digests}, sort_keys=True), encoding="utf-8")


def in_parallel(work: Callable[[Any], None], parts: list[Any], workers: int) -> None:
    """`work(part)` for every part, in `workers` forked processes when there are several parts: a part is
    inherited by the fork, never pickled (objects keep their identities, which the page contexts key on)."""
    if workers <= 1 or len(parts) <= 1:
        for part in parts:
            work(part)
        return
    _SHARED[:] = [work, parts]
    try:
        with ProcessPoolExecutor(min(workers, len(parts)), mp_context=multiprocessing.get_context("fork")) as pool:
            list(pool.map(_run_part, range(len(parts))))
    finally:
        _SHARED.clear()


_SHARED: list[Any] = []


def _run_part(index: int) -> None:
    work, parts = _SHARED
    work(parts[index])


def _manifest(folder: Path) -> dict[str, str]:
    """The page digests of the last build (none when it was built by other code, or is unreadable)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("code") != code_digest() or not isinstance(data.get("pages"), dict):
        return {}
    return data["pages"]


def _link(source: Path | str, target: Path | str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or no hard links there
        shutil.copyfile(source, target)
