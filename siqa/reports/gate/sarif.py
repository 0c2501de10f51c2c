"""A release's findings as SARIF 2.1.0 for code-scanning views: rules from the registry, a result a finding.

A result's location is the finding's file, relative to the dataset root (`%DATASET_ROOT%`); a finding about a
whole interaction or session, with no file, is located by its unit key. With a baseline, each result says
whether it is new (`baselineState`), and `partialFingerprints` carries the gate's fingerprint so viewers track
it across releases. A finding folded into its root (`caused_by`) is a suppressed result whose justification
names the root: viewers list it with the root's defect, not as an alert of its own. GitHub accepts at most
`MAX_RESULTS` results a run: new findings come first when there are more.
"""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import quote

from siqa.finding_fingerprints import fingerprint
from siqa.findings import Finding, Severity
from siqa.registry import FAMILIES, all_rules
from siqa.reports.gate.compare import GateResult
from siqa.schemas.version import __version__

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_RESULTS = 25_000
ROOT_ID = "DATASET_ROOT"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _descriptors(codes: set[str]) -> list[dict[str, Any]]:
    """Every registered rule, plus a bare descriptor for a code in the findings that is not registered."""
    known = {rule.code: rule for rule in all_rules()}
    out = []
    for code in sorted(known.keys() | codes):
        rule = known.get(code)
        if rule is None:
            out.append({"id": code, "shortDescription": {"text": f"{code} (not registered in this siqa)"}})
            continue
        out.append({"id": code, "name": rule.name, "shortDescription": {"text": rule.title},
                    "fullDescription": {"text": rule.doc or rule.title},
                    "help": {"text": rule.doc or rule.title, "markdown": rule.doc or rule.title},
                    "defaultConfiguration": {"level": LEVELS[rule.severity]},
                    "properties": {"family": FAMILIES.get(rule.family, rule.family), "status": rule.status,
                                   "scope": rule.scope.value}})
    return out


def _location(finding: Finding) -> dict[str, Any]:
    if finding.path:
        return {"physicalLocation": {"artifactLocation": {"uri": quote(finding.path), "uriBaseId": ROOT_ID}}}
    return {"logicalLocations": [{"fullyQualifiedName": finding.unit_key, "kind": finding.scope.value}]}


def _result(finding: Finding, index: dict[str, int], result: GateResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": finding.code, "ruleIndex": index[finding.code], "level": LEVELS[finding.severity],
        "message": {"text": finding.message}, "locations": [_location(finding)],
        "partialFingerprints": {"siqaFingerprint/v1": fingerprint(finding, result.policy.span_seconds)},
        "properties": {"site": finding.site, "batch": finding.batch, "unit": finding.unit_key,
                       "confidence": finding.confidence, "span": list(finding.span) if finding.span else None,
                       "evidence": finding.evidence, "fix": finding.fix.to_dict() if finding.fix else None},
    }
    if finding.caused_by is not None:
        out["suppressions"] = [{"kind": "external", "justification": f"caused by {finding.caused_by}"}]
    elif result.baseline is not None:
        out["baselineState"] = "new" if result.is_new(finding) else "unchanged"
    return out


def render(result: GateResult) -> str:
    findings = sorted(result.current.findings,
                      key=lambda f: (not result.is_new(f), -f.severity.rank, f.sort_key()))
    kept = findings[:MAX_RESULTS]
    descriptors = _descriptors({f.code for f in kept})
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "siqa", "version": __version__, "rules": descriptors}},
        "originalUriBaseIds": {ROOT_ID: {"description": {"text": "The root of the audited dataset release"}}},
        "results": [_result(f, index, result) for f in kept],
        "properties": {"gatePassed": result.passed, "breaches": [c.message for c in result.breaches],
                       "resultsOmitted": len(findings) - len(kept)},
    }
    return json.dumps(_strict({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}), indent=1,
                      allow_nan=False, default=str) + "\n"


def _strict(value: Any) -> Any:
    """Evidence may hold NaN or infinities, which JSON cannot: they are written as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(v) for v in value]
    return value
