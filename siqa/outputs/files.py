"""The output folder's files: their names, atomic writes, findings as JSONL (streamed) and Parquet, skips,
metrics, norms and the per-unit denominators.

Every file is written to a temporary name in the output folder and renamed into place when complete, so a
crash never leaves a half-written output, and readers never see one.
"""

from __future__ import annotations

import errno
import json
import math
import os
import secrets
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from stat import S_ISREG
from typing import IO, TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from siqa.dataset.ids import site_of_key
from siqa.findings import Finding
from siqa.schemas.version import parquet_metadata, stamped

if TYPE_CHECKING:
    import pandas as pd

FINDINGS_JSONL = "findings.jsonl"
FINDINGS_PARQUET = "findings.parquet"
SKIPS_JSONL = "skips.jsonl"
SUMMARY_JSON = "summary.json"
METRICS_JSONL = "metrics.jsonl"
METRICS_PARQUET = "metrics.parquet"
NORMS_JSONL = "norms.jsonl"  # the distribution each relative judgement compared with (siqa.norms)
SITE_METRICS = "site_metrics"  # .parquet and .csv
CACHE_DIR = ".siqa-cache"  # finished tasks' results, so a re-run resumes (`siqa.engine.cache`)
UNITS_JSONL = "units.jsonl"  # what the audit saw of each session: the denominators of per-site rates

PARQUET_SCHEMA = pa.schema([
    ("code", pa.string()), ("family", pa.string()), ("severity", pa.string()), ("confidence", pa.float64()),
    ("scope", pa.string()), ("site", pa.string()), ("batch", pa.string()), ("file_id", pa.string()),
    ("interaction_key", pa.string()), ("session_key", pa.string()), ("path", pa.string()),
    ("span_start", pa.float64()), ("span_end", pa.float64()), ("message", pa.string()),
    ("evidence", pa.string()), ("fix", pa.string()), ("fix_applicability", pa.string()),
    ("caused_by", pa.string()),
], metadata=parquet_metadata())


class UnsafeEntry(OSError):
    """A link or other non-regular entry where a write expects its own regular file (planted at a temporary name,
    or in the destination's place after the rename): refused, never followed."""


