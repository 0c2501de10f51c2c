"""Faults injected into real audits: workers killed mid-run, a validator that raises, a full disk while writing
outputs, a file that vanishes between listing and reading. Each is reported; the run completes, or stops with a
clear error and outputs a re-run resumes from; the re-run's findings are those of an uninterrupted run."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from siqa import registry
from siqa.audit import AuditOptions, run_audit
from siqa.dataset.batch import open_batches
from siqa.engine.cache import CACHE_FILE
from siqa.outputs import files
from siqa.outputs.files import CACHE_DIR, UNITS_JSONL
from siqa.outputs.lock import OutputError
from tests.fuzz import faults
from tests.fuzz.figures import fault

STREAMS = (files.FINDINGS_JSONL, files.SKIPS_JSONL, files.METRICS_JSONL, UNITS_JSONL)


@pytest.fixture
def fault_plugin(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(faults.install_plugin(tmp_path / "plugin")))
    monkeypatch.setattr(registry, "_LOADED", None)
    marks = tmp_path / "marks"
    marks.mkdir()
    monkeypatch.setenv("SIQA_FAULT_MARKS", str(marks))
    yield marks
    for code in faults.PLUGIN_CODES:
        registry._RULES.pop(code, None)
    sys.modules.pop("siqa_faults", None)
    registry._LOADED = None


@pytest.fixture(scope="module")
def uninterrupted(fuzz_batch, tmp_path_factory) -> tuple[str, int]:
    """The findings of an uninterrupted run, which every faulted run, re-run, must reproduce; and the size of
    the cache's write-ahead log once the first session is stored (a disk that fills just after it fills mid-run)."""
    out = tmp_path_factory.mktemp("reference")
    log = out / CACHE_DIR / f"{CACHE_FILE}-wal"
    sizes = []
    outcome = run_audit(AuditOptions(batch=fuzz_batch.batch, root=fuzz_batch.root, out=out, jobs=1),
                        progress=lambda event, n, s: sizes.append(log.stat().st_size) if event == "done" else None)
    return outcome.findings_path.read_text(), sizes[0]


@pytest.fixture(scope="module")
def reference(uninterrupted) -> str:
    return uninterrupted[0]


def _audit(batch, out: Path, jobs: int = 1, cache: bool = True) -> str:
    outcome = run_audit(AuditOptions(batch=batch.batch, root=batch.root, out=out, jobs=jobs, cache=cache))
    return outcome.findings_path.read_text()


def _lines(text: str, session: str | None = None, codes: tuple[str, ...] = ()) -> list[str]:
    """The findings lines of `session` (all when None), or those of the given codes."""
    rows = [(line, json.loads(line)) for line in text.splitlines()]
    return [line for line, f in rows if (codes and f["code"] in codes)
            or (not codes and (session is None or f["session_key"] == session))]


def test_killed_workers_and_a_raising_rule_are_reported_and_a_rerun_loses_nothing(batch_copy, reference,
                                                                                 fault_plugin, tmp_path, monkeypatch):
    (index,) = open_batches(batch_copy.root, batch_copy.batch, batch_copy.label)
    first, second = index.sessions[:2]
    killed_once, raising = (str(pf.file_id) for pf in first.interactions[0].participants)
    killed_always = str(second.interactions[0].participants[0].file_id)
    monkeypatch.setenv("SIQA_FAULT_KILL", f"{killed_once},{killed_always}:always")
    monkeypatch.setenv("SIQA_FAULT_RAISE", raising)
    out = tmp_path / "out"
    faulted = _audit(batch_copy, out, jobs=2)
    kills = sorted(p.name.split(".")[0] for p in fault_plugin.iterdir())
    for _ in kills:
        fault("worker killed")
    fault("validator raises")
    # a worker may be stopped by the broken pool before it reaches its file: each session then runs alone twice
    assert kills.count(killed_once) == 1 and kills.count(killed_always) in (2, 3), kills

    (crash,) = _lines(faulted, codes=("SQ001",))
    crashed = json.loads(crash)
    assert (crashed["file_id"], crashed["evidence"]["rule"]) == (raising, "XF995")
    assert crashed["evidence"]["error"] == f"RuntimeError: fault injected on {raising}"
    (died,) = _lines(faulted, codes=("SQ003",))
    assert f'"session_key": "{second.key}"' in died
    assert sorted(_lines(faulted, first.key)) == sorted(_lines(reference, first.key) + [crash])
    assert _lines(faulted, second.key) == [died]

    monkeypatch.delenv("SIQA_FAULT_KILL")
    monkeypatch.delenv("SIQA_FAULT_RAISE")
    assert _audit(batch_copy, out) == reference, "the re-run must resume to the uninterrupted run's findings"


