"""Notice and takedown: reported URLs tracked from report to removal (see docs/takedown.md)."""
