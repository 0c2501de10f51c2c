"""Versioned, described outputs: every file a real audit writes validates against the schema siqa ships and
carries its version; `siqa schema` prints them; gate, report and apply refuse another major version."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from siqa import __version__
from siqa.cli import schema as schema_command
from siqa.decisions import Decision, Decisions, DecisionsError, Kind, Verdict, parse_decisions
from siqa.outputs.files import FINDINGS_JSONL, METRICS_JSONL, NORMS_JSONL, SKIPS_JSONL, SUMMARY_JSON
from siqa.patches.model import PATCHES_JSONL, PatchFileError, read_patches
from siqa.schemas import load, names
from siqa.schemas.version import SCHEMA_VERSION
from tests.reports.conftest import cli_app

JSONL = {"findings": FINDINGS_JSONL, "skips": SKIPS_JSONL, "metrics": METRICS_JSONL, "norms": NORMS_JSONL,
         "patches": PATCHES_JSONL}
STAMP = {"schema_version": SCHEMA_VERSION, "siqa_version": __version__}


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _validate(name: str, records: list[dict[str, Any]]) -> None:
    """Each record is valid under the schema, and every field it has is one the schema describes."""
    schema = load(name)
    validator = jsonschema.Draft202012Validator(schema)
    for record in records:
        validator.validate(record)
        undescribed = set(record) - set(schema["properties"])
        assert not undescribed, f"{name}: fields the schema does not describe: {undescribed}"


def test_every_shipped_schema_is_valid_draft_2020_12():
    assert names() == ["decisions", "findings", "metrics", "norms", "patches", "skips", "summary"]
    for name in names():
        jsonschema.Draft202012Validator.check_schema(load(name))
        assert load(name)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("name", sorted(JSONL))
def test_every_jsonl_record_an_audit_writes_validates_and_is_stamped(cli_audited, name):
    records = _lines(cli_audited[0] / JSONL[name])
    assert records, f"the audit wrote no {JSONL[name]} records to check"
    _validate(name, records)
    assert all(record.items() >= STAMP.items() for record in records)


def test_summary_and_stdout_findings_validate(cli_audited):
    folder, stdout = cli_audited
    summary = json.loads((folder / SUMMARY_JSON).read_text(encoding="utf-8"))
    _validate("summary", [summary])
    assert summary.items() >= STAMP.items()
    _validate("findings", [json.loads(line) for line in stdout])


def test_every_parquet_file_carries_the_version(cli_audited):
    files = sorted(cli_audited[0].rglob("*.parquet"))
    assert {"findings.parquet", "metrics.parquet", "site_metrics.parquet", "site_scores.parquet",
            "fingerprints.parquet"} <= {f.name for f in files}
    for path in files:
        metadata = pq.read_schema(path).metadata
        assert {k.decode(): v.decode() for k, v in metadata.items() if k.decode() in STAMP} == STAMP, path


def test_decisions_schema_agrees_with_the_parser():
    decisions = Decisions((Decision(Kind.FINDING, "TS003:V00_S0001_I00000001", Verdict.REJECT, "TS003"),
                           Decision(Kind.FIX, "0123456789abcdef", Verdict.ACCEPT, note="checked by ear")))
    document = json.loads(decisions.to_json())
    _validate("decisions", [document])
    assert parse_decisions(decisions.to_json().encode(), "d.json") == decisions
    stray = {**document, "decisions": [{**document["decisions"][0], "by": "me"}]}
    assert not jsonschema.Draft202012Validator(load("decisions")).is_valid(stray)
    with pytest.raises(DecisionsError, match="unknown field"):
        parse_decisions(json.dumps(stray).encode(), "d.json")


def _schema_cli(*args: str):
    app = typer.Typer()
    app.callback()(lambda: None)  # a group, as `siqa` is: the command keeps its name
    schema_command.register(app)
    return CliRunner().invoke(app, ["schema", *args])


def test_siqa_schema_lists_and_prints_them():
    listing = _schema_cli()
    assert listing.exit_code == 0 and SCHEMA_VERSION in listing.stdout
    assert [line.split()[0] for line in listing.stdout.splitlines()[1:]] == names()
    printed = _schema_cli("findings")
    assert printed.exit_code == 0 and json.loads(printed.stdout) == load("findings")
    unknown = _schema_cli("finding")
    assert unknown.exit_code == 2 and "findings" in unknown.stderr


def _restamped(folder: Path, version: str | None) -> None:
    """Rewrite the folder's summary and findings as another version wrote them (None: before versions)."""
    def restamp(record: dict[str, Any]) -> str:
        return json.dumps({k: v for k, v in record.items() if k not in STAMP} | ({"schema_version": version}
                                                                                  if version else {}))

    summary, findings = folder / SUMMARY_JSON, folder / FINDINGS_JSONL
    summary.write_text(restamp(json.loads(summary.read_text(encoding="utf-8"))), encoding="utf-8")
    findings.write_text("".join(restamp(r) + "\n" for r in _lines(findings)), encoding="utf-8")


def _run(*args: Any):
    return CliRunner().invoke(cli_app(), [str(a) for a in args])


def test_gate_and_report_refuse_an_audit_of_another_major_version(cli_audited, tmp_path):
    current = cli_audited[0]
    baseline = shutil.copytree(current, tmp_path / "baseline")
    _restamped(baseline, "2.0")
    gate = _run("gate", current, "--baseline", baseline, "--out", tmp_path / "gate")
    assert gate.exit_code == 2, gate.output
    assert "schema 2.0" in gate.stderr and "reads schema 1.x" in gate.stderr
    report = _run("report", baseline, "--out", tmp_path / "report")
    assert report.exit_code == 2 and "schema 2.0" in report.stderr


def test_gate_and_report_read_a_pre_versioned_audit_and_say_so(cli_audited, tmp_path):
    current = cli_audited[0]
    baseline = shutil.copytree(current, tmp_path / "baseline")
    _restamped(baseline, None)
    gate = _run("gate", current, "--baseline", baseline, "--out", tmp_path / "gate")
    assert gate.exit_code == 0, gate.output  # the same findings: no breach
    assert "carries no schema_version" in gate.stderr and "pre-1" in gate.stderr
    assert "older than output schema 1.0" in (tmp_path / "gate" / "gate.md").read_text(encoding="utf-8")
    report = _run("report", baseline, "--out", tmp_path / "report")
    assert report.exit_code == 0 and "carries no schema_version" in report.stderr


def test_patches_of_another_major_version_are_refused(cli_audited, tmp_path):
    records = _lines(cli_audited[0] / PATCHES_JSONL)
    legacy = tmp_path / "legacy.jsonl"
    legacy.write_text("".join(json.dumps({k: v for k, v in r.items() if k not in STAMP}) + "\n"
                              for r in records))
    assert [r.target for r in read_patches(legacy)] == [r["target"] for r in records]
    newer = tmp_path / "newer.jsonl"
    newer.write_text("".join(json.dumps({**r, "schema_version": "2.1"}) + "\n" for r in records))
    with pytest.raises(PatchFileError, match=r"newer.jsonl line 1: .*schema 2\.1"):
        read_patches(newer)
