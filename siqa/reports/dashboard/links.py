"""Where each dashboard page lives, relative to the dashboard folder.

Names come from the data (sites, batch names, interaction keys), so each becomes a safe file name; a name that
had to be changed gets a short hash of the original, so two different names never share a page.
"""

from __future__ import annotations

import hashlib
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def slug(name: str) -> str:
    cleaned = _UNSAFE.sub("_", name).strip("_")[:80]
    if cleaned == name:
        return name
    return f"{cleaned}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:8]}"


def index() -> str:
    return "index.html"


def site(site: str) -> str:
    return f"sites/{slug(site)}.html"


def rule(code: str) -> str:
    return f"rules/{slug(code)}.html"


def findings(site: str, batch: str, family: str, page: int = 1) -> str:
    return f"findings/{slug(site)}/{slug(batch)}/{slug(family)}-{page}.html"


def interaction(site: str, batch: str, key: str) -> str:
    return f"interactions/{slug(site)}/{slug(batch)}/{slug(key)}.html"


def rule_list(code: str) -> str:
    """The release-wide list of one rule's findings (every site and batch)."""
    return f"lists/rule-{slug(code)}.html"


def family_list(family: str) -> str:
    return f"lists/family-{slug(family)}.html"


def list_data(code: str, chunk: int) -> str:
    """The rows of one rule's release-wide list, `chunk` by chunk (a script: pages open from disk, where a
    browser fetches no JSON)."""
    return f"lists/data/{slug(code)}-{chunk}.js"


def search() -> str:
    return "search.html"


def search_data(chunk: int) -> str:
    return f"lists/data/interactions-{chunk}.js"


def page_files(path: str) -> str:
    """The folder of a page's own files (clips, frames), kept with the page when it is not built again."""
    return f"{path.removesuffix('.html')}_files"


def finding_anchor(number: int) -> str:
    """The id of the `number`-th finding (1-based, in `Finding.sort_key` order, each root followed by the
    findings folded into it) on its interaction page."""
    return f"finding-{number}"


def base_of(path: str) -> str:
    """The prefix that leads from a page back to the dashboard folder (`../../`)."""
    return "../" * path.count("/")
