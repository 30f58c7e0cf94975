"""Rebuild rate against raw aiokafka consumption, measured in the same run on a private Tansu broker.

    .venv/bin/python bench/reporting_replay.py [--events 300000] [--workers N] [--postgres]
                                               [--mix leads|crm] [--spread] [--chunk N] [--floors]
                                               [--partitions N]

Produces N events to a broker of its own, reads them once with a bare aiokafka consumer (no decoding),
then rebuilds the reporting projections from them into a fresh database with `reporting.rebuild`, and
prints both rates and their ratio (target >= 0.3x). `--mix leads` (the default, the historical figure):
lead events only (captured, assigned, contacted: three per lead). `--mix crm`: each lead's three events
followed by a deal's (opened, moved to a later stage, won or lost, with a product line) and a ticket's
(opened, answered, resolved), on their own topics: nine events per customer story. `--spread`: the stories'
events interleaved over the whole run (every story's first event, then every story's second...), as a
year of activity spreads each record's events, so a record's events land in different chunks.

`--floors` then rebuilds twice more with parts switched off, to show what the rest costs: with every
projection a no-op (reading, decoding, and recording each event in the inbox), and with nothing applied
at all (reading and decoding only). Their ratios bound what any fold of the projections could reach.

`--partitions N`: topics of at most N partitions (`make run` creates one a topic; by default the registry's
counts, 6 for the lead topics): a partition larger than a share's part of its topic is then folded by
several processes, each the records whose key falls in its slot.

`--workers` (default: the CPUs, up to 4) is the rebuild command's own: it folds shares of the partitions
in that many processes at once, one per 20,000 records at most (on SQLite into databases of their own,
merged at the end; on PostgreSQL into the target at once); the CPU figure then adds the shares'
processes (not PostgreSQL's own). The floors run in one process.

The schema is created first and timed on its own (a fixed cost, not a per-event one). Besides wall-clock
rates it prints the CPU time this process spent per event on each side: on a loaded machine the wall
ratio swings with the neighbours, the CPU ratio much less (Tansu runs in its own process either way).
"""

import argparse
import asyncio
import contextlib
import itertools
import os
import resource
import tempfile
import time
import unittest.mock
from datetime import timedelta
from decimal import Decimal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from crm_shared.events.base import utcnow
from crm_shared.events.leads import LeadAssignedV1, LeadCapturedV1, LeadStatusChangedV1
from crm_shared.events.sales import (
    OpportunityLostV1,
    OpportunityOpenedV1,
    OpportunityStageChangedV1,
    OpportunityWonV1,
)
from crm_shared.events.service_desk import TicketOpenedV1, TicketResolvedV1, TicketUpdatedV1
from crm_shared.messaging.admin import ensure_topics
from crm_shared.messaging.tansu import TansuBroker, free_port
from crm_shared.settings import KafkaSettings
from crm_shared.testing import DEFAULT_POSTGRES_URL, postgres_database
from crm_shared.topics import all_topic_specs
from reporting import projections
from reporting.config import ReportingSettings
from reporting.rebuild.applier import ChunkApplier
from reporting.rebuild.parallel import rebuild
from reporting.rebuild.replay import prepare_database

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


def deal_events(story: int):
    """A deal opened, moved to a later stage, then won or lost (one product line)."""
    at = utcnow() - timedelta(days=story % 365, hours=-3)
    owner, team, amount = f"rep-{story % 40}", f"team-{story % 6}", Decimal(1000 + story % 9000)
    line = {"product": f"product-{story % 15}", "quantity": 1, "unit_price": amount, "amount": amount}
    base = {"aggregate_id": f"O{story}", "name": f"Deal {story}", "account_id": f"A{story % 500}",
            "owner_id": owner, "team_id": team, "pipeline_id": "p1", "forecast_category": "pipeline",
            "amount": amount, "lines": [line], "source_type": "lead", "source_id": f"L{story}"}
    yield OpportunityOpenedV1(**base, stage_id="s1", stage_name="Qualify", probability=10, occurred_at=at)
    moved = {"from_stage_id": "s1", "from_stage_name": "Qualify", "to_stage_id": "s2",
             "to_stage_name": "Demo", "seconds_in_previous_stage": 86400.0}
    yield OpportunityStageChangedV1(**base, stage_id="s2", stage_name="Demo", probability=40, **moved,
                                    occurred_at=at + timedelta(days=1))
    won = story % 3 != 0
    cls, target = (OpportunityWonV1, "won") if won else (OpportunityLostV1, "lost")
    closed = at + timedelta(days=5)
    yield cls(**{**base, "forecast_category": "closed"}, stage_id=target, stage_name=target.title(),
              stage_type=target, status=target, probability=100 if won else 0, from_stage_id="s2",
              from_stage_name="Demo", to_stage_id=target, to_stage_name=target.title(),
              seconds_in_previous_stage=4 * 86400.0, closed_at=closed, occurred_at=closed,
              close_reason=None if won else "price")


