"""A small real dataset in all three layouts (files, a tar, per-modality parts, root tables), findings with fixes
on every kind of target."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from siqa.findings import Applicability, Finding, Fix, Scope, Severity

FID = "V00_S0001_I00000001_P0001"
FID2 = "V00_S0001_I00000001_P0002"
EXTRACTED = f"improvised/dev/0000/0000/{FID}.json"
EXTRACTED2 = f"improvised/dev/0000/0000/{FID2}.json"
TAR = "improvised/dev/0001/0000.tar"
VAD = f"naturalistic/dev/metadata/vad/{FID}.jsonl"
TRANSCRIPT = f"naturalistic/dev/metadata/transcript/{FID}.jsonl"
ANNOTATION = f"naturalistic/dev/annotations/1P-IS/{FID}.json"
INTERACTIONS = "interactions.csv"

SEGMENTS = [{"start": 2.0, "end": 3.5}, {"start": 0.5, "end": 1.5}]


def meta(file_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": file_id, "metadata:vad": SEGMENTS,
            "metadata:transcript": [{"start": 0.5, "end": 1.5, "transcript": "héllo", "words": []}], **extra}


def tar_bytes(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 1_700_000_000, 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def build_dataset(root: Path) -> Path:
    files = {
        EXTRACTED: json.dumps(meta("V00_S0001_I00000001_P9999"), indent=1).encode(),
        EXTRACTED2: json.dumps(meta(FID2)).encode(),
        f"improvised/dev/0000/0000/{FID}.wav": b"RIFF" + bytes(range(256)) * 4,
        TAR: tar_bytes([(f"{FID}.wav", b"RIFF" + bytes(1000)), (f"{FID}.json", json.dumps(meta("wrong")).encode()),
                        (f"{FID}.npz", bytes(range(256)) * 3), (f"{FID2}.json", json.dumps(meta(FID2)).encode())]),
        VAD: "".join(json.dumps(s) + "\n" for s in SEGMENTS).encode(),
        TRANSCRIPT: b'{"start": 0.5, "end": 1.5, "transcript": "hello", "words": []}\n',
        ANNOTATION: b'[{"start_time": 1.0, "end_time": 2.0, "label": "smile"}]',
        INTERACTIONS: (b'interaction_key,session_key,prompt\r\nV00_S0001_I00000001,V00_S0001,"Plan a trip, then\n'
                       b'argue about ""it"""\r\nV00_S0001_I00000002,V00_S0001,Talk about food\r\n'),
        "participants.csv": b"participant_id,age\nP0001,34\nP0002,29\n",
    }
    for relative, data in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    return root


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return build_dataset(tmp_path / "root")


def finding(code: str, target: str, operations: list[dict[str, Any]],
            applicability: Applicability = Applicability.SAFE, confidence: float = 0.9) -> Finding:
    return Finding(code, Severity.ERROR, confidence, Scope.FILE, "V00", f"{code} on {target}", file_id=FID,
                   evidence={"measured": 1.5}, fix=Fix(applicability, target, operations, f"{code} fix"))


SORTED = sorted(SEGMENTS, key=lambda s: s["start"])


def standard_findings() -> list[Finding]:
    """One fix per kind of target: safe ones, and unsafe ones on separate locations (no conflicts)."""
    return [
        finding("IN017", EXTRACTED, [{"op": "replace", "path": "/id", "value": FID}]),
        finding("IN015", EXTRACTED, [{"op": "replace", "path": "/metadata:vad", "value": SORTED}],
                Applicability.UNSAFE),
        finding("IN017", f"{TAR}:{FID}.json", [{"op": "test", "path": "/id", "value": "wrong"},
                                              {"op": "replace", "path": "/id", "value": FID}]),
        finding("IN015", VAD, [{"op": "replace", "path": "/metadata:vad", "value": SORTED},
                               {"op": "replace", "path": "/metadata:transcript/0/transcript", "value": "héllo"}]),
        finding("MO001", VAD, [{"op": "replace", "path": "/annotations:1P-IS/0/end_time", "value": 2.5}],
                Applicability.UNSAFE),
        finding("PR001", f"{INTERACTIONS}#V00_S0001_I00000002",
                [{"op": "replace", "path": "/prompt", "value": "Talk about \"food\", then, travel"}]),
    ]


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
