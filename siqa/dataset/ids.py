"""File ids and the keys derived from them (`V00_S0809_I00000582_P0947`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

FILE_ID_RE = re.compile(r"V(\d+)_S(\d+)_I(\d+)_P(\d+)")
_FULL_RE = re.compile(rf"^{FILE_ID_RE.pattern}$")


class BadFileId(ValueError):
    """A name that does not follow `V<vendor>_S<session>_I<interaction>_P<participant>`."""


@dataclass(frozen=True, order=True)
class FileId:
    """One participant's recording of one interaction.

    Field widths are kept as written (`V00`, `S0809`), so `str(FileId.parse(s)) == s` for every valid id.
    """

    vendor: str
    session: str
    interaction: str
    participant: str

    @classmethod
    def parse(cls, text: str) -> FileId:
        match = _FULL_RE.match(text)
        if match is None:
            raise BadFileId(f"not a file id (expected V<n>_S<n>_I<n>_P<n>): {text!r}")
        return cls(*match.groups())

    @classmethod
    def search(cls, text: str) -> FileId | None:
        """The first id inside a longer name (a path, a tar member), or None."""
        match = FILE_ID_RE.search(text)
        return None if match is None else cls(*match.groups())

    @property
    def site(self) -> str:
        return f"V{self.vendor}"

    @property
    def session_key(self) -> str:
        return f"V{self.vendor}_S{self.session}"

    @property
    def interaction_key(self) -> str:
        return f"{self.session_key}_I{self.interaction}"

    @property
    def participant_id(self) -> str:
        return f"P{self.participant}"

    def __str__(self) -> str:
        return f"{self.interaction_key}_P{self.participant}"


def site_of_key(key: str) -> str:
    """The `V..` site of a file id, interaction key or session key."""
    match = re.match(r"^(V\d+)_S\d+", key)
    if match is None:
        raise BadFileId(f"not a session, interaction or file key: {key!r}")
    return match.group(1)


def session_of_key(key: str) -> str:
    match = re.match(r"^(V\d+_S\d+)", key)
    if match is None:
        raise BadFileId(f"not a session, interaction or file key: {key!r}")
    return match.group(1)


_INTERACTION_RE = re.compile(r"(V\d+)_S\d+_I\d+")


def interaction_key_in(text: str) -> str | None:
    """The interaction key inside a name whose participant part is damaged (`V01_S0005_I00000019_Px01`)."""
    match = _INTERACTION_RE.search(text)
    return match.group(0) if match else None
