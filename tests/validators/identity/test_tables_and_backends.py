"""ID003 on root tables that contradict the files, and the fingerprint rule (ID004) with the ONNX voice backend
chosen in a rule set."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from siqa.audit import AuditOptions, run_audit
from siqa.identity.store import read_store
from siqa.outputs.files import read_findings
from siqa.synth import SynthConfig, generate
from tests.identity.test_onnx_voice import DIMS, tiny_speaker_model


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    return generate(
        tmp_path_factory.mktemp("tables") / "root",
        SynthConfig(sessions=4, interactions_per_session=1, duration=8.0, seed=31, people=5, defects="none"),
    )


def _audit(batch, root, out, **options):
    outcome = run_audit(AuditOptions(batch=batch.batch, root=root, out=out, jobs=1, **options))
    return outcome, list(read_findings(outcome.findings_path))


def test_tables_that_contradict_the_files_are_reported_per_session(batch, tmp_path):
    _, clean = _audit(batch, batch.root, tmp_path / "clean", select=["ID003"])
    assert clean == []
    root = tmp_path / "root"
    shutil.copytree(batch.root, root)
    relationships = pd.read_csv(root / "relationships.csv", dtype=str)
    sessions = list(relationships["session_key"])
    relationships.loc[0, "participant_b"] = relationships.loc[0, "participant_a"]
    relationships.loc[2, "participant_a"] = "P0999"
    conflicting = relationships.iloc[[1]].assign(relationship="siblings")
    pd.concat([relationships, conflicting]).to_csv(root / "relationships.csv", index=False)
    participants = pd.read_csv(root / "participants.csv", dtype=str)
    dropped = relationships.loc[3, "participant_a"]
    participants[participants["participant_id"] != dropped].to_csv(root / "participants.csv", index=False)

    _, findings = _audit(batch, root, tmp_path / "broken", select=["ID003"])
    kinds = {(f.session_key, f.evidence["kind"]) for f in findings}
    assert {
        (sessions[0], "same_id_partners"),
        (sessions[1], "conflicting_rows"),
        (sessions[2], "row_ids_differ"),
    } <= kinds
    unknown = [f for f in findings if f.evidence["kind"] == "unknown_ids"]
    assert unknown and all(f.evidence["unknown_ids"] == [dropped] for f in unknown)
    assert all(f.code == "ID003" and f.scope.value == "session" for f in findings)


def test_the_onnx_backend_fingerprints_the_voice_when_the_rule_set_names_it(batch, tmp_path):
    model = tiny_speaker_model(tmp_path / "speaker.onnx")
    rules = tmp_path / "onnx.toml"
    rules.write_text(f'extends = "default"\n[rules.ID004]\nvoice_backend = "onnx"\nonnx_model = "{model}"\n')
    _audit(batch, batch.root, tmp_path / "out", rules=str(rules), select=["ID004"])
    rows = read_store(tmp_path / "out")
    voiced = rows[rows["voice"].notna()]
    assert len(rows) == batch.files and len(voiced) >= batch.files // 2
    assert voiced["voice_space"].nunique() == 1 and voiced["voice_space"].iloc[0].startswith(
        "onnx:speaker.onnx:"
    )
    assert {len(v) for v in voiced["voice"]} == {DIMS}
