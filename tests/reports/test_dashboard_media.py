"""The evidence pages: clips of each flagged span (each channel and both mixed, Ogg Opus, within a budget),
spectrogram bands, video frame strips, lanes of span labels linking to their findings, sub-spans, fixes as
readable diffs whatever their grain, pages for session findings, and control characters shown, not obeyed."""

from __future__ import annotations

import copy
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile

from siqa.decisions import finding_key
from siqa.findings import Applicability, Finding, Fix, Scope, Severity
from siqa.patches.model import fix_id
from siqa.reports.dashboard import build_reports, links
from siqa.reports.dashboard.clips import MediaFolder, MediaLimits
from siqa.reports.dashboard.entries import entries
from siqa.reports.dashboard.fixdiff import Targets, fix_diff
from siqa.reports.dashboard.interaction import interaction_view
from siqa.reports.dashboard.media import DatasetLookup
from siqa.reports.dashboard.pictures import PIXELS_PER_COLUMN, WIDTH, Mark, Window, lanes
from siqa.reports.dashboard.spectrogram import band
from siqa.synth import SynthConfig, generate
from tests.reports.conftest import BATCH, finding, write_folder

KEY = "V00_S0001_I00000001"
SPOOF = "\x1b[31mred\x07 \u202eevil"  # ESC, BEL and a right-to-left override


@pytest.fixture(scope="module")
def root(report_batch, tmp_path_factory) -> Path:
    """A copy of the report batch whose first transcript word carries control and bidi characters."""
    copied = tmp_path_factory.mktemp("media") / "root"
    shutil.copytree(report_batch.root, copied)
    path = json_of(copied, 0)
    document = json.loads(path.read_text(encoding="utf-8"))
    document["metadata:transcript"][0]["words"][0]["word"] = SPOOF
    path.write_text(json.dumps(document), encoding="utf-8")
    return copied


def json_of(root: Path, index: int) -> Path:
    return sorted(root.glob(f"{BATCH}/*/{KEY}_P*.json"))[index]


def transcript_fixes(root: Path) -> tuple[Fix, Fix]:
    """The same correction twice: as minimal operations (one word removed, one time moved) and as the whole
    transcript array replaced, as older audits wrote it."""
    path = json_of(root, 1)
    target = str(path.relative_to(root))
    before = json.loads(path.read_text(encoding="utf-8"))["metadata:transcript"]
    minimal = [{"op": "remove", "path": "/metadata:transcript/0/words/1"},
               {"op": "replace", "path": "/metadata:transcript/0/words/2/start",
                "value": before[0]["words"][3]["start"] + 0.05}]
    after = copy.deepcopy(before)
    del after[0]["words"][1]
    after[0]["words"][2]["start"] = before[0]["words"][3]["start"] + 0.05
    whole = [{"op": "replace", "path": "/metadata:transcript", "value": after}]
    return (Fix(Applicability.SAFE, target, minimal, "remove an echoed word"),
            Fix(Applicability.SAFE, target, whole, "remove an echoed word"))


def session_findings() -> list[Finding]:
    prompt = Fix(Applicability.UNSAFE, "interactions.csv",
                 [{"op": "replace", "path": f"/{KEY}/prompt", "value": "Plan a trip to the sea."}],
                 "reassign 1 prompt shifted by +1")
    relabel = Fix(Applicability.UNSAFE, "relationships.csv#V00_S0001",
                  [{"op": "test", "path": "/participant_a", "value": "P0104"},
                   {"op": "replace", "path": "/participant_a", "value": "P0999"}], "split the id")
    common = {"severity": Severity.WARNING, "confidence": 0.7, "scope": Scope.SESSION, "site": "V00",
              "session_key": "V00_S0001", "batch": BATCH}
    return [Finding(code="PR002", message="prompts off by one", fix=prompt, **common),
            Finding(code="ID001", message="one id, two people", fix=relabel, **common)]


