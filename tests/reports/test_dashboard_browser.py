"""The dashboard in a real headless chromium, opened from disk: no console error, no request off the disk, no
dialog from the script tag the data carries; a curator's path from the overview to a site, its findings and an
interaction page; filtering and sorting. Screenshots of each page go to the test's tmp folder."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from siqa.findings import Severity
from siqa.reports.dashboard import build_reports
from tests.reports.conftest import BATCH, HOSTILE, finding, hostile_findings, write_folder

EXTRA = [dataclasses.replace(finding("BL001", severity, key=f"V00_S0005_I{n:08d}", span=(n, n + 0.5)),
                             confidence=round(0.05 + n * 0.07, 2))
         for n, severity in enumerate([Severity.WARNING, Severity.ERROR, Severity.INFO] * 4)]


@pytest.fixture(scope="module")
def dashboard(report_batch, participants, tmp_path_factory) -> Path:
    folder = write_folder(tmp_path_factory.mktemp("audit"), hostile_findings(participants) + EXTRA,
                          units={("V00", BATCH): 20, ("V01", BATCH): 10})
    return build_reports(folder, report_batch.root).dashboard


def visible(browser, column: int) -> list[str]:
    return browser.evaluate(f"""Array.from(document.querySelectorAll("#finding-list tbody tr"))
        .filter(row => !row.hidden).map(row => row.cells[{column}].textContent.trim())""")


def test_a_curator_goes_from_the_overview_to_a_site_findings_and_an_interaction(browser, dashboard, tmp_path):
    browser.events.clear()
    browser.goto(dashboard.as_uri())
    assert browser.evaluate("document.querySelectorAll('figure.plot svg.chart').length") >= 3  # drawn
    browser.screenshot(tmp_path / "overview.png")

    browser.click('a.site-link[href$="sites/V00.html"]', navigates=True)
    assert browser.url.endswith("/sites/V00.html")
    browser.screenshot(tmp_path / "site.png")

    browser.click('a.cell-link[href*="/BL-1.html"]', navigates=True)
    assert len(visible(browser, 0)) == len(EXTRA) + 1
    browser.choose("select[name=severity]", "error")
    assert set(visible(browser, 0)) == {"error"} and len(visible(browser, 0)) == 4
    assert browser.evaluate("document.querySelector('form.filters output').textContent") == "4 of 13 shown"
    assert "severity=error" in browser.url
    browser.choose("select[name=severity]", "")
    browser.click("#finding-list thead th:nth-child(5)")  # confidence, ascending
    confidences = [float(c) for c in visible(browser, 4)]
    assert confidences == sorted(confidences) and confidences[0] < confidences[-1]
    browser.click("#finding-list thead th:nth-child(5)")  # and descending
    assert [float(c) for c in visible(browser, 4)] == sorted(confidences, reverse=True)
    browser.type_into("input[name=q]", "<script>")
    assert len(visible(browser, 0)) == 1  # the hostile message, found as text
    browser.screenshot(tmp_path / "findings.png")

    browser.click("#finding-list tbody tr:not([hidden]) a.unit-link", navigates=True)
    assert "/interactions/V00/" in browser.url and "#finding-" in browser.url
    assert browser.evaluate("document.querySelectorAll('svg.channel:not(.zoomed)').length") == 2
    assert browser.evaluate(f"document.body.innerText.includes({HOSTILE!r})")  # shown as text, not run
    assert browser.evaluate("document.querySelectorAll('script:not([src]):not([type=\"application/json\"])')"
                            ".length") == 0
    browser.screenshot(tmp_path / "interaction.png")

    assert browser.dialogs() == []
    assert browser.problems() == []
    assert all(url.startswith(("file://", "data:")) for url in browser.requests())  # data: the audio player's icons


def test_every_page_kind_loads_without_errors(browser, dashboard):
    browser.events.clear()
    folder = dashboard.parent
    for page in [dashboard, folder / "rules" / "BL001.html", folder / "sites" / "V01.html",
                 next((folder / "interactions" / "V01").rglob("*.html"))]:
        browser.goto(page.as_uri())
    assert browser.problems() == [] and browser.dialogs() == []
