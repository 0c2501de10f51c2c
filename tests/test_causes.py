"""One defect, one finding: which consequences fold into which root, that the result ignores order, and that
the summary, the site tables, the gate and the dashboard count a folded finding once, at its root."""

from __future__ import annotations

import random

from siqa.causes import PRECEDENCE, fold
from siqa.findings import Finding, Severity
from siqa.outputs.summary import AuditSummary
from siqa.registry import all_rules
from siqa.reports.dashboard import build_dashboard, links
from siqa.reports.gate import load_policy, run_gate
from siqa.reports.site_tables import SITE, SiteStats, read_folder
from tests.reports.conftest import BATCH, finding, write_folder

KEY, OTHER = "V00_S0001_I00000001", "V00_S0001_I00000002"
A, B = "P0100", "P0101"  # the interaction's two participants


def causes(findings: list[Finding]) -> dict[tuple[str, str | None, tuple | None], str | None]:
    """(code, file, span) -> caused_by, for the folded findings."""
    return {(f.code, f.file_id, f.span): f.caused_by for f in fold(findings)}


def test_a_silent_channel_explains_its_own_speech_checks_and_the_partners_untranscribed_speech():
    silent = finding("IN013", Severity.ERROR, participant=A, span=(0.0, 10.0))
    found = causes([silent, finding("TR001", participant=A), finding("TS005", participant=A, span=(1.0, 2.0)),
                    finding("RQ001", participant=A), finding("IN016", participant=A),
                    finding("TR002", participant=B), finding("TR001", participant=B),
                    finding("TR002", key=OTHER, participant=B)])
    root = f"IN013:{KEY}_{A}"
    assert found[("TR001", f"{KEY}_{A}", None)] == found[("TS005", f"{KEY}_{A}", (1.0, 2.0))] == root
    assert found[("RQ001", f"{KEY}_{A}", None)] == found[("TR002", f"{KEY}_{B}", None)] == root
    assert found[("IN016", f"{KEY}_{A}", None)] is None  # the JSON's own defect, not the audio's
    assert found[("TR001", f"{KEY}_{B}", None)] is None  # the partner's transcript is judged on its own audio
    assert found[("TR002", f"{OTHER}_{B}", None)] is None  # another interaction
    assert found[("IN013", f"{KEY}_{A}", (0.0, 10.0))] is None


def test_echo_words_explain_words_in_silence_and_unspoken_segments_only_where_their_spans_overlap():
    echo = finding("BL002", participant=A, span=(2.0, 4.0))
    found = causes([echo, finding("TS005", participant=A, span=(3.5, 5.0)),
                    finding("TR003", participant=A, span=(1.0, 2.0)),
                    finding("TS005", participant=B, span=(2.0, 4.0)),
                    finding("TR003", participant=A, span=(6.0, 7.0)),
                    finding("TR001", participant=A, span=(2.0, 3.0))])
    root = f"BL002:{KEY}_{A}"
    assert found[("TS005", f"{KEY}_{A}", (3.5, 5.0))] == found[("TR003", f"{KEY}_{A}", (1.0, 2.0))] == root
    assert found[("TR003", f"{KEY}_{A}", (6.0, 7.0))] is None
    assert found[("TS005", f"{KEY}_{B}", (2.0, 4.0))] is None
    assert found[("TR001", f"{KEY}_{A}", (2.0, 3.0))] is None


def test_a_consequence_of_a_folded_root_names_the_finding_that_is_counted():
    """IN013 explains the echo finding on its channel, so the words it explains name IN013 too."""
    found = causes([finding("IN013", Severity.ERROR, participant=A),
                    finding("BL002", participant=A, span=(2.0, 4.0)), finding("TS005", participant=A, span=(3.0, 3.5)),
                    finding("IN015", Severity.ERROR, participant=B), finding("TS004", participant=B),
                    finding("BL003", Severity.ERROR)])
    silent = f"IN013:{KEY}_{A}"
    assert found[("BL002", f"{KEY}_{A}", (2.0, 4.0))] == found[("TS005", f"{KEY}_{A}", (3.0, 3.5))] == silent
    assert found[("TS004", f"{KEY}_{B}", None)] == f"BL003:{KEY}"  # the earlier entry of the table wins
    assert found[("IN015", f"{KEY}_{B}", None)] is None


