"""The unit of work: one transaction for a change, the events it causes, and the inbox record."""

import asyncio
from collections.abc import Callable, Iterable

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_shared.events.base import Event, utcnow
from crm_shared.messaging.tables import MessagingTables


class UnitOfWork:
    """Rolls back unless `commit()` is called; `emit()` writes outbox rows in the same transaction."""

    def __init__(
        self,
        sessions: async_sessionmaker,
        tables: MessagingTables,
        producer: str,
        on_commit: Callable[[], None] | None = None,
        *,
        snapshot: bool = False,
    ):
        self._sessions, self.tables, self.producer = sessions, tables, producer
        self._on_commit = on_commit
        self._snapshot = snapshot
        self.session: AsyncSession
        self._outbox_rows: list[dict] = []

    async def __aenter__(self) -> "UnitOfWork":
        self.session = self._sessions()
        self._outbox_rows: list[dict] = []
        if self._snapshot:
            try:
                await begin_snapshot(self.session)
            except BaseException:  # cancelled or failed: the connection goes back to the pool
                await self.session.close()
                raise
        return self

    async def __aexit__(self, *exc) -> None:
        await self.session.rollback()
        await self.session.close()

    def emit(self, event: Event) -> Event:
        """Queue an event to be written to the outbox in this transaction; stamps the producer."""
        if event.producer == "unknown":
            event = event.model_copy(update={"producer": self.producer})
        self._outbox_rows.append(outbox_row(event))
        return event

    async def commit(self) -> None:
        """Commit the change with its outbox rows; wake the relay if there were events."""
        if self._snapshot:  # its snapshot would end here, and later reads would see newer states
            raise RuntimeError("a snapshot unit of work only reads: it does not commit")
        emitted = bool(self._outbox_rows)
        if emitted:
            await self.session.execute(insert(self.tables.outbox), self._outbox_rows)
            self._outbox_rows = []
        await self.session.commit()
        if emitted and self._on_commit:
            self._on_commit()

    async def rollback(self) -> None:
        """Throw the change and its queued events away."""
        await self.session.rollback()
        self._outbox_rows = []

    async def already_applied(self, event_id: str, consumer: str) -> bool:
        """Whether this consumer has applied this event before."""
        inbox = self.tables.inbox
        found = await self.session.execute(
            select(inbox.c.event_id).where(inbox.c.event_id == event_id, inbox.c.consumer == consumer)
        )
        return found.first() is not None

    async def applied_among(self, event_ids: list[str], consumer: str) -> set[str]:
        """Which of these events this consumer has applied before (one query per 500 ids)."""
        inbox, found = self.tables.inbox, set()
        for start in range(0, len(event_ids), 500):
            chunk = event_ids[start : start + 500]
            rows = await self.session.execute(
                select(inbox.c.event_id).where(inbox.c.consumer == consumer, inbox.c.event_id.in_(chunk))
            )
            found.update(rows.scalars())
        return found

    async def record_all_applied(self, events: list[Event], consumer: str) -> None:
        """Record in the inbox, in this transaction, that the consumer applied these events."""
        if events:
            await self.session.execute(insert(self.tables.inbox), inbox_rows(events, consumer))

    async def record_applied(self, event: Event, consumer: str) -> None:
        """Record in the inbox, in this transaction, that the consumer applied the event."""
        await self.session.execute(
            insert(self.tables.inbox).values(
                event_id=event.id_text,
                consumer=consumer,
                event_type=event.event_type,
                processed_at=utcnow(),
            )
        )


OUTBOX_KEYS = (
    "event_id", "topic", "aggregate_type", "aggregate_id", "event_type", "payload", "headers", "created_at",
)


async def begin_snapshot(session: AsyncSession) -> None:
    """Make every read of the session's transaction see one committed state of the database.

    An answer read in several statements (a counters table, then the contributions after X) must not
    see a commit land between them: it would sum rows of two states (a lead's contribution counted in
    neither or twice, a stage count below zero). Neither default gives that: PostgreSQL's READ COMMITTED
    takes a snapshot per statement, and pysqlite opens no transaction for a SELECT, so each one reads
    the newest state. PostgreSQL: REPEATABLE READ. SQLite: an explicit BEGIN, whose first read fixes the
    WAL snapshot that every later read of the transaction sees.
    """
    if session.bind.dialect.name == "sqlite":
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        if not raw.driver_connection.in_transaction:  # a driver that opened one itself reads one state
            await connection.exec_driver_sql("BEGIN")
    else:
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def outbox_row(event: Event) -> dict:
    """The outbox row of an event (its producer already stamped)."""
    return {
        "event_id": event.id_text,
        "topic": event.topic,
        "aggregate_type": event.aggregate_type,
        "aggregate_id": event.aggregate_id,
        "event_type": event.event_type,
        "payload": event.model_dump_json(),
        "headers": event.headers(),
        "created_at": utcnow(),
    }


def inbox_rows(events: Iterable[Event], consumer: str) -> list[dict]:
    """The inbox rows that record these events as applied by `consumer`."""
    now = utcnow()
    return [
        {"event_id": e.id_text, "consumer": consumer, "event_type": e.event_type, "processed_at": now}
        for e in events
    ]


def relay_waker() -> tuple[asyncio.Event, Callable[[], None]]:
    """An asyncio.Event the relay waits on, and the callback that sets it after a commit."""
    wake = asyncio.Event()
    return wake, wake.set
