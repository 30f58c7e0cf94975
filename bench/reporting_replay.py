"""Rebuild rate against raw aiokafka consumption, measured in the same run on a private Tansu broker.

    .venv/bin/python bench/reporting_replay.py [--events 60000] [--postgres]

Produces N lead events (captured, assigned, contacted: three per lead) to a broker of its own, reads them
once with a bare aiokafka consumer (no decoding), then rebuilds the reporting projections from them into
a fresh database with `reporting.rebuild`, and prints both rates and their ratio (target >= 0.3x).

The schema is created first and timed on its own (a fixed cost, not a per-event one). Besides wall-clock
rates it prints the CPU time this process spent per event on each side: on a loaded machine the wall
ratio swings with the neighbours, the CPU ratio much less (Tansu runs in its own process either way).
"""

import argparse
import asyncio
import contextlib
import tempfile
import time
from datetime import timedelta

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from crm_shared.events.base import utcnow
from crm_shared.events.leads import LeadAssignedV1, LeadCapturedV1, LeadStatusChangedV1
from crm_shared.messaging.admin import ensure_topics
from crm_shared.messaging.tansu import TansuBroker, free_port
from crm_shared.settings import KafkaSettings
from crm_shared.testing import DEFAULT_POSTGRES_URL, postgres_database
from crm_shared.topics import LEADS_LEAD
from reporting.config import ReportingSettings
from reporting.rebuild.replay import prepare_database, replay

SOURCES = ("web_form", "hotline", "event", "purchased_list", "referral")


def lead_events(lead: int):
    """Captured, assigned and contacted events of one lead."""
    at = utcnow() - timedelta(days=lead % 365)
    lead_id, source, owner, team = f"L{lead}", SOURCES[lead % 5], f"rep-{lead % 40}", f"team-{lead % 6}"
    yield LeadCapturedV1(aggregate_id=lead_id, name=f"Lead {lead}", email=f"l{lead}@example.com",
                         source=source, campaign=f"c{lead % 12}", occurred_at=at)
    yield LeadAssignedV1(aggregate_id=lead_id, owner_id=owner, team_id=team,
                         occurred_at=at + timedelta(minutes=1))
    yield LeadStatusChangedV1(aggregate_id=lead_id, name=f"Lead {lead}", source=source,
                              campaign=f"c{lead % 12}", owner_id=owner, team_id=team, previous_status="new",
                              status="contacted", occurred_at=at + timedelta(hours=2))


async def produce(bootstrap: str, count: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=512 * 1024,
                                acks="all")
    await producer.start()
    try:
        pending, sent, lead = [], 0, 0
        while sent < count:
            for event in lead_events(lead):
                if sent == count:
                    break
                key, value = event.aggregate_id.encode(), event.model_dump_json().encode()
                headers = [(k, v.encode()) for k, v in event.headers().items()]  # as the outbox relay sends
                pending.append(await producer.send(LEADS_LEAD.name, value, key=key, headers=headers))
                sent += 1
            lead += 1
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def raw_consume(bootstrap: str, count: int) -> tuple[float, float]:
    """Wall and CPU seconds a bare consumer takes to read `count` records from every partition's start."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                fetch_max_wait_ms=10, max_partition_fetch_bytes=4 * 1024 * 1024)
    await consumer.start()
    try:
        await consumer.topics()
        numbers = consumer.partitions_for_topic(LEADS_LEAD.name)
        partitions = [TopicPartition(LEADS_LEAD.name, p) for p in numbers]
        consumer.assign(partitions)
        for tp in partitions:
            consumer.seek(tp, 0)
        started, cpu, seen = time.perf_counter(), time.process_time(), 0
        while seen < count:
            batch = await consumer.getmany(timeout_ms=200, max_records=10000)
            seen += sum(len(records) for records in batch.values())
        return time.perf_counter() - started, time.process_time() - cpu
    finally:
        await consumer.stop()


async def main(count: int, use_postgres: bool, chunk: int) -> None:
    tansu = TansuBroker(free_port()).start()
    try:
        bootstrap = tansu.bootstrap_servers
        await ensure_topics(bootstrap)
        started = time.perf_counter()
        await produce(bootstrap, count)
        print(f"produced {count} events in {time.perf_counter() - started:.1f} s")
        raw_s, raw_cpu = await raw_consume(bootstrap, count)
        async with contextlib.AsyncExitStack() as stack:
            if use_postgres:
                url = await stack.enter_async_context(postgres_database(DEFAULT_POSTGRES_URL))
            else:
                url = f"sqlite+aiosqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/bench.db"
            settings = ReportingSettings(database_url=url, kafka=KafkaSettings(bootstrap_servers=bootstrap))
            started = time.perf_counter()
            await prepare_database(url)
            schema_s = time.perf_counter() - started
            started, cpu = time.perf_counter(), time.process_time()
            stats = await replay(settings, chunk=chunk)
            rebuild_s, rebuild_cpu = time.perf_counter() - started, time.process_time() - cpu
        assert stats.applied == count, stats
        raw_rate, rebuild_rate = count / raw_s, count / rebuild_s
        us = 1e6 / count
        print(f"raw aiokafka consumption: {raw_rate:>9,.0f} events/s "
              f"({raw_s:.2f} s; CPU {raw_cpu * us:.1f} us/event)")
        print(f"rebuild ({'PostgreSQL' if use_postgres else 'SQLite'}):      {rebuild_rate:>9,.0f} events/s "
              f"({rebuild_s:.2f} s, chunk {chunk}; CPU {rebuild_cpu * us:.1f} us/event; "
              f"schema created before in {schema_s:.2f} s)")
        print(f"ratio: {rebuild_rate / raw_rate:.2f}x wall, {raw_cpu / rebuild_cpu:.2f}x CPU "
              "(target >= 0.3x)")
    finally:
        tansu.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=60000)
    parser.add_argument("--postgres", action="store_true", help="rebuild into PostgreSQL instead of SQLite")
    parser.add_argument("--chunk", type=int, default=5000, help="records per rebuild transaction")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.events, arguments.postgres, arguments.chunk))
