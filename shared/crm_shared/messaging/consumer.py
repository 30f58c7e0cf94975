"""Idempotent event consumption: decode, dedupe through the inbox, apply, dead-letter or retry in place."""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiokafka import ConsumerRecord
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from crm_shared.democlock import clock_at
from crm_shared.events.base import Event, UnknownEventType, parse_event, utcnow
from crm_shared.messaging.errors import is_transient
from crm_shared.messaging.uow import UnitOfWork

log = logging.getLogger(__name__)
BACKDATED = timedelta(minutes=1)  # older than this, an event is a demo story's (crm_shared.democlock)

Handler = Callable[[Event, UnitOfWork], Awaitable[None]]
BatchHandler = Callable[[list[Event], UnitOfWork], Awaitable[None]]
DeadLetter = Callable[[ConsumerRecord, str, BaseException], Awaitable[None]]


class Stopping(Exception):
    """The service is stopping while a transient failure is being retried: commit nothing."""


@dataclass
class EventHandlers:
    """A service's handlers, by topic and event type; `on(EventClass)` registers one."""

    consumer: str
    by_topic: dict[str, dict[str, Handler]] = field(default_factory=dict)
    descriptions: dict[str, list[str]] = field(default_factory=dict)
    batches: dict[Handler, BatchHandler] = field(default_factory=dict)

    def on(self, event_cls: type[Event]) -> Callable[[Handler], Handler]:
        """Decorator: `handler(event, uow)` applies `event_cls` events."""

        def wrap(handler: Handler) -> Handler:
            self._register(event_cls, handler, handler)
            return handler

        return wrap

    def on_batch(self, event_cls: type[Event]) -> Callable[[BatchHandler], BatchHandler]:
        """Decorator: `handler(events, uow)` applies a run of consecutive `event_cls` events at once
        (in order; one event when a failed batch is retried one by one)."""

        def wrap(handler: BatchHandler) -> BatchHandler:
            async def one(event: Event, uow: UnitOfWork) -> None:
                await handler([event], uow)

            self._register(event_cls, one, handler)
            self.batches[one] = handler
            return handler

        return wrap

    def batch_of(self, handler: Handler) -> BatchHandler | None:
        """The batch handler behind a registered handler, if it was registered with `on_batch`."""
        return self.batches.get(handler)

    def _register(self, event_cls: type[Event], handler: Handler, documented: Callable) -> None:
        event_type = event_cls.model_fields["event_type"].default
        self.by_topic.setdefault(event_cls.topic, {})[event_type] = handler
        doc = (documented.__doc__ or documented.__name__).strip().splitlines()[0]
        self.descriptions.setdefault(event_cls.topic, []).append(f"{event_type}: {doc}")


def decode(record: ConsumerRecord) -> Event:
    """Bytes to an event; raises on undecodable bytes, unknown types or schema violations."""
    data = json.loads(record.value)
    if not isinstance(data, dict):
        raise TypeError(f"expected a JSON object, got {type(data).__name__}")
    return parse_event(data)


def _header(record: ConsumerRecord, name: str) -> str | None:
    """A record header's value as text (None when absent or not UTF-8)."""
    for key, value in record.headers or ():
        if key == name:
            try:
                return value.decode() if isinstance(value, bytes) else str(value)
            except UnicodeDecodeError:
                return None
    return None


