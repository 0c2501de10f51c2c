"""The static HTML dashboard of an audit (one folder that opens from disk), and `build_reports`, which writes
it together with the per-site tables: what `siqa report` runs, and what `siqa audit` runs when it finishes."""

from siqa.reports.dashboard.builder import DASHBOARD_DIR, ReportOutcome, build_dashboard, build_reports

__all__ = ["DASHBOARD_DIR", "ReportOutcome", "build_dashboard", "build_reports"]
