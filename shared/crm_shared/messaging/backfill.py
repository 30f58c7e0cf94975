"""Backfill a replica from the start of its topics, outside the consumer group.

A service that starts keeping a replica of another service's records (e.g. leads' copy of sales'
customers) after its consumer group already read past their events would never see the records that
existed before the upgrade. `replay_topics` reads the handlers' topics from offset 0 with no group (no
offsets committed, the live consumer is not disturbed) and applies each event with the given handlers,
a batch per transaction, until it has caught up with the end of every partition. The handlers must be
idempotent snapshots (upserts and deletes by id): the inbox is not consulted, because the live consumer
has recorded these events already. Reading up to the end as it is when the replay finishes makes the
last event applied per record the newest, so a replay racing the live consumer converges too.
"""

import logging
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer

from crm_shared.messaging.consumer import EventHandlers, decode
from crm_shared.messaging.uow import UnitOfWork

log = logging.getLogger(__name__)


async def replay_topics(
    bootstrap_servers: str,
    handlers: EventHandlers,
    uow_factory: Callable[[], UnitOfWork],
    max_records: int = 1000,
) -> int:
    """Apply every event of the handlers' topics from the beginning; returns how many were applied."""
    consumer = AIOKafkaConsumer(
        *sorted(handlers.by_topic),
        bootstrap_servers=bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    applied = 0
    try:
        while True:
            batch = await consumer.getmany(timeout_ms=200, max_records=max_records)
            records = [record for part in batch.values() for record in part]
            if records:
                applied += await _apply(records, handlers, uow_factory)
                continue
            partitions = consumer.assignment()
            if partitions:
                ends = await consumer.end_offsets(list(partitions))
                positions = {tp: await consumer.position(tp) for tp in partitions}
                if all(positions[tp] >= ends[tp] for tp in partitions):
                    return applied
    finally:
        await consumer.stop()


async def _apply(records: list, handlers: EventHandlers, uow_factory: Callable[[], UnitOfWork]) -> int:
    applied = 0
    async with uow_factory() as uow:
        for record in records:
            try:
                event = decode(record)
            except Exception as error:  # noqa: BLE001 - the live consumer dead-letters these; skip here
                log.warning(
                    "backfill skips %s[%s]@%s: %r", record.topic, record.partition, record.offset, error
                )
                continue
            handler = handlers.by_topic.get(record.topic, {}).get(event.event_type)
            if handler is not None:
                await handler(event, uow)
                applied += 1
        await uow.commit()
    return applied
