"""Audit outputs: findings files, summaries, per-site tables, the dashboard and gate formats."""