def ticket_events(story: int):
    """A ticket opened, answered within the hour, resolved the next day."""
    opened = utcnow() - timedelta(days=story % 365, hours=-4)
    answered, resolved = opened + timedelta(minutes=40), opened + timedelta(hours=26)
    base = {"aggregate_id": f"K{story}", "subject": f"Help {story}",
            "channel": ("phone", "email", "chat")[story % 3], "priority": "normal",
            "queue_id": f"q{story % 4}", "assignee_id": f"agent-{story % 12}",
            "account_id": f"A{story % 500}", "opened_at": opened, "first_response_target_minutes": 60,
            "resolution_target_minutes": 1440}
    yield TicketOpenedV1(**base, status="new", occurred_at=opened)
    yield TicketUpdatedV1(**base, status="open", first_response_at=answered, occurred_at=answered)
    yield TicketResolvedV1(**base, status="resolved", first_response_at=answered, resolved_at=resolved,
                           csat_rating=None, occurred_at=resolved)


def story_events(story: int, mix: str):
    """The events of one customer story in the chosen mix."""
    yield from lead_events(story)
    if mix == "crm":
        yield from deal_events(story)
        yield from ticket_events(story)


def records(count: int, mix: str, spread: bool):
    """The first `count` events of the stories as (topic, key, value, headers), as the outbox relay sends
    them; `spread`: in rounds, each story's k-th event in round k."""
    def record(event):
        headers = [(k, v.encode()) for k, v in event.headers().items()]
        return event.topic, event.aggregate_id.encode(), event.model_dump_json().encode(), headers

    if not spread:
        story, sent = 0, 0
        while sent < count:
            for event in itertools.islice(story_events(story, mix), count - sent):
                yield record(event)
                sent += 1
            story += 1
        return
    stories, total = [], 0
    while total < count:
        stories.append([record(event) for event in story_events(len(stories), mix)])
        total += len(stories[-1])
    rounds = itertools.zip_longest(*stories)  # each story's events stay in their order
    yield from itertools.islice((r for one_round in rounds for r in one_round if r is not None), count)


async def produce(bootstrap: str, count: int, mix: str = "leads", spread: bool = False) -> set[str]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=512 * 1024,
                                acks="all")
    await producer.start()
    try:
        pending, topics = [], set()
        for topic, key, value, headers in records(count, mix, spread):
            pending.append(await producer.send(topic, value, key=key, headers=headers))
            topics.add(topic)
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
        return topics
    finally:
        await producer.stop()


