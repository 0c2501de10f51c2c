"""The release pass (`siqa.release`): keepers persist what outlives a run, release rules judge once every batch is
in, and a failure of either is contained as an SQ001 about the release."""

from __future__ import annotations

from pathlib import Path

import pytest

from siqa.config import RuleSet
from siqa.context import BatchInfo
from siqa.findings import Scope
from siqa.identity.fingerprint import CHANNEL
from siqa.identity.store import read_store, store_path
from siqa.release import AuditedBatch, ReleaseRun, ReleaseView, run_release_rules
from siqa.synth.fingerprints import draw_release

FINGERPRINTED = ("ID004", "ID001", "ID002")


@pytest.fixture(scope="module")
def rows():
    return draw_release(120, people=20, seed=5).rows


def _batch(name: str) -> AuditedBatch:
    label, split, number = name.split("/")
    return AuditedBatch(BatchInfo(label, split, number), FINGERPRINTED)


def _records(frame, batch: str) -> list[dict]:
    return [{**row, "batch": batch} for row in frame.to_dict("records")]


def test_the_keeper_adds_batch_after_batch_and_a_reaudit_replaces_its_batch(rows, tmp_path):
    half = len(rows) // 2
    first = ReleaseRun(RuleSet.load("default", ["ID004"]), tmp_path)
    first.add(_batch("improvised/dev/0000"), {CHANNEL: _records(rows.iloc[:half], "improvised/dev/0000")}, [])
    first.add(_batch("improvised/dev/0001"), {CHANNEL: _records(rows.iloc[half:], "improvised/dev/0001")}, [])
    assert first.finish().findings == []  # ID004 alone: no release rule selected
    assert len(read_store(tmp_path)) == len(rows)
    again = ReleaseRun(RuleSet.load("default", ["ID004"]), tmp_path)
    again.add(_batch("improvised/dev/0001"), {}, [])  # re-audited: its files are gone
    again.finish()
    assert set(read_store(tmp_path)["batch"]) == {"improvised/dev/0000"}
    assert len(read_store(tmp_path)) == half


def test_release_rules_read_the_kept_store_and_write_their_reports(rows, tmp_path):
    run = ReleaseRun(RuleSet.load("default", ["ID"]).with_requirements(), tmp_path)
    run.add(_batch("improvised/dev/0000"), {CHANNEL: _records(rows, "improvised/dev/0000")}, [])
    result = run.finish()
    assert not [f for f in result.findings if f.code == "SQ001"]
    assert {f.code for f in result.findings} <= {"ID001", "ID002"}
    assert (tmp_path / "identity" / "calibration.json").is_file() and (tmp_path / "identity" / "id_map.csv").is_file()


def test_a_release_rule_that_crashes_becomes_an_sq001_and_the_others_run(tmp_path):
    store_path(tmp_path).parent.mkdir(parents=True)
    store_path(tmp_path).write_bytes(b"not a parquet file")  # what ID001 and ID002 read
    result = run_release_rules(ReleaseView(tmp_path), RuleSet.load("default", ["ID001", "ID002"]))
    assert [(f.code, f.evidence["rule"], f.scope) for f in result.findings] == [
        ("SQ001", "ID001", Scope.RELEASE), ("SQ001", "ID002", Scope.RELEASE)]
    assert "rule ID001 crashed in its release pass" in result.findings[0].message


def test_a_keeper_that_fails_loses_its_update_not_the_run(rows, tmp_path):
    (tmp_path / "identity").write_text("a file where the store's folder should be")
    run = ReleaseRun(RuleSet.load("default", ["ID"]), tmp_path)
    run.add(_batch("improvised/dev/0000"), {CHANNEL: _records(rows, "improvised/dev/0000")}, [])
    result = run.finish()
    (failure,) = [f for f in result.findings if f.code == "SQ001" and f.evidence["rule"] == "keeper:identity"]
    assert failure.scope is Scope.RELEASE and "the keeper of channel 'identity' crashed" in failure.message


def test_a_rule_selects_what_it_requires_unless_that_is_ignored():
    assert "ID004" in RuleSet.load("default", ["ID001"]).with_requirements().select
    ignored = RuleSet.load("default", ["ID001"], ["ID004"]).with_requirements()
    assert not ignored.selects("ID004") and ignored.selects("ID001")


def test_the_view_holds_only_what_a_selected_release_rule_reads(tmp_path):
    run = ReleaseRun(RuleSet.load("default", ["ID"]), tmp_path)
    assert run.records == {} and not run.keep_findings  # ID001/ID002 read the kept identity channel
    assert ReleaseView(Path(tmp_path)).collected("anything") == ()
