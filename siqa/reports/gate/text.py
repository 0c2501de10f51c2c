"""Control characters from the data written visibly (`\x1b` as the four characters `\x1b`): a terminal escape
in a finding's message must not recolour a CI log or a terminal, nor make an XML report unreadable."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # all but tab, newline and carriage return


def visible_controls(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
