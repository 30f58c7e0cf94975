"""One share of a parallel rebuild (or one part of its end, `make_part`), in a process forked from the
rebuild's own (it has every module already: a fresh interpreter took ~1.7 s to import them, on the
rebuild's critical path).

The share folds its partitions (of a partition cut into slices, the records whose key is in its slots)
into its database (migrated, empty, without its secondary indexes: the target, or a copy of it; on
PostgreSQL the target, with the other shares at once, its derived tables left to the parent) with the
replay's own code, in an event loop of its own, and reports on a pipe:
`progress <done> <total>` lines while it folds, then one `stats <json>` line. On PostgreSQL a process
forked after the fold makes a part of the records' counter changes instead (`make_part`, `derive`).
"""

import asyncio
import dataclasses
import json
import os
import pickle
import signal
import sys
from collections.abc import Iterable
from typing import TextIO

from reporting.config import ReportingSettings
from reporting.rebuild.changes import make_changes
from reporting.rebuild.replay import rebuild_engine, rebuild_sessions, replay


def main(job: dict, out_fd: int, inherited: Iterable[int] = ()) -> None:
    """The forked process: fold the job's share (or make its part), writing its report to `out_fd`.

    What the fork copied of the parent's that is not the share's goes first: the read ends of the report
    pipes (`inherited`: held here, a parent killed would never close them, and the share would fold on
    instead of failing on its next report), the parent's Ctrl-C handler (asyncio's, which would cancel
    the parent's copied task and leave this fold running) and the console the parent may have wrapped
    (a progress display, whose lock a thread of the parent may have held at the fork)."""
    for fd in inherited:
        os.close(fd)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    with os.fdopen(out_fd, "w", buffering=1) as out:
        asyncio.run(run(job, out))


async def run(job: dict, out: TextIO) -> None:
    if "part" in job:  # after the fold (PostgreSQL): a part of the records' counter changes
        await make_part(job)
        print("stats {}", file=out, flush=True)
        return
    settings: ReportingSettings = job["settings"]
    pieces: dict[tuple[str, int], tuple[int, set[int]]] = {}  # partition -> (slots, the share's slots)
    for topic, partition, slot, slots in job["partitions"]:
        pieces.setdefault((topic, partition), (slots, set()))[1].add(slot)
    slices = {partition: (slots, mine) for partition, (slots, mine) in pieces.items() if len(mine) < slots}

    def on_progress(done: float, total: float) -> None:
        print(f"progress {done} {total}", file=out, flush=True)

    stats = await replay(settings, on_progress=on_progress, chunk=job["chunk"], only=set(pieces), share=True,
                         derived=job["derived"], slices=slices)
    print(f"stats {json.dumps(dataclasses.asdict(stats))}", file=out, flush=True)


async def make_part(job: dict) -> None:
    """Make the counter changes of the job's part of the records, in a transaction of its own, and leave
    their sums per day and key in the job's file, by day table name (`derive`)."""
    engine = rebuild_engine(job["settings"].database_url)
    try:
        async with rebuild_sessions(engine)() as session, session.begin():
            days = await make_changes(session, job["part"])
    finally:
        await engine.dispose()
    await asyncio.to_thread(_dump, job["days"], {table.name: sums for table, sums in days.items()})


def _dump(path: str, days: dict) -> None:
    with open(path, "wb") as file:
        pickle.dump(days, file)
