"""Judging a measure against the release's own distribution: the audit's second pass.

Most quality measures (speech level, SNR, hum, silent edges, prompt fit, ASR agreement) describe what normal
recordings look like, and normal differs by site, microphone, room and speaking style. A constant threshold
tuned on one corpus flags whole sites of another. So a rule that judges such a measure does not decide on its
own: for every unit it records the measurement (`RuleContext.measure`) and yields a `Candidate`, the finding it
would report. Once every session of a batch is done, `judge` compares each candidate with the distribution of
the same measure over its site in that batch (median and MAD, robust to the defects among them), or over the
whole batch when the site has too few units, and keeps the candidates that lie far out on the defect's side.

A candidate is reported when its deviation from the median exceeds both `tolerance` robust spreads
(1.4826 x MAD, a standard deviation for normal data; for a one-sided judgement the MAD of the clean half, where
defects do not widen it) and `min_effect` in the measure's own unit: the spread
says what is unusual, the effect says what matters (a tight synthetic site would otherwise flag 0.5 dB).
With fewer than `min_units` values the rule falls back to its absolute limits (`fallback_low`, `fallback_high`,
stated in the evidence), or, without one, skips the unit with the reason. Only limits set by physics (digital
silence, full-scale clipping, NaN, the audio format) stay absolute in their rules.

The verdict depends on the batch's values only, never on unit order, and candidates are cached with a rule's
results, so a re-run from the cache judges identically.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from siqa.config import RuleSettings
from siqa.findings import Finding
from siqa.registry import Setting

SIDES = ("low", "high", "both")
MAD_TO_SD = 1.4826  # MAD of normal data times this is its standard deviation


def norm_settings(unit: str, *, tolerance: float, min_effect: float, min_units: int,
                  fallback_low: float | None = None, fallback_high: float | None = None) -> dict[str, Setting]:
    """The declared settings of a rule judged here, in the measure's `unit`; a fallback left out means the rule
    has no absolute limit on that side (too small a sample is skipped, with the reason)."""
    settings = {
        "tolerance": Setting(tolerance, "robust spreads (1.4826 x MAD) from the median of the site's values"),
        "min_effect": Setting(min_effect, f"and at least this far from it ({unit})"),
        "min_units": Setting(min_units, "values needed for a norm (the site's, else the batch's)"),
    }
    for name, limit, side in (("fallback_low", fallback_low, "lower"), ("fallback_high", fallback_high, "upper")):
        if limit is not None:
            settings[name] = Setting(limit, f"with fewer values: an absolute {side} limit ({unit})")
    return settings


@dataclass(frozen=True)
class Candidate:
    """A finding a rule would report if its measure is unusual for its site: `value` of `metric` (recorded by
    the same rule with `RuleContext.measure`), a defect on the `side` given. `reference` names another measure
    of the rule to judge against (TR001: a segment's WER against the calibration sample's WER)."""

    finding: Finding
    metric: str
    value: float
    side: str
    label: str  # the measure in words: "speech level"
    unit: str = ""  # its unit: "dB", "s"
    reference: str | None = None

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"{self.finding.code}: side must be one of {SIDES}, not {self.side!r}")

    @property
    def against(self) -> str:
        return self.reference or self.metric

    def to_dict(self) -> dict[str, Any]:
        return {"finding": json.loads(self.finding.to_json()), "metric": self.metric, "value": float(self.value),
                "side": self.side, "label": self.label, "unit": self.unit, "reference": self.reference}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Candidate:
        return cls(Finding.from_dict(data["finding"]), data["metric"], float(data["value"]), data["side"],
                   data["label"], data.get("unit", ""), data.get("reference"))


@dataclass(frozen=True)
class Norm:
    """The distribution a measure is judged against: where it came from, its median and robust spread."""

    code: str
    metric: str
    batch: str
    site: str  # the site judged; `basis` says whether its own values or the whole batch's were used
    basis: str  # "site", "batch" or "fallback" (too few values: the rule's absolute limits)
    units: int
    side: str = "both"  # the defect's side; a one-sided spread is measured on the other side (`robust`)
    median: float | None = None
    spread: float | None = None  # 1.4826 x MAD
    quantiles: tuple[float, float] | None = None  # 5th and 95th percentile
    limits: tuple[tuple[str, float], ...] = ()  # the settings it was judged with (tolerance, min_effect, ...)

    def to_dict(self) -> dict[str, Any]:
        def rounded(x: float | None) -> float | None:
            return None if x is None else round(float(x), 4)

        return {"code": self.code, "metric": self.metric, "batch": self.batch, "site": self.site,
                "basis": self.basis, "units": self.units, "side": self.side, "median": rounded(self.median),
                "spread": rounded(self.spread),
                "p05": rounded(self.quantiles[0]) if self.quantiles else None,
                "p95": rounded(self.quantiles[1]) if self.quantiles else None, **dict(self.limits)}


@dataclass
class Verdict:
    findings: list[Finding] = field(default_factory=list)
    skips: list[dict[str, Any]] = field(default_factory=list)
    norms: list[Norm] = field(default_factory=list)


def robust(values: np.ndarray, side: str = "both") -> tuple[float, float]:
    """Median and 1.4826 x MAD. For a one-sided judgement the MAD is taken over the half of the values on the
    good side of the median: defects pile up on the bad side and would widen a two-sided spread (a batch where
    a fifth of the channels are noisy makes every SNR look normal), while the good side shows the natural
    variation alone. For symmetric clean data both halves give the same spread."""
    median = float(np.median(values))
    half = {"low": values[values >= median], "high": values[values <= median]}.get(side, values)
    return median, MAD_TO_SD * float(np.median(np.abs(half - median)))


JUDGED_WITH = ("tolerance", "min_effect", "min_units", "fallback_low", "fallback_high")


def _norm(code: str, metric: str, batch: str, site: str, side: str, values: dict[str, list[float]],
          settings: RuleSettings) -> Norm:
    least = int(settings.min_units)
    limits = tuple((k, float(settings.values[k])) for k in JUDGED_WITH if settings.values.get(k) is not None)
    own = np.asarray(values.get(site, []), dtype=float)
    everyone = np.asarray([v for vs in values.values() for v in vs], dtype=float)
    for basis, sample in (("site", own), ("batch", everyone)):
        sample = sample[np.isfinite(sample)]
        if sample.size >= least:
            median, spread = robust(sample, side)
            low, high = np.percentile(sample, [5, 95])
            return Norm(code, metric, batch, site, basis, int(sample.size), side, median, spread,
                        (float(low), float(high)), limits)
    return Norm(code, metric, batch, site, "fallback", int(own.size), side, limits=limits)


def _limits(candidate: Candidate, settings: RuleSettings) -> list[tuple[float, str]]:
    """The absolute limits the rule sets on the candidate's bad side(s): (limit, "below"/"above")."""
    wanted = {"low": ("below",), "high": ("above",), "both": ("below", "above")}[candidate.side]
    keys = {"below": "fallback_low", "above": "fallback_high"}
    return [(float(settings.values[keys[d]]), d) for d in wanted if settings.values.get(keys[d]) is not None]