class BatchProcessor:
    """Applies a batch of records in order, each once; returns only when every record is settled."""

    def __init__(
        self,
        handlers: EventHandlers,
        uow_factory: Callable[[], UnitOfWork],
        dead_letter: DeadLetter,
        is_stopping: Callable[[], bool] = lambda: False,
        max_backoff_s: float = 5.0,
        event_time: bool = False,
    ):
        self.handlers, self.uow_factory, self.dead_letter = handlers, uow_factory, dead_letter
        self.is_stopping, self.max_backoff_s = is_stopping, max_backoff_s
        # the demo clock (crm_shared.democlock): a backdated event is applied at its own time, one at a time
        self.event_time = event_time

    async def process_batch(self, records: tuple[ConsumerRecord, ...]) -> None:
        """Settle every record: applied, skipped as a duplicate or not ours, or dead-lettered.

        The records to apply share one transaction (per-event commits cap throughput at what the
        database can commit); if anything in it fails, the batch is rolled back and each record is
        applied on its own, so a poison event is dead-lettered alone and a transient failure is
        retried in place.
        """
        work = [item for record in records if (item := await self._prepare(record)) is not None]
        if len(work) > 1:
            try:
                await self._apply_together(work)
                return
            except Exception as error:  # noqa: BLE001 - settled one by one below
                log.info("batch of %s failed together (%r): applying one by one", len(work), error)
        for record, event, handler in work:
            await self._apply_with_retry(record, event, handler)

    async def process(self, record: ConsumerRecord) -> None:
        """Settle one record."""
        item = await self._prepare(record)
        if item is not None:
            await self._apply_with_retry(*item)

    async def _prepare(self, record: ConsumerRecord) -> tuple[ConsumerRecord, Event, Handler] | None:
        """Decode a record: the work to do, or None when it is skipped or dead-lettered.

        A record whose `event_type` header names a type this consumer has no handler for is skipped
        undecoded (sales reads every lead event for `leads.lead.converted` alone)."""
        declared = _header(record, "event_type")
        if declared is not None and declared not in self.handlers.by_topic.get(record.topic, {}):
            return None
        try:
            event = decode(record)
        except UnknownEventType:
            return None  # a tolerant reader ignores event types it does not know (a newer producer)
        except ValidationError as error:
            await self.dead_letter(record, "schema-invalid", error)
            return None
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError) as error:
            await self.dead_letter(record, "undecodable", error)
            return None
        handler = self.handlers.by_topic.get(record.topic, {}).get(event.event_type)
        return (record, event, handler) if handler is not None else None

    async def _apply_together(self, work: list[tuple[ConsumerRecord, Event, Handler]]) -> None:
        consumer = self.handlers.consumer
        async with self.uow_factory() as uow:
            seen = await uow.applied_among([event.id_text for _r, event, _h in work], consumer)
            applied: list[Event] = []
            run: list[Event] = []  # consecutive events of one batch handler, applied in one call
            run_handler: BatchHandler | None = None
            for _record, event, handler in work:
                if event.id_text in seen:
                    continue  # applied before, or earlier in this very batch
                seen.add(event.id_text)
                applied.append(event)
                at = self._backdated(event)
                batch = None if at else self.handlers.batch_of(handler)
                if batch is not None and batch is run_handler:
                    run.append(event)
                    continue
                if run_handler is not None:
                    await run_handler(run, uow)
                run_handler, run = batch, [event]
                if batch is None:  # a one-by-one handler: applied in place, in order
                    with clock_at(at):
                        await handler(event, uow)
            if run_handler is not None:
                await run_handler(run, uow)
            await uow.record_all_applied(applied, consumer)
            await uow.commit()

    def _backdated(self, event: Event) -> datetime | None:
        """With the demo clock, the time of an event that happened over a minute ago (None otherwise:
        a live event is applied now, in its batch)."""
        if self.event_time and event.occurred_at < utcnow() - BACKDATED:
            return event.occurred_at
        return None

    async def _apply_with_retry(self, record: ConsumerRecord, event: Event, handler: Handler) -> None:
        delay = 0.05
        while True:
            try:
                await self._apply(event, handler)
                return
            except Exception as error:  # noqa: BLE001 - sorted into transient and permanent below
                if not is_transient(error):
                    if await self._applied_meanwhile(event, error):
                        return
                    log.exception("poison event %s on %s", event.event_id, record.topic)
                    await self.dead_letter(record, "poison", error)
                    return
                if self.is_stopping():
                    raise Stopping from error
                log.warning("transient failure on %s (%s); retrying in %.2fs", event.event_id, error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff_s)

    async def _apply(self, event: Event, handler: Handler) -> None:
        async with self.uow_factory() as uow:
            if await uow.already_applied(event.id_text, self.handlers.consumer):
                return
            with clock_at(self._backdated(event)):
                await handler(event, uow)
            await uow.record_applied(event, self.handlers.consumer)
            await uow.commit()

    async def _applied_meanwhile(self, event: Event, error: Exception) -> bool:
        if not isinstance(error, IntegrityError):
            return False
        async with self.uow_factory() as uow:
            return await uow.already_applied(event.id_text, self.handlers.consumer)
