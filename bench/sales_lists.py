"""Sales lists at 1M opportunities: p50/p95 of the main list and search queries through the HTTP API.

    .venv/bin/python bench/sales_lists.py [--opportunities 1000000] [--requests 200] [--database both]

Builds a migrated sales database (SQLite, and a fresh PostgreSQL database on the local server) and bulk
loads N opportunities over 200 reps in 20 teams (N/10 accounts, the default pipeline's stages, close
dates over 2026), then measures GET /opportunities in process (ASGI, no Kafka) as a rep, a manager and an
admin: first pages, a deep page reached by cursor, filters, stale deals and the name search `q` (a
common needle, and a rare one that the name index serves).
"""

import argparse
import asyncio
import itertools
import logging
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "services" / "sales"))

from crm_shared.auth import Principal, Role  # noqa: E402
from crm_shared.migrations import upgrade  # noqa: E402
from crm_shared.testing import DEFAULT_POSTGRES_URL, bearer, postgres_database  # noqa: E402
from sales.config import SalesSettings  # noqa: E402
from sales.main import SPEC_MIGRATIONS, create_app  # noqa: E402
from sales.pipeline.domain import DEFAULT_STAGES  # noqa: E402

REPS, TEAMS, CHUNK = 200, 20, 50_000
STAMP = "%Y-%m-%d %H:%M:%S.%f"


def rows(count: int) -> dict[str, tuple[list[str], Iterable[tuple]]]:
    """The rows to load per table (columns, rows), typed; timestamps as aware datetimes."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    tables: dict[str, tuple[list[str], Iterable[tuple]]] = {
        "team": (
            ["id", "name", "created_at", "updated_at"],
            [(f"t{t:02d}", f"Team {t}", start, start) for t in range(TEAMS)],
        ),
        "app_user": (
            [
                "id",
                "name",
                "email",
                "role",
                "team_id",
                "active",
                "capacity",
                "password_hash",
                "created_at",
                "updated_at",
            ],
            [
                (
                    f"u{r:03d}",
                    f"Rep {r}",
                    f"rep{r}@example.com",
                    "rep",
                    f"t{r % TEAMS:02d}",
                    True,
                    0,
                    "x",
                    start,
                    start,
                )
                for r in range(REPS)
            ],
        ),
        "pipeline": (
            ["id", "name", "is_default", "created_at", "updated_at"],
            [("p", "Sales", True, start, start)],
        ),
    }
    stages = [(f"s{i}", "p", name, i, p, c, t, r) for i, (name, p, c, t, r) in enumerate(DEFAULT_STAGES)]
    tables["stage"] = (
        ["id", "pipeline_id", "name", "position", "probability", "forecast_category", "type", "rotting_days"],
        stages,
    )
    accounts = max(1, count // 10)
    tables["account"] = (
        ["id", "name", "name_key", "status", "owner_id", "team_id", "phones", "created_at", "updated_at"],
        [
            (
                f"a{a:07d}",
                f"Account {a}",
                f"account {a}",
                "verified",
                f"u{a % REPS:03d}",
                f"t{a % REPS % TEAMS:02d}",
                "[]",
                start,
                start,
            )
            for a in range(accounts)
        ],
    )
    tables["opportunity"] = (
        [
            "id",
            "name",
            "account_id",
            "pipeline_id",
            "stage_id",
            "owner_id",
            "team_id",
            "amount",
            "currency",
            "expected_close_date",
            "status",
            "probability",
            "forecast_category",
            "stage_entered_at",
            "rots_at",
            "created_at",
            "updated_at",
        ],
        deals(count, stages, accounts),
    )
    return tables


def deals(count: int, stages: list[tuple], accounts: int) -> Iterator[tuple]:
    """The opportunities, generated as they are loaded (a million rows do not sit in memory)."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rng = random.Random(11)
    for n in range(count):
        stage = stages[rng.choices(range(7), weights=(30, 20, 15, 10, 5, 12, 8))[0]]
        created = start + timedelta(seconds=n * 30)
        yield (
            str(uuid.UUID(int=rng.getrandbits(128))),
            f"Deal {n} {rng.choice(('crm', 'erp', 'seats', 'cloud'))}",
            f"a{(n // 10) % accounts:07d}",
            "p",
            stage[0],
            f"u{n % REPS:03d}",
            f"t{n % REPS % TEAMS:02d}",
            Decimal(rng.randrange(1000, 500000)),
            "CNY",
            date(2026, 1, 1) + timedelta(days=n % 365),
            stage[6],
            stage[4],
            stage[5],
            created,
            created + timedelta(days=stage[7]) if stage[7] else None,
            created,
            created,
        )


