"""Run statistics (`summary.json`) that accumulate per task and combine (`a + b`), so shards, workers and batches
merge."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from siqa.findings import Finding, Severity
from siqa.outputs.results import TaskResult

MAX_REASONS = 200  # distinct skip reasons kept per rule code; more are counted as OTHER_REASONS
OTHER_REASONS = "(other reasons)"
SUMMARY_REASONS = 5  # most common reasons per code kept in summary.json


def count_reason(reasons: Counter[str], reason: str) -> None:
    """One more unit skipped for `reason`: at most MAX_REASONS distinct reasons, the rest counted together."""
    reasons[reason if reason in reasons or len(reasons) < MAX_REASONS else OTHER_REASONS] += 1


def top_reason(reasons: Counter[str]) -> tuple[str, int]:
    """The most common reason and its units (ties: the first in order)."""
    return min(reasons.items(), key=lambda item: (-item[1], item[0]))


@dataclass
class AuditSummary:
    findings: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (family, site, severity)
    skips: Counter[str] = field(default_factory=Counter)  # rule code
    sessions: int = 0
    interactions: int = 0
    files: int = 0
    audio_seconds: float = 0.0
    rule_seconds: Counter[str] = field(default_factory=Counter)  # CPU seconds per rule code
    peak_worker_rss_mb: float = 0.0
    skip_reasons: dict[str, Counter[str]] = field(default_factory=dict)  # rule code -> reason -> units

    def add_findings(self, findings: list[Finding]) -> None:
        """Counts each defect once: a finding folded into its root (`caused_by`) is counted there."""
        self.findings.update((f.family, f.site, f.severity.value) for f in findings if f.caused_by is None)

    def add_skips(self, skips: list[dict[str, Any]]) -> None:
        self.skips.update(s["code"] for s in skips)
        self.add_skip_reasons(skips)

    def add_skip_reasons(self, skips: list[dict[str, Any]]) -> None:
        """Why each rule skipped its units (the `reason` of each skip record), so the summary can say it; at
        most MAX_REASONS distinct reasons a code, the rest counted together."""
        for skip in skips:
            count_reason(self.skip_reasons.setdefault(skip["code"], Counter()),
                         str(skip.get("reason") or "no reason given"))

    def top_skip_reason(self, code: str) -> tuple[str, int] | None:
        """The most common reason `code` skipped a unit, and for how many units (ties: the first in order)."""
        reasons = self.skip_reasons.get(code)
        return top_reason(reasons) if reasons else None

    def add(self, result: TaskResult) -> None:
        """A session's run figures; its findings and skips are counted once its batch is judged."""
        self.sessions += 1
        self.interactions += result.interactions
        self.files += result.files
        self.audio_seconds += result.audio_seconds
        self.rule_seconds.update(result.rule_seconds)
        self.peak_worker_rss_mb = max(self.peak_worker_rss_mb, result.peak_rss_mb)

    def __add__(self, other: AuditSummary) -> AuditSummary:
        reasons = {code: Counter(self.skip_reasons.get(code)) + Counter(other.skip_reasons.get(code))
                   for code in self.skip_reasons.keys() | other.skip_reasons.keys()}
        return AuditSummary(self.findings + other.findings, self.skips + other.skips,
                            self.sessions + other.sessions, self.interactions + other.interactions,
                            self.files + other.files, self.audio_seconds + other.audio_seconds,
                            self.rule_seconds + other.rule_seconds,
                            max(self.peak_worker_rss_mb, other.peak_worker_rss_mb), reasons)

    def count_at_least(self, severity: Severity) -> int:
        return sum(n for (_, _, sev), n in self.findings.items() if Severity(sev).rank >= severity.rank)

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": [{"family": f, "site": s, "severity": v, "count": n}
                         for (f, s, v), n in sorted(self.findings.items())],
            "skips": dict(sorted(self.skips.items())),
            "skip_reasons": {code: [[r, n] for r, n in sorted(reasons.items(), key=lambda x: (-x[1], x[0]))
                                    [:SUMMARY_REASONS]]
                             for code, reasons in sorted(self.skip_reasons.items())},
            "sessions": self.sessions, "interactions": self.interactions, "files": self.files,
            "audio_seconds": round(self.audio_seconds, 3),
            "rule_seconds": {k: round(v, 4) for k, v in sorted(self.rule_seconds.items())},
            "peak_worker_rss_mb": round(self.peak_worker_rss_mb, 1),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuditSummary:
        return cls(Counter({(r["family"], r["site"], r["severity"]): r["count"] for r in data["findings"]}),
                   Counter(data["skips"]), data["sessions"], data["interactions"], data["files"],
                   data["audio_seconds"], Counter(data["rule_seconds"]), data.get("peak_worker_rss_mb", 0.0),
                   {code: Counter(dict(pairs)) for code, pairs in data.get("skip_reasons", {}).items()})
