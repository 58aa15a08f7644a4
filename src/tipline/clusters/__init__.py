"""Media clusters: files that are the same or near-identical content, across all reports."""