def _fallback(candidate: Candidate, settings: RuleSettings) -> tuple[float, str] | None:
    """The limit a candidate crosses on its bad side, when the rule sets one: (limit, "below"/"above")."""
    return next(((limit, d) for limit, d in _limits(candidate, settings)
                 if (candidate.value < limit if d == "below" else candidate.value > limit)), None)


def _deviation(candidate: Candidate, median: float) -> tuple[float, str]:
    """How far the value lies from the median towards the candidate's bad side (negative: the good side)."""
    delta = candidate.value - median
    if candidate.side == "low":
        return -delta, "below"
    if candidate.side == "high":
        return delta, "above"
    return abs(delta), "below" if delta < 0 else "above"


def _number(x: float, unit: str) -> str:
    return f"{x:.3g} {unit}".rstrip() if abs(x) < 10 else f"{x:.1f} {unit}".rstrip()


def judge_one(candidate: Candidate, norm: Norm, settings: RuleSettings) -> Finding | None:
    """The finding, with the comparison in its message, evidence and confidence; None when the value is normal."""
    finding = candidate.finding
    where = f"{norm.site}'s" if norm.basis == "site" else f"{norm.batch}'s"
    if norm.basis == "fallback":
        crossed = _fallback(candidate, settings)
        if crossed is None:
            return None
        limit, direction = crossed
        evidence = {"basis": "fallback", "units": norm.units, "limit": limit, "value": round(candidate.value, 4)}
        message = (f"{finding.message}; {direction} the absolute limit {_number(limit, candidate.unit)} (only "
                   f"{norm.units} values at {norm.site}, {settings.min_units} needed to judge against "
                   "the release)")
        return replace(finding, message=message, evidence={**finding.evidence, "norm": evidence})
    assert norm.median is not None and norm.spread is not None
    deviation, direction = _deviation(candidate, norm.median)
    threshold = max(settings.tolerance * norm.spread, settings.min_effect)
    if deviation <= threshold:
        return None
    z = deviation / norm.spread if norm.spread > 0 else math.inf
    # 0.5 at the threshold, 1.0 at twice its distance from the median
    confidence = min(1.0, 0.5 + 0.5 * (deviation - threshold) / threshold) if threshold > 0 else 1.0
    shown_z = f"robust z {z:.1f}" if math.isfinite(z) else "no spread"
    message = (f"{finding.message}: {_number(deviation, candidate.unit)} {direction} {where} median "
               f"{candidate.label} ({_number(norm.median, candidate.unit)}; {shown_z}; {norm.units} units)")
    evidence = {**norm.to_dict(), "value": round(candidate.value, 4), "deviation": round(float(deviation), 4),
                "robust_z": round(float(z), 2) if math.isfinite(z) else None, "threshold": round(float(threshold), 4)}
    for key in ("code", "metric", "batch", "side", *JUDGED_WITH):
        evidence.pop(key, None)
    return replace(finding, message=message, confidence=round(float(confidence), 4),
                   evidence={**finding.evidence, "norm": evidence})


