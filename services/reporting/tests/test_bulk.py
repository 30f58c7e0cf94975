"""`execute_many` writes exactly what `session.execute` writes, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import case, insert, select, text

from crm_shared.db import create_engine, dialect_insert, session_factory
from crm_shared.migrations import upgrade
from reporting.bulk import execute_many
from reporting.models import LeadStageFact, messaging
from reporting.rebuild.replay import MIGRATIONS

START = datetime(2024, 3, 1, 9, 30)


def stage_rows(prefix: str) -> list[dict]:
    """Stage facts with whole seconds, microseconds and shared timestamps (naive UTC)."""
    return [{"lead_id": f"{prefix}{n}", "stage": "captured",
             "reached_at": START + timedelta(seconds=n, microseconds=0 if n % 3 else 17 * n)}
            for n in range(150)]


def inbox_rows(prefix: str) -> list[dict]:
    """Inbox rows sharing one aware processed_at, as a chunk's rows do."""
    now = datetime(2024, 3, 1, 10, 0, 0, 5, tzinfo=UTC)
    return [{"event_id": f"{prefix}-{n}", "consumer": "reporting", "event_type": "x", "processed_at": now}
            for n in range(120)]


async def stored(session, table: str, key: str, prefix: str) -> list[tuple]:
    """The rows as the database holds them (text of every column), the key's prefix taken off."""
    cast = "CAST(reached_at AS TEXT)" if table == "lead_stage_fact" else "CAST(processed_at AS TEXT)"
    query = text(f"SELECT {key}, {cast} FROM {table} WHERE {key} LIKE :p ORDER BY {key}")
    rows = await session.execute(query, {"p": f"{prefix}%"})
    return [(row[0][len(prefix):], row[1]) for row in rows]


async def test_execute_many_writes_what_session_execute_writes(database_url):
    await upgrade(MIGRATIONS, database_url)
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            upsert = dialect_insert(session)(LeadStageFact.__table__)
            upsert = upsert.on_conflict_do_update(
                index_elements=[LeadStageFact.lead_id, LeadStageFact.stage],
                set_={"reached_at": case((upsert.excluded.reached_at < LeadStageFact.reached_at,
                                          upsert.excluded.reached_at), else_=LeadStageFact.reached_at)})
            await session.execute(upsert, stage_rows("a"))
            await execute_many(session, upsert, stage_rows("b"), min_rows=1)
            hour = timedelta(hours=1)
            earlier = [{**row, "reached_at": row["reached_at"] - hour} for row in stage_rows("b")][:100]
            await execute_many(session, upsert, earlier, min_rows=1)  # the upsert keeps the earliest
            await session.execute(upsert, [{**row, "lead_id": "a" + row["lead_id"][1:]} for row in earlier])
            await session.execute(insert(messaging.inbox), inbox_rows("a"))
            await execute_many(session, insert(messaging.inbox), inbox_rows("b"), min_rows=1)
            await session.commit()

            facts_b = await stored(session, "lead_stage_fact", "lead_id", "b")
            assert facts_b == await stored(session, "lead_stage_fact", "lead_id", "a")
            inbox_b = await stored(session, "inbox", "event_id", "b")
            assert inbox_b == await stored(session, "inbox", "event_id", "a")
            first = select(LeadStageFact.reached_at).where(LeadStageFact.lead_id == "b0")
            facts = await session.execute(first)
            assert facts.scalar_one() == START - timedelta(hours=1)
            assert len(inbox_b) == 120 and len(facts_b) == 150
    finally:
        await engine.dispose()
