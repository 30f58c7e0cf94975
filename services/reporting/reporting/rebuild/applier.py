"""Apply records in chunks: one transaction per chunk, deduplicated through the inbox as live."""

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aiokafka import ConsumerRecord
from pydantic import ValidationError
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from crm_shared.db import dialect_insert
from crm_shared.events.base import REGISTRY, Event, UnknownEventType
from crm_shared.messaging.consumer import BatchProcessor, EventHandlers, decode
from crm_shared.messaging.uow import UnitOfWork, inbox_rows
from reporting import projections
from reporting.bulk import execute_many

log = logging.getLogger(__name__)


@dataclass
class ApplyStats:
    """What a replay did with the records it read."""

    read: int = 0
    applied: int = 0
    duplicates: int = 0
    ignored: int = 0
    rejected: int = 0
    processes: int = 1  # that folded the records: a parallel rebuild adds up its shares' stats


class ChunkApplier:
    """Folds a chunk of records in one unit of work; falls back to one record at a time on a failure."""

    def __init__(self, handlers: EventHandlers, uow_factory: Callable[[], UnitOfWork]):
        self.handlers, self.uow_factory = handlers, uow_factory
        self.stats = ApplyStats()
        self._one_by_one = BatchProcessor(handlers, uow_factory, self._reject, max_backoff_s=1.0)
        # (topic, event_type header) -> the class to validate the value with, for the events handled here
        self._classes = {(topic, event_type.encode()): REGISTRY[event_type]
                         for topic, by_type in handlers.by_topic.items() for event_type in by_type
                         if event_type in REGISTRY}

    async def apply(self, records: Sequence[ConsumerRecord]) -> None:
        """Apply every record once (the inbox drops what was applied before)."""
        await self.apply_decoded(records, self.decode(records))

    def decode(self, records: Sequence[ConsumerRecord]) -> list[Event]:
        """The records' events this service handles (the rest are counted as ignored or rejected).

        A record whose `event_type` header names an event handled on its topic goes straight from bytes
        to that class (pydantic's JSON parser); one whose header names any other type is ignored undecoded,
        as live consumption skips it; a record without the header takes the general path."""
        self.stats.read += len(records)
        classes, events = self._classes, []
        for record in records:
            headers = record.headers  # the relay sends event_type first: looked for only if not
            declared = headers[0][1] if headers and headers[0][0] == "event_type" else \
                next((value for key, value in headers if key == "event_type"), None)
            if declared is None:
                event = self._decode(record)
                if event is not None:
                    events.append(event)
                continue
            cls = classes.get((record.topic, declared))
            if cls is None:
                self.stats.ignored += 1
                continue
            try:
                events.append(cls.model_validate_json(record.value))
            except (ValidationError, TypeError):
                self.stats.rejected += 1  # live consumption dead-letters it; the DLQ already holds it
        return events

    async def apply_decoded(self, records: Sequence[ConsumerRecord], events: list[Event]) -> None:
        """Fold the decoded events of `records` in one transaction; one record at a time on a failure."""
        try:
            await self._apply_chunk(events)
        except Exception:  # noqa: BLE001 - a poison event in the chunk: settle each record on its own
            log.warning("chunk of %d failed; applying one record at a time", len(records), exc_info=True)
            before = self.stats.rejected
            await self._one_by_one.process_batch(tuple(records))
            self.stats.applied += len(events) - (self.stats.rejected - before)

    def _decode(self, record: ConsumerRecord) -> Event | None:
        """A record without an `event_type` header: its body names the type."""
        try:
            event = decode(record)
        except UnknownEventType:
            self.stats.ignored += 1
            return None
        except (ValidationError, json.JSONDecodeError, UnicodeDecodeError, TypeError):
            self.stats.rejected += 1  # live consumption dead-letters it; the DLQ already holds it
            return None
        if event.event_type not in self.handlers.by_topic.get(record.topic, {}):
            self.stats.ignored += 1
            return None
        return event

    async def _apply_chunk(self, events: list[Event]) -> None:
        if not events:
            return
        unique: dict[str, Event] = {}  # by event id
        for event in events:
            unique.setdefault(event.id_text, event)
        try:
            fresh = await self._apply_unseen(unique)
        except IntegrityError:  # some of the chunk was applied before: claim each inbox row first
            fresh = await self._apply_claimed(unique)
        self.stats.applied += len(fresh)
        self.stats.duplicates += len(events) - len(fresh)

    async def _apply_unseen(self, unique: dict[str, Event]) -> list[Event]:
        """The fast path: a plain bulk insert of the inbox rows (it fails if any was applied before)."""
        async with self.uow_factory() as uow:
            fresh = list(unique.values())
            rows = inbox_rows(fresh, self.handlers.consumer)  # as uow.record_all_applied, at driver speed
            await execute_many(uow.session, insert(uow.tables.inbox), rows)
            await projections.apply_events(uow=uow, events=fresh)
            await uow.commit()
        return fresh

    async def _apply_claimed(self, unique: dict[str, Event]) -> list[Event]:
        """The inbox row is claimed first: what the insert returns was never applied, by anyone."""
        async with self.uow_factory() as uow:
            inbox = uow.tables.inbox
            claim = dialect_insert(uow.session)(inbox).on_conflict_do_nothing().returning(inbox.c.event_id)
            rows = inbox_rows(unique.values(), self.handlers.consumer)
            claimed = set((await uow.session.execute(claim, rows)).scalars())
            fresh = [e for event_id, e in unique.items() if event_id in claimed]
            if fresh:
                await projections.apply_events(uow=uow, events=fresh)
            await uow.commit()
        return fresh

    async def _reject(self, record: ConsumerRecord, reason: str, error: BaseException) -> None:
        self.stats.rejected += 1
        log.warning("skipping %s record %s:%d@%d: %s", reason, record.topic, record.partition, record.offset,
                    error)
