"""`siqa audit` as users and CI call it: exit codes, stdout formats, messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def siqa(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "siqa", *args], capture_output=True, text=True, env=env)


def test_clean_batch_exits_0_and_ends_with_the_findings_path(clean_tar_batch, tmp_path):
    run = siqa("audit", "--root", str(clean_tar_batch.root), "--batch", clean_tar_batch.batch, "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr
    lines = run.stderr.strip().splitlines()
    assert lines[-1] == f"findings: {tmp_path / 'findings.jsonl'}"
    dashboard = Path(lines[-2].removeprefix("dashboard: "))
    assert lines[-2].startswith("dashboard: ") and dashboard.is_file() and dashboard.name == "index.html"


def test_findings_exit_1_and_jsonl_stdout_carries_only_findings(integrity_batch, tmp_path):
    run = siqa("audit", "--root", str(integrity_batch.root), "--batch", integrity_batch.batch, "--out",
               str(tmp_path), "--format", "jsonl", "--select", "IN0")
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert lines and all(json.loads(line)["code"].startswith("IN0") for line in lines)
    assert len(lines) == len((tmp_path / "findings.jsonl").read_text().splitlines())


def test_fail_on_never_and_ignore(integrity_batch, tmp_path):
    run = siqa("audit", "--root", str(integrity_batch.root), "--batch", integrity_batch.batch, "--out",
               str(tmp_path), "--fail-on", "never", "--ignore", "IN0", "--format", "json")
    assert run.returncode == 0
    assert all(not f["code"].startswith("IN0") for f in json.loads(run.stdout))


def test_missing_root_exits_2_and_says_where_it_looked_and_how_to_get_data(tmp_path):
    run = siqa("audit", "--root", str(tmp_path / "nowhere"), "--batch", "dev/0000")
    assert run.returncode == 2
    assert str(tmp_path / "nowhere") in run.stderr and "siqa synth" in run.stderr


def test_missing_batch_lists_the_folders_tried(clean_tar_batch):
    run = siqa("audit", "--root", str(clean_tar_batch.root), "--batch", "dev/0007")
    assert run.returncode == 2 and "improvised/dev/0007" in run.stderr


def test_per_site_override_in_a_custom_rule_set(integrity_batch, tmp_path):
    sites = sorted({r["site"] for r in integrity_batch.truth if r["defect"] == "segments_overlapping"})
    rules = tmp_path / "custom.toml"
    rules.write_text('extends = "default"\n' + "".join(f"[sites.{s}.rules.IN015]\nenabled = false\n" for s in sites))
    run = siqa("audit", "--root", str(integrity_batch.root), "--batch", integrity_batch.batch, "--out",
               str(tmp_path / "out"), "--rules", str(rules), "--format", "jsonl", "--select", "IN015")
    sites_found = {json.loads(line)["site"] for line in run.stdout.splitlines()}
    assert sites_found.isdisjoint(sites)


def test_rules_lists_every_rule_and_prints_a_doc_page_with_thresholds():
    listing = siqa("rules")
    assert listing.returncode == 0 and "IN015" in listing.stdout and "SQ001" in listing.stdout
    page = siqa("rules", "IN014")
    assert page.returncode == 0
    for expected in ("What it detects", "Why it matters", "speech_above_floor_db", "15.0"):
        assert expected in page.stdout
    assert siqa("rules", "XX123").returncode == 2


def test_demo_audit_with_no_batch_makes_the_demo_once_and_writes_findings(tmp_path):
    import os

    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    run = subprocess.run([sys.executable, "-m", "siqa", "audit", "--jobs", "2"], capture_output=True, text=True,
                         env=env, cwd=tmp_path)
    assert run.returncode == 1, run.stderr  # the demo batch carries defects on purpose
    assert "making the synthetic demo batch" in run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert last == "findings: reports/dev-0000/findings.jsonl"
    assert (tmp_path / "reports" / "dev-0000" / "findings.jsonl").stat().st_size > 0
    again = subprocess.run([sys.executable, "-m", "siqa", "audit", "--jobs", "2", "--out", "second"],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
    assert "making the synthetic demo batch" not in again.stderr
    assert (tmp_path / "second" / "findings.jsonl").read_text() == \
        (tmp_path / "reports" / "dev-0000" / "findings.jsonl").read_text()
