"""Fixtures: a migrated temp SQLite database and units of work on it (the broker is the root fixture)."""

from collections.abc import AsyncIterator, Callable

import pytest

from crm_shared.auth import Principal, Role, issue_token
from crm_shared.db import create_engine, session_factory
from crm_shared.messaging.uow import UnitOfWork
from crm_shared.migrations import upgrade
from crm_shared.settings import KafkaSettings
from service_desk.config import ServiceDeskSettings
from service_desk.main import SPEC
from service_desk.models import messaging


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
