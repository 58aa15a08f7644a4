"""Triage: every case's priority level, score and reasons, from an editable policy file."""
