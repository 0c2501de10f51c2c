"""One task = one session: file rules, then interaction rules per dyad, then session rules.

A session is the smallest unit that every rule family can judge (prompt order needs the whole session), and it
is small (a few dyads), so a worker holds at most one session's decoded data at a time. A rule's failure is
contained to the unit it was checking.
"""

from __future__ import annotations

import json
import logging
import resource
import sys
import time
from typing import Any

from threadpoolctl import threadpool_limits

from siqa.config import ConfigError
from siqa.context import RuleContext, SignalCache, Skip, Unit, skip_record, unit_fields, unit_id
from siqa.dataset.errors import ReadError
from siqa.dataset.units import Session
from siqa.engine.cache import ResultCache, result_key
from siqa.engine.internal import rule_crashed
from siqa.engine.plan import Plan
from siqa.findings import Finding, Scope
from siqa.norms import Candidate
from siqa.outputs.results import TaskResult, gather
from siqa.registry import Rule

log = logging.getLogger(__name__)
SIGNAL_PREFIX = "signal:"  # rule_seconds keys of the shared signals (16 kHz audio, activity, ASR ...)
_READERS: dict[str, ResultCache] = {}


def _cache_reader(plan: Plan) -> ResultCache | None:
    """One read-only cache connection per worker process and output folder."""
    if plan.cache_dir is None:
        return None
    key = str(plan.cache_dir)
    if key not in _READERS:
        _READERS[key] = ResultCache(plan.cache_dir, writable=False)
    return _READERS[key]


def check(rule: Rule, unit: Unit, site: str, plan: Plan, signals: SignalCache, result: TaskResult) -> None:
    settings = plan.settings_for(rule, site)
    if settings is None:
        return
    cache = _cache_reader(plan)
    fields = unit_fields(unit)
    unit_key = unit_id(fields) or ""
    key = result_key(rule, settings, unit, unit_key, plan.signal_settings(site)) if cache and unit_key else None
    hit = cache.get(key) if cache and key else None
    if hit is not None:
        result.findings.extend(Finding.from_dict(f) for f in hit["findings"])
        result.candidates.extend(Candidate.from_dict(c) for c in hit.get("candidates", []))
        result.skips.extend(hit["skips"])
        result.metrics.extend(hit.get("metrics", []))
        gather(result.collected, hit.get("collected", {}))
        result.cached += 1
        return
    ctx = RuleContext(rule, settings, plan.batch, signals, plan.ruleset, cache_dir=plan.cache_dir)
    findings: list[Finding] = []
    candidates: list[Candidate] = []
    skips: list[dict[str, Any]] = []
    crashed = False
    started = time.process_time()  # CPU time: per-core speed, unaffected by other load on the machine
    shared = signals.total_seconds()
    try:
        for item in rule.check(unit, ctx):
            if isinstance(item, Candidate):
                candidates.append(item)
            else:
                findings.append(item)
    except Skip as skip:
        skips.append(skip_record(rule.code, unit, str(skip)))
    except ReadError as error:
        # The integrity rules report the unreadable or missing file itself; here it only blocks this rule.
        skips.append(skip_record(rule.code, unit, f"{error.path}: {error.reason}"))
    except Exception as error:  # isolate any rule failure to its unit
        if isinstance(error, ConfigError) and rule.builtin:  # the user's rule set, not the rule: stop the audit
            raise
        findings.append(rule_crashed(ctx, unit, error))
        crashed = True
    finally:
        # shared signals this rule computed first count to the signal (SIGNAL_PREFIX), not to the rule
        result.rule_seconds[rule.code] += time.process_time() - started - (signals.total_seconds() - shared)
    skips.extend(ctx.skipped)
    result.findings.extend(findings)
    result.candidates.extend(candidates)
    result.skips.extend(skips)
    result.metrics.extend(ctx.metrics)
    gather(result.collected, ctx.collected)
    if key and not crashed:  # a crash is retried on the next run, never cached
        result.new_cache.append((key, {"findings": [json.loads(f.to_json()) for f in findings],
                                       "candidates": [c.to_dict() for c in candidates], "skips": skips,
                                       "metrics": ctx.metrics, "collected": ctx.collected}))


def run_session(session: Session, plan: Plan) -> TaskResult:
    """Every rule on one session. One BLAS/OpenMP thread: the audit runs one worker per core (more threads per
    worker only oversubscribe the cores), and a product's rounding then does not depend on the machine's core
    count or the engine, so findings are the same under any `--jobs` and on Ray."""
    with threadpool_limits(limits=1):
        result = _run_session(session, plan)
    log.debug("session %s: %d files, %d findings, %d results from the cache", session.key, result.files,
              len(result.findings), result.cached)
    return result


def _run_session(session: Session, plan: Plan) -> TaskResult:
    result = TaskResult(session.key)
    file_rules, pair_rules, session_rules = (plan.rules(s) for s in (Scope.FILE, Scope.INTERACTION, Scope.SESSION))
    signals = SignalCache()
    for interaction in session.interactions:
        result.interactions += 1
        for pf in interaction.participants:
            result.files += 1
            try:
                result.audio_seconds += pf.audio_info().duration
            except ReadError:
                pass
            for rule in file_rules:
                check(rule, pf, session.site, plan, signals, result)
        for rule in pair_rules:
            check(rule, interaction, session.site, plan, signals, result)
        interaction.release()
        for pf in interaction.participants:
            signals.release(str(pf.file_id))
    for rule in session_rules:
        check(rule, session, session.site, plan, signals, result)
    for name, seconds in signals.seconds.items():
        result.rule_seconds[SIGNAL_PREFIX + name] += seconds
    result.findings.sort(key=Finding.sort_key)
    result.peak_rss_mb = peak_rss_mb()
    return result


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux reports kilobytes, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)
