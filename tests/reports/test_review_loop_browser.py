"""The curator's whole review loop in a real headless chromium, on a real synthetic batch: open a flagged
interaction from the release-wide list, play its clip, read the fix diff, accept one fix and reject another
(and the finding behind it), export the decisions as the browser downloads them, apply exactly the accepted
fix with `siqa apply --decisions`, and report again with `siqa report --decisions`: the rejected finding is
shown "reviewed: not a defect" and no longer counts against its site. Then the queue: j/k through a list and
a/r/d on the finding at hand, kept in the browser across pages."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from siqa.cli.main import app
from siqa.decisions import finding_key
from siqa.findings import Applicability, Fix, Severity
from siqa.patches.write import write_patches
from siqa.reports.dashboard import build_reports, links
from tests.reports.conftest import BATCH, finding, write_folder

KEY = "V00_S0001_I00000001"


def transcript_fixes(root: Path, participants: list[str]) -> list:
    """Two findings on the interaction, each with a one-word fix to one participant's transcript."""
    out = []
    for number, participant in enumerate(participants):
        path = next(root.glob(f"{BATCH}/*/{KEY}_{participant}.json")).relative_to(root).as_posix()
        word = json.loads((root / path).read_text(encoding="utf-8"))["metadata:transcript"][0]["words"][0]["word"]
        fix = Fix(Applicability.SAFE, path, [{"op": "replace", "path": "/metadata:transcript/0/words/0/word",
                                              "value": f"{word}-fixed{number}"}], f"respell {word!r}")
        out.append(finding("TR001", Severity.WARNING, participant=participant, span=(0.3 + number, 1.5 + number),
                           message=f"the first word of {participant} is misspelled", fix=fix))
    return out


@pytest.fixture(scope="module")
def reviewed(report_batch, participants, tmp_path_factory):
    work = tmp_path_factory.mktemp("review")
    findings = transcript_fixes(report_batch.root, participants[KEY])
    audit = write_folder(work / "audit", findings, units={("V00", BATCH): 1, ("V01", BATCH): 1})
    write_patches(findings, report_batch.root, audit)
    return work, audit, findings, build_reports(audit, report_batch.root).dashboard


def press(browser, key: str) -> None:
    """A real key press, as the page's keyboard shortcuts receive it."""
    for kind in ("keyDown", "keyUp"):
        browser.command("Input.dispatchKeyEvent", session=True, type=kind, key=key, text=key,
                        code=f"Key{key.upper()}")


def click_verdict(browser, selector: str, verdict: str) -> None:
    browser.click(f'{selector} .decision button[data-verdict="{verdict}"]')


