"""Alembic migrations; run them with `tipline db upgrade`."""
