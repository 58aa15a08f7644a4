"""The agency registry: agencies, retention windows, and what an agency sees of its work."""