def media_findings(root: Path, participant: str) -> list[Finding]:
    minimal, _ = transcript_fixes(root)
    return [finding("BL001", participant=participant, span=(1.0, 2.5), evidence={"spans": [[1.0, 1.4], [2.0, 2.5]]},
                    message=f"bleed {SPOOF}"),
            finding("BL002", participant=json_of(root, 1).stem.rsplit("_", 1)[1], span=(0.5, 1.5), fix=minimal),
            finding("RQ007", participant=participant, span=(2.0, 3.0)),
            dataclass_path(finding("TS003", span=(4.0, 5.5)), f"{BATCH}/0000/{SPOOF}.wav"),
            *session_findings()]


def dataclass_path(f: Finding, path: str) -> Finding:
    import dataclasses

    return dataclasses.replace(f, path=path)


@pytest.fixture(scope="module")
def built(root, participants, tmp_path_factory) -> tuple[Path, list[Finding]]:
    findings = media_findings(root, participants[KEY][0])
    folder = write_folder(tmp_path_factory.mktemp("audit"), findings, units={("V00", BATCH): 1})
    return build_reports(folder, root).dashboard.parent, findings


def page(dashboard: Path) -> tuple[Path, str]:
    path = next(dashboard.rglob(f"{KEY}.html"))
    return path, path.read_text(encoding="utf-8")


def test_each_span_plays_on_each_channel_and_mixed_as_ogg_opus(built):
    dashboard, _ = built
    path, html = page(dashboard)
    sources = re.findall(r'<audio controls preload="metadata" src="([^"]+)"', html)
    assert len(sources) == 4 * 3  # four findings with spans; two channels and both mixed
    for source in sources:
        clip = (path.parent / source).resolve()
        assert clip.is_relative_to(dashboard) and clip.suffix == ".ogg"
        info = soundfile.info(io.BytesIO(clip.read_bytes()))
        assert (info.format, info.subtype) == ("OGG", "OPUS")
        assert 2.4 < info.duration < 4.6  # the span and a second of context each side (within the recording)
    bl001 = soundfile.read(io.BytesIO((path.parent / sources[3]).read_bytes()))[0]
    assert np.abs(bl001).max() > 0.01  # real audio, not silence
    assert "media-src 'self'" in html and "default-src 'none'" in html


def test_the_page_media_budget_cuts_clips_off_and_says_so(root, tmp_path):
    folder = MediaFolder(tmp_path, "p_files", budget=100_000)  # pictures and one finding's clips
    channels = DatasetLookup(root).channels(BATCH, KEY)
    items = [finding("BL001", span=(s, s + 2.0)) for s in (0.5, 2.0, 3.5)]
    page_entries = entries(items, lambda f: None, Targets(root))
    view = interaction_view(page_entries, channels, folder, MediaLimits())
    assert [bool(e.zoom.clips) for e in page_entries] == [True, False, False]  # whole findings, never a half
    assert "media budget" in page_entries[1].zoom.notes[0] and view["refused"] >= 2
    assert folder.spent <= folder.budget
    assert MediaLimits(page_bytes=10, dashboard_bytes=1000).page_share(4) == 10
    limits, equal = MediaLimits(page_bytes=10 << 20, dashboard_bytes=100 << 20), (100 << 20) // 1000
    assert 0.91 * equal < limits.page_share(1000) <= equal  # rounded down to an eighth of an octave
    assert limits.page_share(1010) == limits.page_share(1000)  # a few more pages keep every page's share


def test_a_long_span_is_heard_from_its_start_and_the_page_says_so(root, tmp_path):
    channels = DatasetLookup(root).channels(BATCH, KEY)
    page_entries = entries([finding("IN014", span=(0.0, 6.0))], lambda f: None, Targets(root))
    interaction_view(page_entries, channels, MediaFolder(tmp_path, "p", 1 << 20), MediaLimits(clip_seconds=3.0))
    zoom = page_entries[0].zoom
    assert zoom.window.end - zoom.window.start == pytest.approx(3.0)
    assert "first 3 s" in zoom.notes[0]
    assert soundfile.info(str(tmp_path / zoom.clips[0].src)).duration == pytest.approx(3.0, abs=0.05)


