"""The engine's own codes (`SQ`). SQ001 goes through the harness: a rule that raises is run like any other.
SQ002 comes from the rule set's plugin failures (a plugin that fails to import), which the audit turns into
findings with the same builder. SQ003 needs the engine's process pool (a worker killed on every try): its
finding is built here from a harness session, and a harness run, in process, never emits one."""

from __future__ import annotations

import pytest

from siqa import registry
from siqa.engine.internal import plugin_failed, worker_died
from siqa.findings import Scope, Severity
from siqa.testing import BATCH, Case, check_findings, ruleset_for, run_rule
from tests.engine.test_isolation import broken_plugin  # noqa: F401 - the fixture: a plugin that fails to import
from tests.rules.conftest import SNAPSHOTS


@pytest.fixture
def crashing_rule():
    @registry.rule("RQ997", "always-crashes", scope=Scope.SESSION, severity=Severity.INFO)
    def always_crashes(session, ctx):
        """Test rule that raises on every session."""
        raise ZeroDivisionError(f"boom on {session.key}")

    yield "RQ997"
    del registry._RULES["RQ997"]


def test_sq001_a_rule_that_raises(clean_batch, crashing_rule):
    findings = run_rule(crashing_rule, clean_batch)
    check_findings(Case("SQ001", "rule_raises", BATCH, positive=True), findings, SNAPSHOTS, clean_batch.root)


def test_sq001_a_rule_that_runs(clean_batch):
    check_findings(Case("SQ001", "rule_runs", BATCH, positive=False), run_rule("IN001", clean_batch), SNAPSHOTS)


def _plugin_findings() -> list:
    return [plugin_failed(failure, "dev/0000") for failure in ruleset_for("IN001").plugin_failures()]


@pytest.mark.usefixtures("broken_plugin")
def test_sq002_a_plugin_that_fails_to_import():
    check_findings(Case("SQ002", "plugin_fails_to_import", BATCH, positive=True), _plugin_findings(), SNAPSHOTS)


def test_sq002_no_plugin_failure():
    check_findings(Case("SQ002", "no_plugin_failure", BATCH, positive=False), _plugin_findings(), SNAPSHOTS)


def test_sq003_a_worker_that_died(clean_batch):
    session = clean_batch.index.sessions[0]
    check_findings(Case("SQ003", "worker_died", BATCH, positive=True),
                   [worker_died(session, clean_batch.info)], SNAPSHOTS)


def test_sq003_a_session_run_in_process(clean_batch):
    check_findings(Case("SQ003", "session_ran", BATCH, positive=False), run_rule("IN005", clean_batch), SNAPSHOTS)
