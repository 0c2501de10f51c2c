"""The dashboard's cost, measured in one run (`python -m benchmarks.dashboard`): its size and build time for 1,
10 and 60 batches, the time a rebuild with nothing changed takes, and page load times in headless chromium;
then the projection to a 65,000-interaction release from the measured cost per interaction.

One small synthetic batch is made and audited once; the other batches are copies of its audit under other batch
names, each reading the same recordings (the dataset root holds a link per batch name), so every batch's
interaction pages decode real audio and cut real clips. Its defects are the `heavy` profile's, so that lists and
clips are there to measure. Each build gives its pages the media budget they would have in the release
(`MediaLimits.dashboard_bytes` scaled down by the build's share of its interactions, docs/dashboard.md), so
that media bytes and the time spent cutting them grow with interactions as they would up to the release; the
projection scales from the 1-batch to the 60-batch build. Builds use one worker per core, as `siqa report` does.
Page loads are chromium's navigation timing (navigation start to the load event), cold, from disk.
Results go to benchmarks/dashboard_results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks import audit_synthetic
from siqa.outputs.files import FINDINGS_JSONL, SKIPS_JSONL, UNITS_JSONL
from siqa.reports.dashboard import build_reports, links
from siqa.reports.dashboard.clips import DEFAULT_LIMITS, MediaLimits
from siqa.synth import SynthConfig

RELEASE_INTERACTIONS = 65_000
BATCH_COUNTS = (1, 10, 60)
SELECT = ["IN", "RQ", "BL", "TS"]  # the families that need no ASR model


def copy_audit(audit: Path, root: Path, batch: str, number: int, work: Path) -> Path:
    """The audit of `batch` as if it were batch `number` of the same split: findings, units and skips renamed,
    and the recordings reachable under the new name."""
    label, split, name = batch.split("/")
    renamed = f"{label}/{split}/{number:04d}"
    folder = work / f"audit-{number:04d}"
    folder.mkdir(parents=True, exist_ok=True)
    for file_name in (FINDINGS_JSONL, UNITS_JSONL, SKIPS_JSONL, "metrics.jsonl", "summary.json"):
        source = audit / file_name
        if source.is_file():
            text = source.read_text(encoding="utf-8")
            (folder / file_name).write_text(text.replace(f'"{batch}"', f'"{renamed}"'), encoding="utf-8")
    link = root / label / split / f"{number:04d}"
    if not link.exists():
        link.symlink_to(root / label / split / name, target_is_directory=True)
    return folder


PAGE_SUFFIXES = (".html", ".js", ".css", ".json")


def folder_bytes(folder: Path) -> tuple[int, int, int]:
    """Bytes of the folder, its pages, and bytes of its media (clips, pictures: what `MediaLimits` bounds)."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    media = sum(p.stat().st_size for p in files if p.suffix not in PAGE_SUFFIXES)
    return sum(p.stat().st_size for p in files), sum(p.suffix == ".html" for p in files), media


