"""SQLite's CPU for the intake's group commits with random (UUIDv4) against time-ordered (UUIDv7) ids.

    .venv/bin/python bench/intake_keys.py [--rows 100000] [--batch 32] [--rounds 3]

The leads intake stores each post as a submission row and an outbox row. Three of their unique keys were
random: the submission id, the event id and the fingerprint-derived idempotency key. A random key lands
anywhere in its index, so each post dirties a leaf page of its own in each of those indexes, and every
commit copies the dirtied pages to the WAL. `crm_shared.ids` makes the ids time-ordered, so a commit's new
ids share the indexes' rightmost pages. (The key now starts with its ten-minute slot, which bounds where
its new entries land to the current slot's; within one slot, as here, it is as random as before. The
fingerprint and the visitor cookie stay random in both variants, as in production.)

For each variant, on a fresh database migrated as the service's: the posts are made by the intake's own
`prepare`, the batches written by its own SQLite store (`SQLiteStore._write`: the dedupe lookup, two
inserts, the commit), here called on this thread. The table is first filled with `--rows` posts, then
`--rows / 2` more are measured: the CPU time of the store's calls per post (thread time, so the machine's
other load moves it little). WAL checkpoints, which the service's checkpointer runs on another thread,
run here every 64 commits outside the timed calls. The variants alternate, `--rounds` times each, the
first of each round taking turns. `v4` rewrites the prepared
rows with random ids and the former key (fingerprint first, then the slot).
"""

import argparse
import asyncio
import dataclasses
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy.ext.asyncio import create_async_engine

from crm_shared.migrations import upgrade
from leads.db import messaging
from leads.forms.batch import Post, Prepared, prepare
from leads.forms.domain import Posted
from leads.forms.service import DEDUPE_WINDOW
from leads.forms.stores import SQLiteStore

MIGRATIONS = Path(__file__).resolve().parent.parent / "services" / "leads" / "migrations"
FORM = SimpleNamespace(id="form-1", name="Contact", source="web_form", campaign="winter",
                       default_team_id=None)


def batch(size: int, start: int, variant: str) -> list[Prepared]:
    """`size` new posts as the intake prepares them (`v4`: with random ids and the former key)."""
    now = datetime.now(UTC)
    posts = [
        Post(
            form=FORM,
            posted=Posted(
                fields={
                    "email": f"visitor{start + i}@example.com",
                    "first_name": "Li",
                    "last_name": "Wei",
                    "company": f"Company {start + i}",
                    "phone": "+8613800138000",
                },
                utm={"utm_source": "newsletter", "utm_campaign": "winter"},
                page_url="https://example.com/demo",
                visitor_id=str(uuid.uuid4()),  # the visitor cookie is random, as in production
            ),
            idempotency_key=None,
            quarantine_reason=None,
            client_ip="203.0.113.9",
            now=now,
        )
        for i in range(size)
    ]
    items = prepare(posts, "bench")
    if variant == "v7":
        return items
    slot = int(now.timestamp() // DEDUPE_WINDOW.total_seconds())
    randomized = []
    for item in items:
        key = f"fp:{item.print_}:{slot}"
        row = {**item.row, "id": str(uuid.uuid4()), "idempotency_key": key}
        event = {**item.event, "event_id": str(uuid.uuid4()), "aggregate_id": row["id"]}
        randomized.append(dataclasses.replace(item, key=key, row=row, event=event))
    return randomized


async def measure(variant: str, rows: int, size: int) -> float:
    """CPU microseconds of the store per post over the last `rows / 2` posts, after `rows` are stored."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/leads.db"
        await upgrade(MIGRATIONS, url)
        engine = create_async_engine(url)
        store = SQLiteStore(engine, messaging)
        try:
            spent, measured, done = 0.0, 0, 0
            while done < rows + rows // 2:
                items = batch(size, done, variant)
                values = store.submissions.tuples(store.dialect, [item.row for item in items])
                events = store.outbox.tuples(store.dialect, [item.event for item in items])
                started = time.thread_time()
                results = store._write(items, values, events)
                if done >= rows:
                    spent += time.thread_time() - started
                    measured += len(items)
                assert not any(duplicate for _, duplicate in results)
                done += len(items)
                if done // size % 64 == 0:  # the checkpointer's work, on its own thread in the service
                    store._connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            return spent * 1e6 / measured
        finally:
            store._close()
            store._thread.shutdown()
            await engine.dispose()


async def main(rows: int, size: int, rounds: int) -> None:
    figures: dict[str, list[float]] = {"v4": [], "v7": []}
    for round_ in range(rounds):
        for variant in ("v4", "v7") if round_ % 2 == 0 else ("v7", "v4"):
            figures[variant].append(await measure(variant, rows, size))
            print(f"  {variant}: {figures[variant][-1]:.1f} us of SQLite CPU a post", flush=True)
    v4, v7 = statistics.median(figures["v4"]), statistics.median(figures["v7"])
    print(
        f"intake store, {rows:,} posts stored, {size} a commit, medians of {rounds}: random ids "
        f"{v4:.1f} us a post, time-ordered {v7:.1f} us a post ({v7 / v4:.2f}x)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100000)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rows, arguments.batch, arguments.rounds))
