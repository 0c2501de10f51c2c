"""The output folder's contract: what an audit writes, under which names, and how, so that every writer (the
audit, `siqa identity`, patches, exports) and every reader agrees on it.

    files          file names; atomic writes; findings (JSONL, Parquet), skips, metrics, norms, units
    lock           one writer per folder (`writing`), and the errors a writer raises              `OutputBusy`
    results        what a task yields, the records the files are written from                   `TaskResult`
    summary        run statistics that merge across tasks, workers and batches (`summary.json`) `AuditSummary`
    compatibility  whether this siqa may read a folder (its schema version)                      `check_folder`
"""
