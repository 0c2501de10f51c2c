"""The crafted corpus (`tests/fuzz/corpus/`, made by `make_corpus.py`): each file through its reader, then all of
them dropped into batches and audited whole. The audit completes, names every crafted file in a finding, no rule
crashes, and nothing is written outside the output folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from siqa.asr.cache import read_stats
from siqa.audit import AuditOptions, run_audit
from siqa.outputs.files import CACHE_DIR, read_findings
from siqa.synth import SynthResult
from tests.dataset.helpers import snapshot
from tests.fuzz import make_corpus
from tests.fuzz.figures import record
from tests.fuzz.test_readers import check_csv, check_json, check_mp4, check_npz, check_tar, check_wav

CORPUS = make_corpus.CORPUS
MEDIA = ("wav", "json", "npz", "mp4")
CHECKS = {"wav": check_wav, "json": check_json, "npz": check_npz, "mp4": check_mp4, "tar": check_tar,
          "csv": lambda data, path: check_csv((path.name.split("__")[0], data))}


def corpus(*readers: str) -> list[Path]:
    return sorted(p for reader in readers for p in (CORPUS / reader).iterdir())


def test_the_committed_corpus_is_what_the_script_makes(tmp_path):
    made = {p.relative_to(tmp_path): p.read_bytes() for p in make_corpus.build(tmp_path)}
    committed = {p.relative_to(CORPUS): p.read_bytes() for p in CORPUS.rglob("*") if p.is_file()}
    assert made == committed, "run `python -m tests.fuzz.make_corpus` and commit tests/fuzz/corpus"


@pytest.mark.parametrize("path", corpus(*CHECKS), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_crafted_file_through_its_reader(path):
    check = CHECKS[path.parent.name]
    outcome = check(path.read_bytes(), path) if path.parent.name == "csv" else check(path.read_bytes())
    assert outcome in (None, "finding"), f"{path.name}: a broken tar must be reported"


def _plant(batch: SynthResult, crafted: list[Path]) -> dict[Path, str]:
    """Each crafted participant file under a file id of its own, beside healthy copies of the other modalities
    (taken from a file without injected defects, the JSON's id set to match); returns crafted file -> its name."""
    archive = next((batch.root / batch.label / batch.batch).iterdir())
    defective = {t.get("file_id") for t in batch.truth}
    donor = next(p for p in sorted(archive.glob("*.json")) if p.stem not in defective).with_suffix("")
    planted = {}
    for k, path in enumerate(crafted):
        fid = f"V00_S0001_I{900 + k:08d}_P0001"
        for ext in MEDIA:
            (archive / f"{fid}.{ext}").write_bytes(donor.with_suffix(f".{ext}").read_bytes())
        meta = json.loads(donor.with_suffix(".json").read_text())
        (archive / f"{fid}.json").write_text(json.dumps({**meta, "id": fid}))
        target = archive / f"{fid}{path.suffix}"
        target.write_bytes(path.read_bytes())
        planted[path] = target.name
    return planted


def _audit(root: Path, batch: str, out: Path) -> list:
    """Every rule family, the ASR cross-check with the bundled Whisper model among them."""
    outcome = run_audit(AuditOptions(batch=batch, root=root, out=out, jobs=1))
    return list(read_findings(outcome.findings_path))


def _assert_named(findings: list, planted: dict[Path, str]) -> None:
    crashes = [f for f in findings if f.code in ("SQ001", "SQ003")]  # a rule crashed, a worker died
    assert not crashes, [(f.message, f.evidence.get("traceback")) for f in crashes]
    for crafted, name in planted.items():
        named = [f for f in findings if name in f"{f.path} {f.message}"]
        record(f"audit {crafted.parent.name}", "finding" if named else "accepted")
        assert named, f"{crafted.parent.name}/{crafted.name} (planted as {name}) is named in no finding"


def test_a_batch_with_every_crafted_file_and_table_audits_and_names_each(batch_copy, tmp_path):
    planted = _plant(batch_copy, corpus(*MEDIA))
    tables = {"filelist": "listed_twice_and_missing", "interactions": "unclosed_quote", "participants": "latin1",
              "relationships": "empty"}
    for name, what in tables.items():
        shutil.copy(CORPUS / "csv" / f"{name}__{what}.csv", batch_copy.root / f"{name}.csv")
    before = snapshot(tmp_path)
    findings = _audit(batch_copy.root, batch_copy.batch, tmp_path / "out")
    assert {k: v for k, v in snapshot(tmp_path).items() if not k.startswith(str(tmp_path / "out"))} == before
    _assert_named(findings, planted)
    assert read_stats(tmp_path / "out" / CACHE_DIR)["transcribed_clips"] > 0, "the crafted audio met real ASR"
    table_errors = {f.path for f in findings if f.code == "IN019"}
    assert table_errors == {"interactions.csv", "participants.csv", "relationships.csv"}
    listing = [f.message for f in findings if f.code == "IN021"]
    assert any("listed 2 times" in m for m in listing) and any("V09_S0009_I00000009_P0009" in m for m in listing)


def test_a_batch_of_crafted_tars_audits_and_names_each(tmp_path):
    root = tmp_path / "root"
    batch_dir = root / "improvised" / "dev" / "0000"
    batch_dir.mkdir(parents=True)
    planted = {}
    for path in corpus("tar"):
        shutil.copy(path, batch_dir / path.name)
        planted[path] = f"improvised/dev/0000/{path.name}"
    before = snapshot(tmp_path)
    findings = _audit(root, "dev/0000", tmp_path / "out")
    assert {k: v for k, v in snapshot(tmp_path).items() if not k.startswith(str(tmp_path / "out"))} == before
    _assert_named(findings, planted)
    assert not list(tmp_path.rglob("evil*")) and not (tmp_path / "tmp").exists()