def distributions(metrics: Iterable[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, list[float]]]:
    """Measured values by (batch, rule code, metric) and site."""
    out: dict[tuple[str, str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for record in metrics:
        out[(record["batch"], record["code"], record["metric"])][record["site"]].append(float(record["value"]))
    return out


def judge(candidates: Iterable[Candidate], metrics: Iterable[dict[str, Any]],
          settings_for: Callable[[str, str], RuleSettings]) -> Verdict:
    """Every candidate of a batch against its site's (or batch's) distribution. `settings_for(code, site)`
    gives a rule's settings at a site (its tolerance, effect, sample size and fallback limits)."""
    values = distributions(metrics)
    verdict = Verdict()
    norms: dict[tuple[str, str, str, str, str], Norm] = {}
    for candidate in sorted(candidates, key=lambda c: c.finding.sort_key()):
        finding = candidate.finding
        settings: RuleSettings = settings_for(finding.code, finding.site)
        batch = finding.batch or ""
        slot = (batch, finding.code, candidate.against, finding.site, candidate.side)
        if slot not in norms:
            norms[slot] = _norm(finding.code, candidate.against, batch, finding.site, candidate.side,
                                values.get((batch, finding.code, candidate.against), {}), settings)
        norm = norms[slot]
        if norm.basis == "fallback" and not _limits(candidate, settings):
            verdict.skips.append(_skip(candidate, norm, settings))
            continue
        judged = judge_one(candidate, norm, settings)
        if judged is not None:
            verdict.findings.append(judged)
    verdict.norms = sorted(norms.values(), key=lambda n: (n.batch, n.code, n.metric, n.site))
    return verdict


def _skip(candidate: Candidate, norm: Norm, settings: RuleSettings) -> dict[str, Any]:
    finding = candidate.finding
    return {"code": finding.code, "scope": finding.scope.value, "site": finding.site,
            "unit": finding.file_id or finding.interaction_key or finding.session_key,
            "reason": f"{candidate.label} is judged against the release: {norm.units} value(s) at {norm.site} and "
                      f"too few in {norm.batch} ({settings.min_units} needed), and the rule sets no "
                      "absolute limit for so small a sample"}
