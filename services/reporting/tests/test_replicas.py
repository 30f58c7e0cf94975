"""Replica safety: two reporting processes folding one history concurrently into one database agree."""

import asyncio
import random

from reporting_scenario import history, opportunity_history, ticket_history
from reporting_support import dump_projections, record


async def test_two_replicas_applying_concurrently_match_a_single_consumer(
    make_reporting, tmp_path, database_url
):
    events = history() + opportunity_history() + ticket_history()
    events += [e.model_copy(update={"aggregate_id": f"{e.aggregate_id}-b"}) for e in history()]
    async with make_reporting(f"sqlite+aiosqlite:///{tmp_path}/one.db") as single:
        await single.feed(*events)
        expected = await dump_projections(single.app)

    async with make_reporting(database_url) as first, make_reporting(database_url) as second:
        shuffled = events[:]
        random.Random(3).shuffle(shuffled)

        async def consume(replica, part):
            for event in part:  # one record at a time: transactions interleave with the other replica's
                await replica.app.state.ctx.processor.process(record(event))

        await asyncio.gather(consume(first, shuffled[::2]), consume(second, shuffled[1::2]))
        assert await dump_projections(first.app) == expected
