"""IN021: the file list against the batch, in every layout: listed ids with no file, files the list puts in
another batch or leaves out, ids listed twice, and a per-modality tree without a usable file list."""

from __future__ import annotations

import json

from siqa.audit import AuditOptions, run_audit
from siqa.outputs.files import read_findings
from tests.dataset.helpers import FILE_ID, PARTNER_ID, member, wav_bytes, write_tar

ELSEWHERE = "V00_S0001_I00000002_P0001"
ABSENT = "V00_S0001_I00000009_P0001"
HEADER = "file_id,label,split,batch_idx,archive_idx\n"


def _files(fid: str) -> list:
    return [member(f"{fid}.wav", wav_bytes(480)), member(f"{fid}.json", json.dumps({"id": fid}).encode())]


def _messages(root, tmp_path) -> dict[str, str]:
    outcome = run_audit(AuditOptions(batch="dev/0000", root=root, out=tmp_path / "out", jobs=1, select=["IN021"]))
    return {f.file_id: f.message for f in read_findings(outcome.findings_path)}


def test_the_file_list_is_checked_against_a_batch_of_tars(tmp_path):
    root = tmp_path / "root"
    write_tar(root / "improvised/dev/0000/0000.tar", _files(FILE_ID) + _files(PARTNER_ID) + _files(ELSEWHERE))
    rows = [(FILE_ID, 0), (FILE_ID, 0), (PARTNER_ID, 0), (ELSEWHERE, 3), (ABSENT, 0)]
    (root / "filelist.csv").write_text(HEADER + "".join(f"{fid},improvised,dev,{b},0\n" for fid, b in rows))
    messages = _messages(root, tmp_path)
    assert set(messages) == {FILE_ID, ELSEWHERE, ABSENT}
    assert "listed 2 times" in messages[FILE_ID]
    assert "puts it in batch '3'" in messages[ELSEWHERE]
    assert "no file of it is in the batch" in messages[ABSENT] and messages[ABSENT].startswith("filelist.csv: ")


def test_a_per_modality_tree_without_a_file_list_is_reported(tmp_path):
    audio = tmp_path / "root/improvised/dev/audio"
    audio.mkdir(parents=True)
    (audio / f"{FILE_ID}.wav").write_bytes(wav_bytes(480))
    messages = _messages(tmp_path / "root", tmp_path)
    assert "there is no filelist.csv" in messages[None] and "audited as batch 0000" in messages[None]
