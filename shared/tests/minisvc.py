"""A minimal service built from the shared plumbing only, to test outbox, relay, inbox and DLQ."""

from pathlib import Path
from typing import Literal
from uuid import uuid4

from aiokafka import ConsumerRecord
from sqlalchemy import Column, Integer, String, Table, func, select

from crm_shared.db import new_metadata
from crm_shared.events.base import Event, register
from crm_shared.messaging.consumer import EventHandlers
from crm_shared.messaging.tables import define_messaging_tables
from crm_shared.messaging.uow import UnitOfWork
from crm_shared.service import ServiceContext, ServiceSpec
from crm_shared.settings import BaseServiceSettings, KafkaSettings

TEST_TOPIC = "crm.test.thing.v1"


@register(TEST_TOPIC, "thing")
class ThingHappenedV1(Event):
    """A test event."""

    event_type: Literal["test.thing.happened"] = "test.thing.happened"
    value: int
    poison: bool = False


metadata = new_metadata()
tables = define_messaging_tables(metadata)
applied = Table(
    "applied", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36)),  # deliberately not unique: a double apply would show
    Column("aggregate_id", String(100)),
    Column("value", Integer),
)


class PoisonError(Exception):
    """A payload that can never be applied."""


def make_context(database_url: str, kafka: KafkaSettings, name: str | None = None) -> ServiceContext:
    """A service context (database, relay, runtime) with a handler that records applied events."""
    name = name or f"minisvc-{uuid4().hex[:8]}"
    handlers = EventHandlers(consumer=name)

    @handlers.on(ThingHappenedV1)
    async def on_thing_happened(event: ThingHappenedV1, uow: UnitOfWork) -> None:
        """Records the event."""
        if event.poison:
            raise PoisonError("this payload can never be applied")
        await uow.session.execute(
            applied.insert().values(event_id=str(event.event_id), aggregate_id=event.aggregate_id,
                                    value=event.value)
        )

    spec = ServiceSpec(name=name, title=name, description="test", metadata=metadata, tables=tables,
                       migrations=Path("."), handlers=handlers, publishes=[ThingHappenedV1])
    settings = BaseServiceSettings(service_name=name, database_url=database_url, kafka=kafka,
                                   run_migrations=False)
    return ServiceContext(spec, settings)


async def create_schema(ctx: ServiceContext) -> None:
    """Create the tables (the real services use Alembic)."""
    async with ctx.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)


async def emit_things(ctx: ServiceContext, aggregate_id: str, values: list[int]) -> list[Event]:
    """Emit one event per value, each in its own committed transaction."""
    events = []
    for value in values:
        async with ctx.uow() as uow:
            events.append(uow.emit(ThingHappenedV1(aggregate_id=aggregate_id, value=value)))
            await uow.commit()
    return events


async def applied_counts(ctx: ServiceContext, aggregate_id: str) -> dict[str, int]:
    """How many times each event of the aggregate was applied."""
    async with ctx.sessions() as session:
        rows = await session.execute(
            select(applied.c.event_id, func.count()).where(applied.c.aggregate_id == aggregate_id)
            .group_by(applied.c.event_id)
        )
        return dict(rows.all())


def record_of(offset: int, event: Event) -> ConsumerRecord:
    """The Kafka record the relay would have produced for `event` (partition 0 of the test topic)."""
    value = event.model_dump_json().encode()
    key = event.aggregate_id.encode()
    return ConsumerRecord(TEST_TOPIC, 0, offset, 0, 0, key, value, None, len(key), len(value), [])