def test_a_curator_listens_reads_the_fix_decides_exports_applies_and_reports_again(browser, reviewed,
                                                                                  report_batch):
    work, audit, findings, index = reviewed
    accepted, rejected = findings
    browser.events.clear()
    browser.command("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(work), eventsEnabled=True)
    browser.goto(index.as_uri())
    browser.evaluate("localStorage.clear(), sessionStorage.clear()")
    browser.goto((index.parent / links.rule_list("TR001")).as_uri())
    assert browser.evaluate("document.querySelectorAll('#release-list tbody tr').length") == 2
    browser.click("#release-list a.unit-link", navigates=True)
    assert "/interactions/V00/" in browser.url and "#finding-" in browser.url

    # listen: the finding's clip decodes and plays
    blocks = browser.evaluate("Array.from(document.querySelectorAll('[data-finding]'), b => b.dataset.finding)")
    assert set(blocks) == {finding_key(accepted), finding_key(rejected)}
    played = browser.command("Runtime.evaluate", session=True, userGesture=True, awaitPromise=True,
                             returnByValue=True, expression="""(async () => {
        const audio = document.querySelector('[data-finding] audio');
        await audio.play();
        await new Promise(done => setTimeout(done, 300));
        audio.pause();
        return {time: audio.currentTime, duration: audio.duration, error: audio.error && audio.error.code};
    })()""")["result"]["value"]
    assert played["error"] is None and played["duration"] > 0 and played["time"] > 0

    # read the fix: the changed word, before and after
    fixes = browser.evaluate("Array.from(document.querySelectorAll('[data-fix]'), b => [b.dataset.fix, b.innerText])")
    assert len(fixes) == 2 and all("-fixed" in text for _, text in fixes)

    # decide: accept the first fix, reject the second and its finding (with a note)
    first, second = (fix_id for fix_id, _ in fixes)
    click_verdict(browser, f'[data-fix="{first}"]', "accept")
    click_verdict(browser, f'[data-fix="{second}"]', "reject")
    finding_block = f'[data-finding="{finding_key(rejected)}"]'
    browser.type_into(f"{finding_block} .decision .note-input", "the speaker says it this way")
    click_verdict(browser, finding_block, "reject")
    assert browser.evaluate(f"document.querySelector('{finding_block}').classList.contains('decided-reject')")

    # export: the download the button makes, in the format siqa reads
    browser.click("#export-decisions")
    exported = work / "decisions.json"
    deadline = time.monotonic() + 10
    while not exported.is_file() and time.monotonic() < deadline:
        time.sleep(0.1)
    decisions = json.loads(exported.read_text(encoding="utf-8"))
    assert decisions == json.loads(browser.evaluate("siqaReview.exportDecisions()"))
    by_key = {(d["kind"], d["key"]): d for d in decisions["decisions"]}
    assert by_key[("fix", first)]["decision"] == "accept" and by_key[("fix", second)]["decision"] == "reject"
    assert by_key[("finding", finding_key(rejected))]["note"] == "the speaker says it this way"
    assert browser.problems() == [] and browser.dialogs() == []

    # apply: only the accepted fix is written
    out = work / "patched"
    result = CliRunner().invoke(app, ["apply", str(audit / "patches.jsonl"), "--root", str(report_batch.root),
                                      "--out", str(out), "--decisions", str(exported)])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in out.rglob("*.json"))
    assert written == [Path(accepted.fix.target).name]
    assert "-fixed0" in next(out.rglob("*.json")).read_text(encoding="utf-8")

    # report again with the decisions: the rejected finding is reviewed, and counts against nothing
    result = CliRunner().invoke(app, ["report", str(audit), "--root", str(report_batch.root),
                                      "--decisions", str(exported), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(audit / "tables" / "site_scores.csv").set_index("site")
    assert scores.loc["V00", "findings"] == 1 and scores.loc["V00", "reviewed"] == 1
    listing = (index.parent / links.findings("V00", BATCH, "TR")).read_text(encoding="utf-8")
    assert listing.count("reviewed: not a defect") == 1
    browser.goto((index.parent / links.rule_list("TR001")).as_uri())
    assert browser.evaluate("document.querySelectorAll('#release-list tr.reviewed').length") == 1
    gate = CliRunner().invoke(app, ["gate", str(audit), "--decisions", str(exported), "--out", str(work / "gate")])
    assert "1 finding(s) reviewed: not a defect" in (work / "gate" / "gate.md").read_text(encoding="utf-8")
    assert gate.exit_code in (0, 1)


def test_the_queue_walks_a_list_with_the_keyboard_and_decides_on_the_finding_at_hand(browser, reviewed):
    work, audit, findings, _ = reviewed
    index = build_reports(work / "plain", None, [audit]).dashboard  # no decisions read back: none made yet
    browser.goto(index.as_uri())
    browser.evaluate("localStorage.clear(), sessionStorage.clear()")
    browser.goto((index.parent / links.rule_list("TR001")).as_uri() + "#sort=4&dir=asc")
    browser.click("#release-list a.unit-link", navigates=True)
    queue = "document.getElementById('review-queue').textContent"
    assert browser.evaluate(queue).strip().startswith("1 of 2")
    press(browser, "j")
    assert browser.evaluate(queue).strip().startswith("‹ previous 2 of 2")
    press(browser, "a")
    second = finding_key(sorted(findings, key=lambda f: f.unit_key)[1])
    made = json.loads(browser.evaluate("siqaReview.exportDecisions()"))["decisions"]
    assert [(d["kind"], d["key"], d["decision"]) for d in made] == [("finding", second, "accept")]
    press(browser, "k")
    assert browser.evaluate(queue).strip().startswith("1 of 2")
    browser.goto((index.parent / links.rule_list("TR001")).as_uri() + "#decision=accept")
    assert browser.evaluate("document.querySelector('#list-filters output').textContent").startswith("1 of 2")
    assert browser.problems() == []
