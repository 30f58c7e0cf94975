"""Test support used by every service's tests: a real broker, throwaway databases, tokens, clients."""

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from crm_shared.auth import Principal, Role, issue_token
from crm_shared.settings import AuthSettings

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
# the server the suite creates its throwaway databases on (tests only: services never read os.environ)
POSTGRES_URL = os.environ.get("CRM_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


@contextlib.asynccontextmanager
async def postgres_database(server_url: str = DEFAULT_POSTGRES_URL) -> AsyncIterator[str]:
    """Create a fresh PostgreSQL database, yield its SQLAlchemy URL, drop it afterwards."""
    url = make_url(server_url)
    name = f"crm_test_{uuid.uuid4().hex[:12]}"
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def bearer(principal: Principal, auth: AuthSettings | None = None) -> dict[str, str]:
    """Authorization headers for a principal."""
    return {"Authorization": f"Bearer {issue_token(auth or AuthSettings(), principal)}"}


def admin_headers(auth: AuthSettings | None = None) -> dict[str, str]:
    """Authorization headers of an admin."""
    return bearer(Principal("admin-test", Role.ADMIN, None, "Test admin"), auth)


@contextlib.asynccontextmanager
async def running_app(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and give an HTTP client to it (in-process ASGI)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def eventually(check, timeout: float = 20.0, interval: float = 0.05):
    """Await `check()` until it returns a truthy value, or fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last = None
    while loop.time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


async def publish_events(bootstrap: str, *events) -> None:
    """Put events on the broker as their producer's relay would: JSON value, keyed by the aggregate,
    the envelope's headers."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(
                event.topic,
                event.model_dump_json().encode(),
                key=event.aggregate_id.encode(),
                headers=[(k, v.encode()) for k, v in event.headers().items()],
            )
    finally:
        await producer.stop()


async def read_topic(bootstrap: str, topic: str, want, timeout: float = 15.0) -> list:
    """Read `topic` from the start until `want(records)` holds; return the records."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", fetch_max_wait_ms=10)
    await consumer.start()
    records: list = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline and not want(records):
            batch = await consumer.getmany(timeout_ms=200)
            for part in batch.values():
                records.extend(part)
        return records
    finally:
        await consumer.stop()
