"""Deconfliction: agencies' watches on identifiers of their active investigations."""
