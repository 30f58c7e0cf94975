"""Csat."""