def test_a_fix_reads_the_same_as_minimal_operations_or_a_whole_array(root):
    minimal, whole = transcript_fixes(root)
    diffs = [fix_diff(finding("BL002", fix=fix), Targets(root)) for fix in (minimal, whole)]
    assert diffs[0].parts == diffs[1].parts and not diffs[0].error
    (part,) = diffs[0].parts
    (segment,) = part.segments
    kinds = [(t.kind, t.text) for t in segment.tokens]
    removed = [t for t in segment.tokens if t.kind == "del"]
    assert len(removed) == 1 and removed[0].before is not None and removed[0].after is None
    assert [t.kind for t in segment.moved] == ["moved"] and segment.moved[0].before != segment.moved[0].after
    assert len(kinds) == len(json.loads(json_of(root, 1).read_text())["metadata:transcript"][0]["words"])
    assert diffs[0].id == fix_id("BL002", minimal.target, minimal.operations) != diffs[1].id


def test_a_timing_shift_is_said_once_with_times_before_and_after(root):
    path = json_of(root, 0)
    document = json.loads(path.read_text(encoding="utf-8"))
    shifted = [{**s, "start": s["start"] + 0.25, "end": s["end"] + 0.25,
                "words": [{**w, "start": w["start"] + 0.25, "end": w["end"] + 0.25} for w in s["words"]]}
               for s in document["metadata:transcript"]]
    fix = Fix(Applicability.SAFE, str(path.relative_to(root)),
              [{"op": "replace", "path": "/metadata:transcript", "value": shifted}], "shift")
    (part,) = fix_diff(finding("TS001", fix=fix), Targets(root)).parts
    assert part.shift == pytest.approx(0.25) and not part.fields
    assert part.moved_words == sum(len(s["words"]) for s in document["metadata:transcript"])


def test_a_fix_that_no_longer_applies_says_why_and_keeps_its_operations(root):
    fix = Fix(Applicability.SAFE, str(json_of(root, 0).relative_to(root)),
              [{"op": "remove", "path": "/metadata:transcript/99"}], "gone")
    diff = fix_diff(finding("IN015", fix=fix), Targets(root))
    assert "does not apply" in diff.parts[0].error and '"/metadata:transcript/99"' in diff.operations
    assert "no dataset root" in fix_diff(finding("IN015", fix=fix), Targets(None)).parts[0].error


def test_session_findings_get_a_page_with_the_tables_before_and_after(built):
    dashboard, findings = built
    (unit,) = list((dashboard / "units").rglob("*.html"))
    html = unit.read_text(encoding="utf-8")
    for f in findings[-2:]:
        assert f'data-finding="{finding_key(f)}" data-code="{f.code}"' in html
        assert f'data-fix="{fix_id(f.code, f.fix.target, f.fix.operations)}"' in html
    assert re.search(r"<del>Pick a new apartment[^<]*</del>.*<ins>Plan a trip to the sea\.</ins>", html, re.DOTALL)
    assert re.search(r"relationships\.csv#V00_S0001.*<del>P0104</del>.*<ins>P0999</ins>", html, re.DOTALL)
    assert html.count('<div class="decision"') == 4  # each finding and each fix
    listing = next((dashboard / "findings").rglob("PR-1.html")).read_text(encoding="utf-8")
    assert re.search(r'href="[./]*units/V00/[^"]+\.html#finding-\d"', listing)  # the list links to the page


def test_span_labels_link_to_their_findings_and_sub_spans_are_drawn_as_they_are(built):
    _, html = page(built[0])
    picture = html.split('<svg class="channel"')[1]
    anchors = dict(re.findall(r'id="(finding-\d+)" data-finding="[^"]+" data-code="(\w+)"', html))
    labels = re.findall(r'<text class="lane-label"[^>]*>(\w+)</text>', picture)
    assert labels == ["BL001", "RQ007", "TS003"]  # one lane per rule on the file's channel
    bl001 = next(a for a, code in anchors.items() if code == "BL001")
    parts = re.findall(rf'<a href="#{bl001}"><rect class="flag" x="([\d.]+)" y="0" width="([\d.]+)"', picture)
    assert len(parts) == 2 and f'<a href="#{bl001}"><rect class="hull"' in picture  # not their hull alone
    assert 'class="word"' in picture and "<image href=" in picture  # words, spectrogram band


