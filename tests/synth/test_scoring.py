"""Id errors are scored only where the batch holds a session that can reveal them."""

from __future__ import annotations

from siqa.findings import Finding, Scope, Severity
from siqa.synth.scoring import ID_FLOORS, score, with_revealing_sessions

CODES = {"ID001", "ID002"}


def _error(defect: str, session: str, person: str, written: str) -> dict:
    return {"family": "ID", "defect": defect, "scope": "session", "site": "V00", "session_key": session,
            "magnitude": None, "details": {"person": person, "written_id": written}}


def _finding(code: str, session: str) -> Finding:
    return Finding(code, Severity.ERROR, 0.9, Scope.SESSION, "V00", "id error", session_key=session)


def test_a_person_seen_once_under_a_new_id_is_neither_found_nor_missed():
    truth = [_error("id_split", "S1", "P0001", "P9001"), _error("id_split", "S2", "P0002", "P9002")]
    appearances = [("S1", "P9001"), ("S1", "P0003"), ("S2", "P9002"), ("S2", "P0003"), ("S3", "P0002"),
                   ("S3", "P0004")]
    revealed = with_revealing_sessions(truth, appearances)
    assert [r["magnitude"] for r in revealed] == [0, 1]
    result, missed, _ = score([], revealed, CODES, ID_FLOORS)
    assert (result.below_floor, result.false_negatives) == (1, 1) and missed[0]["session_key"] == "S2"
    result, _, unexplained = score([_finding("ID002", "S2")], revealed, CODES, ID_FLOORS)
    assert (result.true_positives, result.recall, unexplained) == (1, 1.0, [])


def test_a_shared_id_is_revealed_by_the_owners_sessions_only_when_they_outnumber_the_wrong_one():
    truth = [_error("id_shared", "S1", "P0001", "P0002")]
    one_each = [("S1", "P0002"), ("S1", "P0005"), ("S2", "P0002"), ("S2", "P0006")]
    owner_twice = [*one_each, ("S3", "P0002"), ("S3", "P0007")]
    ambiguous = with_revealing_sessions(truth, one_each)
    assert ambiguous[0]["magnitude"] == 0  # one session against one
    result, _, unexplained = score([_finding("ID001", "S2")], ambiguous, CODES, ID_FLOORS)
    assert (result.below_floor, unexplained) == (1, [])  # either session may be the one split off
    assert score([_finding("ID001", "S3")], ambiguous, CODES, ID_FLOORS)[0].false_positives == 1
    assert with_revealing_sessions(truth, owner_twice)[0]["magnitude"] == 2
    assert with_revealing_sessions(truth, [*one_each, ("S4", "P0001")])[0]["magnitude"] == 1  # their own id
    result, missed, _ = score([], with_revealing_sessions(truth, owner_twice), CODES, ID_FLOORS)
    assert result.false_negatives == 1 and missed[0]["defect"] == "id_shared"


def test_a_shared_id_without_a_session_of_its_owner_is_the_person_under_a_second_id():
    truth = [_error("id_shared", "S1", "P0001", "P0002")]
    revealed = with_revealing_sessions(truth, [("S1", "P0002"), ("S1", "P0005"), ("S2", "P0001"), ("S2", "P0006")])
    assert (revealed[0]["defect"], revealed[0]["magnitude"]) == ("id_split", 1)
    for session in ("S1", "S2"):  # one session each: either id may be merged into the other
        result, _, unexplained = score([_finding("ID002", session)], revealed, CODES, ID_FLOORS)
        assert (result.true_positives, unexplained) == (1, [])
