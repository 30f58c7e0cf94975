"""A team's round-robin cursor is made once, whichever of two routings at once makes it."""

import asyncio

from crm_shared.db import create_engine, session_factory
from crm_shared.messaging.uow import UnitOfWork
from crm_shared.migrations import upgrade
from leads.cli import MIGRATIONS
from leads.db import messaging
from leads.processing.models import RoutingCursor
from leads.processing.router import TeamBook


async def test_two_first_routings_of_a_team_at_once_both_commit(database_url):
    """Both see no cursor; each makes the row (the second waits for the first, then finds it), moves it,
    commits. Before, each added the row and the second commit failed on its key (a 409 to its caller)."""
    await upgrade(MIGRATIONS, database_url)
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    try:
        async with (UnitOfWork(sessions, messaging, "leads") as first,
                    UnitOfWork(sessions, messaging, "leads") as second):
            first_book, second_book = TeamBook(first), TeamBook(second)
            assert (await first_book.team("t-new")).cursor.last_user_id is None
            waiting = asyncio.create_task(second_book.team("t-new"))  # blocks on the first's row
            await asyncio.sleep(0.2)
            first_book.assign("t-new", "rep-1", round_robin=True)
            await first.commit()
            assert (await waiting).cursor.last_user_id == "rep-1"  # the committed cursor, read after it
            second_book.assign("t-new", "rep-2", round_robin=True)
            await second.commit()
        async with sessions() as session:
            assert (await session.get(RoutingCursor, "t-new")).last_user_id == "rep-2"
    finally:
        await engine.dispose()