def test_folding_ignores_order_and_is_idempotent():
    findings = [finding("BL003", Severity.ERROR), finding("TS001", Severity.ERROR, participant=A),
                finding("TS001", Severity.ERROR, participant=B), finding("IN013", Severity.ERROR, participant=A),
                finding("BL002", participant=B, span=(1.0, 2.0)), finding("TS005", participant=B, span=(1.5, 3.0)),
                finding("TR003", participant=B, span=(1.8, 1.9)), finding("RQ006", participant=B),
                finding("TR002", key=OTHER, participant=A), finding("IN001", Severity.ERROR, key=OTHER, participant=B)]
    expected = sorted(f.to_json() for f in fold(findings))
    shuffled = list(findings)
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert sorted(f.to_json() for f in fold(shuffled)) == expected
    once = fold(findings)
    assert fold(once) == once
    assert [f.code for f in once] == [f.code for f in findings]  # the same findings, in the same order
    assert [f.code for f in once if f.caused_by is None] == ["BL003", "IN013", "BL002", "IN001"]


def test_the_same_interaction_key_in_another_batch_is_another_interaction():
    found = fold([finding("IN013", Severity.ERROR, participant=A),
                  finding("TR001", participant=A, batch="naturalistic/dev/0000")])
    assert [f.caused_by for f in found] == [None, None]


def test_no_code_explains_itself_even_through_others():
    """`fold` follows a root's own root to the top: the table must hold no cycle."""
    codes = {rule.code for rule in all_rules()}
    explains = {root: {c for cause in PRECEDENCE if root in cause.roots for c in codes
                       if c in cause.explains or c.rstrip("0123456789") in cause.explains}
                for root in codes}

    def reaches(start: str) -> set[str]:
        seen, todo = set(), list(explains[start])
        while todo:
            code = todo.pop()
            if code not in seen:
                seen.add(code)
                todo.extend(explains[code])
        return seen

    assert {"IN013", "BL002", "BL003"} <= {c for c in codes if explains[c]}
    assert not [code for code in codes if code in reaches(code)]


# Counting once ----------------------------------------------------------------------------------------------

def folded_release() -> list[Finding]:
    """Swapped channels (an error) and the timing errors they cause on both channels, plus a hum of its own."""
    return fold([finding("BL003", Severity.ERROR), finding("TS001", Severity.ERROR, participant=A),
                 finding("TS001", Severity.ERROR, participant=B), finding("RQ005", key=OTHER, participant=A)])


def test_the_summary_and_site_tables_count_a_folded_finding_at_its_root_only():
    findings = folded_release()
    summary = AuditSummary()
    summary.add_findings(findings)
    assert dict(summary.findings) == {("BL", "V00", "error"): 1, ("RQ", "V00", "warning"): 1}
    stats = SiteStats()
    for f in findings:
        stats.add_finding(f)
    families = stats.family_table(SITE).set_index("family")
    assert set(families.index) == {"BL", "RQ"}
    assert families.loc["BL", "findings"] == 1


def test_the_gate_judges_a_folded_error_with_its_root(tmp_path):
    baseline = write_folder(tmp_path / "before", [finding("BL003", Severity.ERROR)], units={("V00", BATCH): 100})
    current = write_folder(tmp_path / "now", folded_release(), units={("V00", BATCH): 100})
    result = run_gate(current, baseline, load_policy())
    assert [f.code for f in result.new] == ["RQ005"]  # not the TS001 errors BL003 explains
    assert not [c for c in result.checks if c.family == "TS"]
    assert read_folder(current).findings[("V00", BATCH, "TS001", "error")] == 0


def test_the_dashboard_shows_a_folded_finding_under_its_root_not_as_a_count(tmp_path):
    findings = folded_release()
    folder = write_folder(tmp_path / "audit", findings, units={("V00", BATCH): 2})
    index = build_dashboard(tmp_path / "dashboard", read_folder(folder), findings, None)
    dashboard = index.parent
    assert not (dashboard / links.findings("V00", BATCH, "TS")).exists()
    row = (dashboard / links.findings("V00", BATCH, "BL")).read_text(encoding="utf-8")
    assert row.count("caused by BL003") == 2 and "TS001 on" in row
    page = (dashboard / links.interaction("V00", BATCH, KEY)).read_text(encoding="utf-8")
    assert "1 findings (and 2 caused by them)" in page
    root = f'<a href="../../../{links.interaction("V00", BATCH, KEY)}#finding-1">BL003:{KEY}</a>'
    assert page.count(f"caused by {root}") == 2
