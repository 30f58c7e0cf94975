"""Sales lists at 1M opportunities: p50/p95 of the main list and search queries through the HTTP API.

    .venv/bin/python bench/sales_lists.py [--opportunities 1000000] [--requests 200]

Builds a migrated sales database (SQLite) and bulk loads N opportunities over 200 reps in 20 teams
(N/10 accounts, the default pipeline's stages, close dates over 2026), then measures GET /opportunities
in process (ASGI, no Kafka) as a rep, a manager and an admin: first pages, a deep page reached by
cursor, filters, stale deals and the name search `q`.
"""

import argparse
import asyncio
import logging
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "services" / "sales"))

from crm_shared.auth import Principal, Role  # noqa: E402
from crm_shared.migrations import upgrade  # noqa: E402
from crm_shared.testing import bearer  # noqa: E402
from sales.config import SalesSettings  # noqa: E402
from sales.main import SPEC_MIGRATIONS, create_app  # noqa: E402
from sales.pipeline.domain import DEFAULT_STAGES  # noqa: E402

REPS, TEAMS, CHUNK = 200, 20, 50_000
STAMP = "%Y-%m-%d %H:%M:%S.%f"


def load(path: str, count: int) -> None:
    """Bulk load users, teams, the pipeline, accounts and opportunities with the stdlib driver."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    now = start.strftime(STAMP)
    db.executemany(
        "INSERT INTO team (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
        [(f"t{t:02d}", f"Team {t}", now, now) for t in range(TEAMS)],
    )
    db.executemany(
        "INSERT INTO app_user (id, name, email, role, team_id, active, capacity, password_hash, created_at, "
        "updated_at) VALUES (?, ?, ?, 'rep', ?, 1, 0, 'x', ?, ?)",
        [
            (f"u{r:03d}", f"Rep {r}", f"rep{r}@example.com", f"t{r % TEAMS:02d}", now, now)
            for r in range(REPS)
        ],
    )
    db.execute(
        "INSERT INTO pipeline (id, name, is_default, created_at, updated_at) VALUES ('p', 'Sales', 1, ?, ?)",
        (now, now),
    )
    stages = [(f"s{i}", "p", name, i, p, c, t, r) for i, (name, p, c, t, r) in enumerate(DEFAULT_STAGES)]
    db.executemany(
        "INSERT INTO stage (id, pipeline_id, name, position, probability, forecast_category, type, "
        "rotting_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        stages,
    )
    accounts = max(1, count // 10)
    for first in range(0, accounts, CHUNK):
        db.executemany(
            "INSERT INTO account (id, name, name_key, status, owner_id, team_id, phones, created_at, "
            "updated_at) VALUES (?, ?, ?, 'verified', ?, ?, '[]', ?, ?)",
            [
                (
                    f"a{a:07d}",
                    f"Account {a}",
                    f"account {a}",
                    f"u{a % REPS:03d}",
                    f"t{a % REPS % TEAMS:02d}",
                    now,
                    now,
                )
                for a in range(first, min(first + CHUNK, accounts))
            ],
        )
        db.commit()
    rng = random.Random(11)
    for first in range(0, count, CHUNK):
        batch = []
        for n in range(first, min(first + CHUNK, count)):
            stage = stages[rng.choices(range(7), weights=(30, 20, 15, 10, 5, 12, 8))[0]]
            created = start + timedelta(seconds=n * 30)
            status = stage[6]
            rots = (created + timedelta(days=stage[7])).strftime(STAMP) if stage[7] else None
            batch.append(
                (
                    str(uuid.UUID(int=rng.getrandbits(128))),
                    f"Deal {n} {rng.choice(('crm', 'erp', 'seats', 'cloud'))}",
                    f"a{(n // 10) % accounts:07d}",
                    "p",
                    stage[0],
                    f"u{n % REPS:03d}",
                    f"t{n % REPS % TEAMS:02d}",
                    rng.randrange(1000, 500000),
                    "CNY",
                    (date(2026, 1, 1) + timedelta(days=n % 365)).isoformat(),
                    status,
                    stage[4],
                    stage[5],
                    created.strftime(STAMP),
                    rots,
                    created.strftime(STAMP),
                    created.strftime(STAMP),
                )
            )
        db.executemany(
            "INSERT INTO opportunity (id, name, account_id, pipeline_id, stage_id, owner_id, team_id, "
            "amount, currency, expected_close_date, status, probability, forecast_category, "
            "stage_entered_at, rots_at, created_at, updated_at) "
            f"VALUES ({', '.join('?' * 17)})",
            batch,
        )
        db.commit()
    db.execute("ANALYZE")
    db.commit()
    db.close()


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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/sales.db"
        url = f"sqlite+aiosqlite:///{path}"
        await upgrade(SPEC_MIGRATIONS, url)
        started = time.perf_counter()
        load(path, args.opportunities)
        print(f"loaded {args.opportunities} opportunities in {time.perf_counter() - started:.0f} s (SQLite)")
        await measure(url, args.requests)


if __name__ == "__main__":
    asyncio.run(main())
