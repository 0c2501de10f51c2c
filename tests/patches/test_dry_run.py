"""`siqa apply --dry-run` prints the change only: a few words removed from a long transcript show as those lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from siqa.dataset.schema import TRANSCRIPT_KEY
from siqa.patches.minimal import operations
from siqa.patches.write import write_patches
from siqa.validators.bleed.bl002_echo_words import without_words
from tests.patches.conftest import EXTRACTED, FID, finding


def _transcript(segments: int = 20, words: int = 6) -> dict:
    """A transcript of the release's shape: segments of timed, scored words."""
    out = []
    for s in range(segments):
        items = [{"word": f"w{s}_{w}", "start": round(s * 4 + w * 0.5, 3), "end": round(s * 4 + w * 0.5 + 0.4, 3),
                  "score": 0.9} for w in range(words)]
        out.append({"start": items[0]["start"], "end": items[-1]["end"],
                    "transcript": " ".join(w["word"] for w in items), "words": items})
    return {"id": FID, "metadata:vad": [{"start": s["start"], "end": s["end"]} for s in out], TRANSCRIPT_KEY: out}


def _dry_run(cli, root: Path, tmp_path: Path, indent: int | None, doomed: set[tuple[int, int]]) -> list[str]:
    document = _transcript()
    (root / EXTRACTED).write_text(json.dumps(document, indent=indent) + "\n")
    ops = operations(document, TRANSCRIPT_KEY, without_words(document[TRANSCRIPT_KEY], doomed))
    write_patches([finding("BL002", EXTRACTED, ops)], root, tmp_path / "audit")
    result = cli("apply", tmp_path / "audit" / "patches.jsonl", "--root", root, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert not (tmp_path / "audit" / "patched").exists()
    return result.stdout.splitlines()


@pytest.mark.parametrize("indent", [1, None], ids=["indented", "one-line"])
def test_three_removed_words_show_as_their_lines_and_the_segment_text(cli, dataset, tmp_path, indent):
    lines = _dry_run(cli, dataset, tmp_path, indent, {(7, 1), (7, 2), (7, 4)})
    removed = [line for line in lines[2:] if line.startswith("-")]
    added = [line for line in lines[2:] if line.startswith("+")]
    assert lines[0] == f"--- a/{EXTRACTED}" and lines[1] == f"+++ b/{EXTRACTED}"
    assert sum('"word": ' in line for line in removed) == 3 and {'"w7_1"', '"w7_2"', '"w7_4"'} <= {
        line.split(": ")[-1].rstrip(",") for line in removed}
    assert len(removed) <= 3 * 6 + 1 and len(added) == 1 and '"transcript": "w7_0 w7_3 w7_5"' in added[0]
    assert len(lines) < 60  # a few lines of context, not the 960-line document