def load_sqlite(path: str, count: int) -> None:
    """Bulk load with the stdlib driver (the name index fills through its triggers)."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")

    def cell(value):
        if isinstance(value, datetime):
            return value.strftime(STAMP)
        if isinstance(value, date):
            return value.isoformat()
        return int(value) if isinstance(value, (Decimal, bool)) else value

    for table, (columns, records) in rows(count).items():
        insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        records = iter(records)
        while chunk := list(itertools.islice(records, CHUNK)):
            db.executemany(insert, [tuple(cell(v) for v in r) for r in chunk])
            db.commit()
    db.execute("ANALYZE")
    db.commit()
    db.close()


async def load_postgres(url: str, count: int) -> None:
    """Bulk load with COPY (asyncpg), then ANALYZE."""
    db = await asyncpg.connect(
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        for table, (columns, records) in rows(count).items():
            records = iter(records)
            while chunk := list(itertools.islice(records, CHUNK)):
                await db.copy_records_to_table(table, records=chunk, columns=columns)
        await db.execute("ANALYZE")
    finally:
        await db.close()


def p95(samples: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in samples)
    return statistics.median(ms), ms[max(0, int(len(ms) * 0.95) - 1)]


async def measure(url: str, requests: int) -> None:
    settings = SalesSettings(database_url=url, run_migrations=False, consume_events=False)
    app = create_app(settings)
    rng = random.Random(5)

    def rep() -> dict:
        r = rng.randrange(REPS)
        return bearer(Principal(f"u{r:03d}", Role.REP, f"t{r % TEAMS:02d}", "Rep"), settings.auth)

    def manager() -> dict:
        return bearer(Principal("m", Role.MANAGER, f"t{rng.randrange(TEAMS):02d}", "Boss"), settings.auth)

    admin = bearer(Principal("admin", Role.ADMIN, None, "Admin"), settings.auth)
    cases = {
        "rep: first page": lambda: (rep(), {}),
        "rep: open, closing in June": lambda: (
            rep(),
            {"status": "open", "closing_from": "2026-06-01", "closing_to": "2026-06-30"},
        ),
        "rep: stale deals": lambda: (rep(), {"stale": "true"}),
        "rep: search q": lambda: (rep(), {"q": f"deal {rng.randrange(1000)}"}),
        "manager: team, open": lambda: (manager(), {"status": "open"}),
        "admin: first page": lambda: (admin, {}),
        "admin: commit category": lambda: (admin, {"forecast_category": "commit"}),
        "admin: search q": lambda: (admin, {"q": f"deal {rng.randrange(100000)} "}),
        "admin: search one deal": lambda: (admin, {"q": f"Deal {rng.randrange(100000, 1000000)} "}),
        "admin: search common word": lambda: (admin, {"q": rng.choice(("crm", "cloud", "seats"))}),
    }
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sales") as client:
        for name, case in cases.items():
            samples = []
            for _ in range(requests):
                headers, params = case()
                started = time.perf_counter()
                response = await client.get("/opportunities", params=params, headers=headers)
                samples.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
            print(f"{name:28} p50 {p95(samples)[0]:7.2f} ms  p95 {p95(samples)[1]:7.2f} ms")
        headers, deep = rep(), []
        cursor = None
        for _ in range(min(requests, 60)):  # walk a rep's list page by page
            started = time.perf_counter()
            page = (
                await client.get(
                    "/opportunities",
                    params={"limit": 50, **({"cursor": cursor} if cursor else {})},
                    headers=headers,
                )
            ).json()
            deep.append(time.perf_counter() - started)
            cursor = page["next_cursor"]
            if not cursor:
                break
        print(f"{'rep: next pages by cursor':28} p50 {p95(deep)[0]:7.2f} ms  p95 {p95(deep)[1]:7.2f} ms")
    await app.state.ctx.engine.dispose()


async def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    args = parser.parse_args()
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            path = f"{folder}/sales.db"
            url = f"sqlite+aiosqlite:///{path}"
            await upgrade(SPEC_MIGRATIONS, url)
            started = time.perf_counter()
            load_sqlite(path, args.opportunities)
            print(
                f"loaded {args.opportunities} opportunities in {time.perf_counter() - started:.0f} s (SQLite)"
            )
            await measure(url, args.requests)
    if args.database in ("postgres", "both"):
        async with postgres_database(args.postgres_url) as url:
            await upgrade(SPEC_MIGRATIONS, url)
            started = time.perf_counter()
            await load_postgres(url, args.opportunities)
            took = time.perf_counter() - started
            print(f"loaded {args.opportunities} opportunities in {took:.0f} s (PostgreSQL)")
            await measure(url, args.requests)


if __name__ == "__main__":
    asyncio.run(main())