def test_frames_strip_for_findings_judged_by_looking(built):
    path, html = page(built[0])
    frames = re.findall(r'<img src="([^"]+\.webp)" alt="frame at', html)
    assert 2 <= len(frames) <= 6  # RQ007 only
    assert all((path.parent / f).read_bytes()[8:12] == b"WEBP" for f in frames)


def test_control_and_bidi_characters_are_shown_not_obeyed(built):
    dashboard, _ = built
    texts = {p: p.read_text(encoding="utf-8") for p in dashboard.rglob("*.html")}
    for path, text in texts.items():
        assert not re.search("[\x1b\x07\u202e]", text), path
    _, html = page(dashboard)
    assert html.count("\\x1b[31mred\\x07 \\u202eevil") >= 3  # the message, the file name, the transcript word


def test_lanes_keep_many_findings_apart():
    window = Window(0.0, 240.0)
    marks = [Mark(code, s, s + 20, f"#finding-{n}", code) for n, (code, s) in enumerate(
        [("BL001", 5 + 20 * i) for i in range(6)] + [("RQ005", 0), ("TS003", 200), ("IN014", 0), ("TS001", 100),
                                                      ("BL002", 50)])]
    drawn = lanes(marks, window)
    assert [lane.code for lane in drawn] == ["BL001", "BL002", "IN014", "RQ005", "TS001", "TS003"]
    assert sum(len(lane.spans) for lane in drawn) == 11 and all(b.label for lane in drawn for b in lane.spans)


def test_the_spectrogram_shows_hum_and_band_limits():
    rate = 16000
    t = np.arange(rate * 2) / rate
    rng = np.random.default_rng(0)
    from scipy.signal import butter, sosfilt

    noise = sosfilt(butter(8, 2000, fs=rate, output="sos"), rng.normal(0, 0.1, len(t)))
    image = band((0.5 * np.sin(2 * np.pi * 50 * t) + noise).astype(np.float32), rate, 0.0, 2.0, 100, 40)
    brightness = image.astype(float).sum(axis=(1, 2))  # per row, the top row highest in frequency
    assert image.shape == (40, 100, 3)
    assert np.argmax(brightness) >= 36  # the hum, near the bottom (40–60 Hz)
    assert brightness[:5].mean() < 0.3 * brightness[-10:].mean()  # nothing above the 2 kHz band limit


def test_in_chromium_a_clip_plays_and_the_pictures_load(browser, built):
    path, _ = page(built[0])
    browser.events.clear()
    browser.goto(path.as_uri())
    played = browser.command("Runtime.evaluate", session=True, userGesture=True, awaitPromise=True,
                             returnByValue=True, expression="""(async () => {
        const audio = document.querySelector("details.zoom audio");
        await new Promise(done => audio.readyState >= 1 ? done() : audio.addEventListener("loadedmetadata", done));
        audio.muted = true;
        await audio.play();
        audio.pause();
        return audio.duration;
    })()""")["result"]["value"]
    assert played > 2.0
    widths = browser.evaluate("""Promise.all(Array.from(document.querySelectorAll("svg.channel image"), async el => {
        const image = new Image();
        image.src = el.href.baseVal;
        await image.decode();
        return image.naturalWidth;
    }))""")
    assert len(widths) >= 4 and all(w > 0 for w in widths)  # spectrogram bands, whole and zoomed
    assert browser.evaluate("Array.from(document.querySelectorAll('.strip img')).every(i => i.naturalWidth === 160)")
    browser.click("svg.channel a[href^='#finding-']")
    assert re.search(r"#finding-\d+$", browser.url)
    assert browser.problems() == []
    # data: URLs are the audio player's own icons
    assert [url for url in browser.requests() if not url.startswith(("file://", "data:"))] == []


