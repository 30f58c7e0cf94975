"""A rebuild into PostgreSQL analyzes its target as it fills (`reporting.rebuild.statistics`): the
counters' lookups then probe their key record by record instead of reading every change of the kind."""

import json

from sqlalchemy import select, text

from crm_shared.testing import POSTGRES_URL, eventually, postgres_database
from reporting.counter_models import SaleDelta
from reporting.rebuild.replay import prepare_database, rebuild_engine
from reporting.rebuild.statistics import Statistics


async def test_the_target_is_analyzed_at_1_4_and_16_chunks_and_then_probes_the_key():
    async with postgres_database(POSTGRES_URL) as url:
        await prepare_database(url)
        engine = rebuild_engine(url)  # as the rebuild's: no sequential scans
        try:
            async with engine.begin() as connection:
                await connection.execute(text(
                    "INSERT INTO sale_delta (kind, record_id, seq, at, measure, n, cents, micros)"
                    " SELECT 'opportunity', 'O' || g, s, now(), 'current', 1, 0, 0"
                    " FROM generate_series(1, 20000) g, generate_series(0, 3) s"))
            statistics = Statistics(engine)
            for _ in range(16):
                await statistics.chunk_folded()

            async def analyzed() -> int:
                async with engine.connect() as connection:
                    found = await connection.execute(text(
                        "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'sale_delta'"))
                    return found.scalar_one()

            await eventually(lambda: _equals(analyzed(), 3), timeout=10)
            mine = (SaleDelta.kind == "opportunity") & SaleDelta.record_id.in_([f"O{i}" for i in range(500)])
            query = select(SaleDelta.__table__).where(mine).with_for_update()
            async with engine.connect() as connection:
                compiled = query.compile(connection.sync_connection, compile_kwargs={"literal_binds": True})
                explain = f"EXPLAIN (FORMAT JSON) {compiled}"
                explained = (await connection.exec_driver_sql(explain)).scalar_one()
            plan = json.loads(explained) if isinstance(explained, str) else explained
            assert "record_id" in _index_conditions(plan[0]["Plan"])
        finally:
            await engine.dispose()


def _index_conditions(node: dict) -> str:
    found = node.get("Index Cond", "")
    return found + "".join(_index_conditions(child) for child in node.get("Plans", []))


async def _equals(awaitable, value) -> bool:
    return await awaitable == value
