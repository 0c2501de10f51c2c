import json
import os
import re
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from siqa.findings import Scope, Severity
from siqa.registry import FAMILIES, PluginFailure, RegistryError, Setting, all_rules, get_rule, matches, rule
from siqa.synth import SynthConfig, generate

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_codes_must_have_a_known_family_and_three_digits():
    for bad in ("XX001", "IN01", "in001", "IN0001"):
        with pytest.raises(RegistryError):
            rule(bad, "x", scope=Scope.FILE, severity=Severity.INFO)


def test_a_rule_without_docstring_is_refused():
    with pytest.raises(RegistryError, match="docstring"):
        rule("IN999", "undocumented", scope=Scope.FILE, severity=Severity.INFO)(lambda unit, ctx: ())


@pytest.mark.parametrize("name", ["enabled", "severity", "values", "get"])
def test_a_setting_cannot_take_a_name_the_rule_set_or_the_settings_object_uses(name):
    with pytest.raises(RegistryError, match="reserved"):
        rule("IN999", "x", scope=Scope.FILE, severity=Severity.INFO, settings={name: Setting(1.0, "")})


def test_selection_by_family_prefix_and_code():
    assert matches("IN012", ["IN"]) and matches("IN012", ["IN01"]) and matches("IN012", ["ALL"])
    assert not matches("IN012", ["TS", "IN013"])


def test_builtin_rules_are_discovered_through_entry_points():
    codes = {r.code for r in all_rules()}
    assert {"IN001", "IN005", "IN006", "IN015", "SQ001", "SQ002"} <= codes
    assert get_rule("in001").name == "unreadable-wav"
    assert all(r.builtin for r in all_rules() if r.module.startswith("siqa."))


def test_every_family_loads_through_the_installed_entry_points_the_pyproject_declares():
    """The SQ codes too (`selfcheck`): the registry imports no module by name, so a stale install (entry points
    from an older pyproject.toml) would lose rules; reinstall (`pip install -e .`) when this fails."""
    declared = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]["entry-points"]
    installed = {ep.name: ep.value for ep in entry_points(group="siqa.validators") if ep.value.startswith("siqa.")}
    assert installed == declared["siqa.validators"]
    assert get_rule("SQ001").module == declared["siqa.validators"]["selfcheck"]


def test_a_setting_takes_its_type_from_its_default_and_checks_values_against_it():
    assert Setting(0.5, "").type is float and Setting(3, "").type is int and Setting(["wav"], "").type == list[str]
    assert Setting(0.5, "").convert(2) == 2.0 and isinstance(Setting(0.5, "").convert(2), float)
    assert Setting([], "", type=list[str]).convert(("a", "b")) == ["a", "b"]
    for setting, value in ((Setting(0.5, ""), True), (Setting(3, ""), 3.5), (Setting("x", ""), 1),
                           (Setting(["a"], ""), "a"), (Setting(True, ""), 1)):
        with pytest.raises(ValueError, match=re.escape(f"expected {setting.type_name}")):
            setting.convert(value)
    with pytest.raises(RegistryError, match="not supported"):
        Setting({"a": 1}, "")


def test_a_plugin_failure_says_why_in_one_line():
    failure = PluginFailure("XB", "xb", "Traceback (most recent call last):\n  ...\nImportError: no numpy\n")
    assert failure.reason == "ImportError: no numpy"


@pytest.mark.parametrize("r", [r for r in all_rules()], ids=lambda r: r.code)
def test_every_rule_documents_itself_and_declares_the_thresholds_it_documents(r):
    assert r.family in FAMILIES and r.title and r.doc.count("\n## ") >= 1
    documented = re.search(r"## Thresholds\n(.*?)(\n## |\Z)", r.doc, re.DOTALL)
    names = set(re.findall(r"`(\w+)`", documented.group(1))) if documented else set()
    assert names == set(r.settings), f"{r.code}: doc names {sorted(names)}, the rule declares {sorted(r.settings)}"
    assert all(setting.doc for setting in r.settings.values())


# --- plugins, installed as pip installs them: a package on the path and its distribution's entry points ---------

