"""A backlog on PostgreSQL: the relay reads each batch from the unsent index, never by sorting it whole."""

import uuid

from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from crm_shared.messaging.admin import ensure_topics
from crm_shared.messaging.uow import outbox_row
from crm_shared.testing import POSTGRES_URL, postgres_database
from minisvc import TEST_TOPIC, ThingHappenedV1, create_schema, make_context


async def test_a_postgres_backlog_is_read_from_the_unsent_index_without_a_sort(kafka_settings, broker):
    """On a fresh outbox (no statistics: the planner guesses a few hundred unsent rows) the batch query
    sorted every unsent row, on disk, for each batch of 500; it must walk the index instead."""
    await ensure_topics(broker.bootstrap_servers, [(TEST_TOPIC, 3), (TEST_TOPIC + ".dlq", 1)])
    async with postgres_database(POSTGRES_URL) as url:
        ctx = make_context(url, kafka_settings)
        await create_schema(ctx)
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

        await ctx.runtime.start()
        try:
            assert await ctx.relay.publish_batch() == 500
        finally:
            await ctx.runtime.stop()
        async with ctx.engine.connect() as connection:
            unsent = select(func.min(outbox.c.id)).where(outbox.c.sent_at.is_(None))
            first_unsent = await connection.scalar(unsent)
            lowest = await connection.scalar(select(func.min(outbox.c.id)))
        await ctx.engine.dispose()
    assert len(plans) == 1 and "Sort" not in plans[0] and "ix_outbox_unsent" in plans[0], plans
    assert first_unsent == lowest + 500  # the 500 oldest went first
