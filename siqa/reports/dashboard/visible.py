"""Dataset text on a page shows its control and direction characters instead of obeying them.

HTML escaping stops markup, not an ESC, a BEL or a right-to-left override (U+202E) in a file name, a message or
a transcript word, which would make text display in another order than it reads. The pages' template
environment finalizes every `{{ … }}` value with `visible_text`, so each data string in every template is
written the way the terminal writes it (`\\x1b`, `\\u202e`); markup the templates built is left alone.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from siqa.reports.gate.text import visible_controls


def visible_text(value: Any) -> Any:
    """`value` with control and bidi characters written visibly when it is text from the data."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible_controls(value)
    return value
