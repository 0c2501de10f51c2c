"""Participant identity across a release: voice and face fingerprints per participant file, a store that grows
audit after audit, and the release-wide comparison behind rules ID001 (one id, two people) and ID002 (two ids,
one person), with thresholds calibrated per site from the release itself.
"""
