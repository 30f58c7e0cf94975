"""Batch handlers (`EventHandlers.on_batch`): runs of one event type in one call, against the real broker."""

import asyncio
import contextlib
import uuid
from pathlib import Path
from typing import Literal

import pytest
from aiokafka import ConsumerRecord
from sqlalchemy import select

from crm_shared.events.base import Event, register
from crm_shared.messaging.admin import ensure_topics
from crm_shared.messaging.consumer import BatchProcessor, EventHandlers
from crm_shared.messaging.uow import UnitOfWork
from crm_shared.service import ServiceContext, ServiceSpec
from crm_shared.settings import BaseServiceSettings, KafkaSettings
from crm_shared.testing import eventually
from minisvc import TEST_TOPIC, ThingHappenedV1, applied, applied_counts, create_schema, metadata, tables


@register(TEST_TOPIC, "thing")
class ThingCountedV1(Event):
    """A test event applied by a batch handler."""

    event_type: Literal["test.thing.counted"] = "test.thing.counted"
    value: int
    poison: bool = False


def batch_context(database_url: str, kafka: KafkaSettings, calls: list[list[int]]) -> ServiceContext:
    """A service applying `ThingCountedV1` in batches (each call's values go to `calls`) and
    `ThingHappenedV1` one by one; both record what they applied."""
    name = f"batchsvc-{uuid.uuid4().hex[:8]}"
    handlers = EventHandlers(consumer=name)

    async def record(uow: UnitOfWork, events: list) -> None:
        rows = [dict(event_id=str(e.event_id), aggregate_id=e.aggregate_id, value=e.value) for e in events]
        await uow.session.execute(applied.insert(), rows)

    @handlers.on_batch(ThingCountedV1)
    async def on_things_counted(events: list[ThingCountedV1], uow: UnitOfWork) -> None:
        """Records a run of counted things at once."""
        calls.append([e.value for e in events])
        if any(e.poison for e in events):
            raise ValueError("this payload can never be applied")  # noqa: TRY003 - a test poison
        await record(uow, events)

    @handlers.on(ThingHappenedV1)
    async def on_thing_happened(event: ThingHappenedV1, uow: UnitOfWork) -> None:
        """Records the event."""
        await record(uow, [event])

    spec = ServiceSpec(
        name=name,
        title=name,
        description="test",
        metadata=metadata,
        tables=tables,
        migrations=Path("."),
        handlers=handlers,
        publishes=[],
    )
    settings = BaseServiceSettings(
        service_name=name, database_url=database_url, kafka=kafka, run_migrations=False
    )
    return ServiceContext(spec, settings)


def _record(offset: int, event: Event) -> ConsumerRecord:
    value = event.model_dump_json().encode()
    return ConsumerRecord(
        TEST_TOPIC,
        0,
        offset,
        0,
        0,
        event.aggregate_id.encode(),
        value,
        None,
        len(event.aggregate_id),
        len(value),
        [],
    )


async def test_runs_of_a_batch_type_go_in_one_call_in_order_after_the_inbox(sqlite_url, kafka_settings):
    calls: list[list[int]] = []
    ctx = batch_context(sqlite_url, kafka_settings, calls)
    await create_schema(ctx)
    aggregate = f"agg-{uuid.uuid4()}"
    counted = [ThingCountedV1(aggregate_id=aggregate, value=i) for i in range(6)]
    happened = ThingHappenedV1(aggregate_id=aggregate, value=100)
    dead = []

    async def dead_letter(record, reason, error):
        dead.append((record.offset, reason))

    processor = BatchProcessor(ctx.spec.handlers, ctx.uow, dead_letter)
    await processor.process_batch((_record(0, counted[0]), _record(1, counted[1])))
    assert calls == [[0, 1]]

    calls.clear()  # 0 again (applied before), 2, 2 again (in this batch), 3, one-by-one, 4, 5
    order = [counted[0], counted[2], counted[2], counted[3], happened, counted[4], counted[5]]
    await processor.process_batch(tuple(_record(10 + i, e) for i, e in enumerate(order)))
    assert calls == [[2, 3], [4, 5]]
    assert await applied_counts(ctx, aggregate) == {str(e.event_id): 1 for e in [*counted, happened]}

    calls.clear()  # a poison event: the batch rolls back, then each event is applied alone
    poison = ThingCountedV1(aggregate_id=aggregate, value=99, poison=True)
    more = [ThingCountedV1(aggregate_id=aggregate, value=i) for i in (7, 8)]
    await processor.process_batch((_record(20, more[0]), _record(21, poison), _record(22, more[1])))
    assert calls == [[7, 99, 8], [7], [99], [8]] and dead == [(21, "poison")]
    assert await applied_counts(ctx, aggregate) == {str(e.event_id): 1 for e in [*counted, happened, *more]}
    await ctx.engine.dispose()


