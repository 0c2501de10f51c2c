"""`siqa check rules|patches|policy`: the pre-commit hooks' commands on valid and broken files."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from siqa.cli.main import app
from siqa.config import builtin_rules_dir
from siqa.exit_codes import ExitCode

PATCH = {"version": 1, "target": "improvised/dev/0000/0000/V00_S0001_I00000001_P0103.json", "sha256": "a" * 64,
         "key_column": None, "fixes": [{"id": "f1", "code": "IN017", "confidence": 1.0, "applicability": "safe",
                                        "operations": [{"op": "replace", "path": "/id", "value": "x"}]}]}


@pytest.fixture
def check(monkeypatch):
    monkeypatch.setenv("SIQA_LOG_LEVEL", "warning")
    return lambda *args: CliRunner().invoke(app, ["check", *(str(a) for a in args)])


def test_shipped_files_are_valid(check):
    rules = builtin_rules_dir()
    assert check("rules", rules / "default.toml", rules / "strict.toml").exit_code == ExitCode.OK
    assert check("policy", rules / "gate.toml").exit_code == ExitCode.OK


@pytest.mark.parametrize("text, message", [
    ('extends = "default"\n[rules.IN01O]\nenabled = false\n', "IN01O"),
    ('extends = "default"\n[rules.IN010]\ntolerance_secs = 0.2\n', "tolerance_secs"),
    ('extends = "default"\n[rules.IN010]\nseverity = "fatal"\n', "fatal"),
    ('[rules\n', "cannot read"),
])
def test_broken_rule_sets_fail_naming_the_file_and_the_key(check, tmp_path, text, message):
    path = tmp_path / "ours.toml"
    path.write_text(text)
    result = check("rules", path)
    assert result.exit_code == ExitCode.FAILED and message in result.output and str(path) in result.output


def test_patches_files(check, tmp_path):
    good = tmp_path / "patches.jsonl"
    good.write_text(json.dumps(PATCH) + "\n")
    assert check("patches", good).exit_code == ExitCode.OK
    broken = tmp_path / "broken.jsonl"
    outside = {**PATCH, "target": "../etc/passwd.json"}
    bad_op = {**PATCH, "fixes": [{**PATCH["fixes"][0], "operations": [{"op": "frobnicate", "path": "/id"}]}]}
    broken.write_text(json.dumps(outside) + "\n" + json.dumps(bad_op) + "\n")
    result = check("patches", good, broken)
    assert result.exit_code == ExitCode.FAILED
    assert "not normalised" in result.output and "unknown op 'frobnicate'" in result.output
    version = tmp_path / "v2.jsonl"
    version.write_text(json.dumps({**PATCH, "version": 2}) + "\n")
    result = check("patches", version)
    assert result.exit_code == ExitCode.FAILED and f"{version} line 1: unsupported record version 2" in result.output


def test_a_missing_file_is_a_tool_error(check, tmp_path):
    result = check("patches", tmp_path / "absent.jsonl")
    assert result.exit_code == ExitCode.TOOL_ERROR and "no such file" in result.output


def test_a_broken_gate_policy(check, tmp_path):
    path = tmp_path / "gate.toml"
    path.write_text("[defaults]\nallow_everything = true\n")
    result = check("policy", path)
    assert result.exit_code == ExitCode.FAILED and "allow_everything" in result.output