EXAMPLE = Path(__file__).parent / "data" / "plugin_example"
DOCS = Path(__file__).parents[1] / "docs" / "plugins.md"
BROKEN = {  # module name -> source: one plugin per way of failing
    "xb_checks": 'raise ImportError("this plugin needs a library that is not installed")\n',
    "xc_checks": '''
        from siqa.findings import Scope, Severity
        from siqa.registry import Setting, rule


        @rule("XC901", "configured-badly", scope=Scope.FILE, severity=Severity.INFO,
              settings={"min_seconds": Setting(1.0, "anything")})
        def configured_badly(pf, ctx):
            """The rule set gives it a string for a float.

            ## Thresholds
            `min_seconds`.
            """
            return ()


        @rule("RQ901", "squatter", scope=Scope.FILE, severity=Severity.INFO)
        def squatter(pf, ctx):
            """A plugin rule in a built-in family."""
            return ()
    ''',
    "xr_checks": '''
        from siqa.config import ConfigError
        from siqa.findings import Scope, Severity
        from siqa.registry import rule


        @rule("XR901", "raises-at-run", scope=Scope.FILE, severity=Severity.INFO)
        def raises_at_run(pf, ctx):
            """Raises a configuration error on every file."""
            raise ConfigError("a setting this plugin wanted is missing")


        @rule("XR902", "raises-over-the-release", scope=Scope.RELEASE, severity=Severity.INFO)
        def raises_over_the_release(release, ctx):
            """Raises once every batch is in."""
            raise ValueError("this cross-batch check is broken")
    ''',
    "misnamed_checks": "",
}


def install(folder: Path, name: str, entry_points: dict[str, str]) -> None:
    """Write a distribution's metadata as pip does (`<name>-<version>.dist-info/entry_points.txt`):
    `importlib.metadata` finds it on `sys.path` like any installed package."""
    dist = folder / f"{name}-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[siqa.validators]\n" + "".join(f"{key} = {value}\n" for key, value in entry_points.items()))


def example_entry_points() -> dict[str, str]:
    return tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]["entry-points"]["siqa.validators"]


def siqa(path: list[Path], *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, path))}
    return subprocess.run([sys.executable, "-m", "siqa", *args], capture_output=True, text=True, env=env, check=False)


