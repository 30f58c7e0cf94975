"""Replay every topic reporting consumes, from the start to the current end, into a fresh database."""

import asyncio
import contextlib
import gc
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from crm_shared.db import create_engine, is_sqlite, session_factory
from crm_shared.messaging.uow import UnitOfWork
from reporting.config import ReportingSettings
from reporting.counter_store import DERIVED_LATER
from reporting.handlers import handlers
from reporting.models import messaging
from reporting.rebuild.applier import ApplyStats, ChunkApplier
from reporting.rebuild.changes import make_changes
from reporting.rebuild.funnel import make_funnel
from reporting.rebuild.indexes import create_indexes, drop_secondary_indexes
from reporting.rebuild.statistics import Statistics
from reporting.rebuild.sums import make_sums

Slices = dict[tuple[str, int], tuple[int, set[int]]]  # (topic, partition) -> (slots, the slots folded here)
MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations"


class NotFresh(Exception):
    """The target database already holds applied events: a rebuild needs an empty one."""


@dataclass
class ReplayPlan:
    """The partitions to read, where each starts, and a first estimate of where each ends."""

    consumer: AIOKafkaConsumer
    begin: dict[TopicPartition, int]
    estimate: dict[TopicPartition, int]


async def prepare_database(database_url: str) -> None:
    """Migrate the target database; refuse one whose inbox already holds events."""
    from crm_shared.migrations import upgrade  # noqa: PLC0415 - Alembic: a second to import, for this only

    await upgrade(MIGRATIONS, database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            counted = await connection.execute(select(func.count()).select_from(messaging.inbox))
            applied = counted.scalar_one()
    finally:
        await engine.dispose()
    if applied:
        raise NotFresh(f"the database already holds {applied} applied events; give a new --database-url")


def rebuild_engine(database_url: str) -> AsyncEngine:
    """An engine that trades durability for speed, safe only because a rebuild writes a database nobody
    uses yet: `prepare_database` refuses one that holds applied events, the operator points the service
    at it only once the rebuild has finished, and a crashed rebuild is redone into a new database (its
    inbox is no longer empty). PostgreSQL: `synchronous_commit=off`, and no sequential scans: the fresh
    tables have no statistics until autovacuum analyzes them, so the planner scanned a whole table for each
    fold's lookup of a chunk's records by id (half the rebuild's time at 60,000 events), where the index
    answers. SQLite: no fsync (`synchronous=OFF`) and a 64 MiB page cache, so a large rebuild keeps its
    indexes in memory (the WAL stays: a journal in memory measured no faster, and a failed chunk must still
    roll back)."""
    if not is_sqlite(database_url):
        settings = {"synchronous_commit": "off", "enable_seqscan": "off"}
        return create_engine(database_url, connect_args={"server_settings": settings})
    engine = create_engine(database_url)

    @sa_event.listens_for(engine.sync_engine, "connect")
    def _fast_writes(dbapi_conn, _record):  # noqa: ANN001 - runs after the project's own pragmas
        cursor = dbapi_conn.cursor()
        for pragma in ("synchronous=OFF", "cache_size=-65536"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    return engine


def rebuild_sessions(engine: AsyncEngine) -> async_sessionmaker:
    """Sessions that fold facts only: the leads' cards and stage facts without their funnel contributions,
    the deals', orders' and tickets' facts without their counters' changes, and no sums (all made whole at
    the end: `finish_derived`, or on PostgreSQL after shares `derive`)."""
    sessions = session_factory(engine)
    sessions.configure(info={DERIVED_LATER: True})
    return sessions


async def finish_derived(sessions: async_sessionmaker) -> None:
    """Make the lead funnel's contributions from the cards and stage facts folded, every record's counter
    changes from its facts, then the sums tables from every change (one transaction)."""
    async with sessions() as session, session.begin():
        await make_funnel(session)
        await make_sums(session, await make_changes(session))


@contextlib.contextmanager
def rare_collections(threshold: int = 100_000) -> Iterator[None]:
    """The cyclic garbage collector runs rarely while a replay folds: what exists before is frozen (never
    scanned again) and a young collection waits for `threshold` new objects instead of 700. A replay
    allocates several objects per event that die young by reference counting; with the default thresholds
    the collector's scans of the growing heap took about a quarter of the replay's CPU (15 us an event of
    60). Cycles are still collected, only less often; the thresholds are restored afterwards."""
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    gc.freeze()
    gc.set_threshold(threshold, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if not frozen:  # what the process had frozen itself stays so
            gc.unfreeze()


async def plan(settings: ReportingSettings, topics: list[str] | None = None,
               only: set[tuple[str, int]] | None = None) -> ReplayPlan:
    """A consumer without a group, assigned every partition of the topics (or `only` those of them) and
    placed at their start."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka.bootstrap_servers, group_id=None, enable_auto_commit=False,
        auto_offset_reset="earliest", fetch_max_wait_ms=settings.kafka.fetch_max_wait_ms,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    try:
        await consumer.start()
        return await _assigned(consumer, topics, only)
    except BaseException:
        await consumer.stop()
        raise


async def _assigned(consumer: AIOKafkaConsumer, topics: list[str] | None,
                    only: set[tuple[str, int]] | None) -> ReplayPlan:
    known = await consumer.topics()
    wanted = [topic for topic in (topics or sorted(handlers.by_topic)) if topic in known]
    partitions = [TopicPartition(topic, p) for topic in wanted
                  for p in sorted(consumer.partitions_for_topic(topic) or ())
                  if only is None or (topic, p) in only]
    consumer.assign(partitions)
    if not partitions:
        return ReplayPlan(consumer, {}, {})
    begin = await consumer.beginning_offsets(partitions)
    estimate = await consumer.end_offsets(partitions)
    for tp in partitions:
        consumer.seek(tp, begin[tp])
    return ReplayPlan(consumer, begin, estimate)


async def replay(
    settings: ReportingSettings,
    *,
    on_progress: Callable[[float, float], None] = lambda done, total: None,
    chunk: int = 5000,
    only: set[tuple[str, int]] | None = None,
    share: bool = False,
    derived: bool = True,
    slices: Slices | None = None,
) -> ApplyStats:
    """Rebuild the projections in `settings.database_url` from every topic (or `only` these partitions);
    `on_progress(done, total)`. The target is migrated, checked to be fresh, loaded without its secondary
    indexes and its derived tables (the lead funnel's contributions, the counters' changes and sums), and
    given them at the end; a `share` of a parallel rebuild folds into a database its parent prepared that
    way and leaves the indexes to it, and the derived tables too unless `derived`; of a partition in
    `slices` it folds the records whose key is in its slots (the progress counts such a partition's records
    as the share's part of them).

    Each partition is read up to the high watermark its first fetch reports (the end when the replay
    started). Tansu answers ListOffsets(latest) with the last batch's base offset + 1, so the offsets
    it lists serve only as the progress bar's first estimate.
    """
    if not share:
        await prepare_database(settings.database_url)
    replay_plan = await plan(settings, only=only)
    engine = rebuild_engine(settings.database_url)
    sessions = rebuild_sessions(engine)
    applier = ChunkApplier(handlers, lambda: UnitOfWork(sessions, messaging, "reporting"))
    try:
        deferred = [] if share else await drop_secondary_indexes(engine)  # once the broker answered
        with rare_collections():
            await _fold(replay_plan, applier, chunk, on_progress, Statistics(engine), slices)
        if derived:
            await finish_derived(sessions)
        if not share:  # a share leaves them (and their ledger, for a rerun) to its parent
            await create_indexes(engine, deferred)
    finally:
        await replay_plan.consumer.stop()
        await engine.dispose()
    return applier.stats


async def _fold(replay_plan: ReplayPlan, applier: ChunkApplier, chunk: int,
                on_progress: Callable[[float, float], None], statistics: Statistics,
                slices: Slices | None = None) -> None:
    """Read every partition up to its end, each fetched batch decoded while the previous one is written
    (and the target analyzed as it fills); of a sliced partition, the records whose key is in the slots."""
    consumer, begin = replay_plan.consumer, replay_plan.begin
    slices = slices or {}
    mine = {tp: slices[(tp.topic, tp.partition)] for tp in begin if (tp.topic, tp.partition) in slices}
    weight = {tp: len(mine[tp][1]) / mine[tp][0] if tp in mine else 1 for tp in begin}
    end: dict[TopicPartition, int] = {}
    applying: asyncio.Task | None = None
    try:
        remaining, done, folded = set(begin), 0, False
        while remaining:
            # only slices left: as many more records a fetch as are skipped (about `chunk` of this share's)
            fetch = round(chunk / max(weight[tp] for tp in remaining))
            batch = await consumer.getmany(*remaining, timeout_ms=200, max_records=fetch)
            for tp in remaining - end.keys():
                if consumer.highwater(tp) is not None:
                    end[tp] = consumer.highwater(tp)
            records, read = [], 0
            for tp, part in batch.items():  # a partition's records in offset order: most end before its end
                last = end.get(tp)
                if last is not None and part[-1].offset >= last:
                    part = [r for r in part if r.offset < last]
                read += len(part) * weight[tp]
                if tp in mine:
                    slots, kept = mine[tp]
                    part = [r for r in part if zlib.crc32(r.key or b"") % slots in kept]
                records.extend(part)
            events = applier.decode(records)  # while the previous chunk is being written
            if applying is not None:
                await applying
                if folded:
                    await statistics.chunk_folded()
            folded = bool(records)
            applying = asyncio.create_task(applier.apply_decoded(records, events))
            done += read
            extents = ((end.get(tp, replay_plan.estimate[tp]) - begin[tp]) * weight[tp] for tp in begin)
            on_progress(done, sum(extents))
            remaining = {tp for tp in remaining if tp not in end or await consumer.position(tp) < end[tp]}
        if applying is not None:
            await applying
    finally:
        if applying is not None and not applying.done():
            applying.cancel()
