"""One defect, one finding: findings that follow from another finding are folded into it.

A channel that is digitally silent (IN013) also fails every check of its speech: its transcript sits on no
speech (TS005, TR003), ASR hears none of its words (TR001)... Counted each on its own, one defect looks like
five in the tables, the gate and the dashboard, and the consequences bury the cause. `fold` marks each such
consequence with `caused_by`, the root finding's `ref`: it stays in `findings.jsonl` with its own evidence,
and is counted once, at its root.

`PRECEDENCE` says which root explains which codes, and over which unit (docs/causes.md shows the table). A
finding that several roots explain is folded into the one of the earliest entry, among those the one first in
`Finding.sort_key` order; a root that is itself folded passes its consequences on to its own root, so every
`caused_by` names a finding that is counted. The result depends on the set of findings, never on their order.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass, replace

from siqa.findings import Finding


class Link(str, enum.Enum):
    """Which findings a root can explain, besides their code."""

    FILE = "same file"
    INTERACTION = "same interaction"
    SPAN = "same file, overlapping span"

    def joins(self, root: Finding, finding: Finding) -> bool:
        if self is Link.INTERACTION:
            return root.interaction_key == finding.interaction_key
        same_file = root.file_id is not None and root.file_id == finding.file_id
        if self is Link.FILE:
            return same_file
        return same_file and _overlap(root.span, finding.span)


@dataclass(frozen=True)
class Cause:
    roots: tuple[str, ...]  # rule codes
    explains: tuple[str, ...]  # rule codes, or families (every code of the family)
    link: Link
    why: str

    def covers(self, root: Finding, finding: Finding) -> bool:
        return (root.code in self.roots and (finding.code in self.explains or finding.family in self.explains)
                and self.link.joins(root, finding))


UNUSABLE_AUDIO = ("IN001", "IN013")  # the WAV cannot be decoded, or holds (almost) nothing
UNUSABLE_METADATA = ("IN002", "IN017")  # the JSON cannot be parsed, or lacks the documented structure

PRECEDENCE: tuple[Cause, ...] = (
    Cause(UNUSABLE_AUDIO, ("TR", "TS", "BL", "RQ", "AV", "IN014"), Link.FILE,
          "no measure of the channel's speech means anything: transcript, VAD and timing have no speech to agree "
          "with, level, noise and bleed nothing to measure"),
    Cause(UNUSABLE_AUDIO, ("TR002",), Link.INTERACTION,
          "without the partner's channel, the partner's voice heard through bleed is no longer told apart from "
          "the participant's own: ASR hears it as speech the transcript lacks"),
    Cause(UNUSABLE_METADATA, ("TR", "TS"), Link.FILE,
          "the transcript and VAD that the checks compare with the audio cannot be read as documented"),
    Cause(("BL003",), ("TR", "TS", "BL001", "RQ001", "RQ006"), Link.INTERACTION,
          "each channel holds the partner's voice, or both the same recording: every comparison of a channel "
          "with its own annotation, its level, noise and bleed describe the wrong person"),
    Cause(("IN014", "IN015"), ("TS004",), Link.FILE,
          "the annotated VAD is empty, or its segments impossible: its disagreement with the speech is that "
          "defect again"),
    Cause(("BL002",), ("TS005", "TR003"), Link.SPAN,
          "the echo words are the partner's, heard through bleed: they sit where this channel has no own speech"),
)


def fold(findings: list[Finding]) -> list[Finding]:
    """The same findings in the same order, each consequence with `caused_by` set to its root's `ref`."""
    parents = _parents(findings)
    out = []
    for index, finding in enumerate(findings):
        root = _ultimate(index, parents)
        out.append(replace(finding, caused_by=findings[root].ref) if root != index else finding)
    return out


def _parents(findings: list[Finding]) -> dict[int, int]:
    """Each explained finding's direct root (indices): the earliest cause, then the root first in sort order
    (its JSON breaks ties, so that equal findings in another order choose alike)."""
    units: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, finding in enumerate(findings):
        if finding.interaction_key:  # every link lies within one interaction
            units[(finding.batch or "", finding.interaction_key)].append(index)
    parents = {}
    for members in units.values():
        for index in members:
            ranked = [(rank, findings[r].sort_key(), findings[r].to_json(), r) for r in members if r != index
                      for rank, cause in enumerate(PRECEDENCE) if cause.covers(findings[r], findings[index])]
            if ranked:
                parents[index] = min(ranked)[-1]
    return parents


def _ultimate(index: int, parents: dict[int, int]) -> int:
    """The root at the top of a chain of causes (finite: no code explains itself, even through others)."""
    while index in parents:
        index = parents[index]
    return index


def _overlap(a: tuple[float, float] | None, b: tuple[float, float] | None) -> bool:
    return a is not None and b is not None and a[0] <= b[1] and b[0] <= a[1]
