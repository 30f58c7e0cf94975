"""The outbox relay on PostgreSQL: replicas share the outbox, and a backlog is read batch by batch from
the unsent index, never by sorting it whole."""

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator

from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from crm_shared.messaging.admin import ensure_topics
from crm_shared.messaging.relay import OutboxRelay
from crm_shared.messaging.uow import outbox_row
from crm_shared.settings import OutboxSettings
from crm_shared.testing import POSTGRES_URL, postgres_database, read_topic
from minisvc import TEST_TOPIC, ThingHappenedV1, create_schema, make_context


@contextlib.asynccontextmanager
async def postgres_service(kafka_settings, broker) -> AsyncIterator:
    """The test service on a fresh PostgreSQL database, its schema made, its Kafka clients running (and
    no relay task: the tests drive `publish_batch`)."""
    await ensure_topics(broker.bootstrap_servers, [(TEST_TOPIC, 3), (TEST_TOPIC + ".dlq", 1)])
    async with postgres_database(POSTGRES_URL) as url:
        ctx = make_context(url, kafka_settings)
        await create_schema(ctx)
        await ctx.runtime.start()
        try:
            yield ctx
        finally:
            await ctx.runtime.stop()
            await ctx.engine.dispose()


async def test_two_relays_on_postgres_publish_each_row_once(kafka_settings, broker):
    """Two relay replicas drain one PostgreSQL outbox together (FOR UPDATE SKIP LOCKED): every row
    is published exactly once."""
    async with postgres_service(kafka_settings, broker) as ctx:
        aggregate = f"agg-{uuid.uuid4()}"
        async with ctx.uow() as uow:
            events = [uow.emit(ThingHappenedV1(aggregate_id=aggregate, value=i)) for i in range(200)]
            await uow.commit()
        settings = OutboxSettings(batch_size=10)
        relays = [OutboxRelay(ctx.sessions, ctx.spec.tables, lambda: ctx.runtime.producer, settings,
                              asyncio.Event(), str(ctx.engine.url)) for _ in range(2)]

        async def drain(relay):
            while await relay.publish_batch():  # noqa: ASYNC110 - yield so the other replica takes rows
                await asyncio.sleep(0)

        await asyncio.gather(*(drain(r) for r in relays))
        assert sum(r.published for r in relays) == 200
        assert all(r.published > 0 for r in relays)  # both replicas did part of the work
        key = aggregate.encode()
        records = await read_topic(broker.bootstrap_servers, TEST_TOPIC,
                                   lambda recs: len([r for r in recs if r.key == key]) >= 200)
        published = [json.loads(r.value)["event_id"] for r in records if r.key == key]
        assert sorted(published) == sorted(str(e.event_id) for e in events)


async def test_a_postgres_backlog_is_read_from_the_unsent_index_without_a_sort(kafka_settings, broker):
    """On a fresh outbox (no statistics: the planner guesses a few hundred unsent rows) the batch query
    sorted every unsent row, on disk, for each batch of 500; it must walk the index instead."""
    async with postgres_service(kafka_settings, broker) as ctx:
        outbox = ctx.spec.tables.outbox
        aggregate = f"agg-{uuid.uuid4()}"
        rows = [outbox_row(ThingHappenedV1(aggregate_id=aggregate, value=i)) for i in range(20_000)]
        async with ctx.engine.begin() as connection:
            await connection.execute(outbox.insert(), rows)
        plans: list[str] = []

        @sa_event.listens_for(ctx.engine.sync_engine, "before_cursor_execute")
        def explain(_conn, cursor, statement, parameters, _context, _many):  # noqa: ANN001 - SQLAlchemy's hook
            if statement.lstrip().startswith("SELECT") and "FOR UPDATE" in statement:
                cursor.execute(f"EXPLAIN {statement}", parameters)  # in the relay's own transaction
                plans.append("\n".join(row[0] for row in cursor.fetchall()))

        assert await ctx.relay.publish_batch() == 500
        async with ctx.engine.connect() as connection:
            unsent = select(func.min(outbox.c.id)).where(outbox.c.sent_at.is_(None))
            first_unsent = await connection.scalar(unsent)
            lowest = await connection.scalar(select(func.min(outbox.c.id)))
    assert len(plans) == 1 and "Sort" not in plans[0] and "ix_outbox_unsent" in plans[0], plans
    assert first_unsent == lowest + 500  # the 500 oldest went first
