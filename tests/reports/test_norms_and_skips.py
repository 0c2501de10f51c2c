"""Issue #19: the norms a relative rule judged against are visible (site_metrics, the merged tables, the site
page), and a rule that could not judge says so (the terminal summary, the overview)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from siqa.audit import AuditOptions, run_audit
from siqa.config import RuleSet
from siqa.findings import Severity
from siqa.norms import JUDGED_WITH, robust
from siqa.outputs.files import NORMS_JSONL, SKIPS_JSONL
from siqa.outputs.summary import AuditSummary
from siqa.reports.dashboard import build_reports
from siqa.reports.site_tables import read_folders
from siqa.reports.summary import render_summary
from tests.reports.conftest import BATCH, finding, write_folder

# RQ001 judged against each site's own channels, RQ006 against the batch's (a site's one or two are too few),
# RQ005 on its absolute limit (the default sample size is far from reached).
RULES = """extends = "default"
[rules.RQ001]
min_units = 1
[rules.RQ006]
min_units = 3
"""
MIN_UNITS = {"RQ001": 1, "RQ005": 8, "RQ006": 3}


@pytest.fixture(scope="module")
def judged(report_batch, tmp_path_factory) -> tuple[Path, Path]:
    """A real audit of the two-site synthetic batch with relative rules; returns (its folder, its rule set)."""
    tmp = tmp_path_factory.mktemp("judged")
    rules = tmp / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    outcome = run_audit(AuditOptions(batch=report_batch.batch, root=report_batch.root, out=tmp / "audit",
                                     rules=str(rules), select=["RQ001", "RQ005", "RQ006"], cache=False,
                                     asr={"backend": "none"}))
    return outcome.out_dir, rules


def _norms(folder: Path) -> dict[tuple[str, str, str], dict]:
    lines = (folder / NORMS_JSONL).read_text(encoding="utf-8").splitlines()
    return {(r["site"], r["code"], r["metric"]): r for r in map(json.loads, lines)}


def test_site_metrics_carry_the_robust_spread_and_the_norm_each_metric_was_judged_against(judged):
    folder, _ = judged
    metrics = pd.read_parquet(folder / "metrics.parquet")
    table = pd.read_csv(folder / "site_metrics.csv")
    assert {"count", "mean", "p10", "median", "p90", "spread", "norm_basis", "norm_units", "norm_median",
            "norm_spread", "norm_p05", "norm_p95"} <= set(table.columns)
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "site_metrics.parquet").astype({"norm_units": float}),
                                  table, check_dtype=False)
    norms = _norms(folder)
    assert {n["basis"] for n in norms.values()} == {"site", "batch", "fallback"}
    for row in table.to_dict("records"):
        key = (row["site"], row["code"], row["metric"])
        values = metrics.query("site == @row['site'] and code == @row['code'] and metric == @row['metric']")
        assert row["spread"] == pytest.approx(robust(values["value"].to_numpy())[1])
        norm = norms.get(key)
        if norm is None:  # a metric no rule judged: no norm
            assert pd.isna(row["norm_basis"]) and pd.isna(row["norm_median"])
            continue
        assert (row["norm_basis"], row["norm_units"]) == (norm["basis"], norm["units"])
        everyone = metrics.query("code == @row['code'] and metric == @row['metric']")["value"].to_numpy()
        least = MIN_UNITS[row["code"]]
        if row["count"] >= least:  # the site's own values
            assert row["norm_basis"] == "site" and row["norm_units"] == row["count"]
            assert row["norm_median"] == pytest.approx(row["median"], abs=1e-4)
            assert row["norm_spread"] == pytest.approx(row["spread"], abs=1e-4)
        elif everyone.size >= least:  # too few at the site: the batch's
            assert row["norm_basis"] == "batch" and row["norm_units"] == everyone.size
            assert row["norm_median"] == pytest.approx(np.median(everyone), abs=1e-4)
        else:
            assert row["norm_basis"] == "fallback" and pd.isna(row["norm_median"])
    assert (table["code"] == "RQ006").any() and (table.loc[table["code"] == "RQ006", "norm_basis"] == "batch").all()


def test_merged_report_carries_the_norms_and_an_old_folder_without_them_is_no_error(judged, tmp_path):
    folder, _ = judged
    old = write_folder(tmp_path / "old", [finding("BL001", batch="improvised/dev/0001")],
                       units={("V00", "improvised/dev/0001"): 3})
    assert not (old / NORMS_JSONL).exists()
    build_reports(tmp_path / "merged", None, [folder, old])
    merged = pd.read_csv(tmp_path / "merged" / "tables" / "batch_norms.csv")
    written = _norms(folder)
    assert len(merged) == len(written) > 0
    for row in merged.to_dict("records"):
        source = written[(row["site"], row["code"], row["metric"])]
        assert row["batch"] == BATCH and row["basis"] == source["basis"] and row["units"] == source["units"]
        if source["median"] is not None:
            assert row["median"] == pytest.approx(source["median"]) and row["p95"] == pytest.approx(source["p95"])
    assert len(read_folders([folder, folder]).norm_table()) == len(written)  # the same norm twice is one row


def _norm_rows(html: str) -> dict[str, list[str]]:
    """The cells of each row of the site page's norms table, by rule code and measure."""
    table = html.split('<table class="norms sortable">', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        rows[f"{cells[0]} {cells[1]}"] = cells
    return rows


def test_site_page_shows_the_measured_norms_with_thresholds_from_the_rule_set(judged, tmp_path):
    folder, rules = judged
    dashboard = build_reports(tmp_path / "report", None, [folder], ruleset=RuleSet.load(rules)).dashboard.parent
    html = (dashboard / "sites" / "V00.html").read_text(encoding="utf-8")
    assert "Measured norms" in html and "Content-Security-Policy" in html
    rows = _norm_rows(html)
    norm = _norms(folder)[("V00", "RQ001", "snr_db")]
    snr = rows["RQ001 snr_db"]
    assert snr[3:5] == ["site", str(norm["units"])]
    assert snr[5] == f"{norm['median']:.4g}" and snr[6] == f"{norm['spread']:.4g}"
    assert snr[7] == f"{norm['p05']:.4g} – {norm['p95']:.4g}"
    settings = RuleSet.load("default").settings("RQ001", Severity.WARNING).values  # the test rule set extends it
    threshold = max(settings["tolerance"] * norm["spread"], settings["min_effect"])
    assert snr[8].startswith(f"{threshold:.4g} from the median")
    batch = _norms(folder)[("V00", "RQ006", "speech_dbfs")]
    assert rows["RQ006 speech_dbfs"][3:5] == ["batch", str(batch["units"])] and batch["units"] >= 3
    assert rows["RQ005 hum_prominence_db"][3] == "fallback"
    assert rows["RQ005 hum_prominence_db"][8] == "absolute: above 20"
    assert "<script>" not in html.split("Measured norms", 1)[1]  # a plain table, nothing inline to run


def test_without_a_rule_set_the_thresholds_come_from_the_settings_the_audit_recorded(judged, tmp_path):
    folder, _ = judged
    dashboard = build_reports(tmp_path / "report", None, [folder]).dashboard.parent
    html = (dashboard / "sites" / "V00.html").read_text(encoding="utf-8")
    norm = _norms(folder)[("V00", "RQ001", "snr_db")]
    settings = RuleSet.load("default").settings("RQ001", Severity.WARNING).values
    assert (norm["tolerance"], norm["min_effect"]) == (settings["tolerance"], settings["min_effect"])
    threshold = max(norm["tolerance"] * norm["spread"], norm["min_effect"])
    assert _norm_rows(html)["RQ001 snr_db"][8].startswith(f"{threshold:.4g} from the median")


def test_norms_of_an_older_audit_without_settings_show_no_thresholds(judged, tmp_path):
    folder, _ = judged
    older = tmp_path / "older"
    shutil.copytree(folder, older)
    records = [json.loads(line) for line in (older / "norms.jsonl").read_text().splitlines()]
    stripped = [{k: v for k, v in r.items() if k not in JUDGED_WITH} for r in records]
    (older / "norms.jsonl").write_text("".join(json.dumps(r) + "\n" for r in stripped))
    html = (build_reports(tmp_path / "report", None, [older]).dashboard.parent / "sites" / "V01.html").read_text()
    assert "Thresholds are not shown" in html and "<th>threshold</th>" not in html
    assert _norm_rows(html)["RQ001 snr_db"][3] == "site"


def test_a_site_without_norms_says_so(tmp_path):
    folder = write_folder(tmp_path / "audit", [finding("BL001")], units={("V00", BATCH): 1})
    html = (build_reports(folder, None).dashboard.parent / "sites" / "V00.html").read_text(encoding="utf-8")
    assert "No measured norms for this site" in html and 'class="norms' not in html


SKIPS = [{"code": "ID001", "scope": "session", "site": "V00", "unit": f"V00_S000{n}",
          "reason": "identity calibration refused: 3 ids and 6 appearances"} for n in range(5)] + [
    {"code": "TS003", "scope": "interaction", "site": "V01", "unit": "V01_S0001_I00000001",
     "reason": "silent edges are judged against the release: [red]1[/red] value(s)"},
    {"code": "TS003", "scope": "interaction", "site": "V01", "unit": "V01_S0001_I00000002",
     "reason": "silent edges are judged against the release: [red]1[/red] value(s)"},
    {"code": "TS003", "scope": "interaction", "site": "V00", "unit": "V00_S0001_I00000003", "reason": "other"}]


def test_summary_names_each_rule_that_could_not_judge_with_its_most_common_reason():
    summary = AuditSummary()
    summary.add_skips(SKIPS)
    console = Console(record=True, width=300, force_terminal=False)
    render_summary(summary, console)
    text = console.export_text()
    assert "could not judge" in text
    id_line = next(line for line in text.splitlines() if "ID001" in line)
    assert " 5 " in id_line and "identity calibration refused: 3 ids and 6 appearances" in id_line
    assert "(2 of 3 units)" not in id_line
    ts_line = next(line for line in text.splitlines() if "TS003" in line)
    assert "[red]1[/red] value(s)" in ts_line  # dataset-borne markup printed as written
    assert "(2 of 3 units)" in ts_line


def test_skip_reasons_survive_merging_and_summary_json():
    first, second = AuditSummary(), AuditSummary()
    first.add_skips(SKIPS[:3])
    second.add_skips(SKIPS[3:])
    merged = AuditSummary.from_dict(json.loads(json.dumps((first + second).to_dict())))
    assert merged.skips == {"ID001": 5, "TS003": 3}
    assert merged.top_skip_reason("ID001") == ("identity calibration refused: 3 ids and 6 appearances", 5)
    assert merged.top_skip_reason("TS003")[1] == 2
    assert AuditSummary.from_dict({**merged.to_dict(), "skip_reasons": {}}).top_skip_reason("ID001") is None


def test_overview_counts_skipped_units_per_rule_with_the_reason(tmp_path):
    folder = write_folder(tmp_path / "audit", [finding("TS003")], units={("V00", BATCH): 1})
    (folder / SKIPS_JSONL).write_text("".join(json.dumps(s) + "\n" for s in SKIPS), encoding="utf-8")
    dashboard = build_reports(folder, None).dashboard.parent
    html = (dashboard / "index.html").read_text(encoding="utf-8")
    section = html.split("Units the rules could not judge", 1)[1]
    rows = re.findall(r"<tr><td>(.*?)</tr>", section, flags=re.S)
    assert len(rows) == 2
    assert "ID001" in rows[0] and ">5<" in rows[0] and "V00: 5" in rows[0]
    assert "identity calibration refused" in rows[0]
    assert 'href="rules/TS003.html"' in rows[1] and "V00: 1, V01: 2" in rows[1] and "(2 of 3 units)" in rows[1]
    assert 'href="rules/ID001.html"' not in section  # no findings or measurements: no rule page to link to
    assert "[red]1[/red]" in rows[1] and "<red>" not in rows[1]
    empty = write_folder(tmp_path / "clean", [finding("TS003")], units={("V00", BATCH): 1})
    clean = (build_reports(empty, None).dashboard.parent / "index.html").read_text(encoding="utf-8")
    assert "Every rule judged every unit" in clean
