"""Every service's migrations build exactly the schema its models describe, on SQLite and PostgreSQL:
a model changed without a migration (or a migration written by hand that differs) fails here, before
a deployment finds it."""

import importlib
import uuid
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from crm_shared.migrations import schema_drift, upgrade
from crm_shared.testing import POSTGRES_URL, postgres_database
from sales.pipeline.search import UNMAPPED_TABLES

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {  # folder: (module holding Base, tables made by hand)
    "leads": ("leads.models", ()),
    "sales": ("sales.models", UNMAPPED_TABLES),
    "service-desk": ("service_desk.tables", ()),
    "reporting": ("reporting.models", ()),
}


def metadata_of(module_name: str):
    """The service's metadata with every table registered (sales registers them with `load_all`)."""
    module = importlib.import_module(module_name)
    if module_name == "sales.models":
        importlib.import_module("sales.tables").load_all()
    return module.Base.metadata


async def drift(url: str, service: str) -> list:
    module_name, unmapped = SERVICES[service]
    await upgrade(ROOT / "services" / service / "migrations", url)
    metadata = metadata_of(module_name)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda sync: schema_drift(sync, metadata, unmapped))
    finally:
        await engine.dispose()


@pytest.mark.filterwarnings("ignore:.*expression-based index:UserWarning")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection:sqlalchemy.exc.SAWarning")
@pytest.mark.parametrize("service", sorted(SERVICES))
@pytest.mark.parametrize("database", ["sqlite", "postgres"])
async def test_migrations_match_the_models(service, database, tmp_path):
    if database == "sqlite":
        differences = await drift(f"sqlite+aiosqlite:///{tmp_path}/{uuid.uuid4().hex[:8]}.db", service)
    else:
        async with postgres_database(POSTGRES_URL) as url:
            differences = await drift(url, service)
    assert differences == [], f"{service}: migrations and models differ on {database}: {differences}"
