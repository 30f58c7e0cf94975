"""Fixtures of the leads tests: a leads app on a real database and the session's real broker."""

from leads_support import admin, publish  # noqa: E402,F401 - fixtures
