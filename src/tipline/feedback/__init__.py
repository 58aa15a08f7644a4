"""Feedback to the sources: outcome notices to reporters' webhooks and confirmations or
disputes of the hash-list entries that matched (see docs/feedback.md)."""
