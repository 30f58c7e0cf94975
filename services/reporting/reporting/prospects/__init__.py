"""Prospects: people imported from purchased lists, and how many were verified into leads."""
