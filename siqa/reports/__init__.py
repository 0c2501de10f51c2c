"""Audit outputs: findings files, summaries, per-site tables, the dashboard and gate formats.

    outputs       findings (JSONL streamed, Parquet), skips, metrics, norms; atomic writes
    summary       run statistics that merge across tasks, workers and batches               `AuditSummary`
    site_tables   per-site and per-batch tables: counts, rates, scores, measured quantities
    dashboard     the static HTML dashboard, a page per flagged interaction
    gate          `siqa gate`: this release's audit against the previous one's, under a policy
    rule_docs     a rule's doc page from its docstring, settings and a rule set's values
    progress      the progress bar on stderr
    terminal      dataset text made safe for the terminal
"""
