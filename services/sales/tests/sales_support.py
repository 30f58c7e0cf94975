"""Helpers of the sales tests: the bootstrap admin's credentials and a clock moved by hand."""

from datetime import UTC, datetime, timedelta

import pytest

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.com", "admin-change-me"

# run a test on SQLite and on PostgreSQL (the `sales_db` fixture of conftest)
on_both_databases = pytest.mark.parametrize("sales_db", ["sqlite", "postgres"], indirect=True)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)):
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta) -> datetime:
        self.current += timedelta(**delta)
        return self.current
