"""Declare a service's subscribers and publications on a FastStream broker."""

from typing import Union

from faststream import Context
from faststream.kafka import KafkaBroker
from faststream.middlewares import AckPolicy

from crm_shared.events.base import Event
from crm_shared.messaging.consumer import BatchProcessor, EventHandlers
from crm_shared.settings import KafkaSettings


def declare_subscriber(
    broker: KafkaBroker, handlers: EventHandlers, processor: BatchProcessor, settings: KafkaSettings
) -> None:
    """One consumer in the service's group over every topic it handles; commits only settled batches."""
    topics = sorted(handlers.by_topic)
    if not topics:
        return
    description = "\n".join(line for t in topics for line in handlers.descriptions[t])

    async def consume(message=Context("message")) -> None:  # noqa: B008 - FastStream's injection
        await processor.process_batch(message.raw_message)

    broker.subscriber(
        *topics,
        group_id=handlers.consumer,
        batch=True,
        max_records=settings.max_batch,
        batch_timeout_ms=settings.fetch_max_wait_ms,
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.session_timeout_ms,
        heartbeat_interval_ms=settings.heartbeat_interval_ms,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        title=f"{handlers.consumer}:consume",
        description=description,
    )(consume)


def declare_publications(broker: KafkaBroker, events: list[type[Event]]) -> None:
    """Document what the service publishes (the outbox relay does the publishing) for AsyncAPI."""
    by_topic: dict[str, list[type[Event]]] = {}
    for cls in events:
        by_topic.setdefault(cls.topic, []).append(cls)
    for topic, classes in by_topic.items():
        schema = classes[0] if len(classes) == 1 else Union[tuple(classes)]  # noqa: UP007
        lines = [f"{c.model_fields['event_type'].default}: {(c.__doc__ or '').strip()}" for c in classes]
        broker.publisher(topic, title=f"{topic}:publish", description="\n".join(lines), schema=schema)
