"""The gate's verdict as Markdown, for a pull-request comment.

Text from the dataset cannot format, link or break a table: ids and paths go into code spans, other text has
the characters that start inline Markdown or HTML escaped (dataset text never starts a line here, so
line-start syntax cannot trigger), `@name` cannot mention anyone, and control characters are written visibly.
The comment stays under GitHub's size limit by listing at most `LIMIT` findings.
"""

from __future__ import annotations

import math
import re

from siqa.findings import Finding
from siqa.registry import FAMILIES
from siqa.reports.gate.compare import Check, GateResult
from siqa.reports.gate.text import visible_controls

LIMIT = 50
_INLINE = re.compile(r"([\\`*_\[\]<>|~&])")
_MENTION = "@\u2060"  # a word joiner after `@`: shown the same, mentions no one


def _line(text: str) -> str:
    return visible_controls(" ".join(str(text).split()))


def escape(text: str) -> str:
    """Dataset text on one line, inline Markdown and HTML escaped, mentions defused."""
    return _INLINE.sub(r"\\\1", _line(text)).replace("@", _MENTION)


def code(text: str) -> str:
    """A code span that holds any text: a fence longer than any backtick run inside, table pipes escaped."""
    flat = _line(text).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    return f"{fence} {flat} {fence}"


def _number(value: float | None, percent: bool) -> str:
    if value is None or math.isnan(value):
        return "–"
    return f"{100 * value:.1f}%" if percent else f"{value:.1f}"


def _finding_row(finding: Finding) -> str:
    span = f"{finding.span[0]:.2f}–{finding.span[1]:.2f} s" if finding.span else ""
    return (f"| {code(finding.code)} | {code(finding.site)} | {code(finding.unit_key)} | {span} | "
            f"{escape(finding.message)} |")


def _table(title: str, checks: list[Check], percent: bool) -> list[str]:
    """Baseline, current value and allowance of each check, with its verdict; a family column when checks have
    one (the allowance of a rate is its allowed rise, or its ceiling when that was passed or there is no
    baseline)."""
    verdict = {True: "ok", False: "**breach**", None: "not judged"}
    by_family = any(c.family for c in checks)
    header = ["site", *(["family"] if by_family else []), "baseline", "current", "allowed", "verdict"]
    rows = [[code(c.site), *([code(c.family or "")] if by_family else []), _number(c.baseline, percent),
             _number(c.current, percent), _number(c.allowed, percent), verdict[c.passed]] for c in checks]
    align = ["---", *(["---"] if by_family else []), "---:", "---:", "---:", "---"]
    return ["", f"### {title}", "", *("| " + " | ".join(row) + " |" for row in (header, align, *rows))]


def _folded(result: GateResult) -> str:
    folded = len(result.current.findings) - len(result.current.counted)
    return f" ({folded} more folded into the finding that caused them)" if folded else ""


def render(result: GateResult) -> str:
    breaches = result.breaches
    failed = f"❌ **siqa gate failed: {len(breaches)} breach(es)**"
    head = "✅ **siqa gate passed**" if result.passed else failed
    against = code(result.baseline.folder.name) if result.baseline else "no baseline"
    summary = (f"Release {code(result.current.folder.name)} against {against}, policy "
               f"{code(result.policy.path.name)}: {len(result.current.counted)} findings, "
               f"{len(result.new)} new{_folded(result)}.")
    lines = [head, "", summary, ""]
    lines += [f"> {escape(note)}" for note in result.notes]
    if breaches:
        lines += ["", "### Breaches", "", *(f"- **{c.kind}** {escape(c.message)}" for c in breaches)]
    new_errors = [f for c in breaches if c.kind == "new errors" for f in c.findings]
    if new_errors:
        lines += ["", f"### New error findings ({len(new_errors)})", "",
                  "| rule | site | unit | span | message |",
                  "| --- | --- | --- | --- | --- |", *map(_finding_row, new_errors[:LIMIT])]
        if len(new_errors) > LIMIT:
            lines.append(f"\n…and {len(new_errors) - LIMIT} more (see the SARIF or JUnit output).")
    scores = [c for c in result.checks if c.kind == "score"]
    if scores:
        lines += _table("Site scores (% of interactions without warnings or errors)", scores, percent=False)
    rates = [c for c in result.checks if c.kind == "rate" and (c.current or c.baseline)]
    if rates:
        lines += _table("Flagged interactions per site and family", rates, percent=True)
    lines += ["", "<sub>families: " + ", ".join(f"{k} {v}" for k, v in FAMILIES.items()) + "</sub>", ""]
    return "\n".join(lines)
