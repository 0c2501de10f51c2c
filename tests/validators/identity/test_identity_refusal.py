"""Issue #19: a release too small to learn what one person looks like is not silently judged clean. When the
identity comparison refuses to calibrate, every appearance gets an ID001 and an ID002 skip that says why, in
`skips.jsonl`, `summary.json` and the terminal summary."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from siqa.audit import AuditOptions, run_audit
from siqa.config import RuleSet
from siqa.identity.run import release_findings
from siqa.identity.store import read_store
from siqa.outputs.files import read_findings
from siqa.reports.summary import render_summary
from siqa.synth import SynthConfig, generate


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Three one-interaction sessions: three people at most recur, far too few pairs to calibrate."""
    tmp = tmp_path_factory.mktemp("identity-small")
    made = generate(tmp / "root", SynthConfig(sessions=3, interactions_per_session=1, duration=6.0, seed=3,
                                              defects="none"))
    outcome = run_audit(AuditOptions(batch=made.batch, root=tmp / "root", out=tmp / "out", jobs=1,
                                     select=["ID001", "ID002"], cache=False, asr={"backend": "none"}))
    return tmp, outcome


def test_a_release_too_small_to_calibrate_skips_every_appearance_with_the_reason(small):
    _, outcome = small
    calibration = json.loads((outcome.out_dir / "identity" / "calibration.json").read_text(encoding="utf-8"))
    assert calibration["calibrated"] is False
    skips = [json.loads(line) for line in (outcome.out_dir / "skips.jsonl").read_text().splitlines()]
    identity = [s for s in skips if s["code"] in ("ID001", "ID002")]
    appearances = calibration["appearances"]
    assert appearances == 6  # two people in each of three sessions
    assert sorted(s["code"] for s in identity) == ["ID001"] * appearances + ["ID002"] * appearances
    reason = (f"identity calibration refused: {calibration['participant_ids']} ids and {appearances} "
              f"appearances")
    for skip in identity:
        assert skip["reason"].startswith(reason) and skip["reason"].endswith(calibration["reason"])
        assert "needs 10 appearances beyond one per id" in skip["reason"]
        assert skip["scope"] == "session" and skip["unit"].startswith(skip["site"] + "_S")
    assert {(s["unit"], s["participant_id"]) for s in identity if s["code"] == "ID001"} == {
        (s["unit"], s["participant_id"]) for s in identity if s["code"] == "ID002"}
    assert not [f for f in read_findings(outcome.findings_path) if f.code in ("ID001", "ID002")]
    summary = json.loads((outcome.out_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["skips"] == {"ID001": appearances, "ID002": appearances}
    assert summary["skip_reasons"]["ID001"][0][1] == appearances
    console = Console(record=True, width=400, force_terminal=False)
    render_summary(outcome.summary, console)
    lines = [line for line in console.export_text().splitlines() if line.lstrip("│ ").startswith("ID00")]
    assert len(lines) == 2 and all(reason in line and f" {appearances} " in line for line in lines)


def test_skips_follow_the_rule_set_a_rule_disabled_at_a_site_skips_nothing_there(small):
    tmp, outcome = small
    store = read_store(outcome.out_dir)
    rules = tmp / "rules.toml"
    rules.write_text('extends = "default"\n[sites.V00.rules.ID002]\nenabled = false\n', encoding="utf-8")
    result = release_findings(store, RuleSet.load(rules, ["ID001", "ID002"]), None, tmp / "again")
    sites = {(s["code"], s["site"]) for s in result.skips}
    assert ("ID001", "V00") in sites and ("ID002", "V00") not in sites
    assert any(code == "ID002" for code, _ in sites)  # enabled elsewhere
    assert result.findings == []
    assert release_findings(store, RuleSet.load(rules, ["ID004"]), None, tmp / "none").skips == []