_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def _create_temp(path: Path) -> tuple[Path, int]:
    """A temporary file `.<name>.<random>.tmp` beside `path`, created by this call (O_EXCL, O_NOFOLLOW), so a link
    or file planted at the name is never followed or reused: another name is drawn. Not `tempfile.mkstemp`, whose
    files are 0600: a patched dataset file must get the permissions a plain write would give it."""
    for _ in range(100):
        temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return temp, os.open(temp, _TEMP_FLAGS, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name beside it", str(path))


def _check_replaced(path: Path, written: os.stat_result) -> None:
    """After the rename, `path` must be the regular file just written, not something swapped in since."""
    now = os.lstat(path)
    if not S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (written.st_dev, written.st_ino):
        raise UnsafeEntry(f"{path}: not the file just written after renaming it into place; refused")


@contextmanager
def atomic_writer(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temp file beside `path`; on success fsync and rename it over `path`; on failure remove it."""
    with atomic_files([path], mode) as (handle,):
        yield handle


@contextmanager
def atomic_files(paths: Sequence[Path], mode: str = "w") -> Iterator[list[IO[Any]]]:
    """Outputs written together: a temp file beside each path (see `_create_temp`); only once the block succeeded
    and every one is fsynced are they renamed into place, so a failure (a full disk) leaves all of them as they
    were."""
    temps: list[Path] = []
    try:
        with ExitStack() as stack:
            handles = []
            for path in paths:
                temp, descriptor = _create_temp(path)
                temps.append(temp)
                handles.append(stack.enter_context(os.fdopen(descriptor, mode,
                                                             encoding=None if "b" in mode else "utf-8")))
            yield handles
            written = []
            for handle in handles:
                handle.flush()
                os.fsync(handle.fileno())
                written.append(os.fstat(handle.fileno()))
        for temp, path, stat in zip(temps, paths, written):
            os.replace(temp, path)
            _check_replaced(path, stat)
    finally:
        for temp in temps:
            temp.unlink(missing_ok=True)


def _row(finding: Finding) -> dict[str, Any]:
    data = json.loads(finding.to_json())
    span = data.pop("span")
    fix = data.pop("fix")
    return {**data, "family": finding.family, "span_start": span[0] if span else None,
            "span_end": span[1] if span else None, "evidence": json.dumps(data["evidence"], sort_keys=True),
            "fix": json.dumps(fix, sort_keys=True) if fix else None,
            "fix_applicability": fix["applicability"] if fix else None}


def write_parquet(jsonl: Path, out: Path, chunk: int = 50_000) -> None:
    """Convert the findings JSONL to Parquet in chunks, so memory does not grow with the number of findings."""
    with atomic_writer(out, "wb") as handle, pq.ParquetWriter(handle, PARQUET_SCHEMA) as writer:
        rows: list[dict[str, Any]] = []
        for finding in read_findings(jsonl):
            rows.append(_row(finding))
            if len(rows) >= chunk:
                writer.write_table(pa.Table.from_pylist(rows, schema=PARQUET_SCHEMA))
                rows.clear()
        writer.write_table(pa.Table.from_pylist(rows, schema=PARQUET_SCHEMA))


def jsonl_line(record: dict[str, Any]) -> str:
    """A line of an output JSONL file (skips, metrics, norms, units), stamped with the output schema version."""
    return json.dumps(stamped(record), sort_keys=True) + "\n"


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    """A table as Parquet, stamped with the output schema version in its key-value metadata."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **parquet_metadata()})
    with atomic_writer(path, "wb") as handle:
        pq.write_table(table, handle)


def read_findings(path: Path) -> Iterator[Finding]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield Finding.from_dict(json.loads(line))


def unit_record(batch: str, session_key: str, interactions: int, files: int) -> dict[str, Any]:
    """One line of `units.jsonl`: what `siqa audit` saw of one session (the denominators of rates)."""
    return {"batch": batch, "site": site_of_key(session_key), "session_key": session_key,
            "interactions": interactions, "files": files}


def write_json(path: Path, data: Any) -> None:
    with atomic_writer(path) as handle:
        json.dump(data, handle, indent=2, sort_keys=True, default=str)
        handle.write("\n")


NORM_COLUMNS = {"basis": "norm_basis", "units": "norm_units", "median": "norm_median",  # norms.jsonl fields
                "spread": "norm_spread", "p05": "norm_p05", "p95": "norm_p95"}  # as site_metrics columns


def read_norms(out_dir: Path) -> list[dict[str, Any]]:
    """The norms an audit judged against (`norms.jsonl`); none for a folder written before siqa wrote them."""
    path = out_dir / NORMS_JSONL
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_metric_tables(out_dir: Path) -> None:
    """Per-unit measurements as Parquet, and their distribution per site, batch and metric (CSV and Parquet):
    count, mean, p10, median, p90 and the robust spread (1.4826 x MAD of the finite values), and where the
    metric was judged (`siqa.norms`), the norm it was judged against from `norms.jsonl`: `norm_basis` (site,
    batch or fallback), `norm_units` (values it rests on), `norm_median`, `norm_spread`, `norm_p05`,
    `norm_p95` (the threshold inputs: a unit is flagged beyond max(tolerance x spread, min_effect) from the
    median)."""
    import numpy as np
    import pandas as pd

    from siqa.norms import robust

    columns = ["code", "metric", "value", "site", "batch", "scope", "unit"]
    keys = ["site", "batch", "code", "metric"]
    source = out_dir / METRICS_JSONL
    frame = pd.read_json(source, lines=True, dtype={"unit": str, "site": str}) if source.stat().st_size else None
    frame = frame.reindex(columns=columns) if frame is not None else pd.DataFrame(columns=columns)
    frame["value"] = frame["value"].astype(float)
    write_frame(frame, out_dir / METRICS_PARQUET)

    def spread(values: pd.Series) -> float:
        finite = values.to_numpy(dtype=float)
        finite = finite[np.isfinite(finite)]
        return robust(finite)[1] if finite.size else math.nan

    grouped = frame.groupby(keys)["value"]
    table = grouped.agg(count="count", mean="mean", p10=lambda v: v.quantile(0.1), median="median",
                        p90=lambda v: v.quantile(0.9), spread=spread).reset_index()
    norms = pd.DataFrame(read_norms(out_dir), columns=[*keys, *NORM_COLUMNS]).rename(columns=NORM_COLUMNS)
    norms = norms.drop_duplicates(subset=keys, keep="last").astype({k: str for k in keys})
    table = table.astype({k: str for k in keys}).merge(norms, on=keys, how="left")
    table["norm_units"] = table["norm_units"].astype("Int64")
    table["norm_basis"] = table["norm_basis"].astype("string")
    for column in ("norm_median", "norm_spread", "norm_p05", "norm_p95"):
        table[column] = table[column].astype(float)
    write_frame(table, out_dir / f"{SITE_METRICS}.parquet")
    with atomic_writer(out_dir / f"{SITE_METRICS}.csv") as handle:
        table.to_csv(handle, index=False)
