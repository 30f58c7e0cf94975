"""Fixtures for the reporting tests: a migrated reporting app (no Kafka) fed through its own consumer path."""

import contextlib
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from reporting_support import NOW, Reporting  # noqa: E402

from crm_shared.migrations import upgrade  # noqa: E402
from crm_shared.settings import KafkaSettings  # noqa: E402
from reporting.clock import get_clock  # noqa: E402
from reporting.config import ReportingSettings  # noqa: E402
from reporting.main import create_app  # noqa: E402
from reporting.rebuild.replay import MIGRATIONS  # noqa: E402


@pytest.fixture
def make_reporting(broker) -> Callable:
    """`async with make_reporting(database_url) as reporting`: the app without its Kafka lifespan."""

    @contextlib.asynccontextmanager
    async def make(database_url: str, **overrides) -> AsyncIterator[Reporting]:
        settings = ReportingSettings(
            database_url=database_url,
            stream_poll_s=0.2,
            kafka=KafkaSettings(bootstrap_servers=broker.bootstrap_servers),
            **overrides,
        )
        await upgrade(MIGRATIONS, database_url)
        app = create_app(settings)
        app.dependency_overrides[get_clock] = lambda: lambda: NOW
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://reporting") as client:
            yield Reporting(app, client)
        await app.state.ctx.engine.dispose()

    return make


@pytest.fixture
async def reporting(make_reporting, database_url) -> AsyncIterator[Reporting]:
    """A reporting app on a fresh SQLite, then PostgreSQL, database."""
    async with make_reporting(database_url) as app:
        yield app


@pytest.fixture
async def sqlite_reporting(make_reporting, sqlite_url) -> AsyncIterator[Reporting]:
    """A reporting app on a fresh SQLite database."""
    async with make_reporting(sqlite_url) as app:
        yield app
