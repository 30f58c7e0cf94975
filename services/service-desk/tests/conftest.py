"""Fixtures: migrated temp databases, seeded desk apps on SQLite and PostgreSQL (the broker is the root's)."""

import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy.engine import make_url

from crm_shared.auth import Principal, Role, issue_token
from crm_shared.db import create_engine, session_factory
from crm_shared.messaging.uow import UnitOfWork
from crm_shared.migrations import upgrade
from crm_shared.settings import KafkaSettings
from crm_shared.testing import DEFAULT_POSTGRES_URL
from service_desk.config import ServiceDeskSettings
from service_desk.main import SPEC, create_app
from service_desk.models import messaging
from service_desk.testing import MONDAY_10_SHANGHAI, Desk, FakeClock, seed_customers, seed_directory

POSTGRES_URL = os.environ.get("CRM_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)  # as the root conftest


@pytest.fixture
def settings(tmp_path) -> ServiceDeskSettings:
    """Settings on a fresh SQLite file; Kafka points nowhere until a test needs the broker."""
    return ServiceDeskSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/service-desk.db")


@pytest.fixture
async def uow_factory(settings) -> AsyncIterator[Callable[[], UnitOfWork]]:
    """Units of work on the migrated temp database."""
    await upgrade(SPEC.migrations, settings.database_url)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    yield lambda: UnitOfWork(sessions, messaging, "service-desk")
    await engine.dispose()


@pytest.fixture
def broker_settings(settings, broker) -> ServiceDeskSettings:
    """The temp-database settings, pointed at the session's broker."""
    return settings.model_copy(update={"kafka": KafkaSettings(bootstrap_servers=broker.bootstrap_servers)})


@pytest.fixture
def auth_headers(settings) -> dict[str, str]:
    """A bearer token of an agent."""
    token = issue_token(settings.auth, Principal("caller-1", Role.AGENT, None, "Caller"))
    return {"Authorization": f"Bearer {token}"}


async def _seeded(database_url: str) -> None:
    """Migrate and seed a database (the directory and the customers every desk test starts from)."""
    await upgrade(SPEC.migrations, database_url)
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    await seed_directory(lambda: UnitOfWork(sessions, messaging, "service-desk"))
    await seed_customers(lambda: UnitOfWork(sessions, messaging, "service-desk"))
    await engine.dispose()


@pytest.fixture(scope="session")
async def desk_templates(tmp_path_factory) -> AsyncIterator[dict[str, str]]:
    """A migrated, seeded SQLite file and PostgreSQL template database, built once per run."""
    sqlite_file = tmp_path_factory.mktemp("desk-template") / "template.db"
    await _seeded(f"sqlite+aiosqlite:///{sqlite_file}")
    url = make_url(POSTGRES_URL)
    name = f"crm_tpl_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        await _seeded(url.set(database=name).render_as_string(hide_password=False))
        yield {"sqlite": str(sqlite_file), "postgres": name}
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@contextlib.asynccontextmanager
async def desk_database(kind: str, templates: dict[str, str], tmp_path) -> AsyncIterator[str]:
    """A fresh copy of the seeded template: a copied SQLite file or `CREATE DATABASE ... TEMPLATE`."""
    if kind == "sqlite":
        target = tmp_path / "desk.db"
        shutil.copyfile(templates["sqlite"], target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    url = make_url(POSTGRES_URL)
    name = f"crm_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{templates["postgres"]}"')
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@contextlib.asynccontextmanager
async def running_desk(database_url: str) -> AsyncIterator[Desk]:
    """A seeded desk app on `database_url` with a fake clock; no Kafka (events stay in the outbox)."""
    settings = ServiceDeskSettings(database_url=database_url, run_migrations=False)
    engine = create_engine(database_url)
    sessions = session_factory(engine)

    def uow_factory() -> UnitOfWork:
        return UnitOfWork(sessions, messaging, "service-desk")

    clock = FakeClock(MONDAY_10_SHANGHAI)
    app = create_app(settings, clock=clock)  # no lifespan: no Kafka and no background checker here
    async with AsyncClient(transport=ASGITransport(app), base_url="http://desk") as client:
        yield Desk(client, clock, uow_factory, settings.auth, app)
    await app.state.ctx.engine.dispose()
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def desk(request, desk_templates, tmp_path) -> AsyncIterator[Desk]:
    """A seeded desk on SQLite, then on PostgreSQL (copies of templates migrated once per run)."""
    async with desk_database(request.param, desk_templates, tmp_path) as url, running_desk(url) as running:
        yield running


@pytest.fixture
async def lite_desk(desk_templates, tmp_path) -> AsyncIterator[Desk]:
    """A seeded desk on SQLite only (for HTTP-level rules that do not depend on the database)."""
    async with desk_database("sqlite", desk_templates, tmp_path) as url, running_desk(url) as running:
        yield running
