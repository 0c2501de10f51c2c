"""The dashboard as files: self-contained, every link resolves, dataset text escaped, interaction pictures
drawn from the real audio, pages bounded in size, and a real audit reported end to end."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from siqa.audit import AuditOptions, run_audit
from siqa.reports.dashboard import ReportOutcome, build_dashboard, build_reports, links
from siqa.reports.dashboard.pictures import PIXELS_PER_COLUMN, WIDTH
from siqa.reports.site_tables import SITE, read_folder
from tests.reports.conftest import BATCH, ESCAPED, HOSTILE, finding, hostile_findings, write_folder

STATIC = Path(links.__file__).parent / "static"


class Links(HTMLParser):
    """Every href and src of a page, and every id it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.targets.append(value)
            if name == "id" and value:
                self.ids.add(value)


def parse(page: Path) -> Links:
    links = Links()
    links.feed(page.read_text(encoding="utf-8"))
    return links


@pytest.fixture(scope="module")
def builds(report_batch, participants, tmp_path_factory) -> tuple[ReportOutcome, ReportOutcome]:
    """The report built, then built again with nothing changed: every page kept from the first build."""
    folder = write_folder(tmp_path_factory.mktemp("audit"), hostile_findings(participants),
                          units={("V00", BATCH): 1, ("V01", BATCH): 1})
    return build_reports(folder, report_batch.root), build_reports(folder, report_batch.root)


@pytest.fixture(scope="module")
def dashboard(builds) -> Path:
    return builds[1].dashboard.parent


