"""Outputs are shared as CI artifacts: no output of an audit holds the absolute path of the dataset root, even
when every root table is broken and the reasons come from the operating system (a dangling link's error names
the file it could not open)."""

from __future__ import annotations

import pandas as pd

from siqa.audit import AuditOptions, run_audit
from siqa.outputs.files import read_findings


def test_no_output_holds_the_absolute_root_path(batch_copy, tmp_path):
    root = batch_copy.root
    (root / "interactions.csv").write_text("interaction_key,prompt\nV00_S0001_I00000001,hello\n")
    (root / "participants.csv").write_text('participant_id\n"P0001\n')
    (root / "relationships.csv").unlink()
    (root / "relationships.csv").symlink_to(root / "gone.csv")
    filelist = root / "filelist.csv"
    filelist.write_text(filelist.read_text() + "a,b,c,d,e,f,g,h,i,j,k,l\n")
    outcome = run_audit(AuditOptions(batch=batch_copy.batch, root=root, out=tmp_path / "out", jobs=1))
    table_errors = {f.path: f for f in read_findings(outcome.findings_path) if f.code == "IN019"}
    assert set(table_errors) == {f"{name}.csv" for name in ("interactions", "participants", "relationships",
                                                             "filelist")}
    assert all(f.message.startswith(f"{f.path}: ") for f in table_errors.values()), "named root-relative"
    leaks = []
    for path in outcome.out_dir.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            if path.suffix == ".parquet":  # compressed columns: their values, decoded
                text += pd.read_parquet(path).to_csv()
            leaks += [str(path.relative_to(outcome.out_dir))] if str(root) in text else []
    assert not leaks, f"{root} appears in {leaks}"