def audit(path: list[Path], batch, out: Path, *args: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    run = siqa(path, "audit", "--root", str(batch.root), "--batch", batch.batch, "--out", str(out),
               "--format", "jsonl", "--no-report", "--no-progress", *args)
    return run, [json.loads(line) for line in run.stdout.splitlines()]


@pytest.fixture
def example(tmp_path) -> list[Path]:
    install(tmp_path / "site", "xq_checks", example_entry_points())
    return [EXAMPLE, tmp_path / "site"]


def test_the_documented_example_is_the_tested_plugin():
    blocks = re.findall(r"```(\w+)\n(.*?)```", DOCS.read_text(), re.DOTALL)
    code = next(text for kind, text in blocks if kind == "python")
    assert code == "# xq_checks/rules.py\n" + (EXAMPLE / "xq_checks" / "rules.py").read_text()
    toml = next(text for kind, text in blocks if kind == "toml" and "entry-points" in text)
    assert tomllib.loads(toml)["project"]["entry-points"]["siqa.validators"] == example_entry_points()


def test_the_plugin_example_installs_and_runs_with_the_default_rule_set(example, clean_tar_batch, tmp_path):
    run, findings = audit(example, clean_tar_batch, tmp_path / "out", "--select", "XQ,IN005", "--jobs", "1")
    assert run.returncode == 0, run.stderr  # warnings only
    flagged = [f for f in findings if f["code"] == "XQ901"]
    assert len(flagged) == clean_tar_batch.files and not [f for f in findings if f["code"].startswith("SQ")]
    assert flagged[0]["severity"] == "warning" and flagged[0]["evidence"]["seconds"] < 30
    catalogue = json.loads(siqa(example, "rules", "XQ901", "--output-format", "json").stdout)
    assert catalogue["family_name"] == "Checks of our curation team" and not catalogue["builtin"]
    assert catalogue["settings"]["min_seconds"] == {"type": "float", "default": 30.0, "value": 30.0,
                                                    "doc": "shortest usable recording (seconds)"}


def test_a_plugin_release_rule_sees_every_batch_of_the_run(example, tmp_path):
    """XQ902 sums each participant's audio over both labels' copies of the batch, audited in one run."""
    root = tmp_path / "root"
    batches = [generate(root, SynthConfig(layout="tar", label=label, sessions=1, interactions_per_session=2,
                                          duration=duration, seed=3, defects="none"))  # the same people
               for label, duration in (("improvised", 6.0), ("naturalistic", 7.0))]
    run, findings = audit(example, batches[0], tmp_path / "out", "--select", "XQ902", "--jobs", "1")
    assert run.returncode == 0, run.stderr
    seconds: dict[str, list[float]] = {}
    labels: dict[str, set[str]] = {}
    for f in findings:
        if f["code"] == "XQ901":  # selected with XQ902, which requires it
            participant = "P" + f["file_id"].rsplit("_P", 1)[1]
            seconds.setdefault(participant, []).append(f["evidence"]["seconds"])
            labels.setdefault(participant, set()).add(f["batch"].split("/", 1)[0])
    totals = {f["evidence"]["participant_id"]: f for f in findings if f["code"] == "XQ902"}
    assert set(totals) == set(seconds) and sum(len(v) for v in seconds.values()) == 8
    assert all(len(found) == 2 for found in labels.values())  # everyone was recorded in both batches
    for participant, finding in totals.items():
        assert finding["scope"] == "release" and finding["evidence"]["files"] == len(seconds[participant])
        assert finding["evidence"]["minutes"] == pytest.approx(sum(seconds[participant]) / 60, abs=1e-3)


def test_broken_plugins_cannot_stop_an_audit(example, clean_tar_batch, tmp_path):
    site = tmp_path / "site"
    for module, source in BROKEN.items():
        (site / f"{module}.py").write_text(textwrap.dedent(source))
    install(site, "broken_checks", {"XB": "xb_checks", "XC": "xc_checks", "XR": "xr_checks",
                                    "checks": "misnamed_checks", "RQ": "misnamed_checks"})
    rules = tmp_path / "rules.toml"
    rules.write_text('extends = "default"\n[rules.XC901]\nmin_seconds = "long"\n')
    run, findings = audit(example, clean_tar_batch, tmp_path / "out", "--rules", str(rules),
                          "--select", "XQ,XB,XC,XR,RQ901,IN005", "--jobs", "2")  # workers load plugins too
    assert run.returncode == 1, run.stderr  # the SQ findings are errors; no exit 2
    failed = {f["evidence"]["plugin"]: f["message"] for f in findings if f["code"] == "SQ002"}
    assert set(failed) == {"XB", "XC", "checks", "RQ"}
    assert "ImportError: this plugin needs a library that is not installed" in failed["XB"]
    assert "'checks' must be the plugin's own family prefix" in failed["checks"]
    assert "family RQ is built in" in failed["RQ"]
    squatter, misconfigured = sorted(f["message"] for f in findings if f["evidence"].get("plugin") == "XC")
    assert "rule RQ901 refused: plugin 'XC' may register XC codes only" in squatter
    assert "rule XC901 refused by its rule set" in misconfigured and "min_seconds: expected float" in misconfigured
    crashes = [f for f in findings if f["code"] == "SQ001"]
    per_file = [f for f in crashes if f["evidence"]["rule"] == "XR901"]
    (release,) = [f for f in crashes if f["evidence"]["rule"] == "XR902"]
    assert len(per_file) == clean_tar_batch.files and len(crashes) == clean_tar_batch.files + 1
    assert release["scope"] == "release" and "ValueError: this cross-batch check is broken" in release["message"]
    assert len([f for f in findings if f["code"] == "XQ901"]) == clean_tar_batch.files  # the others ran
    assert [f for f in findings if f["code"] == "XQ902"]  # and so did the other release rule
    assert "IN005" in json.loads((tmp_path / "out" / "summary.json").read_text())["rule_seconds"]
