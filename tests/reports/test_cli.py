"""`siqa report` and `siqa gate` as users and CI call them: outputs, stdout, exit codes 0 / 1 / 2."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest
import soundfile
from typer.testing import CliRunner, Result

from siqa.findings import Severity
from tests.reports.conftest import BATCH, cli_app, finding, write_folder


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli_app(), [str(a) for a in args])


def test_report_writes_tables_and_dashboard_into_the_folder_and_prints_the_index(tmp_path):
    folder = write_folder(tmp_path / "audit", [finding("BL001", participant="P0001")],
                          units={("V00", BATCH): 3})
    result = run("report", folder)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(folder / "dashboard" / "index.html")
    assert pd.read_csv(folder / "tables" / "site_families.csv")["rate"].tolist() == [1 / 3]


def test_report_merges_folders_into_out_and_needs_out_to_do_so(tmp_path):
    first = write_folder(tmp_path / "a", [finding("BL001")], units={("V00", BATCH): 3})
    other = finding("BL001", batch="improvised/dev/0001", key="V00_S0002_I00000002")
    second = write_folder(tmp_path / "b", [other], units={("V00", "improvised/dev/0001"): 5})
    assert run("report", first, second).exit_code == 2
    result = run("report", first, second, "--out", tmp_path / "merged")
    assert result.exit_code == 0, result.stderr
    scores = pd.read_parquet(tmp_path / "merged" / "tables" / "site_scores.parquet")
    assert scores[["interactions", "findings"]].values.tolist() == [[8, 2]]
    assert len(pd.read_parquet(tmp_path / "merged" / "tables" / "batch_scores.parquet")) == 2


def test_report_on_a_missing_folder_or_root_is_a_tool_error(tmp_path):
    result = run("report", tmp_path / "nowhere")
    assert result.exit_code == 2 and "findings.jsonl is missing" in result.stderr
    folder = write_folder(tmp_path / "audit", [finding("BL001")])
    no_root = run("report", folder, "--root", tmp_path / "no-dataset")
    assert no_root.exit_code == 2 and "no-dataset does not exist" in no_root.stderr


def test_gate_writes_every_format_into_current_gate_and_prints_the_markdown(tmp_path):
    before = write_folder(tmp_path / "before", [finding("BL001")], units={("V00", BATCH): 40})
    now = write_folder(tmp_path / "now", [finding("BL001")], units={("V00", BATCH): 40})
    result = run("gate", now, "--baseline", before)
    assert result.exit_code == 0, result.stderr
    written = {p.name for p in (now / "gate").iterdir()}
    assert written == {"gate.md", "junit.xml", "gate.sarif", "annotations.txt"}
    assert result.stdout == (now / "gate" / "gate.md").read_text(encoding="utf-8")
    assert result.stdout.startswith("✅ **siqa gate passed**")


def test_gate_fails_with_exit_1_on_a_breach_and_prints_annotations_on_request(tmp_path):
    before = write_folder(tmp_path / "before", [], units={("V00", BATCH): 400})
    now = write_folder(tmp_path / "now", [finding("IN014", Severity.ERROR)], units={("V00", BATCH): 400})
    junit = tmp_path / "ci" / "junit.xml"
    result = run("gate", now, "--baseline", before, "--format", "github", "--junit", junit,
                 "--out", tmp_path / "g")
    assert result.exit_code == 1
    assert result.stdout.startswith("::error title=siqa gate%3A new errors V00 IN::")
    assert ElementTree.parse(junit).getroot().get("failures") == "1"
    assert not (tmp_path / "g" / "junit.xml").exists() and (tmp_path / "g" / "gate.sarif").exists()


def test_gate_tool_errors_exit_2(tmp_path):
    now = write_folder(tmp_path / "now", [], units={("V00", BATCH): 40})
    missing = run("gate", now, "--baseline", tmp_path / "nowhere")
    assert missing.exit_code == 2 and "nowhere" in missing.stderr
    policy = tmp_path / "gate.toml"
    policy.write_text("[defaults]\nallow_everything = true\n")
    bad = run("gate", now, "--policy", policy)
    assert bad.exit_code == 2 and "allow_everything" in bad.stderr
    assert run("gate", now, "--policy", tmp_path / "absent.toml").exit_code == 2
    (now / "findings.jsonl").write_text('{"code": "IN014"}\n')
    malformed = run("gate", now)
    assert malformed.exit_code == 2 and "not a findings file" in malformed.stderr


def test_report_takes_the_clip_limits_from_the_command_line(report_batch, participants, tmp_path):
    key = "V00_S0001_I00000001"
    folder = write_folder(tmp_path / "audit", [finding("BL001", key=key, participant=participants[key][0],
                                                       span=(1.0, 2.5))], units={("V00", BATCH): 1})
    result = run("report", folder, "--root", report_batch.root, "--clip-seconds", "1.5", "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    page = next((folder / "dashboard").rglob(f"{key}.html"))
    html = page.read_text(encoding="utf-8")
    clips = re.findall(r'<audio [^>]*src="([^"]+)"', html)
    assert len(clips) == 3 and "first 1.5 s" in html  # each channel and both mixed, cut to the limit
    assert all(soundfile.info(str(page.parent / clip)).duration == pytest.approx(1.5, abs=0.05) for clip in clips)
