"""The gate's outputs: Markdown that dataset text cannot break, JUnit XML, SARIF 2.1.0, GitHub annotations."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree

import pytest

from siqa.findings import Severity
from siqa.registry import get_rule
from siqa.reports.gate import junit, load_policy, markdown, run_gate, sarif
from siqa.reports.gate.github import command, render
from tests.reports.conftest import BATCH, HOSTILE, finding, write_folder

NASTY = f"50% of {HOSTILE} | @octocat *loud*\nsecond line\r\x1b[31m"


@pytest.fixture
def failed(tmp_path):
    """A release with an unchanged error, a new error with a hostile message and NaN evidence, a warning."""
    old = finding("IN014", Severity.ERROR, key="V00_S0001_I00000001", participant="P0001", span=(0.0, 6.0))
    hostile = finding("IN013", Severity.ERROR, key="V00_S0001_I00000002", participant="P0002", message=NASTY,
                      evidence={"peak": float("nan"), "loud_ratio": 0.0})
    session = finding("TS003", key="V00_S0001_I00000003")  # no file: located by its unit key
    before = write_folder(tmp_path / "before", [old], units={("V00", BATCH): 200})
    now = write_folder(tmp_path / "now", [old, hostile, session], units={("V00", BATCH): 200})
    return run_gate(now, before, load_policy())


def test_markdown_keeps_dataset_text_inert(failed):
    text = markdown.render(failed)
    assert text.startswith("❌ **siqa gate failed: 1 breach(es)**")
    row = next(line for line in text.splitlines() if "IN013" in line and line.startswith("|"))
    cells = re.split(r"(?<!\\)\|", row.strip())[1:-1]
    assert len(cells) == 5 and "V00_S0001_I00000002_P0002" in cells[2]
    assert "<script>" not in text and "\\<script\\>" in cells[4]
    assert "@octocat" not in text and "@\u2060octocat" in text
    assert "\\*loud\\*" in cells[4] and "\n" not in row and "\x1b" not in text


def test_junit_has_a_failing_case_per_breach_and_survives_control_characters(failed):
    root = ElementTree.fromstring(junit.render(failed).encode("utf-8"))
    assert root.get("failures") == "1" and int(root.get("tests")) == len(failed.checks)
    failures = root.findall(".//testcase[failure]")
    assert [case.get("name") for case in failures] == ["new errors V00 IN"]
    assert "\\x1b[31m" in failures[0].find("failure").text and HOSTILE in failures[0].find("failure").text
    assert {s.get("name") for s in root.findall("testsuite")} == {"siqa gate: new errors", "siqa gate: rate",
                                                                   "siqa gate: score"}


def test_sarif_carries_registry_rules_located_results_and_baseline_states(failed):
    log = json.loads(sarif.render(failed), parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))
    assert log["version"] == "2.1.0" and "sarif-2.1.0" in log["$schema"]
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {"IN013", "IN014", "TS003"} <= {r["id"] for r in rules}
    by_code = {r["id"]: r for r in rules}
    assert by_code["IN013"]["shortDescription"]["text"] == get_rule("IN013").title
    results = {r["ruleId"]: r for r in run["results"]}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert len(result["partialFingerprints"]["siqaFingerprint/v1"]) == 20
    assert results["IN013"]["baselineState"] == "new" and results["IN014"]["baselineState"] == "unchanged"
    location = results["IN013"]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": f"{BATCH}/0000/V00_S0001_I00000002_P0002.wav", "uriBaseId": "DATASET_ROOT"}
    logical = results["TS003"]["locations"][0]["logicalLocations"][0]
    assert logical["fullyQualifiedName"] == "V00_S0001_I00000003"
    assert results["IN013"]["properties"]["evidence"]["peak"] == "nan"
    assert results["IN013"]["level"] == "error"
    assert run["properties"]["gatePassed"] is False


def test_github_commands_escape_data_and_properties_per_githubs_rules():
    line = command("error", "50% done\r\nnext", file="a:b,c.wav", title="T: x, y")
    assert line == "::error file=a%3Ab%2Cc.wav,title=T%3A x%2C y::50%25 done%0D%0Anext"


def test_github_annotations_name_each_breach_and_new_error_on_one_line_each(failed):
    lines = render(failed).splitlines()
    assert lines[0] == ("::error title=siqa gate%3A new errors V00 IN::"
                        "1 new error finding(s) of IN at V00 (allowed: 0)")
    assert lines[1].startswith(f"::error file={BATCH}/0000/V00_S0001_I00000002_P0002.wav,title=IN013 ")
    assert lines[1].endswith("::50%25 of <script>alert(1)</script> | @octocat *loud*"
                             "%0Asecond line%0D\\x1b[31m")
    assert len(lines) == 2