async def test_a_type_no_handler_takes_is_skipped_by_its_header_undecoded(sqlite_url, kafka_settings):
    calls: list[list[int]] = []
    ctx = batch_context(sqlite_url, kafka_settings, calls)
    await create_schema(ctx)
    dead = []

    async def dead_letter(record, reason, error):
        dead.append((record.offset, reason))

    def raw(offset: int, value: bytes, event_type: str | None) -> ConsumerRecord:
        headers = [] if event_type is None else [("event_type", event_type.encode())]
        return ConsumerRecord(TEST_TOPIC, 0, offset, 0, 0, b"k", value, None, 1, len(value), headers)

    aggregate = f"agg-{uuid.uuid4()}"
    counted = ThingCountedV1(aggregate_id=aggregate, value=5)
    processor = BatchProcessor(ctx.spec.handlers, ctx.uow, dead_letter)
    await processor.process_batch((
        raw(0, b"not json: never decoded", "test.thing.ignored"),  # nobody here handles it: skipped
        raw(1, counted.model_dump_json().encode(), "test.thing.counted"),  # handled: decoded, applied
        raw(2, b"not json", "test.thing.counted"),  # handled but undecodable: dead-lettered
        raw(3, b"not json", None),  # no header: decoded as before, so dead-lettered
    ))
    assert calls == [[5]]
    assert dead == [(2, "undecodable"), (3, "undecodable")]
    assert await applied_counts(ctx, aggregate) == {str(counted.event_id): 1}
    await ctx.engine.dispose()


@pytest.fixture
async def test_topics(broker):
    await ensure_topics(broker.bootstrap_servers, [(TEST_TOPIC, 3), (TEST_TOPIC + ".dlq", 1)])


async def test_a_batch_handler_applies_events_from_the_broker_once(database_url, kafka_settings, test_topics):
    calls: list[list[int]] = []
    ctx = batch_context(database_url, kafka_settings, calls)
    await create_schema(ctx)
    await ctx.runtime.start()
    relay = asyncio.create_task(ctx.relay.run())
    try:
        aggregate = f"agg-{uuid.uuid4()}"
        events = []
        async with ctx.uow() as uow:  # one aggregate: one partition, in order
            events = [uow.emit(ThingCountedV1(aggregate_id=aggregate, value=i)) for i in range(30)]
            await uow.commit()
        counts = await eventually(
            lambda: _when(applied_counts(ctx, aggregate), lambda c: len(c) == 30), timeout=30
        )
        assert counts == {str(e.event_id): 1 for e in events}
        async with ctx.sessions() as session:
            rows = await session.execute(
                select(applied.c.value).where(applied.c.aggregate_id == aggregate).order_by(applied.c.id)
            )
            assert list(rows.scalars()) == list(range(30))  # applied in order, each once
        # a redelivery may call the handler again (the inbox then keeps it from applying twice)
        assert all(call == sorted(call) for call in calls) and {v for c in calls for v in c} == set(range(30))
    finally:
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay
        await ctx.runtime.stop()
        await ctx.engine.dispose()


async def _when(awaitable, predicate):
    value = await awaitable
    return value if predicate(value) else None
