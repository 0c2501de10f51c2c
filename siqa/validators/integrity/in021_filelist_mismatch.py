from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pandas as pd

from siqa.context import RuleContext
from siqa.dataset.batch import BatchIndex
from siqa.dataset.errors import TableError
from siqa.dataset.layouts.listing import IndexProblem
from siqa.dataset.layouts.modality import FILELIST
from siqa.findings import Finding, Scope, Severity
from siqa.registry import rule
from siqa.validators.integrity._shared import index_problems, problem_findings


@rule("IN021", "filelist-mismatch", scope=Scope.BATCH, severity=Severity.ERROR)
def filelist_mismatch(index: BatchIndex, ctx: RuleContext) -> Iterator[Finding]:
    """`filelist.csv` disagrees with the files of the batch.

    ## What it detects
    A file id the file list assigns to this batch with no file in it; a file of the batch that the list assigns
    to another batch or does not list; a file id listed more than once for the label and split. In the
    per-modality tree, where batches exist only through the file list, also a file list that is absent or
    unusable (the whole split is then audited as batch 0000). A table that cannot be read is IN019's.

    ## Why it matters
    The file list is how users (and the per-modality layout) find a batch: a listed file that is absent breaks
    their downloads and loaders, an unlisted one is never used, a repeated one is counted twice.

    ## Evidence
    `kind`, `reason`; the path is `filelist.csv`.
    """
    yield from index_problems(index, ctx, "filelist")
    try:
        table = ctx.batch.tables.filelist if ctx.batch.tables is not None else None
    except TableError:
        return
    if table is not None:
        yield from problem_findings(index, ctx, _disagreements(index, table))


def _disagreements(index: BatchIndex, table: pd.DataFrame) -> list[IndexProblem]:
    """Repeated ids, and (where batches are folders or tars, not the list itself) listed ids with no file and
    files the list puts elsewhere."""
    where = f"{index.label}/{index.split}"
    rows = table[(table["label"] == index.label) & (table["split"] == index.split)]
    problems = [IndexProblem(FILELIST, "filelist", f"{fid} is listed {count} times for {where}", fid)
                for fid, count in sorted(Counter(rows["file_id"]).items()) if count > 1]
    if index.layout == "modality":  # the index already holds the listed ids it could not find
        return problems
    batch_of = dict(zip(rows["file_id"], rows["batch_idx"]))
    listed = {fid for fid, batch in batch_of.items() if batch.strip().isdigit() and int(batch) == int(index.batch)}
    present = {str(pf.file_id) for pf in index.participant_files()}
    problems += [IndexProblem(FILELIST, "filelist", f"{fid} is listed for {where}/{index.batch} but no file of it is "
                                                    "in the batch", fid) for fid in sorted(listed - present)]
    problems += [IndexProblem(FILELIST, "filelist", f"{fid} is in {where}/{index.batch} but the file list "
                              + (f"puts it in batch {batch_of[fid]!r}" if fid in batch_of else "does not list it"),
                              fid) for fid in sorted(present - listed)]
    return problems
