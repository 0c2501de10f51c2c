"""Dataset text on a terminal: control sequences (ESC, CSI, OSC, BEL, backspace, carriage return, direction
overrides) are written visibly and rich markup (`[red]`, `:emoji:`) prints as written, in the findings table and
the error messages of `siqa audit`, whatever names the files of a batch carry."""

from __future__ import annotations

import re

import pytest
from rich.console import Console
from typer.testing import CliRunner

from siqa.cli.main import app
from siqa.reports.terminal import safe
from tests.dataset.helpers import FILE_ID, member, wav_bytes, write_tar

HOSTILE = {  # name: (dataset text, what the terminal must show)
    "escape": ("\x1b[2J\x1b[31m", "\\x1b[2J\\x1b[31m"),  # clear the screen, turn red
    "osc": ("\x1b]0;owned\x07", "\\x1b]0;owned\\x07"),  # set the window title (OSC ... BEL)
    "csi8": ("\x9b31m", "\\x9b31m"),  # an 8-bit CSI
    "backspace": ("abc\x08\x08\x08", "abc\\x08\\x08\\x08"),
    "carriage return": ("hidden\rshown", "hidden\\x0dshown"),
    "bidi": ("\u202egnp.exe", "\\u202egnp.exe"),
    "markup": ("[red]evil[/red][link=http://x]y[/link]", "[red]evil[/red][link=http://x]y[/link]"),
    "emoji": (":skull:", ":skull:"),
}
RAW_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize("text, shown", HOSTILE.values(), ids=HOSTILE.keys())
def test_safe_makes_controls_visible_and_markup_literal(text, shown):
    console = Console(record=True, width=200, emoji=False, force_terminal=False)
    console.print(f"[bold]{safe(text)}[/]")
    assert console.export_text() == shown + "\n"


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    """A tar whose members are named with every hostile sequence (each becomes an IN004 or IN007 finding)."""
    root = tmp_path_factory.mktemp("hostile-names")
    names = [f"{FILE_ID}.wav", *(f"{FILE_ID}{text}.wav" for text, _ in HOSTILE.values())]
    write_tar(root / "improvised/dev/0000/0000.tar", [member(name, wav_bytes(480)) for name in names])
    return root


def _audit(*args: str):
    return CliRunner().invoke(app, ["audit", *args], env={"COLUMNS": "1000"}, catch_exceptions=False)


def test_the_findings_table_shows_hostile_names_inertly(hostile_batch, tmp_path):
    result = _audit("--root", str(hostile_batch), "--batch", "dev/0000", "--out", str(tmp_path / "out"),
                    "--format", "table", "--no-report", "--select", "IN")
    assert result.exit_code == 1, result.stderr
    assert not RAW_CONTROLS.search(result.stdout + result.stderr)
    for name, (_, shown) in HOSTILE.items():
        assert f"{FILE_ID}{shown}.wav" in result.stdout, name


def test_an_error_message_naming_a_hostile_path_is_inert(tmp_path):
    text, shown = ("".join(HOSTILE[name][i] for name in ("markup", "escape", "osc")) for i in (0, 1))
    result = _audit("--root", str(tmp_path / text), "--batch", "dev/0000")
    assert result.exit_code == 2
    assert not RAW_CONTROLS.search(result.stderr) and str(tmp_path / shown) in result.stderr
