"""Fixtures for every test of the repository: a real Tansu broker and real databases."""

import pytest

from crm_shared.messaging.tansu import TansuBroker, free_port
from crm_shared.settings import KafkaSettings
from crm_shared.testing import POSTGRES_URL, postgres_database


@pytest.fixture(scope="session")
def broker():
    """One memory-only Tansu broker for the whole run (started by the suite itself)."""
    tansu = TansuBroker(free_port()).start()
    yield tansu
    tansu.stop()


@pytest.fixture
def kafka_settings(broker) -> KafkaSettings:
    """Kafka settings pointing at the test broker, with a quick watchdog."""
    return KafkaSettings(bootstrap_servers=broker.bootstrap_servers, watchdog_interval_s=0.5)


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request, tmp_path):
    """A fresh, empty database: an SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/test.db"
        return
    async with postgres_database(POSTGRES_URL) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A fresh SQLite database file."""
    return f"sqlite+aiosqlite:///{tmp_path}/test.db"
