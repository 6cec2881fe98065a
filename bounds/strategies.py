"""Hypothesis strategies (placeholder, filled below)."""
