"""Control characters from the data written visibly (`\x1b` as the four characters `\x1b`): a terminal escape
in a finding's message must not recolour a CI log or a terminal, nor make an XML report unreadable. Unicode
direction overrides (which make text display in another order than it reads) are written visibly too."""

from __future__ import annotations

import re

# all C0 and C1 controls but tab, newline and carriage return; bidirectional embeddings, overrides and isolates
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible_controls(text: str) -> str:
    return _CONTROL.sub(_visible, text)
