"""Properties over random JSON documents and random patch sets: apply then revert is the identity (byte for
byte), the patched document is the original with every accepted fix applied, and a second apply changes nothing."""

from __future__ import annotations

import json
import tarfile
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siqa.findings import Applicability
from siqa.patches.apply import ApplyOptions, Status, apply_patches
from siqa.patches.model import FixStatus, read_patches
from siqa.patches.ops import apply_patch
from siqa.patches.revert import RevertStatus, revert_patches
from siqa.patches.write import write_patches
from tests.patches.conftest import finding, snapshot, tar_bytes
from tests.patches.strategies import STYLES, documents, patches

FILE = "improvised/dev/0000/0000/V00_S0001_I00000001_P0001.json"
TAR = "improvised/dev/0000/0001.tar"
MEMBER = "V00_S0001_I00000001_P0001.json"


def _current(root: Path, in_tar: bool) -> bytes:
    if not in_tar:
        return (root / FILE).read_bytes()
    with tarfile.open(root / TAR) as archive:
        return archive.extractfile(MEMBER).read()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_apply_then_revert_is_the_identity(data):
    document = data.draw(documents, "document")
    original = json.dumps(document, **data.draw(st.sampled_from(STYLES), "style")).encode()
    in_tar = data.draw(st.booleans(), "in a tar")
    fix_sets = data.draw(st.lists(patches(document, max_size=3), min_size=1, max_size=4), "fixes")
    kinds = data.draw(st.lists(st.sampled_from([Applicability.SAFE, Applicability.UNSAFE]),
                               min_size=len(fix_sets), max_size=len(fix_sets)), "applicability")
    with tempfile.TemporaryDirectory() as tmp:
        root, audit = Path(tmp) / "root", Path(tmp) / "audit"
        (root / FILE).parent.mkdir(parents=True)
        (root / FILE).write_bytes(b"{}")
        if in_tar:
            (root / TAR).write_bytes(tar_bytes([("other.wav", b"w" * 600), (MEMBER, original), ("z.npz", b"z")]))
        else:
            (root / FILE).write_bytes(original)
        target = f"{TAR}:{MEMBER}" if in_tar else FILE
        findings = [finding(f"XX{i:03d}", target, ops, kind, confidence=0.5) for i, (ops, kind)
                    in enumerate(zip(fix_sets, kinds))]
        write_patches(findings, root, audit)
        before = snapshot(root)
        options = ApplyOptions(root=root, backup_dir=audit / "backup")

        report = apply_patches(audit / "patches.jsonl", options)
        (record,) = read_patches(audit / "patches.jsonl")
        expected = document
        for fix in record.fixes:
            if fix.status is FixStatus.OK:
                expected = apply_patch(expected, fix.operations)
        # members keep the original's order (new ones last), so the comparison ignores key order
        assert json.dumps(json.loads(_current(root, in_tar)), sort_keys=True) == json.dumps(expected, sort_keys=True)
        assert {o.status for o in report.outcomes.values()} <= {Status.APPLIED, Status.ALREADY, Status.CONFLICT}

        patched = snapshot(root)
        assert apply_patches(audit / "patches.jsonl", options).written == []
        assert snapshot(root) == patched

        reverted = revert_patches(audit / "patches.jsonl", root, audit / "backup")
        assert {f.status for f in reverted.files} <= {RevertStatus.RESTORED, RevertStatus.ORIGINAL}
        assert snapshot(root) == before
