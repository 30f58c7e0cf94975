"""Idempotent event consumption: decode, dedupe through the inbox, apply, dead-letter or retry in place."""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiokafka import ConsumerRecord
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from crm_shared.events.base import Event, UnknownEventType, parse_event
from crm_shared.messaging.errors import is_transient
from crm_shared.messaging.uow import UnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[Event, UnitOfWork], Awaitable[None]]
DeadLetter = Callable[[ConsumerRecord, str, BaseException], Awaitable[None]]


class Stopping(Exception):
    """The service is stopping while a transient failure is being retried: commit nothing."""


@dataclass
class EventHandlers:
    """A service's handlers, by topic and event type; `on(EventClass)` registers one."""

    consumer: str
    by_topic: dict[str, dict[str, Handler]] = field(default_factory=dict)
    descriptions: dict[str, list[str]] = field(default_factory=dict)

    def on(self, event_cls: type[Event]) -> Callable[[Handler], Handler]:
        """Decorator: `handler(event, uow)` applies `event_cls` events."""

        def wrap(handler: Handler) -> Handler:
            event_type = event_cls.model_fields["event_type"].default
            self.by_topic.setdefault(event_cls.topic, {})[event_type] = handler
            doc = (handler.__doc__ or handler.__name__).strip().splitlines()[0]
            self.descriptions.setdefault(event_cls.topic, []).append(f"{event_type}: {doc}")
            return handler

        return wrap


def decode(record: ConsumerRecord) -> Event:
    """Bytes to an event; raises on undecodable bytes, unknown types or schema violations."""
    data = json.loads(record.value)
    if not isinstance(data, dict):
        raise TypeError(f"expected a JSON object, got {type(data).__name__}")
    return parse_event(data)


class BatchProcessor:
    """Applies a batch of records in order, each once; returns only when every record is settled."""

    def __init__(
        self,
        handlers: EventHandlers,
        uow_factory: Callable[[], UnitOfWork],
        dead_letter: DeadLetter,
        is_stopping: Callable[[], bool] = lambda: False,
        max_backoff_s: float = 5.0,
    ):
        self.handlers, self.uow_factory, self.dead_letter = handlers, uow_factory, dead_letter
        self.is_stopping, self.max_backoff_s = is_stopping, max_backoff_s

    async def process_batch(self, records: tuple[ConsumerRecord, ...]) -> None:
        """Settle every record: applied, skipped as a duplicate or not ours, or dead-lettered."""
        for record in records:
            await self.process(record)

    async def process(self, record: ConsumerRecord) -> None:
        """Settle one record."""
        try:
            event = decode(record)
        except UnknownEventType:
            return  # a tolerant reader ignores event types it does not know (a newer producer)
        except ValidationError as error:
            await self.dead_letter(record, "schema-invalid", error)
            return
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError) as error:
            await self.dead_letter(record, "undecodable", error)
            return
        handler = self.handlers.by_topic.get(record.topic, {}).get(event.event_type)
        if handler is not None:
            await self._apply_with_retry(record, event, handler)

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
            if await uow.already_applied(str(event.event_id), self.handlers.consumer):
                return
            await handler(event, uow)
            await uow.record_applied(event, self.handlers.consumer)
            await uow.commit()

    async def _applied_meanwhile(self, event: Event, error: Exception) -> bool:
        if not isinstance(error, IntegrityError):
            return False
        async with self.uow_factory() as uow:
            return await uow.already_applied(str(event.event_id), self.handlers.consumer)
