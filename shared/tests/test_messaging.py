"""Outbox, relay, inbox and dead letters against the real broker, on SQLite and PostgreSQL."""

import asyncio
import contextlib
import json
import uuid

import pytest
from aiokafka import AIOKafkaProducer

from crm_shared.messaging.admin import ensure_topics
from crm_shared.testing import eventually, read_topic
from minisvc import TEST_TOPIC, ThingHappenedV1, applied_counts, create_schema, emit_things, make_context


@pytest.fixture
async def test_topics(broker):
    await ensure_topics(broker.bootstrap_servers, [(TEST_TOPIC, 3), (TEST_TOPIC + ".dlq", 1)])


@contextlib.asynccontextmanager
async def running(ctx, relay: bool = True):
    """Start the service's Kafka runtime and (optionally) its relay; stop both afterwards."""
    await create_schema(ctx)
    await ctx.runtime.start()
    task = asyncio.create_task(ctx.relay.run()) if relay else None
    try:
        yield ctx
    finally:
        if task:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await ctx.runtime.stop()
        await ctx.engine.dispose()


async def produce(bootstrap: str, topic: str, values: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in values:
            await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()


async def test_outbox_relay_inbox_round_trip(database_url, kafka_settings, test_topics):
    ctx = make_context(database_url, kafka_settings)
    async with running(ctx):
        aggregate = f"agg-{uuid.uuid4()}"
        events = await emit_things(ctx, aggregate, list(range(20)))
        counts = await eventually(
            lambda: _when(applied_counts(ctx, aggregate), lambda c: len(c) == 20), timeout=30
        )
        assert counts == {str(e.event_id): 1 for e in events}
        assert await ctx.relay.pending() == 0


async def test_relay_killed_between_commit_and_publish(database_url, kafka_settings, test_topics):
    """Events committed while no relay runs, and a relay that dies after sending but before marking
    rows sent: every event is still delivered, and applied exactly once."""
    ctx = make_context(database_url, kafka_settings)
    async with running(ctx, relay=False):
        aggregate = f"agg-{uuid.uuid4()}"
        events = await emit_things(ctx, aggregate, [1, 2, 3])
        assert await ctx.relay.pending() == 3

        class Crash(Exception):
            pass

        async def die_before_marking(session, ids):
            raise Crash("relay process killed after publishing, before marking rows sent")

        marker = ctx.relay._mark_sent
        ctx.relay._mark_sent = die_before_marking
        with pytest.raises(Crash):
            await ctx.relay.publish_batch()
        ctx.relay._mark_sent = marker
        assert await ctx.relay.pending() == 3  # nothing marked sent: they will go again

        assert await ctx.relay.publish_batch() == 3  # the restarted relay publishes them again
        counts = await eventually(lambda: _when(applied_counts(ctx, aggregate), lambda c: len(c) == 3))
        await asyncio.sleep(1.0)  # give the duplicates time to arrive
        assert await applied_counts(ctx, aggregate) == {str(e.event_id): 1 for e in events}
        assert counts


async def test_same_event_delivered_twice_is_applied_once(database_url, kafka_settings, test_topics, broker):
    ctx = make_context(database_url, kafka_settings)
    async with running(ctx):
        aggregate = f"agg-{uuid.uuid4()}"
        event = ThingHappenedV1(aggregate_id=aggregate, value=7)
        body = event.model_dump_json().encode()
        await produce(broker.bootstrap_servers, TEST_TOPIC, [(aggregate.encode(), body)] * 3)
        await eventually(lambda: _when(applied_counts(ctx, aggregate), bool))
        await asyncio.sleep(1.0)
        assert await applied_counts(ctx, aggregate) == {str(event.event_id): 1}


async def test_malformed_and_invalid_messages_go_to_dlq_and_consumer_moves_on(
    sqlite_url, kafka_settings, test_topics, broker
):
    ctx = make_context(sqlite_url, kafka_settings)
    async with running(ctx):
        aggregate = f"agg-{uuid.uuid4()}"
        key = aggregate.encode()
        invalid = json.dumps({"event_type": "test.thing.happened", "aggregate_id": aggregate,
                              "value": "not-a-number"}).encode()
        poison = ThingHappenedV1(aggregate_id=aggregate, value=1, poison=True).model_dump_json().encode()
        good = ThingHappenedV1(aggregate_id=aggregate, value=2)
        await produce(broker.bootstrap_servers, TEST_TOPIC, [
            (key, b"\xff\xfe not json " + key), (key, invalid), (key, poison),
            (key, good.model_dump_json().encode()),
        ])
        await eventually(lambda: _when(applied_counts(ctx, aggregate), bool))
        assert await applied_counts(ctx, aggregate) == {str(good.event_id): 1}

        def ours(records):
            return [r for r in records if r.key == key]

        dlq = ours(await read_topic(broker.bootstrap_servers, TEST_TOPIC + ".dlq",
                                    lambda recs: len(ours(recs)) >= 3))
        reasons = [dict(r.headers)["dlq.reason"].decode() for r in dlq]
        assert reasons == ["undecodable", "schema-invalid", "poison"]
        headers = dict(dlq[1].headers)
        assert b"value" in headers["dlq.error"]
        assert headers["dlq.origin.topic"].decode() == TEST_TOPIC
        assert headers["dlq.consumer"].decode() == ctx.spec.name
        assert b"PoisonError" in dict(dlq[2].headers)["dlq.error"]


async def _when(awaitable, predicate):
    value = await awaitable
    return value if predicate(value) else None


async def test_database_down_while_handling_commits_nothing_past_the_event(
    kafka_settings, test_topics, broker
):
    """PostgreSQL refuses connections while an event is handled: the offset stays put, nothing is
    dead-lettered, and the event is applied once the database is back."""
    import asyncpg
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from sqlalchemy.engine import make_url

    from crm_shared.testing import POSTGRES_URL, postgres_database

    async with postgres_database(POSTGRES_URL) as url:
        ctx = make_context(url, kafka_settings)
        name = make_url(url).database
        admin_dsn = make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(False)
        async with running(ctx, relay=False):
            aggregate = f"agg-{uuid.uuid4()}"
            warm = ThingHappenedV1(aggregate_id=aggregate, value=0)
            await produce(broker.bootstrap_servers, TEST_TOPIC, [(aggregate.encode(),
                                                                  warm.model_dump_json().encode())])
            await eventually(lambda: _when(applied_counts(ctx, aggregate), bool), timeout=30)

            pg = await asyncpg.connect(admin_dsn)
            await pg.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            await pg.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                             name)
            event = ThingHappenedV1(aggregate_id=aggregate, value=1)
            producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all")
            await producer.start()
            sent = await producer.send_and_wait(TEST_TOPIC, event.model_dump_json().encode(),
                                                key=aggregate.encode())
            await producer.stop()
            await asyncio.sleep(3)  # the consumer fetches it and keeps failing to apply it

            # A group member that never subscribes can read the group's committed offsets.
            offsets = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap_servers, group_id=ctx.spec.name,
                                       enable_auto_commit=False)
            await offsets.start()
            partition = TopicPartition(TEST_TOPIC, sent.partition)
            try:
                assert (await offsets.committed(partition) or 0) <= sent.offset  # never past it

                await pg.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
                await pg.close()
                counts = await eventually(
                    lambda: _when(applied_counts(ctx, aggregate), lambda c: len(c) == 2), timeout=30
                )
                assert counts == {str(warm.event_id): 1, str(event.event_id): 1}

                async def committed_past():
                    return (await offsets.committed(partition) or 0) > sent.offset

                await eventually(committed_past, timeout=15)
            finally:
                await offsets.stop()
        dlq = await read_topic(broker.bootstrap_servers, TEST_TOPIC + ".dlq", lambda r: False, timeout=2)
        assert not [r for r in dlq if r.key == aggregate.encode()]


