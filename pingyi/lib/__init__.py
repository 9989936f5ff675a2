"""Helpers that belong to no domain."""
