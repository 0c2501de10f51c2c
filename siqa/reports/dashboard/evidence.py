"""The pages that show findings with their evidence and fixes: one per interaction with findings, and one per
session, batch or site with findings of its own (prompt shifts, participant ids, table errors).

Every finding therefore has an entry with its fix on some page, and the finding lists link to it. An
interaction page's media (clips, spectrograms, frames) go to the page's own folder (`links.page_files`), which
an incremental build keeps with the page, each page within the share of the budget it is given
(`clips.MediaLimits.page_share`, computed once for the whole dashboard).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from siqa.findings import Finding
from siqa.reports.dashboard import links
from siqa.reports.dashboard.clips import MediaFolder, MediaLimits
from siqa.reports.dashboard.entries import entries
from siqa.reports.dashboard.fixdiff import Targets
from siqa.reports.dashboard.interaction import interaction_view
from siqa.reports.dashboard.media import DatasetLookup, Unavailable

if TYPE_CHECKING:
    from siqa.reports.dashboard.builder import Grouped, Pages

NO_ROOT = "no dataset root was given (`siqa report --root DIR`)"
Place = tuple[str, str, str]  # (batch, site, interaction key or unit key)


def unit_page(site: str, batch: str, unit: str) -> str:
    """The page of a session's, batch's or site's own findings."""
    return f"units/{links.slug(site)}/{links.slug(batch or '-')}/{links.slug(unit)}.html"


def link_unit_pages(grouped: Grouped) -> None:
    """Each unit finding's place on its unit page, into `grouped.anchors`, for the lists (call it where the
    lists are written: pages may be written by other processes)."""
    for (batch, site, unit), items in unit_findings(grouped).items():
        for number, finding in enumerate(items, 1):
            grouped.anchors[id(finding)] = f"{unit_page(site, batch, unit)}#{links.finding_anchor(number)}"


def write_evidence_pages(pages: Pages, grouped: Grouped, root: Path | None, limits: MediaLimits,
                         share: int) -> None:
    """The interaction pages of `grouped.interactions`, each with `share` bytes of media at most, and the unit
    pages of the findings in `grouped.lists`."""
    lookup = DatasetLookup(root) if root is not None else None
    for place, items in sorted(grouped.interactions.items()):
        path = links.interaction(place[1], place[0], place[2])
        write_interaction_page(pages, grouped, place, items, root, lookup,
                               MediaFolder(pages.folder, links.page_files(path), share), limits)
    for (batch, site, unit), items in sorted(unit_findings(grouped).items()):
        pages.write(unit_page(site, batch, unit), "unit.html", site=site, batch=batch, unit=unit,
                    scope=items[0].scope.value, counted=sum(f.caused_by is None for f in items),
                    entries=entries(items, grouped.cause_anchor, Targets(root)))


def unit_findings(grouped: Grouped) -> dict[Place, list[Finding]]:
    """Findings about a session, batch or site rather than an interaction, by unit; each root followed by the
    findings folded into it."""
    out: dict[Place, list[Finding]] = defaultdict(list)
    for items in grouped.lists.values():
        for finding in items:
            if not finding.interaction_key:
                out[(finding.batch or "", finding.site, finding.unit_key)] += [finding,
                                                                              *grouped.folded.get(id(finding), [])]
    return dict(out)


def write_interaction_page(pages: Pages, grouped: Grouped, place: Place, items: list[Finding], root: Path | None,
                           lookup: DatasetLookup | None, media: MediaFolder, limits: MediaLimits) -> None:
    batch, site, key = place
    channels, unavailable = [], NO_ROOT
    if lookup is not None:
        try:
            channels, unavailable = lookup.channels(batch, key), ""
        except Unavailable as error:
            unavailable = str(error)
    page_entries = entries(items, grouped.cause_anchor, Targets(root))
    pages.write(links.interaction(site, batch, key), "interaction.html", site=site, batch=batch, key=key,
                entries=page_entries, counted=sum(f.caused_by is None for f in items),
                families=sorted({f.family for f in items}), unavailable=unavailable,
                view=interaction_view(page_entries, channels, media, limits))
