"""Interaction rules that judge each participant file on its own signal (computed with the partner's help)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from siqa.context import Skip
from siqa.dataset.errors import ReadError
from siqa.dataset.units import ParticipantFile

T = TypeVar("T")


def each_participant(files: Iterable[ParticipantFile], compute: Callable[[ParticipantFile], T]
                     ) -> Iterator[tuple[ParticipantFile, T]]:
    """(file, signal) for every file whose signal can be computed; one file that cannot be judged does not
    stop its partner's. Raises Skip with every reason when no file could be judged."""
    files = list(files)
    reasons = []
    for pf in files:
        try:
            value = compute(pf)
        except (Skip, ReadError) as why:
            reasons.append(f"{pf.file_id}: {why}")
            continue
        yield pf, value
    if reasons and len(reasons) == len(files):
        raise Skip("; ".join(reasons))
