"""The event envelope every CRM event carries, and the registry of event classes."""

from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, ClassVar, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from crm_shared.ids import new_uuid

# set only by the demo clock of a development stack (crm_shared.democlock), for one request or event
backdated_now: ContextVar[datetime | None] = ContextVar("crm_backdated_now", default=None)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (inside a backdated demo request or event: its time)."""
    return backdated_now.get() or datetime.now(UTC)


class Event(BaseModel):
    """Envelope: identity, type, version, time, provenance and the aggregate it is about."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    topic: ClassVar[str]
    aggregate_type: ClassVar[str]

    event_id: UUID = Field(default_factory=new_uuid)  # time-ordered: see crm_shared.ids
    event_type: str
    event_version: int = 1
    occurred_at: datetime = Field(default_factory=utcnow)
    producer: str = "unknown"
    correlation_id: UUID | None = None
    causation_id: UUID | None = None
    aggregate_id: str
    changed_fields: list[str] = Field(default_factory=list)

    @cached_property
    def id_text(self) -> str:
        """`str(event_id)`, made once (a consumer stores it in several rows: the inbox's, a fact's, a version;
        `UUID.__str__` is Python code, ~0.5 us a call)."""
        return str(self.event_id)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy, which makes its own `id_text` (its `event_id` may be another)."""
        copied = super().model_copy(update=update, deep=deep)
        copied.__dict__.pop("id_text", None)
        return copied

    def headers(self) -> dict[str, str]:
        """The Kafka headers that let a consumer route the event without decoding it."""
        headers = {
            "event_type": self.event_type,
            "event_id": self.id_text,
            "event_version": str(self.event_version),
        }
        if self.correlation_id:
            headers["correlation_id"] = str(self.correlation_id)
        return headers


REGISTRY: dict[str, type[Event]] = {}


def register(topic: str, aggregate_type: str):
    """Class decorator: bind an event class to its topic and add it to the registry."""

    def wrap(cls: type[Event]) -> type[Event]:
        event_type = cls.model_fields["event_type"].default
        if not isinstance(event_type, str) or event_type in REGISTRY:
            raise TypeError(f"{cls.__name__} needs a unique default event_type, got {event_type!r}")
        cls.topic = topic
        cls.aggregate_type = aggregate_type
        REGISTRY[event_type] = cls
        return cls

    return wrap


class UnknownEventType(Exception):
    """The message names an event type this reader does not know."""


def parse_event(data: dict[str, Any]) -> Event:
    """Decode a dict into its registered event class; raises ValidationError or UnknownEventType."""
    event_type = data.get("event_type")
    cls = REGISTRY.get(event_type) if isinstance(event_type, str) else None
    if cls is None:
        raise UnknownEventType(f"unknown event_type {event_type!r}")
    return cls.model_validate(data)
