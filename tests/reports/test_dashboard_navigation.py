"""The dashboard's lists, search, coverage and build: release-wide list data, a page for every interaction
(clean ones included), what each rule checked and skipped, decisions read back by the report and the gate,
SVG charts, and a build that is parallel and incremental."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from siqa.decisions import Decision, Decisions, Kind, Verdict, finding_key
from siqa.findings import Severity
from siqa.outputs.files import SKIPS_JSONL, SUMMARY_JSON
from siqa.reports.dashboard import build_reports, links, plots
from siqa.reports.gate import load_policy, run_gate
from tests.reports.conftest import BATCH, HOSTILE, finding, write_folder

FINDINGS = ([finding("BL001", Severity.ERROR if n % 3 == 0 else Severity.WARNING,
                     key=f"V00_S0001_I{n % 40:08d}", participant=f"P{n % 2:04d}", span=(n, n + 1.0))
             for n in range(120)]
            + [finding("TS003", site="V01", key=f"V01_S0002_I{n:08d}", span=(1.0, 2.0)) for n in range(5)])
CLEAN = [{"code": "RQ001", "metric": "snr_db", "value": 30.0, "site": "V01", "batch": BATCH, "scope": "file",
          "unit": f"V01_S0009_I{n:08d}_P0001"} for n in range(3)]


def data_rows(folder: Path, pattern: str) -> list[list]:
    rows = []
    for path in sorted(folder.glob(pattern)):
        text = path.read_text(encoding="utf-8")
        rows += json.loads(text[text.index("push(...") + 8:text.rindex(");")])
    return rows


@pytest.fixture(scope="module")
def audit(tmp_path_factory) -> Path:
    folder = write_folder(tmp_path_factory.mktemp("nav") / "audit", FINDINGS, units={("V00", BATCH): 50,
                                                                                     ("V01", BATCH): 20},
                          metrics=CLEAN)
    skips = [{"code": "BL001", "scope": "file", "site": "V00", "unit": f"V00_S0001_I{n:08d}_P0001",
              "reason": "one channel is silent"} for n in range(45, 50)]
    (folder / SKIPS_JSONL).write_text("".join(json.dumps(s) + "\n" for s in skips), encoding="utf-8")
    (folder / SUMMARY_JSON).write_text(json.dumps({"rule_seconds": {"BL001": 1.0, "TS003": 0.5,
                                                                    "signal:vad": 2.0}}), encoding="utf-8")
    return folder


def test_release_lists_carry_every_finding_and_search_every_interaction_clean_ones_too(audit):
    dashboard = build_reports(audit, None).dashboard.parent
    rows = data_rows(dashboard, "lists/data/BL001-*.js")
    assert len(rows) == 120 and {r[2] for r in rows} == {"V00"}
    assert all((dashboard / r[9].split("#")[0]).is_file() for r in rows)  # each links to its finding
    family = (dashboard / links.family_list("BL")).read_text(encoding="utf-8")
    assert links.list_data("BL001", 1) in family
    interactions = data_rows(dashboard, "lists/data/interactions-*.js")
    clean = [r for r in interactions if r[5] < 0]
    assert len(interactions) == 48 and len(clean) == 3  # 40 + 5 flagged, 3 clean seen by a measuring rule
    assert all((dashboard / r[6]).is_file() for r in interactions)  # every interaction has a page
    assert clean[0][3] == "P0001"
    index = (dashboard / "index.html").read_text(encoding="utf-8")
    assert f'href="{links.family_list("BL")}#site=V00"' in index  # index cells open their list
    assert f'href="{links.rule_list("BL001")}#severity=error"' in index


def test_coverage_tells_checked_skipped_and_clean_apart(audit):
    dashboard = build_reports(audit, None).dashboard.parent
    site = (dashboard / links.site("V00")).read_text(encoding="utf-8")
    row = re.search(r'<tr data-code="BL001">(.*?)</tr>', site.split('id="coverage"')[1], re.DOTALL).group(1)
    cells = re.findall(r'data-value="(-?\d+)"', row)
    assert cells == ["50", "45", "5", "40", "5"]  # interactions (its scope), checked, skipped, flagged, clean
    assert "one channel is silent" in row
    rule = (dashboard / links.rule("TS003")).read_text(encoding="utf-8")
    sites = re.findall(r'<tr data-code="TS003">(.*?)</tr>', rule.split('id="coverage"')[1], re.DOTALL)
    assert [re.findall(r'data-value="(-?\d+)"', row) for row in sites] == [["50", "50", "0", "0", "50"],
                                                                            ["20", "20", "0", "5", "15"]]


def test_a_rejected_finding_is_reviewed_in_the_report_and_counts_in_neither_gate_nor_tables(audit, tmp_path):
    target = FINDINGS[-1]  # the only TS003 error-free finding of V01's first interaction
    decisions = Decisions((Decision(Kind.FINDING, finding_key(target), Verdict.REJECT, "TS003"),))
    path = tmp_path / "decisions.json"
    path.write_text(decisions.to_json(), encoding="utf-8")
    report = build_reports(tmp_path / "out", None, [audit], decisions=decisions)
    listing = (report.dashboard.parent / links.findings("V01", BATCH, "TS")).read_text(encoding="utf-8")
    assert listing.count("reviewed: not a defect") == 1
    seeded = (report.dashboard.parent / "assets" / "decisions.js").read_text(encoding="utf-8")
    assert finding_key(target) in seeded
    plain = run_gate(audit, None, load_policy())
    gated = run_gate(audit, None, load_policy(), decisions.rejected_findings())
    assert len(gated.current.counted) == len(plain.current.counted) - 1
    assert gated.current.rates[("V01", "TS")] == pytest.approx(plain.current.rates[("V01", "TS")] - 1 / 20)
    assert any("reviewed: not a defect" in note for note in gated.notes)


def test_pages_are_built_again_only_when_their_inputs_change_and_in_parallel_alike(audit, tmp_path):
    first = build_reports(tmp_path / "serial", None, [audit])
    again = build_reports(tmp_path / "serial", None, [audit])
    assert first.rendered > 50 and again.rendered == 0 and again.kept == first.rendered
    parallel = build_reports(tmp_path / "parallel", None, [audit], workers=2)

    def strip(text: str) -> str:
        return re.sub(r'data-dashboard="\w+"', "", text)

    for page in sorted(first.dashboard.parent.rglob("*.html")):
        other = parallel.dashboard.parent / page.relative_to(first.dashboard.parent)
        assert strip(other.read_text(encoding="utf-8")) == strip(page.read_text(encoding="utf-8")), page
    moved = write_folder(tmp_path / "moved", [*FINDINGS[:-1], finding("TS003", site="V01",
                                                                      key="V01_S0002_I00000004", span=(3.0, 4.0))],
                         units={("V00", BATCH): 50, ("V01", BATCH): 20}, metrics=CLEAN)
    changed = build_reports(tmp_path / "serial", None, [moved])
    assert 0 < changed.rendered < 10  # the changed interaction, its lists, the summaries that count it


def test_charts_are_svg_with_escaped_labels_and_heat_maps_for_many_batches():
    cells = {(f"batch{n:03d}", "BL"): float(n) for n in range(200)}
    chart = plots.heatmap("caption", cells, sorted({r for r, _ in cells}), ["BL", HOSTILE],
                          href=lambda row, column: f"x.html#batch={row}")
    assert chart.svg.count('<rect class="cell"') == 200 and "<script>" not in chart.svg
    assert 'href="x.html#batch=batch199"' in chart.svg
    bars = plots.bars("c", {HOSTILE: {"BL": 1.0, "TS": float("nan")}}, "family", "%")
    assert "&lt;script&gt;" in bars.svg and "<script>" not in bars.svg and bars.svg.count("<rect x=") == 1


def test_a_consequence_folds_into_the_root_of_its_own_batch_when_batches_repeat_a_key(tmp_path):
    batches = [BATCH, "improvised/dev/0001"]
    roots = [finding("BL003", batch=batch) for batch in batches]
    consequences = [replace(finding("TS003", span=(1.0, 2.0), batch=root.batch), caused_by=root.ref)
                    for root in roots]
    folder = write_folder(tmp_path / "audit", [*roots, *consequences], units={("V00", b): 1 for b in batches})
    dashboard = build_reports(folder, None).dashboard.parent
    for root in roots:
        html = (dashboard / links.interaction("V00", root.batch, root.interaction_key)).read_text(encoding="utf-8")
        assert html.count('<article class="finding folded"') == 1  # its own, not every batch's
