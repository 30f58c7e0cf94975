"""Helpers of the sales tests: the bootstrap admin's credentials, a clock moved by hand, a live app."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from crm_shared.settings import KafkaSettings
from sales.config import SalesSettings
from sales.main import create_app

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


@asynccontextmanager
async def live_sales(path: Path, broker) -> AsyncIterator[tuple]:
    """A sales app on a SQLite file consuming from the real broker: (app, client, admin headers)."""
    settings = SalesSettings(
        database_url=f"sqlite+aiosqlite:///{path}",
        kafka=KafkaSettings(bootstrap_servers=broker.bootstrap_servers),
    )
    app = create_app(settings, FakeClock())
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sales") as client:
            login = {"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
            token = await client.post("/auth/token", data=login)
            yield app, client, {"Authorization": f"Bearer {token.json()['access_token']}"}
