"""A rebuild folded by several processes at once, each a share of the partitions, with the very code of a
single replay.

On SQLite (one writer at a time) each share folds into a database of its own, then the shares are merged
into the target and the few figures whose facts span shares are made again from the merged facts
(`merge`). On PostgreSQL the shares fold into the target itself at once, as replicas of the live consumer
do (commutative upserts), and the derived tables (the lead funnel's contributions, which read across
records: a lead merged into one of another share; the counters' changes and sums) are made once at the
end, from everything folded, the counters' changes by as many processes, a part of the records each
(`derive`).

Every event of one record on one topic is in one partition (events are keyed by their record), so a share
holds each record's whole story on that topic, also when a large partition is cut into slices by key (each
share then reads the partition and folds the records whose key falls in its slots); duplicates of an
event (a relay re-sending it) have its key too, and its share's inbox drops them.
"""

import asyncio
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_shared.db import is_sqlite, session_factory
from reporting.config import ReportingSettings
from reporting.rebuild import part
from reporting.rebuild.applier import ApplyStats
from reporting.rebuild.derive import derive
from reporting.rebuild.indexes import create_indexes, drop_secondary_indexes
from reporting.rebuild.merge import copy_file, merge_shares, refresh_across_shares, remove_file
from reporting.rebuild.processes import RebuildFailed, Share, ShareFailed, follow_all, fork, stop
from reporting.rebuild.replay import plan, prepare_database, rebuild_engine, replay

__all__ = ["MAX_WORKERS", "SHARE_MIN", "RebuildFailed", "ShareFailed", "deal", "rebuild"]

Partition = tuple[str, int]
Piece = tuple[str, int, int, int]  # (topic, partition, slot, slots): the records whose key is in the slot
# records a share's process is worth (forked, it starts at once; its fixed costs are its broker connection
# and its copy of the target): 60,000 lead events in two shares took 1.46-1.61 s, in one 2.32-2.38 s
SHARE_MIN = 20_000
SHARE_MAIN = part.main  # what each share's process runs: (job, the pipe to report on)
MAX_WORKERS = 8  # the merge attaches the other shares at once: SQLite attaches at most 10 databases


