"""Per-site tables: counts, rates and scores over known denominators, quantities, merges, fallbacks, files."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siqa.findings import Severity
from siqa.reports.site_tables import (
    SITE,
    SITE_BATCH,
    ReportInputError,
    SiteStats,
    numeric_evidence,
    read_folder,
    read_folders,
    site_tables,
    write_site_tables,
)
from tests.reports.conftest import BATCH, finding, write_folder


def metric(code: str, name: str, value: float, file_id: str) -> dict:
    """A line of metrics.jsonl, as a measuring rule records it."""
    return {"code": code, "metric": name, "value": value, "site": "V00", "batch": BATCH, "scope": "file",
            "unit": file_id}


def test_numeric_evidence_takes_finite_numbers_with_nested_keys_and_nothing_else():
    evidence = {"level": -24, "ok": True, "note": "x", "nan": math.nan, "durations": {"wav": 9.5, "mp4": 9.6},
                "spans": [[1, 2]]}
    assert dict(numeric_evidence(evidence)) == {"level": -24.0, "durations.wav": 9.5, "durations.mp4": 9.6}


@pytest.fixture
def known(tmp_path):
    """V00: 10 interactions, two flagged (BL by two findings on one dyad, IN by an error), one info on a
    third; V01: 4 interactions, one flagged by TS."""
    findings = [
        finding("BL001", participant="P0001", key="V00_S0001_I00000001", evidence={"level_db": -30.0}),
        finding("BL001", participant="P0002", key="V00_S0001_I00000001", evidence={"level_db": -20.0}),
        finding("BL002", Severity.INFO, key="V00_S0002_I00000002"),
        finding("IN014", Severity.ERROR, key="V00_S0003_I00000003"),
        finding("TS003", site="V01", key="V01_S0004_I00000004", evidence={"silent_seconds": 2.0}),
    ]
    units = {("V00", BATCH): 10, ("V01", BATCH): 4}
    return read_folder(write_folder(tmp_path / "out", findings, units=units))


def test_rates_and_scores_count_flagged_interactions_over_the_sites_units(known):
    families = known.family_table(SITE).set_index(["site", "family"])
    bleed = families.loc[("V00", "BL")]
    assert bleed[["warning", "info", "findings", "flagged", "interactions"]].tolist() == [2, 1, 3, 1, 10]
    assert bleed["rate"] == pytest.approx(0.1)  # the info finding does not flag
    assert families.loc[("V00", "IN"), ["error", "rate"]].tolist() == [1, pytest.approx(0.1)]
    assert families.loc[("V01", "TS"), "rate"] == pytest.approx(0.25)
    scores = known.score_table(SITE).set_index("site")
    columns = ["sessions", "interactions", "files", "findings", "flagged"]
    assert scores.loc["V00", columns].tolist() == [10, 10, 20, 4, 2]
    assert scores.loc["V00", "score"] == pytest.approx(80.0)
    assert scores.loc["V01", "score"] == pytest.approx(75.0)
    assert set(scores["units_from"]) == {"units.jsonl"}


def test_quantities_give_count_mean_median_and_p90_per_code_and_key(tmp_path):
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    findings = [finding("BL001", key=f"V00_S0001_I{n:08d}", evidence={"level_db": v})
                for n, v in enumerate(values)]
    metrics = [metric("RQ001", "snr_db", v, f"V00_S0001_I{n:08d}_P0001") for n, v in enumerate([30.0, 40.0])]
    stats = read_folder(write_folder(tmp_path / "out", findings, units={("V00", BATCH): 5}, metrics=metrics))
    table = stats.quantity_table(SITE_BATCH).set_index(["code", "quantity"])
    level = table.loc[("BL001", "level_db")]
    assert level[["source", "count", "mean", "median"]].tolist() == ["evidence", 5, 4.0, 3.0]
    assert level["p90"] == pytest.approx(np.percentile(values, 90))
    assert table.loc[("RQ001", "snr_db"), ["source", "count", "mean"]].tolist() == ["metric", 2, 35.0]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in frame.columns if c in ("site", "batch", "family", "code", "quantity", "source")]
    return frame.sort_values(keys).reset_index(drop=True)


def _random_finding(code: str, severity: Severity, site: str, batch: str, n: int, value: float):
    key = f"{site}_S0001_I{n:08d}"
    return finding(code, severity, site=site, batch=batch, key=key, evidence={"x": value})


findings_strategy = st.lists(st.builds(
    _random_finding,
    st.sampled_from(["BL001", "BL002", "IN014", "TS003"]), st.sampled_from(list(Severity)),
    st.sampled_from(["V00", "V01"]), st.sampled_from(["improvised/dev/0000", "improvised/dev/0001"]),
    st.integers(0, 6), st.floats(-50, 50)), max_size=30)


@settings(max_examples=25, deadline=None)
@given(findings=findings_strategy, cut=st.integers(0, 30), units=st.integers(1, 9))
def test_stats_of_shards_add_up_to_the_stats_of_the_whole(findings, cut, units):
    def stats_of(items):
        stats = SiteStats()
        for f in items:
            stats.add_finding(f)
        return stats

    counts = {"interactions": units, "files": 2 * units}
    first, second, whole = stats_of(findings[:cut]), stats_of(findings[cut:]), stats_of(findings)
    for stats, site in ((first, "V00"), (second, "V01"), (whole, "V00"), (whole, "V01")):
        stats.add_units(site, "improvised/dev/0000", counts, "units.jsonl")
    before = {name: table.copy() for name, table in site_tables(first).items()}
    merged = site_tables(first + second)
    for name, table in site_tables(whole).items():
        pd.testing.assert_frame_equal(_sorted(merged[name]), _sorted(table), check_dtype=False)
    for name, table in site_tables(first).items():  # `+` leaves its operands alone
        pd.testing.assert_frame_equal(table, before[name])


def test_denominators_come_from_units_then_the_dataset_then_metrics_else_none(tmp_path, report_batch):
    findings = [finding("BL001", participant="P0001")]
    metrics = [metric("RQ001", "snr_db", 30.0, f"V00_S0001_I0000000{n}_P000{p}")
               for n in (1, 2) for p in (1, 2)]
    bare = write_folder(tmp_path / "bare", findings)
    measured = write_folder(tmp_path / "measured", findings, metrics=metrics)
    counted = write_folder(tmp_path / "counted", findings, units={("V00", BATCH): 7}, metrics=metrics)

    def units(stats):
        row = stats.score_table(SITE).set_index("site").loc["V00"]
        return row["interactions"], row["files"], row["units_from"]

    assert units(read_folder(counted, report_batch.root)) == (7, 14, "units.jsonl")
    assert units(read_folder(measured, report_batch.root)) == (1, 2, "dataset")  # one synthetic dyad at V00
    assert units(read_folder(measured)) == (2, 4, "metrics.jsonl")
    assert units(read_folder(bare)) == (0, 0, "none")
    assert math.isnan(read_folder(bare).score_table(SITE)["score"].iloc[0])
    assert math.isnan(read_folder(bare).family_table(SITE)["rate"].iloc[0])


def test_written_tables_hold_the_same_rows_in_parquet_and_csv(known, tmp_path):
    written = write_site_tables(known, tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{name}.{ext}" for name in site_tables(known)
                                                     for ext in ("parquet", "csv"))
    for name, table in site_tables(known).items():
        from_parquet = pd.read_parquet(tmp_path / "tables" / f"{name}.parquet")
        from_csv = pd.read_csv(tmp_path / "tables" / f"{name}.csv")
        pd.testing.assert_frame_equal(from_parquet, table)
        assert from_csv.shape == table.shape and list(from_csv.columns) == list(table.columns)


def test_folders_merge_across_batches(tmp_path):
    first = write_folder(tmp_path / "a", [finding("BL001")], units={("V00", "improvised/dev/0000"): 4})
    other = finding("BL001", key="V00_S0009_I00000009", batch="improvised/dev/0001")
    second = write_folder(tmp_path / "b", [other], units={("V00", "improvised/dev/0001"): 6})
    merged = read_folders([first, second])
    assert merged.score_table(SITE)["interactions"].tolist() == [10]
    per_batch = merged.family_table(SITE_BATCH).set_index("batch")["rate"]
    assert per_batch.to_dict() == {"improvised/dev/0000": 0.25, "improvised/dev/0001": pytest.approx(1 / 6)}
    assert merged.family_table(SITE)["rate"].tolist() == [0.2]


def test_a_folder_without_findings_is_refused_with_its_path(tmp_path):
    with pytest.raises(ReportInputError, match="findings.jsonl"):
        read_folder(tmp_path)
