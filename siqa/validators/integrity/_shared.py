"""Pieces several integrity rules use: turning a ReadError into a finding, and index problems into findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from siqa.context import RuleContext
from siqa.dataset.batch import BatchIndex
from siqa.dataset.errors import ReadError
from siqa.dataset.ids import FileId, interaction_key_in, site_of_key
from siqa.dataset.layouts.listing import IndexProblem
from siqa.dataset.units import ParticipantFile
from siqa.findings import Finding, Scope


def unreadable(pf: ParticipantFile, ctx: RuleContext, modality: str, load: Callable[[], object]) -> Iterator[Finding]:
    """One finding when loading `modality` fails for a reason other than absence (IN005 reports absence)."""
    if not pf.has(modality):
        return
    try:
        load()
    except ReadError as error:
        yield ctx.report(pf, f"{error.path}: {error.reason}", path=error.path,
                         evidence={"modality": modality, "reason": error.reason})


def index_problems(index: BatchIndex, ctx: RuleContext, kind: str) -> Iterator[Finding]:
    """Findings for the batch index's problems of one kind, scoped to the file when the name holds an id."""
    yield from problem_findings(index, ctx, [p for p in index.problems if p.kind == kind])


def problem_findings(index: BatchIndex, ctx: RuleContext, problems: Iterable[IndexProblem]) -> Iterator[Finding]:
    """One finding per problem, scoped to the file when the name holds an id, else to the interaction or site."""
    for problem in problems:
        fid = FileId.search(problem.file_id or problem.path)
        interaction = interaction_key_in(problem.path)
        keys: dict[str, Any]  # Finding fields that override the batch's (`RuleContext.report`)
        if fid:
            keys = {"scope": Scope.FILE, "file_id": str(fid), "interaction_key": fid.interaction_key,
                    "session_key": fid.session_key, "site": fid.site}
        elif interaction:
            keys = {"scope": Scope.INTERACTION, "interaction_key": interaction,
                    "session_key": interaction.rsplit("_", 1)[0], "site": site_of_key(interaction)}
        else:
            keys = {"site": _site(problem.path)}
        yield ctx.report(index, f"{problem.path}: {problem.reason}", path=problem.path,
                         evidence={"kind": problem.kind, "reason": problem.reason}, **keys)


def _site(path: str) -> str:
    try:
        return site_of_key(path.rsplit("/", 1)[-1])
    except ValueError:
        return "*"