async def test_broker_restart_clients_rebuilt_and_nothing_lost(sqlite_url, test_topics):
    """The broker restarts and forgets everything: the service notices, rebuilds its clients,
    re-publishes its retained outbox rows, and new events flow again; nothing is applied twice."""
    from crm_shared.messaging.tansu import TansuBroker, free_port
    from crm_shared.settings import KafkaSettings

    own = TansuBroker(free_port()).start()
    try:
        kafka = KafkaSettings(bootstrap_servers=own.bootstrap_servers, watchdog_interval_s=0.5)
        await ensure_topics(own.bootstrap_servers, [(TEST_TOPIC, 3), (TEST_TOPIC + ".dlq", 1)])
        ctx = make_context(sqlite_url, kafka)
        ctx.spec.on_startup = None
        ctx.runtime.on_reset = _recreate_test_topic_then(ctx, own.bootstrap_servers)
        async with running(ctx):
            aggregate = f"agg-{uuid.uuid4()}"
            before = await emit_things(ctx, aggregate, [1, 2])
            await eventually(lambda: _when(applied_counts(ctx, aggregate), lambda c: len(c) == 2), 30)

            own.restart()
            loop = asyncio.get_running_loop()
            started = loop.time()
            after = await emit_things(ctx, aggregate, [3])
            counts = await eventually(
                lambda: _when(applied_counts(ctx, aggregate), lambda c: len(c) == 3), timeout=30
            )
            assert loop.time() - started < 30
            assert ctx.runtime.resets >= 1
            assert counts == {str(e.event_id): 1 for e in before + after}
            records = await read_topic(own.bootstrap_servers, TEST_TOPIC,
                                       lambda r: len([x for x in r if x.key == aggregate.encode()]) >= 3)
            assert len([r for r in records if r.key == aggregate.encode()]) >= 3  # retained rows replayed
    finally:
        own.stop()