def deal(sizes: dict[Partition, int], workers: int, min_slice: int = SHARE_MIN) -> list[list[Piece]]:
    """The partitions dealt into at most `workers` shares of about equal records of every topic: topic by
    topic (the largest first), each partition (the largest first) to the share holding the fewest records of
    that topic so far, then the fewest in all (events of different topics cost a fold very differently: a
    deal's many counter changes against a lead's few); the order of equal ones fixed by their names. A
    partition holding 1.5 shares' parts of its topic or more is cut into slices by its records' keys (as
    many as it holds parts, rounded, up to `workers`, each of `min_slice` records at least), dealt as
    partitions are: one large partition (`make run` gives each topic one) folds in several processes. A
    share left with fewer than `min_slice` records joins the one with the fewest (not worth a process), the
    empty partitions go to the first share. A piece is (topic, partition, slot, slots): the records whose
    key falls in that slot."""
    shares: list[list[Piece]] = [[] for _ in range(workers)]
    totals, topics = [0] * workers, {}
    for (topic, number), size in sizes.items():
        topics.setdefault(topic, {})[(topic, number)] = size
    for topic in sorted(topics, key=lambda name: (-sum(topics[name].values()), name)):
        mine = [0] * workers  # this topic's records in each share
        part = sum(topics[topic].values()) / workers  # a share's part of the topic
        for (name, number), size in sorted(topics[topic].items(), key=lambda item: (-item[1], item[0])):
            if not size:
                shares[0].append((name, number, 0, 1))
                continue
            slots = max(1, min(workers, round(size / part), size // min_slice))
            for slot in range(slots):
                index = min(range(workers), key=lambda i: (mine[i], totals[i], i))
                piece = size // slots + (slot < size % slots)
                mine[index] += piece
                totals[index] += piece
                shares[index].append((name, number, slot, slots))
    kept = sorted((index for index in range(workers) if shares[index]), key=lambda i: (totals[i], i))
    while len(kept) > 1 and totals[kept[0]] < min_slice:
        small, into = kept.pop(0), kept[0]
        shares[into] += shares[small]
        totals[into] += totals[small]
        kept.sort(key=lambda i: (totals[i], i))
    return [shares[index] for index in sorted(kept)]


async def rebuild(settings: ReportingSettings, *, workers: int = 1, chunk: int = 5000,
                  on_progress: Callable[[int, int], None] = lambda done, total: None) -> ApplyStats:
    """Rebuild `settings.database_url` (fresh) from every topic, with up to `workers` processes."""
    if workers > 1:
        workers = min(workers, MAX_WORKERS)
        return await replay_parallel(settings, workers=workers, chunk=chunk, on_progress=on_progress)
    return await replay(settings, on_progress=on_progress, chunk=chunk)


async def replay_parallel(settings: ReportingSettings, *, workers: int, chunk: int,
                          on_progress: Callable[[int, int], None]) -> ApplyStats:
    """Rebuild `settings.database_url` (a fresh database) with up to `workers` processes, one per
    `SHARE_MIN` records at most. SQLite: the first share folds into the target itself, each other one into
    a copy of the migrated target beside it, merged into the target at the end. PostgreSQL: every share
    folds into the target, the derived tables are made at the end."""
    first = await plan(settings)
    await first.consumer.stop()
    sizes = {(tp.topic, tp.partition): first.estimate[tp] - first.begin[tp] for tp in first.begin}
    shares = deal(sizes, max(1, min(workers, sum(sizes.values()) // SHARE_MIN)), SHARE_MIN)
    if len(shares) < 2:
        return await replay(settings, on_progress=on_progress, chunk=chunk)
    sqlite = is_sqlite(settings.database_url)
    target = Path(make_url(settings.database_url).database) if sqlite else None
    files = [target, *(target.with_name(f"{target.name}.share{index}") for index in range(1, len(shares)))] \
        if sqlite else []
    urls = [f"sqlite+aiosqlite:///{path}" for path in files] or [settings.database_url] * len(shares)
    progress = [[0.0, sum(sizes[(topic, number)] / slots for topic, number, _, slots in share)]
                for share in shares]
    started: list[Share] = []
    try:
        deferred = await _prepare(settings.database_url)
        for path in files[1:]:
            await asyncio.to_thread(copy_file, target, path)
        for share, url in zip(shares, urls, strict=True):
            started.append(_start(settings, url, share, chunk, sqlite, [other.report for other in started]))

        def report(index: int, done: float, total: float) -> None:  # a slice's records count 1/slots
            progress[index] = [done, total]
            on_progress(round(sum(d for d, _ in progress)), round(sum(t for _, t in progress)))

        results = await follow_all(started, report)
        engine = rebuild_engine(settings.database_url)
        try:
            await _finish(settings, engine, target, files, deferred, len(started))
        except Exception as error:  # e.g. a record folded in two shares
            raise RebuildFailed(f"the shares folded, but finishing the rebuild failed: {error!r}") from error
        finally:
            await engine.dispose()
    finally:
        stop(started)
        for path in files[1:]:
            remove_file(path)
    return ApplyStats(**{name: sum(getattr(stats, name) for stats in results)
                         for name in ApplyStats.__dataclass_fields__})


async def _finish(settings: ReportingSettings, engine: AsyncEngine, target: Path | None, files: list[Path],
                  deferred: list[str], workers: int) -> None:
    """After the shares: SQLite merges the other shares' databases into the target and refreshes the leads
    merged across shares; PostgreSQL makes the derived tables, in as many processes as folded; both make
    the indexes."""
    if target is not None:
        await asyncio.to_thread(merge_shares, target, files[1:])
        await refresh_across_shares(session_factory(engine))  # with their sums, as live
    else:
        await derive(settings, engine, workers)
    await create_indexes(engine, deferred)


async def _prepare(database_url: str) -> list[str]:
    """Migrate the target, check it is fresh, drop its secondary indexes; the statements to make them."""
    await prepare_database(database_url)
    engine = rebuild_engine(database_url)
    try:
        return await drop_secondary_indexes(engine)
    finally:
        await engine.dispose()


def _start(settings: ReportingSettings, database_url: str, share: list[Piece], chunk: int, derived: bool,
           others: list[int]) -> Share:
    """Fork a share's process: the rebuild's settings with the share's database, its partitions, whether it
    makes its derived tables (the fork copies them, nothing is serialized); it closes `others` (the report
    pipes of the shares started before)."""
    own = settings.model_copy(update={"database_url": database_url})
    job = {"settings": own, "partitions": share, "chunk": chunk, "derived": derived}
    return fork(SHARE_MAIN, job, others)
