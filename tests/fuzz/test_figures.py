"""The figures the suite prints stay true: SECURITY.md lists exactly the bugs the suite records as found and fixed."""

from __future__ import annotations

from pathlib import Path

from tests.fuzz.figures import FOUND_AND_FIXED

SECURITY = Path(__file__).parents[2] / "SECURITY.md"


def test_security_md_lists_the_bugs_the_suite_found():
    section = SECURITY.read_text(encoding="utf-8").split("## Bugs the fuzz suite found, all fixed")[1]
    listed = [line[2:] for line in section.split("\n## ")[0].splitlines() if line.startswith("- ")]
    assert listed == list(FOUND_AND_FIXED)
