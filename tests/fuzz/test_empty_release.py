"""A batch in which no file gives a fingerprint (a tar of junk members, a tar of garbage, an interaction of
zero-byte files) audits with every rule family to its integrity findings: the identity comparison is empty, not
an error, and its rules are listed as skipped with the reason."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from siqa.audit import AuditOptions, run_audit
from siqa.outputs.files import SKIPS_JSONL, read_findings

RELEASE_CODES = ("ID001", "ID002")  # the release rules of the default rule set
BATCH = Path("improvised", "dev", "0000")
FILE_ID = "V00_S0001_I00000001_P0001"


def _junk_members(batch: Path) -> None:
    with tarfile.open(batch / "0000.tar", "w") as archive:
        for name, data in (("README.txt", b"not a participant file"), ("notes/x.bin", bytes(range(256)))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def _garbage(batch: Path) -> None:
    (batch / "0000.tar").write_bytes(bytes(range(256)) * 20)


def _zero_byte_files(batch: Path) -> None:
    (batch / "0000").mkdir()
    for participant in ("P0001", "P0002"):
        for ext in ("wav", "json", "npz", "mp4"):
            (batch / "0000" / f"{FILE_ID[:-5]}{participant}.{ext}").touch()


BATCHES = {"junk members": _junk_members, "garbage tar": _garbage, "zero-byte files": _zero_byte_files}


@pytest.fixture(params=sorted(BATCHES))
def empty_root(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / BATCH).mkdir(parents=True)
    BATCHES[request.param](root / BATCH)
    return root


def _identity_skips(out: Path) -> list[dict]:
    skips = [json.loads(line) for line in (out / SKIPS_JSONL).read_text().splitlines()]
    return [s for s in skips if s["code"] in RELEASE_CODES]


def test_a_batch_without_any_fingerprint_audits_to_its_integrity_findings(empty_root, tmp_path):
    outcome = run_audit(AuditOptions(batch="dev/0000", root=empty_root, out=tmp_path / "out", jobs=1))
    findings = list(read_findings(outcome.findings_path))
    assert findings and {f.family for f in findings} == {"IN"}, [(f.code, f.message) for f in findings]
    skips = _identity_skips(outcome.out_dir)
    assert sorted(s["code"] for s in skips) == sorted(RELEASE_CODES)
    assert all("no participant file gave a fingerprint" in s["reason"] for s in skips)
    calibration = json.loads((outcome.out_dir / "identity" / "calibration.json").read_text())
    assert calibration["appearances"] == 0 and calibration["calibrated"] is False


def test_the_command_exits_1_for_the_findings_not_2(tmp_path):
    root = tmp_path / "root"
    (root / BATCH).mkdir(parents=True)
    _garbage(root / BATCH)
    audit = subprocess.run([sys.executable, "-m", "siqa", "audit", "--root", str(root), "--batch", "dev/0000",
                            "--out", str(tmp_path / "out"), "--jobs", "1", "--no-report"],
                           capture_output=True, text=True, timeout=300)
    assert audit.returncode == 1, audit.stderr
    assert "Traceback" not in audit.stderr and "ID001" in audit.stderr
