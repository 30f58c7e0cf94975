"""Rebuild: replay every topic from the start into a fresh database (`python -m reporting.rebuild`)."""
