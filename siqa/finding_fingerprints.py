"""Stable identities of findings across releases: rule code, unit key and the span rounded to a grid.

Two audits list findings in different orders and measure spans with small jitter, so neither position nor
exact times can match them; the rounded span still tells two problems of one unit apart.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

from siqa.findings import Finding


def fingerprint(finding: Finding, span_seconds: float) -> str:
    span = ""
    if finding.span is not None:
        start, end = (round(t / span_seconds) * span_seconds for t in finding.span)
        span = f"{start:.3f}-{end:.3f}"
    text = f"{finding.code}|{finding.unit_key}|{span}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def unmatched(findings: Iterable[Finding], previous: Counter[str], span_seconds: float) -> list[Finding]:
    """The findings with no counterpart in `previous` (fingerprint counts), matched as multisets: a
    fingerprint seen twice before and three times now leaves one new finding."""
    left = Counter(previous)
    new = []
    for finding in sorted(findings, key=Finding.sort_key):
        key = fingerprint(finding, span_seconds)
        if left[key] > 0:
            left[key] -= 1
        else:
            new.append(finding)
    return new