async def raw_consume(bootstrap: str, count: int, topics: set[str]) -> tuple[float, float]:
    """Wall and CPU seconds a bare consumer takes to read `count` records from every partition's start."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                fetch_max_wait_ms=10, max_partition_fetch_bytes=4 * 1024 * 1024)
    await consumer.start()
    try:
        await consumer.topics()
        partitions = [TopicPartition(topic, p) for topic in sorted(topics)
                      for p in consumer.partitions_for_topic(topic)]
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


async def _no_projections(*, uow, events) -> None:
    """`projections.apply_events` switched off: the inbox rows are still written."""


async def _nothing_applied(self: ChunkApplier, records, events) -> None:
    """`ChunkApplier.apply_decoded` switched off: events are read and decoded, then counted as applied."""
    self.stats.applied += len(events)


FLOORS = (
    ("rebuild, projections off (read, decode, inbox)", unittest.mock.patch.object(
        projections, "apply_events", _no_projections)),
    ("rebuild, nothing applied (read, decode)", unittest.mock.patch.object(
        ChunkApplier, "apply_decoded", _nothing_applied)),
)


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (a parallel rebuild's shares)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


async def rebuild_into(url: str, bootstrap: str, count: int, chunk: int,
                       workers: int) -> tuple[float, float, float]:
    """Schema, wall and CPU seconds of one rebuild of `count` events into the fresh database at `url`."""
    settings = ReportingSettings(database_url=url, kafka=KafkaSettings(bootstrap_servers=bootstrap))
    started = time.perf_counter()
    await prepare_database(url)
    schema_s = time.perf_counter() - started
    started, cpu = time.perf_counter(), cpu_seconds()
    stats = await rebuild(settings, chunk=chunk, workers=workers)
    rebuild_s, rebuild_cpu = time.perf_counter() - started, cpu_seconds() - cpu
    assert stats.applied == count, stats
    return schema_s, rebuild_s, rebuild_cpu


async def main(count: int, use_postgres: bool, chunk: int, mix: str, floors: bool = False,
               workers: int = 1, spread: bool = False, partitions: int = 0) -> None:
    tansu = TansuBroker(free_port()).start()
    try:
        bootstrap = tansu.bootstrap_servers
        await ensure_topics(bootstrap, all_topic_specs(max_partitions=partitions))
        started = time.perf_counter()
        topics = await produce(bootstrap, count, mix, spread)
        print(f"produced {count} events ({mix} mix{', spread' if spread else ''}) in "
              f"{time.perf_counter() - started:.1f} s")
        raw_s, raw_cpu = await raw_consume(bootstrap, count, topics)
        us = 1e6 / count
        print(f"raw aiokafka consumption: {count / raw_s:>9,.0f} events/s "
              f"({raw_s:.2f} s; CPU {raw_cpu * us:.1f} us/event)")
        store = "PostgreSQL" if use_postgres else "SQLite"
        shares = workers
        runs = [(f"rebuild ({store}, {shares} process{'es' if shares > 1 else ''})", contextlib.nullcontext(),
                 shares)]
        runs += [(label, off, 1) for label, off in (FLOORS if floors else ())]
        for label, switched_off, processes in runs:
            async with contextlib.AsyncExitStack() as stack:
                if use_postgres:
                    url = await stack.enter_async_context(postgres_database(DEFAULT_POSTGRES_URL))
                else:
                    url = f"sqlite+aiosqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/bench.db"
                with switched_off:
                    schema_s, rebuild_s, rebuild_cpu = await rebuild_into(url, bootstrap, count, chunk,
                                                                          processes)
            print(f"{label}: {count / rebuild_s:>9,.0f} events/s ({rebuild_s:.2f} s, chunk {chunk}; "
                  f"CPU {rebuild_cpu * us:.1f} us/event; schema created before in {schema_s:.2f} s)")
            print(f"  ratio: {raw_s / rebuild_s:.2f}x wall, {raw_cpu / rebuild_cpu:.2f}x CPU "
                  "(target >= 0.3x)")
    finally:
        tansu.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300000)
    parser.add_argument("--postgres", action="store_true", help="rebuild into PostgreSQL instead of SQLite")
    parser.add_argument("--chunk", type=int, default=5000, help="records per rebuild transaction")
    parser.add_argument("--mix", choices=("leads", "crm"), default="leads",
                        help="lead events only (default), or leads, deals and tickets")
    parser.add_argument("--spread", action="store_true",
                        help="each story's events spread over the whole run, as over a year")
    parser.add_argument("--floors", action="store_true",
                        help="also rebuild with the projections off, then with nothing applied")
    parser.add_argument("--workers", type=int, default=min(os.cpu_count() or 1, 4),
                        help="processes folding shares of the partitions (the floors use one)")
    parser.add_argument("--partitions", type=int, default=0,
                        help="at most this many partitions a topic (make run: 1; default: the registry's)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.events, arguments.postgres, arguments.chunk, arguments.mix, arguments.floors,
                     arguments.workers, arguments.spread, arguments.partitions))
