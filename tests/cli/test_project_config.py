"""Configuration discovery: siqa.toml or [tool.siqa], from the working directory up; flags override it."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from siqa.cli.main import app
from siqa.exit_codes import ExitCode
from siqa.project_config import ProjectConfigError, load


@pytest.fixture
def run(monkeypatch, tmp_path):
    """`siqa ...` in process, from `tmp_path/project/sub` (a folder below the configuration)."""
    monkeypatch.setenv("SIQA_LOG_LEVEL", "warning")
    monkeypatch.delenv("SIQA_ROOT", raising=False)
    sub = tmp_path / "project" / "sub"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    return lambda *args: CliRunner().invoke(app, list(args))


def _shown(output: str) -> dict[str, str]:
    return {line.split(" = ")[0]: line.split(" = ", 1)[1] for line in output.splitlines() if " = " in line}


def test_pyproject_table_found_upwards_and_flags_override_it(run, tmp_path):
    project = tmp_path / "project"
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.siqa]\nroot = "data"\nrules = "strict"\n'
                                            'fail_on = "warning"\nselect = "IN,TS"\njobs = 3\nout = "audit/now"\n')
    shown = _shown(run("audit", "--show-config", "--jobs", "2").output)
    where = f"# {project / 'pyproject.toml'} [tool.siqa]"
    assert shown["root"] == f'"{project / "data"}"  {where}'
    assert shown["select"] == f'["IN", "TS"]  {where}' and shown["fail_on"] == f'"warning"  {where}'
    assert shown["jobs"] == "2  # command line" and shown["ignore"] == "[]  # default"
    assert shown["out"] == f'"{project / "audit" / "now"}"  {where}'


def test_siqa_toml_wins_over_pyproject_and_siqa_root_over_both(run, tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "pyproject.toml").write_text('[tool.siqa]\njobs = 3\n')
    (project / "siqa.toml").write_text('root = "/data/si"\njobs = 5\n')
    assert _shown(run("audit", "--show-config").output)["jobs"].startswith("5  #")
    monkeypatch.setenv("SIQA_ROOT", "/elsewhere")
    assert _shown(run("audit", "--show-config").output)["root"] == '"/elsewhere"  # $SIQA_ROOT'


def test_gate_judges_the_configured_output_folder(run, tmp_path):
    (tmp_path / "project" / "siqa.toml").write_text('out = "audit/current"\n')
    result = run("gate")
    assert result.exit_code == ExitCode.TOOL_ERROR
    assert str(tmp_path / "project" / "audit" / "current") in result.output


@pytest.mark.parametrize("text, message", [
    ('fail-on = "warning"\n', "unknown key 'fail-on' (did you mean 'fail_on'?)"),
    ('jobs = -1\n', "jobs must be a whole number"),
    ('fail_on = "sometimes"\n', "fail_on must be one of error, warning, info, never"),
    ('root = \n', "cannot read"),
])
def test_a_bad_configuration_names_the_file_and_key(run, tmp_path, text, message):
    path = tmp_path / "project" / "siqa.toml"
    path.write_text(text)
    result = run("audit", "--show-config")
    assert result.exit_code == ExitCode.TOOL_ERROR and message in result.output and str(path) in result.output
    with pytest.raises(ProjectConfigError, match=str(path)):
        load(tmp_path / "project")


def test_no_configuration_leaves_the_defaults(run):
    shown = _shown(run("audit", "--show-config").output)
    assert shown["rules"] == '"default"  # default' and shown["jobs"] == "0  # default (0: all cores)"
    assert run("synth", "--help").exit_code == 0  # commands that read no configuration never look for one
