"""A rule that raises, or a plugin that fails to import, is contained: an SQ finding, and the run goes on."""

from __future__ import annotations

import sys
import textwrap

import pytest

from siqa import registry
from siqa.audit import AuditOptions, run_audit
from siqa.findings import Scope, Severity
from siqa.outputs.files import read_findings


@pytest.fixture
def crashing_rule():
    @registry.rule("RQ998", "always-crashes", scope=Scope.FILE, severity=Severity.INFO)
    def always_crashes(pf, ctx):
        """Test rule that raises on every file.

        ## Evidence
        none.
        """
        raise ZeroDivisionError(f"boom on {pf.file_id}")

    yield "RQ998"
    del registry._RULES["RQ998"]


def test_a_crashing_rule_yields_one_sq001_per_unit_and_other_rules_still_run(clean_tar_batch, crashing_rule,
                                                                            tmp_path):
    outcome = run_audit(AuditOptions(batch=clean_tar_batch.batch, root=clean_tar_batch.root, out=tmp_path, jobs=1,
                                     select=["IN005", crashing_rule, "IN013"]))
    findings = list(read_findings(outcome.findings_path))
    crashes = [f for f in findings if f.code == "SQ001"]
    assert len(crashes) == clean_tar_batch.files
    assert all(f.evidence["rule"] == "RQ998" and "ZeroDivisionError" in f.evidence["error"] for f in crashes)
    assert outcome.summary.rule_seconds["IN005"] > 0 and outcome.summary.rule_seconds["IN013"] > 0


@pytest.fixture
def broken_plugin(tmp_path, monkeypatch):
    dist = tmp_path / "broken_checks-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-checks\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[siqa.validators]\nXB = broken_checks_module\n")
    (tmp_path / "broken_checks_module.py").write_text(textwrap.dedent("""
        raise ImportError("this plugin needs a library that is not installed")
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_LOADED", None)
    yield "XB"
    sys.modules.pop("broken_checks_module", None)
    registry._LOADED = None


def test_a_plugin_that_fails_to_import_is_reported_and_builtins_still_run(clean_tar_batch, broken_plugin, tmp_path):
    outcome = run_audit(AuditOptions(batch=clean_tar_batch.batch, root=clean_tar_batch.root, out=tmp_path, jobs=1))
    findings = list(read_findings(outcome.findings_path))
    (failure,) = [f for f in findings if f.code == "SQ002"]
    assert failure.evidence["plugin"] == "XB" and "not installed" in failure.evidence["traceback"]
    assert outcome.summary.rule_seconds["IN001"] > 0
