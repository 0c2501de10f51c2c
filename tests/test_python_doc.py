"""docs/python.md, the notebook quickstart, runs as written: every Python block in order, in one namespace,
from an empty working folder (its synthetic batch and outputs land there)."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).parents[1] / "docs" / "python.md"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)


def test_the_python_quickstart_runs(tmp_path, monkeypatch, capsys):
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 8, "the quickstart lost its code blocks"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "quickstart"}
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"{DOC.name} block {number}", "exec"), namespace)  # noqa: S102 - our own docs
    result, written = namespace["result"], namespace["written"]
    assert result.out_dir is None and written.out_dir == Path("reports/quickstart")
    assert (tmp_path / "reports" / "quickstart" / "findings.jsonl").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports", "siqa-quickstart"]
    assert "interactions" in capsys.readouterr().out
