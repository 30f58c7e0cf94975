"""PostgreSQL's planner statistics of a rebuild's target, made again as its tables fill.

A fresh database has none until autovacuum analyzes it, and without them the planner picks plans for
tables it takes to be empty: when the fold still refreshed the counters chunk by chunk it read the delta
tables by the first column of their key only (`kind = 'opportunity'`: every row of the kind), so each
chunk's refresh read the whole table (150,000 deal and ticket events took 71 s to rebuild). The fold's
own lookups (a sale line's earlier rows, an account's card) and the statements that make the derived
tables at the end (`finish_derived`: joins, groupings over every row) are planned from them now. The
target is analyzed after the first chunk that held records, then each time such chunks have grown
fourfold (1, 4, 16, 64...). The shares of a parallel rebuild fold into one PostgreSQL database and analyze
it at about the same chunks: a table another one is analyzing is skipped (`SKIP_LOCKED`) rather than
waited for.
"""

import logging

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)


class Statistics:
    """Counts the chunks a replay folded into `engine`'s database and analyzes it at 1, 4, 16... of them
    (PostgreSQL only: SQLite's planner does not need them for these lookups)."""

    def __init__(self, engine: AsyncEngine):
        self.engine, self.chunks = engine, 0

    async def chunk_folded(self) -> None:
        """One more chunk of records folded (and committed)."""
        if self.engine.dialect.name != "postgresql":
            return
        self.chunks += 1
        if self.chunks & (self.chunks - 1) or not self.chunks.bit_length() % 2:  # not a power of 4
            return
        try:
            async with self.engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.exec_driver_sql("ANALYZE (SKIP_LOCKED)")
        except DBAPIError as error:  # statistics help the fold, which goes on without them
            log.warning("analyzing the rebuild's target failed (%s); folding on", error.orig)
