"""The decisions file: written and read back, the last decision per key wins, keys survive a re-audit, and a
file that is not one is refused naming itself and the record."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from siqa.decisions import (
    MAX_BYTES,
    Decision,
    Decisions,
    DecisionsError,
    Kind,
    Verdict,
    finding_key,
    load_decisions,
    parse_decisions,
)
from siqa.findings import Finding, Scope, Severity

FINDING = Finding("TS003", Severity.WARNING, 0.8, Scope.INTERACTION, "V00", "silent edge",
                  interaction_key="V00_S0001_I00000001", span=(1.234, 5.678))


def test_a_file_written_is_read_back_the_same(tmp_path):
    decisions = Decisions((Decision(Kind.FINDING, "abc", Verdict.REJECT, "TS003", "breathing, not silence",
                                    "2025-01-01T00:00:00Z"),
                           Decision(Kind.FIX, "0123456789abcdef", Verdict.ACCEPT, "TS003")))
    path = tmp_path / "decisions.json"
    path.write_text(decisions.to_json())
    assert load_decisions(path) == decisions
    assert json.loads(path.read_text())["schema_version"] == 1


def test_the_last_decision_on_a_key_wins_and_kinds_are_kept_apart():
    decisions = Decisions((Decision(Kind.FIX, "f1", Verdict.ACCEPT), Decision(Kind.FIX, "f2", Verdict.ACCEPT),
                           Decision(Kind.FIX, "f1", Verdict.REJECT), Decision(Kind.FIX, "f3", Verdict.DEFER),
                           Decision(Kind.FINDING, "f2", Verdict.REJECT), Decision(Kind.FINDING, "k", Verdict.REJECT),
                           Decision(Kind.FINDING, "k", Verdict.ACCEPT), Decision(Kind.FINDING, "j", Verdict.REJECT)))
    assert decisions.accepted_fixes() == {"f2"}
    assert decisions.fix_verdicts() == {"f1": Verdict.REJECT, "f2": Verdict.ACCEPT, "f3": Verdict.DEFER}
    assert decisions.rejected_findings() == {"f2", "j"}


def test_a_finding_key_ignores_jitter_below_the_grid_but_not_a_different_span_or_unit():
    key = finding_key(FINDING)
    assert finding_key(replace(FINDING, span=(1.2339, 5.6781), message="reworded", confidence=0.5)) == key
    assert finding_key(replace(FINDING, span=(1.3, 5.678))) != key
    assert finding_key(replace(FINDING, interaction_key="V00_S0001_I00000002")) != key
    assert finding_key(replace(FINDING, code="TS002")) != key


@pytest.mark.parametrize("data, message", [
    (b"{nope", "not JSON"),
    (b"[]", "a `decisions` list"),
    (b'{"schema_version": 2, "decisions": []}', "schema_version 2"),
    (b'{"schema_version": 1, "decisions": [7]}', "decision 0: a decision must be an object"),
    (b'{"schema_version": 1, "decisions": [{"kind": "fix", "key": "a", "decision": "maybe"}]}', "decision 0:"),
    (b'{"schema_version": 1, "decisions": [{"kind": "fix", "key": "", "decision": "accept"}]}', "key non-empty"),
    (b'{"schema_version": 1, "decisions": [{"kind": "fix", "key": "a", "decision": "accept", "who": 1}]}',
     "unknown field(s) who"),
])
def test_a_malformed_file_is_refused_naming_the_file_and_the_record(data, message):
    with pytest.raises(DecisionsError) as caught:
        parse_decisions(data, "review/decisions.json")
    assert str(caught.value).startswith("review/decisions.json: ") and message in str(caught.value)


def test_an_oversized_or_missing_file_is_refused_unread(tmp_path):
    with pytest.raises(DecisionsError, match="larger than"):
        parse_decisions(b" " * (MAX_BYTES + 1), "big.json")
    with pytest.raises(DecisionsError, match="absent.json"):
        load_decisions(tmp_path / "absent.json")
