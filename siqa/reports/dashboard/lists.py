"""Release-wide lists, one per rule and one per family, and the search over every interaction.

A release holds tens of thousands of findings of one rule, too many for pre-rendered pages a curator can sort
and filter, so each list page is small and its rows are data files beside it (`links.list_data`: scripts, since
a page opened from disk may not fetch JSON), `CHUNK` rows each, one set per rule: a family's list loads its
rules' files. The page's script pages, sorts and filters them (dashboard.js). Every text in them is JSON
string data, put on the page as text, never as markup.

A list row: [severity rank, code, site, batch, unit key, span start, span end, confidence, message, link to its
finding (from the dashboard folder), finding key, fix id, reviewed (1: rejected as not a defect), findings
folded into it]. A search row: [interaction key, site, batch, participants, findings, worst severity rank (-1:
clean), link].
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from siqa.decisions import finding_key
from siqa.findings import Finding
from siqa.reports.dashboard import links
from siqa.reports.dashboard.catalog import Entry, Place

CHUNK = 5000


def fix_key(finding: Finding) -> str:
    """The fix's id in `patches.jsonl` ("" without a fix)."""
    from siqa.patches.model import fix_id

    fix = finding.fix
    return fix_id(finding.code, fix.target, fix.operations) if fix is not None else ""


def _row(finding: Finding, anchor: str | None, folded: int, rejected: bool) -> list[Any]:
    start, end = finding.span if finding.span is not None else (None, None)
    return [finding.severity.rank, finding.code, finding.site, finding.batch or "", finding.unit_key, start, end,
            round(finding.confidence, 3), finding.message, anchor or "", finding_key(finding), fix_key(finding),
            int(rejected), folded]


def _write_script(folder: Path, path: str, variable: str, rows: list[list[Any]]) -> None:
    target = folder / path
    target.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    target.write_text(f"(self.{variable} ||= []).push(...{data});\n", encoding="utf-8")


def write_rule_data(folder: Path, rows: Iterable[tuple[Finding, str | None, int]],
                    rejected: Callable[[Finding], bool]) -> dict[str, int]:
    """Every rule's rows as data files; returns each rule's number of chunks."""
    by_code: dict[str, list[list[Any]]] = defaultdict(list)
    for finding, anchor, folded in rows:
        by_code[finding.code].append(_row(finding, anchor, folded, rejected(finding)))
    chunks = {}
    for code, items in by_code.items():
        chunks[code] = max(1, -(-len(items) // CHUNK))
        for number in range(chunks[code]):
            _write_script(folder, links.list_data(code, number + 1), "siqaRows",
                          items[number * CHUNK:(number + 1) * CHUNK])
    return chunks


def list_pages(chunks: dict[str, int], counts: dict[str, int]) -> Iterable[tuple[str, dict[str, Any]]]:
    """(path, context) of each rule's list and each family's."""
    families: dict[str, list[str]] = defaultdict(list)
    for code in sorted(chunks):
        families[code[:2]].append(code)
        yield links.rule_list(code), _context(code, "rule", [code], chunks, counts)
    for family, codes in sorted(families.items()):
        yield links.family_list(family), _context(family, "family", codes, chunks, counts)


def _context(name: str, kind: str, codes: list[str], chunks: dict[str, int],
             counts: dict[str, int]) -> dict[str, Any]:
    return {"name": name, "kind": kind, "codes": codes, "total": sum(counts.get(c, 0) for c in codes),
            "scripts": [links.list_data(c, n) for c in codes for n in range(1, chunks[c] + 1)]}


def write_search_data(folder: Path, entries: dict[Place, Entry],
                      flagged: dict[Place, list[Finding]]) -> list[str]:
    """Every interaction as a search row; returns the data files."""
    rows = []
    for place in sorted(entries):
        batch, site, key = place
        counted = [f for f in flagged.get(place, []) if f.caused_by is None]
        worst = max((f.severity.rank for f in counted), default=-1)
        rows.append([key, site, batch, " ".join(sorted(entries[place].participants)), len(counted), worst,
                     links.interaction(site, batch, key)])
    paths = [links.search_data(n + 1) for n in range(max(1, -(-len(rows) // CHUNK)))]
    for number, path in enumerate(paths):
        _write_script(folder, path, "siqaInteractions", rows[number * CHUNK:(number + 1) * CHUNK])
    return paths
