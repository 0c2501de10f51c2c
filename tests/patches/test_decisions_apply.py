"""`siqa apply --decisions FILE`: exactly the accepted fixes apply; the others are listed as skipped by decision."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from siqa.decisions import Decision, Decisions, Kind, Verdict
from siqa.patches.model import read_patches
from siqa.patches.write import write_patches
from tests.patches.conftest import (
    ANNOTATION,
    EXTRACTED,
    FID,
    INTERACTIONS,
    SORTED,
    TAR,
    snapshot,
    standard_findings,
)


@pytest.fixture
def patches(dataset, tmp_path) -> Path:
    write_patches(standard_findings(), dataset, tmp_path / "audit")
    return tmp_path / "audit" / "patches.jsonl"


def _fix_ids(patches: Path) -> dict[tuple[str, str], str]:
    """Fix id by (code, target), for the standard findings' single-target fixes."""
    return {(f.code, r.target): f.id for r in read_patches(patches) for f in r.fixes}


def _decisions(path: Path, *verdicts: tuple[str, Verdict]) -> Path:
    path.write_text(Decisions(tuple(Decision(Kind.FIX, key, verdict) for key, verdict in verdicts)).to_json())
    return path


def test_only_accepted_fixes_apply_and_the_rest_are_listed_with_their_verdict(cli, dataset, patches, tmp_path):
    ids = _fix_ids(patches)
    decisions = _decisions(tmp_path / "decisions.json",
                           (ids["IN017", EXTRACTED], Verdict.ACCEPT),
                           (ids["MO001", ANNOTATION], Verdict.REJECT),
                           (ids["PR001", f"{INTERACTIONS}#V00_S0001_I00000002"], Verdict.DEFER),
                           (ids["IN017", f"{TAR}:{FID}.json"], Verdict.ACCEPT),
                           (ids["IN017", f"{TAR}:{FID}.json"], Verdict.REJECT))  # the last decision counts
    out = tmp_path / "patched"
    result = cli("apply", patches, "--root", dataset, "--out", out, "--decisions", decisions)
    assert result.exit_code == 0, result.stderr
    assert sorted(snapshot(out)) == [EXTRACTED]
    written = json.loads((out / EXTRACTED).read_text())
    assert written["id"] == FID and written["metadata:vad"] != SORTED  # IN015 there was not decided
    lines = [" ".join(line.split()) for line in result.stderr.splitlines() if line.startswith("skipped by decision")]
    verdicts = {line.split(" ")[4]: line.rsplit(": ", 1)[1] for line in lines}  # fix id -> verdict
    assert verdicts[ids["MO001", ANNOTATION]] == "rejected"
    assert verdicts[ids["PR001", f"{INTERACTIONS}#V00_S0001_I00000002"]] == "deferred"
    assert verdicts[ids["IN017", f"{TAR}:{FID}.json"]] == "rejected"
    assert verdicts[ids["IN015", EXTRACTED]] == "no decision"
    assert ids["IN017", EXTRACTED] not in verdicts


def test_decisions_narrow_select_and_only(cli, dataset, patches, tmp_path):
    ids = _fix_ids(patches)
    decisions = _decisions(tmp_path / "decisions.json", (ids["IN017", EXTRACTED], Verdict.ACCEPT),
                           (ids["IN015", EXTRACTED], Verdict.ACCEPT), (ids["MO001", ANNOTATION], Verdict.ACCEPT))
    out = tmp_path / "patched"
    result = cli("apply", patches, "--root", dataset, "--out", out, "--decisions", decisions, "--select", "IN",
                 "--only", "safe")
    assert result.exit_code == 0, result.stderr
    written = json.loads((out / EXTRACTED).read_text())
    assert written["id"] == FID and written["metadata:vad"] != SORTED  # accepted, but IN015 there is unsafe
    assert not (out / ANNOTATION).exists()  # accepted, but --select IN leaves MO001 out
    assert "skipped by decision" in result.stderr  # the safe IN fixes not accepted


def test_an_accepted_fix_the_patches_file_does_not_hold_is_named(cli, dataset, patches, tmp_path):
    decisions = _decisions(tmp_path / "decisions.json", ("0123456789abcdef", Verdict.ACCEPT))
    result = cli("apply", patches, "--root", dataset, "--out", tmp_path / "patched", "--decisions", decisions)
    assert result.exit_code == 0, result.stderr
    assert "0123456789abcdef" in result.stderr and "not in" in result.stderr
    assert not (tmp_path / "patched").exists()


@pytest.mark.parametrize("content", ["{not json", '{"schema_version": 1}', '{"schema_version": 9, "decisions": []}',
                                     '{"schema_version": 1, "decisions": [{"kind": "fix", "decision": "accept"}]}',
                                     None])
def test_a_malformed_or_missing_decisions_file_exits_2_naming_it(cli, dataset, patches, tmp_path, content):
    decisions = tmp_path / "my-decisions.json"
    if content is not None:
        decisions.write_text(content)
    result = cli("apply", patches, "--root", dataset, "--out", tmp_path / "patched", "--decisions", decisions)
    assert result.exit_code == 2
    assert "my-decisions.json" in " ".join(result.stderr.split()) and "Traceback" not in result.stderr
    assert not (tmp_path / "patched").exists()
