"""The composite GitHub Action and the pre-commit hooks parse, and name what users pass and what siqa runs."""

from __future__ import annotations

from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML comes with the export extra (datasets)")

REPO = Path(__file__).resolve().parents[2]


def test_action_inputs_outputs_and_steps():
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert {"root", "batch", "baseline", "rules", "fail-on", "python-version"} <= set(action["inputs"])
    assert action["inputs"]["batch"]["required"] is True
    assert {"exit-code", "audit-dir", "sarif", "junit", "markdown"} <= set(action["outputs"])
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    scripts = "\n".join(step.get("run", "") for step in steps)
    assert "siqa audit" in scripts and "siqa gate" in scripts
    assert {step.get("uses", "").split("@")[0] for step in steps} >= {
        "actions/setup-python", "github/codeql-action/upload-sarif", "mikepenz/action-junit-report"}
    assert all(step.get("shell") == "bash" for step in steps if "run" in step)  # composite steps need one


def test_pre_commit_hooks_run_siqa_check():
    hooks = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["siqa-rules"]["entry"] == "siqa check rules"
    assert hooks["siqa-patches"]["entry"] == "siqa check patches"
    assert all(hook["language"] == "python" for hook in hooks.values())
