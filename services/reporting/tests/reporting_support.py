"""Helpers of the reporting tests: a fixed clock, principals, Kafka records, the app under test."""

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count

import httpx
from aiokafka import ConsumerRecord
from fastapi import FastAPI

from crm_shared.auth import Principal, Role
from crm_shared.events.base import Event
from crm_shared.messaging.admin import ensure_topics
from crm_shared.migrations import upgrade
from crm_shared.settings import KafkaSettings
from crm_shared.testing import bearer, publish_events, running_app
from reporting.clock import get_clock
from reporting.config import ReportingSettings
from reporting.main import create_app
from reporting.rebuild.replay import MIGRATIONS

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
ADMIN = Principal("admin-1", Role.ADMIN, None, "Ada Admin")
_offsets = count()


def record(event: Event, offset: int | None = None) -> ConsumerRecord:
    """The Kafka record the outbox relay would publish for the event."""
    key, value = event.aggregate_id.encode(), event.model_dump_json().encode()
    headers = [(k, v.encode()) for k, v in event.headers().items()]
    offset = next(_offsets) if offset is None else offset
    return ConsumerRecord(event.topic, 0, offset, 0, 0, key, value, None, len(key), len(value), headers)


@dataclass
class Reporting:
    """A reporting app on a fresh migrated database, a client on it, and a way to feed it events."""

    app: FastAPI
    client: httpx.AsyncClient

    async def feed(self, *events: Event) -> None:
        """Consume the events through the service's idempotent processor, one record each."""
        await self.app.state.ctx.processor.process_batch(tuple(record(e) for e in events))

    async def get(self, path: str, principal: Principal = ADMIN, **params) -> httpx.Response:
        """GET as `principal`."""
        return await self.client.get(path, params=params, headers=bearer(principal))


async def dump_projections(app: FastAPI) -> dict[str, list[tuple]]:
    """Every projection table's rows, sorted: two databases with equal dumps answer alike."""
    from sqlalchemy import select

    from reporting.models import Base

    tables = {name: table for name, table in Base.metadata.tables.items() if name not in ("inbox", "outbox")}
    dump = {}
    async with app.state.ctx.uow() as uow:
        for name, table in sorted(tables.items()):
            rows = await uow.session.execute(select(*table.columns).order_by(*table.primary_key.columns))
            dump[name] = [tuple(row) for row in rows]
    return dump


@contextlib.asynccontextmanager
async def consuming_reporting(
    bootstrap: str, database_url: str, events: Sequence[Event], now: datetime
) -> AsyncIterator[httpx.AsyncClient]:
    """Reporting consuming the real broker with its clock at `now`, `events` published to the broker
    first; a client on it."""
    await ensure_topics(bootstrap)
    settings = ReportingSettings(database_url=database_url, kafka=KafkaSettings(
        bootstrap_servers=bootstrap, watchdog_interval_s=0.5))
    await upgrade(MIGRATIONS, database_url)
    app = create_app(settings)
    app.dependency_overrides[get_clock] = lambda: lambda: now
    async with running_app(app) as client:
        await publish_events(bootstrap, *events)
        yield client