def interaction_pages(folder: Path) -> dict[str, int]:
    """Bytes of HTML of the interaction pages (their media apart): median and largest."""
    sizes = sorted(p.stat().st_size for p in (folder / "interactions").rglob("*.html"))
    return {"median": sizes[len(sizes) // 2], "max": sizes[-1]} if sizes else {}


def load_times(dashboard: Path) -> dict[str, float]:
    """Seconds from navigation to the load event of each kind of page, each opened once, cold."""
    from tests.reports.browser import Browser

    folder = dashboard.parent
    found = {"index": [dashboard], "site": (folder / "sites").glob("*.html"),
             "rule": (folder / "rules").glob("*.html"), "release list": (folder / "lists").glob("rule-*.html"),
             "findings page": (folder / "findings").rglob("*.html"),
             "interaction": (folder / "interactions").rglob("*.html"), "search": [folder / links.search()]}
    pages = {name: page for name, candidates in found.items() if (page := next(iter(candidates), None))}
    browser = Browser()
    try:
        out = {}
        for name, page in pages.items():
            browser.goto(page.as_uri())
            timing = browser.evaluate("JSON.stringify(performance.getEntriesByType('navigation')[0])")
            entry = json.loads(timing)
            out[name] = round((entry["loadEventEnd"] or entry["duration"]) / 1000, 3)
        return out
    finally:
        browser.close()


def release_limits(interactions: int) -> MediaLimits:
    """The default limits, with the dashboard's media scaled to `interactions` of the release: each page gets
    the share it would get in the whole release."""
    return replace(DEFAULT_LIMITS, dashboard_bytes=DEFAULT_LIMITS.dashboard_bytes * interactions
                   // RELEASE_INTERACTIONS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=2)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("dashboard_results.json"))
    args = parser.parse_args()
    workers = os.cpu_count() or 1
    results: dict[str, Any] = {"workers": workers, "builds": {}}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        config = SynthConfig(layout="extracted", sessions=args.sessions, interactions_per_session=2,
                             duration=args.duration, defects="heavy")
        batch, outcome, _ = audit_synthetic(work, config, SELECT)
        name = f"{batch.label}/{batch.batch}"  # as findings name their batch
        audits = [copy_audit(outcome.out_dir, batch.root, name, n, work) for n in range(max(BATCH_COUNTS))]
        for count in BATCH_COUNTS:
            out = work / f"report-{count}"
            started = time.perf_counter()
            limits = release_limits(batch.interactions * count)
            report = build_reports(out, batch.root, audits[:count], workers=workers, limits=limits)
            seconds = time.perf_counter() - started
            started = time.perf_counter()
            again = build_reports(out, batch.root, audits[:count], workers=workers, limits=limits)
            unchanged = time.perf_counter() - started
            size, pages, media = folder_bytes(report.dashboard.parent)
            html = interaction_pages(report.dashboard.parent)
            results["builds"][count] = {"interactions": batch.interactions * count, "pages": pages,
                                        "bytes": size, "media_bytes": media, "interaction_page_bytes": html,
                                        "build_seconds": round(seconds, 2),
                                        "rebuild_unchanged_seconds": round(unchanged, 2),
                                        "kept_on_rebuild": again.kept}
            print(f"{count:>3} batches, {batch.interactions * count} interactions: {pages} pages, "
                  f"{size / 1e6:.1f} MB (interaction pages {html['median'] / 1e3:.0f} kB median, "
                  f"{html['max'] / 1e3:.0f} kB at most, media apart), built in {seconds:.1f} s; again with "
                  f"nothing changed {unchanged:.1f} s")
        results["page_load_seconds"] = load_times(work / f"report-{max(BATCH_COUNTS)}" / "dashboard" / "index.html")
    small, large = (results["builds"][n] for n in (BATCH_COUNTS[0], BATCH_COUNTS[-1]))
    per = {key: (large[key] - small[key]) / (large["interactions"] - small["interactions"])
           for key in ("bytes", "media_bytes", "build_seconds")}
    results["per_interaction"] = {"bytes": round(per["bytes"]), "media_bytes": round(per["media_bytes"]),
                                  "build_seconds": round(per["build_seconds"], 4)}
    pages_bytes = small["bytes"] + (per["bytes"] - per["media_bytes"]) * RELEASE_INTERACTIONS
    media_bytes = min(per["media_bytes"] * RELEASE_INTERACTIONS, DEFAULT_LIMITS.dashboard_bytes)
    results["projection"] = {"interactions": RELEASE_INTERACTIONS, "pages_gigabytes": round(pages_bytes / 1e9, 2),
                             "media_gigabytes": round(media_bytes / 1e9, 2),
                             "gigabytes": round((pages_bytes + media_bytes) / 1e9, 2),
                             "build_hours": round((small["build_seconds"] + per["build_seconds"]
                                                   * RELEASE_INTERACTIONS) / 3600, 2),
                             "workers": workers}
    for name, seconds in results["page_load_seconds"].items():
        print(f"  {name} page loads in {seconds:.3f} s")
    projection = results["projection"]
    print(f"per interaction: {per['bytes'] / 1e3:.0f} kB ({per['media_bytes'] / 1e3:.0f} kB of media), "
          f"{per['build_seconds'] * 1000:.0f} ms of build; a {RELEASE_INTERACTIONS:,}-interaction release: "
          f"{projection['gigabytes']} GB ({projection['pages_gigabytes']} GB of pages, media at most "
          f"{projection['media_gigabytes']} GB: their limit), built in {projection['build_hours']} h with "
          f"{workers} workers")
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
