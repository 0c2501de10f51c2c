"""Codes the engine emits about itself (`SQ`): a rule that crashed on a unit, a plugin that failed to load, a
worker process that died.

They are documented like any rule so `siqa rules SQ001` explains them, but never scheduled: the engine calls
these builders when the failure happens, and the run goes on.
"""

from __future__ import annotations

import logging
import traceback

from siqa.context import BatchInfo, RuleContext, Unit, unit_fields, unit_id
from siqa.dataset.units import Session
from siqa.findings import Finding, Scope, Severity
from siqa.registry import PluginFailure, rule

log = logging.getLogger(__name__)


@rule("SQ001", "rule-crashed", scope=Scope.FILE, severity=Severity.ERROR, emitted=True)
def rule_crashed(ctx: RuleContext, unit: Unit, error: BaseException) -> Finding:
    """A rule raised an unexpected exception on this unit.

    ## What it means
    The rule named in the evidence could not judge this unit; its other units and every other rule were still
    checked. This is a defect in siqa or in a plugin, not (necessarily) in the data.

    ## Evidence
    `rule` (the crashed rule's code), `error` (exception type and message), `traceback` (last frames).
    """
    log.warning("rule %s crashed on %s: %s: %s", ctx.rule.code, unit_id(unit_fields(unit)), type(error).__name__,
                error, exc_info=error)
    return ctx.report(
        unit,
        f"rule {ctx.rule.code} crashed: {type(error).__name__}: {error}",
        severity=Severity.ERROR,
        evidence={"rule": ctx.rule.code, "error": f"{type(error).__name__}: {error}",
                  "traceback": "".join(traceback.format_exception(error, limit=-4))},
        code="SQ001",
    )


@rule("SQ002", "plugin-failed", scope=Scope.BATCH, severity=Severity.ERROR, emitted=True)
def plugin_failed(failure: PluginFailure, batch: str) -> Finding:
    """A validator plugin (an entry point of the `siqa.validators` group) failed to load, or one of its rules was
    refused.

    ## What it means
    The plugin's module raised on import, its entry point is not named after its own family (two capital letters,
    not a built-in family), it registered a rule outside that family, or the rule set gives one of its rules an
    unknown setting or a value of the wrong type. Those rules did not run on this audit; every other rule did.
    Fix the plugin or the rule set, or uninstall the plugin.

    ## Evidence
    `plugin` (entry point name: the family), `target` (module), `traceback` (or the reason it was refused).
    """
    return Finding(
        code="SQ002", severity=Severity.ERROR, confidence=1.0, scope=Scope.BATCH, site="*", batch=batch,
        message=f"validator plugin {failure.name!r} ({failure.value}) did not run: {failure.reason}",
        evidence={"plugin": failure.name, "target": failure.value, "traceback": failure.error},
    )


@rule("SQ003", "worker-died", scope=Scope.SESSION, severity=Severity.ERROR, emitted=True)
def worker_died(session: Session, batch: BatchInfo) -> Finding:
    """The process auditing a session died, on every try, also when the session ran alone.

    ## What it means
    A worker ended abruptly (killed by a signal, by the kernel for lack of memory, or crashed in native code)
    while auditing this session. The sessions in flight with it ran again one at a time; this one killed its
    worker on each try, so none of its rules ran. Every other session was audited, and the next run tries this one
    again.

    ## Evidence
    `interactions`, `files`: what the session holds.
    """
    interactions = session.interactions
    return Finding(
        code="SQ003", severity=Severity.ERROR, confidence=1.0, scope=Scope.SESSION, site=session.site,
        batch=batch.name, session_key=session.key,
        message=f"session {session.key}: the worker process auditing it died on every try (killed, out of memory "
                "or a native crash); its rules did not run",
        evidence={"interactions": len(interactions), "files": sum(len(i.participants) for i in interactions)},
    )
