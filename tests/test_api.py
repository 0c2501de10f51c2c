"""The public API (`siqa.audit`, `siqa.load`, `siqa.Audit`) against what the CLI writes for the same batch."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import siqa
from siqa.audit import run_audit  # the engine's module, imported before the attribute is used
from siqa.findings import Finding
from siqa.outputs.files import FINDINGS_JSONL, METRICS_JSONL, SUMMARY_JSON
from siqa.reports.site_tables import ReportInputError
from siqa.schemas.version import SCHEMA_VERSION, IncompatibleOutput

PLAIN = (dict, list, str, int, float, bool, type(None))
TIMINGS = ("rule_seconds", "peak_worker_rss_mb")  # what two runs of one audit may differ in


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _non_plain(value: Any) -> list[str]:
    """Every value in `value` whose type is not exactly a JSON type (a numpy scalar, a tuple ...)."""
    if type(value) not in PLAIN:
        return [f"{type(value).__name__}: {value!r}"]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return [problem for item in items for problem in _non_plain(item)]


@pytest.fixture(scope="module")
def in_memory(fixable_batch, tmp_path_factory):
    """`siqa.audit` with no output folder, run from an empty working folder with its own temporary folder:
    (result, records streamed to on_finding, the working folder, the temporary folder)."""
    work, scratch = tmp_path_factory.mktemp("cwd"), tmp_path_factory.mktemp("tmp")
    streamed: list[dict[str, Any]] = []
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.chdir(work)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    try:
        result = siqa.audit(fixable_batch.root, fixable_batch.batch, on_finding=streamed.append)
    finally:
        monkeypatch.undo()
    return result, streamed, work, scratch


def test_in_memory_audit_has_the_clis_findings_and_leaves_no_files(in_memory, cli_audited):
    result, streamed, work, scratch = in_memory
    folder, stdout = cli_audited
    assert result.out_dir is None and list(work.iterdir()) == []
    assert not list(scratch.glob("siqa-*"))  # the temporary outputs are gone (multiprocessing keeps its own)
    assert result.findings and result.patches and result.skips and result.norms
    assert result.findings == [json.loads(line) for line in stdout] == _lines(folder / FINDINGS_JSONL)
    assert streamed == result.findings


def test_findings_in_memory_are_plain_json(in_memory):
    result, streamed, _, _ = in_memory
    assert [problem for record in streamed for problem in _non_plain(record)] == []
    for record in streamed:
        assert json.loads(json.dumps(record, allow_nan=False)) == record
        finding = Finding.from_dict(record)
        assert finding.to_dict() == json.loads(finding.to_json()) == record


def test_loading_the_clis_folder_gives_the_in_memory_result(in_memory, cli_audited):
    result, _, _, _ = in_memory
    loaded = siqa.load(cli_audited[0])
    for name in ("findings", "skips", "norms", "patches"):
        assert getattr(loaded, name) == getattr(result, name), name
    untimed = [{k: v for k, v in audit.summary.items() if k not in TIMINGS} for audit in (loaded, result)]
    assert untimed[0] == untimed[1] and loaded.summary["schema_version"] == SCHEMA_VERSION
    assert loaded.metrics().equals(result.metrics())
    assert loaded.site_table().equals(result.site_table())


def test_audits_are_equal_by_content(cli_audited, tmp_path):
    folder = cli_audited[0]
    copy = shutil.copytree(folder, tmp_path / "copy")
    assert siqa.load(copy) == siqa.load(folder)
    lines = (copy / FINDINGS_JSONL).read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    lines[0] = json.dumps({**first, "confidence": first["confidence"] / 2})
    (copy / FINDINGS_JSONL).write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert siqa.load(copy) != siqa.load(folder)


def test_frame_spreads_evidence_and_fix_into_columns(in_memory):
    result = in_memory[0]
    frame = result.frame()
    assert len(frame) == len(result.findings)
    assert {"code", "family", "severity", "site", "span_start", "span_end", "fix.applicability",
            "fix.target", "fix.operations"} <= set(frame.columns)
    assert not {"span", "evidence", "fix", "schema_version"} & set(frame.columns)
    for row, record in zip(frame.to_dict("records"), result.findings):
        assert row["family"] == Finding.from_dict(record).family
        if record["fix"]:
            assert row["fix.target"] == record["fix"]["target"]
        else:
            assert pd.isna(row["fix.target"])
        for name, value in record["evidence"].items():
            if isinstance(value, (int, float, str)):
                assert row[f"evidence.{name}"] == value


def test_metrics_and_site_tables(in_memory, cli_audited):
    result = in_memory[0]
    metrics = result.metrics()
    assert list(metrics.columns) == ["code", "metric", "value", "site", "batch", "scope", "unit"]
    assert len(metrics) == len(_lines(cli_audited[0] / METRICS_JSONL)) > 0
    scores = result.site_table()
    assert scores["interactions"].sum() == result.summary["interactions"] == 4
    assert set(scores["site"]) == {f["site"] for f in result.findings if f["site"] != "*"}
    assert "batch" in result.site_table("families", per_batch=True).columns
    assert len(result.site_table("norms")) == len(result.norms)
    with pytest.raises(ValueError, match="scores, families, quantities, norms"):
        result.site_table("sites")


def test_rules_as_overrides_select_and_ignore(fixable_batch, in_memory):
    code = next(f["code"] for f in in_memory[0].findings if f["fix"] and f["severity"] != "info")
    relaxed = siqa.audit(fixable_batch.root, fixable_batch.batch, select=f"{code},IN001", jobs=1,
                         rules={"rules": {code: {"severity": "info"}}})
    assert relaxed.findings and {f["code"] for f in relaxed.findings} <= {code, "IN001"}
    assert {f["severity"] for f in relaxed.findings if f["code"] == code} == {"info"}
    ignored = siqa.audit(fixable_batch.root, fixable_batch.batch, select=[code], ignore=code, jobs=1)
    assert ignored.findings == []


def test_load_refuses_what_it_cannot_read(cli_audited, tmp_path):
    copy = shutil.copytree(cli_audited[0], tmp_path / "copy")
    summary = json.loads((copy / SUMMARY_JSON).read_text(encoding="utf-8"))
    (copy / SUMMARY_JSON).write_text(json.dumps({**summary, "schema_version": "2.0"}), encoding="utf-8")
    with pytest.raises(IncompatibleOutput, match=r"schema 2\.0; this siqa .* reads schema 1\.x"):
        siqa.load(copy)
    (copy / SUMMARY_JSON).unlink()
    with pytest.raises(ReportInputError, match="summary.json is missing"):
        siqa.load(copy)


def test_pre_versioned_folder_loads_with_a_warning(cli_audited, tmp_path):
    copy = shutil.copytree(cli_audited[0], tmp_path / "copy")
    for name in (SUMMARY_JSON, FINDINGS_JSONL):
        path = copy / name
        records = _lines(path) if name.endswith("l") else [json.loads(path.read_text(encoding="utf-8"))]
        old = [{k: v for k, v in r.items() if k not in ("schema_version", "siqa_version")} for r in records]
        path.write_text("\n".join(map(json.dumps, old)) + "\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="carries no schema_version"):
        loaded = siqa.load(copy)
    assert loaded.schema_version is None
    assert len(loaded.findings) == len(_lines(cli_audited[0] / FINDINGS_JSONL))


def test_siqa_audit_is_the_function_whatever_was_imported_first():
    assert siqa.audit is siqa.api.audit and sys.modules["siqa.audit"].run_audit is run_audit
    script = ("import sys, siqa\n"
              "heavy = {'siqa.api', 'siqa.audit', 'pandas', 'numpy'} & set(sys.modules)\n"
              "assert not heavy, f'import siqa imports {heavy}'\n"
              "api_audit = siqa.audit\n"
              "import siqa.audit\n"
              "from siqa.audit import run_audit\n"
              "assert siqa.audit is api_audit and callable(siqa.audit) and siqa.load and siqa.Audit\n"
              "assert sys.modules['siqa.audit'].run_audit is run_audit\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


NOTEBOOK_RULE = """
import siqa, sys, warnings
from siqa.findings import Scope, Severity
from siqa.registry import rule

@rule("IN901", "notebook-rule", scope=Scope.FILE, severity=Severity.INFO)
def every_file(unit, ctx):
    '''A rule written in a notebook: one finding per file.'''
    yield ctx.report(unit, "seen")

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    result = siqa.audit(sys.argv[1], sys.argv[2], select="IN901", jobs=2)
assert any("jobs=1" in str(w.message) for w in caught), [str(w.message) for w in caught]
print(len(result.findings))
"""


def test_a_rule_defined_in_a_notebook_runs_in_process(fixable_batch):
    run = subprocess.run([sys.executable, "-c", NOTEBOOK_RULE, str(fixable_batch.root), fixable_batch.batch],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) == fixable_batch.files