def test_a_full_disk_mid_run_stops_with_a_clear_error_and_the_rerun_finishes_the_same(batch_copy, uninterrupted,
                                                                                     tmp_path):
    reference, first_session = uninterrupted
    out = tmp_path / "out"
    command = [sys.executable, "-m", "siqa", "audit", "--root", str(batch_copy.root), "--batch", batch_copy.batch,
               "--out", str(out), "--jobs", "1", "--no-report"]
    full = subprocess.run(command, capture_output=True, text=True, timeout=300,
                          preexec_fn=lambda: faults.limit_file_size(first_session + 4096))
    fault("full disk")
    assert full.returncode == 2 and "Traceback" not in full.stderr, full.stderr
    assert "cannot write the audit's outputs" in full.stderr and "resumes" in full.stderr
    assert not [name for name in (*STREAMS, files.SUMMARY_JSON) if (out / name).exists()]
    with sqlite3.connect(f"file:{out / CACHE_DIR / CACHE_FILE}?mode=ro", uri=True) as cache:
        assert cache.execute("SELECT COUNT(*) FROM results").fetchone()[0] > 0, "no session finished before"
    assert _audit(batch_copy, out) == reference


def test_a_full_disk_never_leaves_a_half_written_output_in_place_of_a_good_one(batch_copy, reference, tmp_path):
    out = tmp_path / "out"
    assert _audit(batch_copy, out, cache=False) == reference
    good = {name: (out / name).read_bytes() for name in STREAMS}
    with faults.file_size_limit(4 << 10), pytest.raises(OutputError, match="cannot write the audit's outputs"):
        _audit(batch_copy, out, cache=False)
    fault("full disk")
    assert {name: (out / name).read_bytes() for name in STREAMS} == good
    assert not (out / files.SUMMARY_JSON).exists(), "summary.json marks a completed run"
    assert not list(out.glob(".*.tmp"))
    assert _audit(batch_copy, out, cache=False) == reference


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux) for a private tmpfs")
def test_a_really_full_disk_on_a_small_tmpfs(batch_copy, reference, tmp_path):
    """ENOSPC from a real 48 KiB filesystem (a tmpfs in a private mount namespace), then a re-run with space."""
    if subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode != 0:
        pytest.skip("user and mount namespaces are not available here")
    small, kept = tmp_path / "small", tmp_path / "kept"
    small.mkdir()
    kept.mkdir()
    audit = (f"{sys.executable} -m siqa audit --root {batch_copy.root} --batch {batch_copy.batch} --out {small} "
             "--jobs 1 --no-report")
    script = f"mount -t tmpfs -o size=48k tmpfs {small} && {{ {audit}; rc=$?; cp -a {small}/. {kept}/; exit $rc; }}"
    full = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=300)
    fault("full disk")
    assert full.returncode == 2 and "Traceback" not in full.stderr, full.stderr
    assert "cannot write the audit's outputs" in full.stderr
    assert _audit(batch_copy, kept) == reference


def test_a_file_that_vanishes_between_listing_and_reading_is_a_finding(batch_copy, fault_plugin, tmp_path,
                                                                      monkeypatch):
    (index,) = open_batches(batch_copy.root, batch_copy.batch, batch_copy.label)
    gone = next(index.participant_files()).path("wav")
    monkeypatch.setenv("SIQA_FAULT_REMOVE", gone)
    findings = _audit(batch_copy, tmp_path / "out")
    fault("file vanishes")
    assert not (batch_copy.root / gone).exists()
    (unreadable,) = [line for line in _lines(findings, codes=("IN001",)) if gone in line]
    assert "cannot read: No such file or directory" in unreadable
    assert not _lines(findings, codes=("SQ001", "SQ003"))


def test_what_a_killed_run_leaves_never_stops_the_next_one(batch_copy, reference, tmp_path):
    """A report killed while staging its dashboard leaves a folder behind, a killed write a temporary file."""
    out = tmp_path / "out"
    (out / ".dashboard.123.tmp" / "assets").mkdir(parents=True)
    (out / ".findings.jsonl.123.tmp").write_text("half a line")
    fault("stale temporary files")
    assert _audit(batch_copy, out) == reference and not list(out.glob(".*.tmp"))