def _recreate_test_topic_then(ctx, bootstrap):
    async def on_reset():
        await ensure_topics(bootstrap, [(TEST_TOPIC, 3), (TEST_TOPIC + ".dlq", 1)])
        await ctx.relay.replay_retained()

    return on_reset


def _record(offset: int, event: ThingHappenedV1):
    from aiokafka import ConsumerRecord

    value = event.model_dump_json().encode()
    return ConsumerRecord(TEST_TOPIC, 0, offset, 0, 0, event.aggregate_id.encode(), value, None,
                          len(event.aggregate_id), len(value), [])


async def test_a_batch_is_applied_in_one_transaction_and_a_poison_event_falls_back_alone(
    sqlite_url, kafka_settings
):
    from crm_shared.messaging.consumer import BatchProcessor

    ctx = make_context(sqlite_url, kafka_settings)
    await create_schema(ctx)
    opened, dead = [], []

    def counting_uow():
        opened.append(1)
        return ctx.uow()

    async def dead_letter(record, reason, error):
        dead.append((record.offset, reason))

    processor = BatchProcessor(ctx.spec.handlers, counting_uow, dead_letter)
    aggregate = f"agg-{uuid.uuid4()}"
    good = [ThingHappenedV1(aggregate_id=aggregate, value=i) for i in range(5)]
    await processor.process_batch(tuple(_record(i, e) for i, e in enumerate(good + [good[0]])))
    assert len(opened) == 1  # five events and a duplicate: one transaction
    assert await applied_counts(ctx, aggregate) == {str(e.event_id): 1 for e in good}

    opened.clear()
    poison = ThingHappenedV1(aggregate_id=aggregate, value=99, poison=True)
    more = [ThingHappenedV1(aggregate_id=aggregate, value=i) for i in range(5, 7)]
    await processor.process_batch((_record(10, more[0]), _record(11, poison), _record(12, more[1])))
    assert dead == [(11, "poison")]
    assert len(opened) == 1 + 3  # the failed batch, then one transaction per record
    assert await applied_counts(ctx, aggregate) == {str(e.event_id): 1 for e in good + more}
    await ctx.engine.dispose()
