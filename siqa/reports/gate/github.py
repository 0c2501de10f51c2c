"""The verdict as GitHub Actions workflow commands (`::error file=...,title=...::message`), one a line.

Printed in a workflow step, each line becomes an annotation on the run (and on the file, when it has one).
Values are escaped per GitHub's rules, so text from the dataset can neither break a line nor start a command
of its own; other control characters (terminal escapes) are written visibly. At most `LIMIT` findings are
annotated; a notice counts the rest.
"""

from __future__ import annotations

from siqa.registry import RegistryError, get_rule
from siqa.reports.gate.compare import GateResult
from siqa.reports.gate.text import visible_controls

LIMIT = 50


def escape_data(text: str) -> str:
    return visible_controls(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **properties: str) -> str:
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items() if value)
    return f"::{kind}{' ' + props if props else ''}::{escape_data(message)}"


def _title(code: str) -> str:
    try:
        return f"{code} {get_rule(code).title}"
    except RegistryError:
        return code


def render(result: GateResult) -> str:
    if result.passed:
        summary = f"{len(result.current.counted)} findings, {len(result.new)} new; no policy breach"
        lines = [command("notice", summary, title="siqa gate passed")]
    else:
        lines = [command("error", c.message, title=f"siqa gate: {c.name}") for c in result.breaches]
    new_errors = [f for check in result.breaches for f in check.findings]
    lines += [command("error", f.message, file=f.path or "", title=_title(f.code))
              for f in new_errors[:LIMIT]]
    if len(new_errors) > LIMIT:
        more = f"{len(new_errors) - LIMIT} more new error findings: see the gate report"
        lines.append(command("notice", more, title="siqa gate"))
    return "\n".join(lines) + "\n"
