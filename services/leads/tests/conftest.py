"""Fixtures of the leads tests: a leads app on a real database and the session's real broker."""

from intake_support import app_client, client, form  # noqa: E402,F401 - fixtures of the intake tests
from leads_support import admin, publish  # noqa: E402,F401 - fixtures
