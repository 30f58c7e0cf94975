"""User events leave the outbox and reach the real broker."""

import asyncio
import json

from aiokafka import AIOKafkaConsumer

from crm_shared.topics import SALES_USER


async def test_user_created_reaches_kafka(client, new_user, broker):
    user, _ = await new_user(name="Kafka Kate")
    consumer = AIOKafkaConsumer(
        SALES_USER.name,
        bootstrap_servers=broker.bootstrap_servers,
        group_id=None,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=10,
    )
    await consumer.start()
    try:
        found = await asyncio.wait_for(_find(consumer, user["id"]), timeout=30)
    finally:
        await consumer.stop()
    event = json.loads(found.value)
    assert event["event_type"] == "sales.user.created"
    assert event["email"] == "kafka.kate@example.com" and event["producer"] == "sales"
    assert found.key == user["id"].encode()
    assert dict(found.headers)["event_type"] == b"sales.user.created"


async def _find(consumer: AIOKafkaConsumer, aggregate_id: str):
    while True:
        batches = await consumer.getmany(timeout_ms=200)
        for record in (r for records in batches.values() for r in records):
            if record.key == aggregate_id.encode():
                return record
