"""Transparency: scorecards per reporter organisation and the reproducible transparency
report (see docs/transparency.md). Read-only."""
