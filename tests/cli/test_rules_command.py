"""`siqa rules`: the catalogue for people (a table, doc pages with each setting) and for tools (JSON)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from siqa.cli.main import app
from siqa.registry import all_rules

FIELDS = {"code", "name", "title", "family", "family_name", "scope", "severity", "status", "reads", "requires",
          "version", "emitted", "builtin", "module", "rule_set", "settings", "overrides", "doc"}


@pytest.fixture
def siqa_rules():
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["rules", *map(str, args)])


def test_the_json_catalogue_lists_every_rule_with_its_settings(siqa_rules):
    run = siqa_rules("--output-format", "json")
    assert run.exit_code == 0, run.output
    catalogue = json.loads(run.stdout)
    assert [entry["code"] for entry in catalogue] == [r.code for r in all_rules()]
    assert all(set(entry) == FIELDS for entry in catalogue)
    ts001 = next(entry for entry in catalogue if entry["code"] == "TS001")
    assert ts001["family"] == "TS" and ts001["scope"] == "interaction" and ts001["severity"] == "error"
    assert ts001["reads"] == ["wav", "json"] and ts001["doc"].startswith("Annotated times")
    assert ts001["settings"]["min_offset_ms"] == {"type": "float", "default": 120.0, "value": 120.0,
                                                  "doc": "smallest offset reported (ms)"}
    required = next(entry for entry in catalogue if entry["code"] == "IN005")["settings"]["required"]
    assert required["type"] == "list[str]" and required["default"] == ["wav", "mp4", "json", "npz"]


def test_one_rule_as_json_shows_the_rule_sets_values_next_to_the_defaults(siqa_rules):
    entry = json.loads(siqa_rules("IN012", "--rules", "strict", "--output-format", "json").stdout)
    assert entry["settings"]["min_valid_ratio"] == {"type": "float", "default": 0.5, "value": 0.7,
                                                    "doc": "smallest acceptable share of valid tracking frames"}
    assert entry["overrides"] == {"rules": {"min_valid_ratio": 0.7, "severity": "error"}}
    assert entry["rule_set"].endswith("strict.toml")


def test_a_doc_page_shows_each_setting_with_type_default_and_value(siqa_rules, tmp_path):
    rules = tmp_path / "mine.toml"
    rules.write_text('extends = "strict"\n[sites.V02.rules.IN012]\nmin_valid_ratio = 0.4\n')
    page = siqa_rules("IN012", "--rules", rules).stdout
    row = next(line for line in page.splitlines() if "min_valid_ratio" in line and "float" in line)
    assert row.split()[:4] == ["min_valid_ratio", "float", "0.5", "0.7"]
    assert "site V02: min_valid_ratio = 0.4" in page and "Settings (rule set mine.toml)" in page


def test_exported_pages_carry_the_settings_table(siqa_rules, tmp_path):
    assert siqa_rules("--export", tmp_path).exit_code == 0
    page = (tmp_path / "TS001.md").read_text()
    assert "| `min_offset_ms` | float | `120.0` | `120.0` | smallest offset reported (ms) |" in page
    assert "This rule has no settings." in (tmp_path / "IN001.md").read_text()
    assert "## Settings" not in (tmp_path / "SQ001.md").read_text()


@pytest.mark.parametrize("args, complaint", [
    (["XX123"], "unknown rule 'XX123'"),
    (["--rules", "no-such-set"], "rule set 'no-such-set' not found"),
])
def test_an_unknown_rule_or_rule_set_exits_2_and_says_which(siqa_rules, args, complaint):
    run = siqa_rules(*args)
    assert run.exit_code == 2 and complaint in run.output
