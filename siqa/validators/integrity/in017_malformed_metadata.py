from __future__ import annotations

from collections.abc import Iterator

from siqa.context import RuleContext
from siqa.dataset.schema import VAD_KEY
from siqa.dataset.units import ParticipantFile
from siqa.findings import Applicability, Finding, Fix, Scope, Severity
from siqa.registry import rule


@rule("IN017", "malformed-metadata", scope=Scope.FILE, severity=Severity.ERROR, reads=("json",))
def malformed_metadata(pf: ParticipantFile, ctx: RuleContext) -> Iterator[Finding]:
    """Metadata JSON that parses but does not have the documented structure.

    ## What it detects
    A JSON without the required `metadata:vad` list, whose `id` differs from its file name, or whose VAD or
    transcript entries lack numeric start/end or word text (wrong types, nulls, non-finite numbers).
    Optional parts (a transcript, annotations) may be absent.

    ## Why it matters
    Loaders that trust the schema crash or silently skip entries; an id that disagrees with the file name
    suggests the metadata belongs to another file.

    ## Evidence
    `problems` (up to 20 messages), `count`.

    ## Fix
    When the only problem is an `id` that differs from the file name, replaces it with the file name's id (safe:
    the file name is what every loader and table keys on).
    """
    if not pf.has("json"):
        return
    meta = pf.meta()
    problems = [] if meta.has_vad else [f"no {VAD_KEY} (required)"]
    problems += meta.vad().problems + meta.transcript().problems
    wrong_id = "id" in meta.raw and meta.raw["id"] != str(pf.file_id)
    fix = Fix(Applicability.SAFE, pf.path("json"), [{"op": "replace", "path": "/id", "value": str(pf.file_id)}],
              "set id to the file name's id") if wrong_id and not problems else None
    if wrong_id:
        problems.append(f"id {str(meta.raw['id'])[:80]!r} differs from the file name")
    if problems:
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        yield ctx.report(pf, f"{pf.path('json')}: {problems[0]}{more}", path=pf.path("json"),
                         evidence={"problems": problems[:20], "count": len(problems)}, fix=fix)
