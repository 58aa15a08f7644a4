"""The centre's dashboard figures: volumes, reports folded into cases, time to desk and
deadlines met, over a window of recent days (read-only; the pages draw them)."""
