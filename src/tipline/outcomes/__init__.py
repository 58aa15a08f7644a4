"""Outcomes: what agencies did with the cases they were sent, in a typed, versioned
vocabulary (see docs/feedback.md)."""