def pages(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


def test_every_link_and_asset_is_local_and_resolves(builds, dashboard):
    first, again = builds
    assert again.rendered == 0 and again.kept == first.rendered  # the rebuild kept every page...
    media = set()
    for page in pages(dashboard):
        for target in parse(page).targets:
            assert not re.match(r"^[a-z]+:|^//", target), f"{page.name} reaches outside the folder: {target}"
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            assert resolved.is_file(), f"{page.relative_to(dashboard)} links to a missing {target}"
            if anchor and "=" not in anchor:  # "#site=V00": the filters a list opens with
                assert anchor in parse(resolved).ids, f"{target} has no element #{anchor}"
            if resolved.parent == (page.parent / links.page_files(page.name)).resolve():
                media.add(resolved.suffix)
    assert media == {".ogg", ".webp"}  # ...with its clips and pictures, in the page's own folder
    assets = list((dashboard / "assets").iterdir())
    assert {"dashboard.js", "review.js", "decisions.js"} <= {p.name for p in assets}
    assert sum(p.stat().st_size for p in assets) < 200_000  # charts are SVG drawn at build time: no library


def test_dataset_text_is_escaped_on_every_page(dashboard):
    for page in pages(dashboard):
        assert HOSTILE not in page.read_text(encoding="utf-8"), page
    interaction = (dashboard / "interactions" / "V00").rglob("V00_S0001_I00000001.html")
    html = next(interaction).read_text(encoding="utf-8")
    assert html.count(ESCAPED) >= 5  # message, evidence, fix description, fix operations, transcript
    listing = next((dashboard / "findings" / "V00").rglob("BL-1.html")).read_text(encoding="utf-8")
    assert f"bleed in {ESCAPED}" in listing


def test_interaction_page_draws_both_channels_with_their_flagged_spans(dashboard):
    html = next(dashboard.rglob("V00_S0001_I00000001.html")).read_text(encoding="utf-8")
    channels = html.split('<svg class="channel"')[1:]
    assert len(channels) == 2
    envelopes = [re.search(r'<path class="wave"[^>]* d="([^"]*)"', c).group(1) for c in channels]
    strokes = [len(re.findall(r"v\d+", d)) for d in envelopes]
    assert all(100 < n <= WIDTH / PIXELS_PER_COLUMN for n in strokes), strokes  # real audio, at the pixel width
    flags = [re.findall(r'<rect class="flag" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', c) for c in channels]
    assert [len(f) for f in flags] == [2, 1]  # the file's own BL001 span, and the dyad's TS003 span on both
    (bl_x, bl_width), (ts_x, ts_width) = sorted((float(x), float(w)) for x, w in flags[0])
    assert bl_width == pytest.approx(ts_width, abs=0.2) and bl_x / ts_x == pytest.approx(1.0 / 4.0, rel=0.01)
    assert 0 < ts_x + ts_width <= WIDTH
    assert 'class="vad"' in html and 'class="speech"' in html and 'class="flagged"' in html
    assert "Proposed fix" in html and "unsafe" in html


def test_without_a_dataset_root_the_page_says_the_audio_was_not_available(participants, tmp_path):
    folder = write_folder(tmp_path / "audit", hostile_findings(participants))
    build_dashboard(tmp_path / "dash", read_folder(folder), hostile_findings(participants), root=None)
    html = next((tmp_path / "dash").rglob("V00_S0001_I00000001.html")).read_text(encoding="utf-8")
    assert "The audio was not available: no dataset root was given" in html and "<svg" not in html


def test_lists_are_paginated_and_only_interactions_with_findings_get_a_page(tmp_path):
    findings = [finding("BL001", key=f"V00_S0001_I{n % 250:08d}", participant=f"P{n % 2:04d}",
                        span=(n, n + 1.0)) for n in range(1205)]
    folder = write_folder(tmp_path / "audit", findings, units={("V00", BATCH): 1000})
    dashboard = build_reports(folder, None, page_size=500).dashboard.parent
    lists = sorted((dashboard / "findings").rglob("*.html"))
    assert [p.name for p in lists] == ["BL-1.html", "BL-2.html", "BL-3.html"]
    rows = [p.read_text(encoding="utf-8").count('<tr data-severity="warning"') for p in lists]
    assert rows == [500, 500, 205]
    assert len(list((dashboard / "interactions").rglob("*.html"))) == 250
    assert all(p.stat().st_size < 1_000_000 for p in pages(dashboard))


def test_a_real_audit_is_reported_with_tables_that_agree_with_its_summary(report_batch, tmp_path):
    outcome = run_audit(AuditOptions(batch=report_batch.batch, root=report_batch.root, out=tmp_path / "audit",
                                     select=["IN", "RQ", "BL"], cache=False))
    report = build_reports(outcome.out_dir, report_batch.root)
    summary = json.loads((outcome.out_dir / "summary.json").read_text())
    scores = pd.read_parquet(outcome.out_dir / "tables" / "site_scores.parquet")
    assert scores[["interactions", "files"]].sum().tolist() == [summary["interactions"], summary["files"]]
    assert scores["findings"].sum() == sum(r["count"] for r in summary["findings"])
    quantities = pd.read_csv(outcome.out_dir / "tables" / "site_quantities.csv")
    assert {"snr_db", "bleed_db"} <= set(quantities.loc[quantities["source"] == "metric", "quantity"])
    assert report.dashboard.is_file() and (report.dashboard.parent / "sites" / "V00.html").is_file()
    sites = read_folder(outcome.out_dir, report_batch.root).score_table(SITE).set_index("site")
    assert sites.loc[["V00", "V01"], "units_from"].tolist() == ["units.jsonl", "units.jsonl"]  # the audit counts them


def declarations(stylesheet: str) -> set[tuple[str, str]]:
    """(selector, property) of every declaration in one of the page stylesheets."""
    text = re.sub(r"/\*.*?\*/", "", (STATIC / stylesheet).read_text(encoding="utf-8"), flags=re.DOTALL)
    return {(" ".join(selector.split()), declaration.split(":", 1)[0].strip())
            for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text) for selector in selectors.split(",")
            for declaration in body.split(";") if declaration.strip()}


def test_no_stylesheet_sets_what_another_overrides():
    """The evidence pages load both stylesheets: a rule that both set is dead in the first."""
    assert declarations("dashboard.css") & declarations("evidence.css") == set()
    assert ("svg.channel .wave", "stroke") in declarations("evidence.css")  # the pictures' rules, in one place
