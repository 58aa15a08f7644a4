"""Deconfliction: identifiers agencies watch in active investigations, and the hits of routed
cases on them (each agency learns of the other's interest, never the other's case)."""
