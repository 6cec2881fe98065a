"""Empirical harness (see README)."""
