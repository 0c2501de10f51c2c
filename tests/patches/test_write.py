"""From findings to patches.jsonl: one record per target with its hash, fixes merged in priority order,
conflicting and invalid fixes kept and reported with a reason."""

from __future__ import annotations

import hashlib
import json

from siqa.findings import Applicability
from siqa.patches.model import FixStatus, read_patches
from siqa.patches.write import write_patches
from tests.patches.conftest import (
    EXTRACTED,
    FID,
    INTERACTIONS,
    TAR,
    TRANSCRIPT,
    VAD,
    finding,
    standard_findings,
)


def _records(out):
    return {r.target: r for r in read_patches(out / "patches.jsonl")}


def test_every_fix_becomes_part_of_a_record_with_its_targets_hash(dataset, tmp_path):
    report = write_patches(standard_findings(), dataset, tmp_path)
    records = _records(tmp_path)
    assert report.issues == [] and report.fixes == 6
    assert sorted(records) == sorted([EXTRACTED, f"{TAR}:{FID}.json", VAD, TRANSCRIPT,
                                      f"naturalistic/dev/annotations/1P-IS/{FID}.json",
                                      f"{INTERACTIONS}#V00_S0001_I00000002"])
    sha = lambda data: hashlib.sha256(data).hexdigest()  # noqa: E731
    assert records[EXTRACTED].sha256 == sha((dataset / EXTRACTED).read_bytes())
    assert records[VAD].sha256 == sha((dataset / VAD).read_bytes())
    member = json.dumps({"id": "wrong", **{k: v for k, v in json.loads((dataset / EXTRACTED).read_text()).items()
                                           if k != "id"}}).encode()
    assert records[f"{TAR}:{FID}.json"].sha256 == sha(member)  # the member's bytes, not the tar's
    row = records[f"{INTERACTIONS}#V00_S0001_I00000002"]
    assert row.key_column == "interaction_key" and row.sha256 == sha(b"V00_S0001_I00000002,V00_S0001,Talk about food")
    merged = records[EXTRACTED]
    assert [(f.code, f.applicability) for f in merged.fixes] == [("IN017", Applicability.SAFE),
                                                                 ("IN015", Applicability.UNSAFE)]
    fix = merged.fixes[0]
    assert (fix.confidence, fix.evidence, fix.description, fix.status) == (0.9, {"measured": 1.5}, "IN017 fix",
                                                                           FixStatus.OK)


def test_a_modality_fix_is_split_per_file_and_keeps_one_id(dataset, tmp_path):
    write_patches(standard_findings(), dataset, tmp_path)
    records = _records(tmp_path)
    (vad_fix,) = records[VAD].fixes
    (transcript_fix,) = records[TRANSCRIPT].fixes
    assert vad_fix.id == transcript_fix.id
    assert vad_fix.operations[0]["path"] == "" and transcript_fix.operations[0]["path"] == "/0/transcript"


def test_conflicts_are_reported_and_the_more_trusted_fix_wins(dataset, tmp_path):
    findings = [
        finding("XX002", EXTRACTED, [{"op": "replace", "path": "/metadata:vad/0/start", "value": 9.0}],
                Applicability.UNSAFE, confidence=0.99),
        finding("XX001", EXTRACTED, [{"op": "replace", "path": "/metadata:vad", "value": []}]),
        finding("XX003", EXTRACTED, [{"op": "replace", "path": "/id", "value": "a"}], confidence=0.5),
        finding("XX004", EXTRACTED, [{"op": "replace", "path": "/id", "value": "b"}], confidence=0.4),
        finding("XX005", EXTRACTED, [{"op": "remove", "path": "/metadata:transcript/0"}], confidence=0.3),
        finding("XX006", EXTRACTED, [{"op": "replace", "path": "/metadata:transcript/0/end", "value": 2}],
                confidence=0.2),
        finding("XX007", EXTRACTED, [{"op": "replace", "path": "/id", "value": "a"}], confidence=0.1),
    ]
    report = write_patches(findings, dataset, tmp_path)
    statuses = {f.code: (f.status, f.reason) for f in _records(tmp_path)[EXTRACTED].fixes}
    assert statuses["XX001"][0] is FixStatus.OK  # safe beats a more confident unsafe fix
    assert statuses["XX002"][0] is FixStatus.CONFLICT and "XX001" in statuses["XX002"][1]
    assert statuses["XX003"][0] is FixStatus.OK
    assert statuses["XX004"] == (FixStatus.CONFLICT, f"conflicts with XX003 ({_id(tmp_path, 'XX003')}) at /id")
    assert statuses["XX005"][0] is FixStatus.OK
    assert statuses["XX006"][0] is FixStatus.CONFLICT  # a removal shifts the whole array
    assert statuses["XX007"][0] is FixStatus.OK  # the same replace twice agrees
    assert sorted(i.code for i in report.conflicts) == ["XX002", "XX004", "XX006"]


def _id(out, code):
    return next(f.id for r in read_patches(out / "patches.jsonl") for f in r.fixes if f.code == code)


def test_invalid_fixes_are_kept_with_a_reason_and_spoil_their_whole_fix(dataset, tmp_path):
    findings = [
        finding("XX001", EXTRACTED, [{"op": "remove", "path": "/nope"}]),
        finding("XX002", "../outside.json", [{"op": "replace", "path": "/id", "value": "x"}]),
        finding("XX003", f"{TAR}:missing.json", [{"op": "replace", "path": "/id", "value": "x"}]),
        finding("XX004", VAD, [{"op": "replace", "path": "/metadata:vad/0/end", "value": 9},
                               {"op": "test", "path": "/metadata:transcript/0/transcript", "value": "bye"}]),
        finding("XX005", f"{INTERACTIONS}#V00_S0001_I00000009", [{"op": "replace", "path": "/prompt", "value": "p"}]),
        finding("XX006", f"{INTERACTIONS}#V00_S0001_I00000001", [{"op": "remove", "path": "/prompt"}]),
        finding("XX007", VAD, [{"op": "replace", "path": "/id", "value": FID}]),
    ]
    report = write_patches(findings + findings[:1], dataset, tmp_path)  # a duplicate collapses into one
    assert sorted(i.code for i in report.invalid) == ["XX001", "XX002", "XX003", "XX004", "XX004", "XX005", "XX006",
                                                      "XX007"]  # XX004 in both of its files
    reasons = {i.code: i.reason for i in report.invalid}
    assert "does not exist" in reasons["XX001"] and "not normalised" in reasons["XX002"]
    assert "no such member" in reasons["XX003"] and "test failed" in reasons["XX004"]
    assert "in 0 rows" in reasons["XX005"] and "not remove or reorder" in reasons["XX006"]
    assert "no file of its own" in reasons["XX007"]
    records = _records(tmp_path)
    assert records["../outside.json"].sha256 is None
    assert records[VAD].fixes[0].status is FixStatus.INVALID  # its valid part is marked too
    assert report.conflicts == [] and report.fixes == 0


def test_row_targets_use_the_rule_sets_column_mapping(dataset, tmp_path):
    (dataset / "participants.csv").write_text("pid,age\nP0001,34\n")
    write_patches([finding("ID001", "participants.csv#P0001", [{"op": "replace", "path": "/age", "value": "35"}])],
                  dataset, tmp_path, table_columns={"participants": {"participant_id": "pid"}})
    (record,) = read_patches(tmp_path / "patches.jsonl")
    assert record.key_column == "pid" and record.fixes[0].status is FixStatus.OK