def test_a_typical_flagged_page_is_light_and_its_media_are_files_beside_it(tmp_path):
    batch = generate(tmp_path / "root", SynthConfig(layout="extracted", sessions=1, interactions_per_session=1,
                                                    duration=40.0, seed=3, defects="none"))
    key = "V00_S0001_I00000001"
    first, second = sorted(p.stem.rsplit("_", 1)[1] for p in batch.root.rglob(f"{key}_P*.wav"))
    name = f"{batch.label}/{batch.batch}"
    findings = [finding("BL001", key=key, participant=first, span=(5.0, 7.0), batch=name,
                        evidence={"spans": [[5.0, 5.6], [6.2, 7.0]]}),
                finding("RQ005", key=key, participant=first, span=(5.0, 7.0), batch=name),  # the same window
                finding("TS003", key=key, span=(20.0, 24.0), batch=name),
                finding("BL002", key=key, participant=second, span=(31.0, 33.5), batch=name)]
    folder = write_folder(tmp_path / "audit", findings, units={("V00", name): 1})
    page = next(build_reports(folder, batch.root).dashboard.parent.rglob(f"{key}.html"))
    html = page.read_text(encoding="utf-8")
    assert len(html.encode()) < 60_000  # was 120 kB: a polygon, a rect per word, a message per span per picture
    assert not re.search(r'(?:src|href)="data:', html)  # no picture inlined
    sources = re.findall(r'(?:src|href)="([^"#]+\.(?:ogg|webp))"', html)
    files = page.parent / links.page_files(page.name)
    assert {f"{files.name}/{p.name}" for p in files.iterdir()} == set(sources)  # every medium beside the page
    assert len(sources) == 2 + 4 * (2 + 3) and len(set(sources)) == 2 + 3 * (2 + 3)  # a window's media once
    assert sum(p.stat().st_size for p in files.iterdir()) <= MediaLimits().page_bytes
    for wave in re.findall(r'<path class="wave"[^>]* d="([^"]*)"', html):
        assert len(re.findall(r"v\d+", wave)) <= WIDTH / PIXELS_PER_COLUMN  # one stroke per column at most


def batch_links(report_batch, root: Path, count: int) -> list[str]:
    """`root` as the report batch under `count` batch names (each a link to its recordings), for builds with
    enough pages to be shared among workers."""
    source = report_batch.root / BATCH
    for path in report_batch.root.iterdir():
        if path.is_file():
            (root / path.name).parent.mkdir(parents=True, exist_ok=True)
            (root / path.name).symlink_to(path)
    names = [f"{BATCH.rsplit('/', 1)[0]}/{n:04d}" for n in range(count)]
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).symlink_to(source, target_is_directory=True)
    return names


def test_each_page_gets_its_share_of_the_whole_dashboards_media_with_one_worker_or_several(
        report_batch, participants, tmp_path):
    names = batch_links(report_batch, tmp_path / "root", 8)
    findings = [finding("BL001", site=key[:3], key=key, participant=people[0], span=(1.0, 2.5), batch=name)
                for name in names for key, people in participants.items()]
    folder = write_folder(tmp_path / "audit", findings, units={(key[:3], name): 1 for name in names
                                                                for key in participants})
    limits = MediaLimits(dashboard_bytes=16 * 60_000)  # each page's share: its pictures, not its clips
    built = {workers: build_reports(tmp_path / f"out{workers}", tmp_path / "root", [folder], workers=workers,
                                    limits=limits).dashboard.parent for workers in (1, 2)}
    spent = {}
    for page in sorted(built[1].rglob("interactions/**/*.html")):
        path = page.relative_to(built[1])
        media = {workers: {p.name for p in (dashboard / links.page_files(str(path))).iterdir()}
                 for workers, dashboard in built.items()}
        assert media[1] == media[2], path  # the same budget, whichever worker built the page
        spent[path] = sum(p.stat().st_size for p in (page.parent / f"{page.stem}_files").iterdir())
        assert "media budget" in page.read_text(encoding="utf-8")  # the share binds: the clips were left out
    assert len(spent) == 16 and all(0 < size <= limits.page_share(16) for size in spent.values())
