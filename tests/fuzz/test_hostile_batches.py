"""Broken and hostile inputs: each gives a finding that names the file, the run goes on, nothing is written
outside the output folder (siqa never extracts tars)."""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest

from siqa.audit import AuditOptions, run_audit
from siqa.outputs.files import read_findings
from siqa.synth import SynthResult


def _snapshot(folder: Path) -> dict[str, int]:
    return {str(p): p.stat().st_size for p in folder.rglob("*")}


@pytest.fixture
def tar_batch(clean_tar_batch, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(clean_tar_batch.root, root)
    return SynthResult(root, clean_tar_batch.batch, clean_tar_batch.label), root / "improvised" / "dev" / "0000"


def _add_members(tar_path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> None:
    with tarfile.open(tar_path, "a") as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)


def _audit(result, out):
    outcome = run_audit(AuditOptions(batch=result.batch, root=result.root, out=out, jobs=1, cache=False))
    return list(read_findings(outcome.findings_path))


def test_hostile_tar_members_are_reported_and_never_extracted(tar_batch, tmp_path):
    result, batch_dir = tar_batch
    tar_path = next(batch_dir.glob("*.tar"))
    payload = b"RIFF-not-really"
    members = []
    for name in ("../evil.wav", "/abs/V00_S0001_I00000001_P0999.wav"):
        info = tarfile.TarInfo(name)
        info.size = len(payload)
        members.append((info, payload))
    link = tarfile.TarInfo("V00_S0001_I00000001_P0998.wav")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    device = tarfile.TarInfo("V00_S0001_I00000001_P0997.wav")
    device.type = tarfile.CHRTYPE
    members += [(link, None), (device, None)]
    _add_members(tar_path, members)
    before = _snapshot(tmp_path)
    findings = _audit(result, tmp_path / "out")
    after = {k: v for k, v in _snapshot(tmp_path).items() if not k.startswith(str(tmp_path / "out"))}
    assert after == before, "nothing may be written outside the output folder"
    archive_findings = [f for f in findings if f.code == "IN004"]
    assert {f.path.split(":", 1)[1] for f in archive_findings} >= {
        "../evil.wav", "/abs/V00_S0001_I00000001_P0999.wav", "V00_S0001_I00000001_P0998.wav",
        "V00_S0001_I00000001_P0997.wav"}
    assert not (tmp_path / "evil.wav").exists()
    assert any(f.code == "IN004" and "escapes" in f.message for f in findings)
    assert sum(1 for f in findings if f.code == "SQ001") == 0


def test_truncated_tar_keeps_the_members_before_the_damage(tar_batch, tmp_path):
    result, batch_dir = tar_batch
    tar_path = next(batch_dir.glob("*.tar"))
    data = tar_path.read_bytes()
    tar_path.write_bytes(data[: int(len(data) * 0.7)])
    findings = _audit(result, tmp_path / "out")
    damaged = [f for f in findings if f.code == "IN004"]
    assert damaged and all(str(tar_path.name) in f.path for f in damaged)
    # files cut off lose modalities (IN005), or vanish, and the file list names them (IN021)
    assert any(f.code == "IN005" or (f.code == "IN021" and "no file of it" in f.message) for f in findings)


def test_corrupt_files_in_an_extracted_batch_each_name_the_file(batch_copy, tmp_path):
    archive = batch_copy.root / "improvised" / "dev" / "0000" / "0000"
    defective = {t.get("file_id") for t in batch_copy.truth}
    wav, js, npz = ([p for p in sorted(archive.glob(f"*.{ext}")) if p.stem not in defective]
                    for ext in ("wav", "json", "npz"))
    wav[0].write_bytes(wav[0].read_bytes()[:1000])
    js[0].write_bytes(b'{"metadata:vad": [ {"start": 1,')
    js[1].write_bytes("{\"id\": \"caf\xe9\"}".encode("latin-1"))
    buffer = io.BytesIO()
    np.savez(buffer, **{"movement:is_valid": np.array([object()], dtype=object)})
    npz[0].write_bytes(buffer.getvalue())
    (archive / "V00_S0001_I0000000x_P0001.json").write_text(json.dumps({"id": "x"}))
    findings = _audit(batch_copy, tmp_path / "out")
    by_code = {(f.code, f.path.rsplit("/", 1)[-1] if f.path else None): f for f in findings}
    assert "truncated" in by_code["IN001", wav[0].name].message
    assert any(f.code == "IN002" and "malformed JSON" in f.message and js[0].name in f.path for f in findings)
    assert any(f.code == "IN002" and "not UTF-8" in f.message and js[1].name in f.path for f in findings)
    assert "pickle" in by_code["IN003", npz[0].name].message
    assert ("IN007", "V00_S0001_I0000000x_P0001.json") in by_code
    assert not [f for f in findings if f.code == "SQ001"]
    assert os.listdir(tmp_path / "out")


def test_root_table_with_a_missing_column_is_a_finding(batch_copy, tmp_path):
    (batch_copy.root / "interactions.csv").write_text("interaction_key,prompt\nV00_S0001_I00000001,hello\n")
    findings = _audit(batch_copy, tmp_path / "out")
    (table_finding,) = [f for f in findings if f.code == "IN019"]
    assert "interactions.csv" in table_finding.message and "'session_key'" in table_finding.message
