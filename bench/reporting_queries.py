"""Query latency of reporting's main answers at scale (target p95 <= 50 ms at 1M leads, deals, tickets).

    .venv/bin/python bench/reporting_queries.py [--rows 1000000] [--repeat 10] [--postgres] [--indexes]

What it measures: the answers, not ingestion. The projection tables are filled DIRECTLY in bulk (Core
executemany of generated rows, no events, no inbox), then each answer is asked through reporting's HTTP
API in process (httpx ASGI transport, as an admin who sees everything, so nothing is filtered away)
`--repeat` times after one warm-up, and p50/p95 are printed. An answer stops being repeated once it has
used `--budget` seconds (a warm-up that alone spent it counts as the one sample), and one that takes
longer than `--timeout` is cut off and reported so, so the run ends even when answers take minutes.

The read models the projections maintain next to the facts are derived from the same generated rows with
the projection's own code: the lead funnel counters (lead_funnel_delta / lead_funnel_total) by
reporting.leads.counters.contributions() per generated lead, summed by its totals(); the deal, order and
ticket counters (sale_* and ticket_* delta / total / day tables) by reporting.counter_store.changes() of
each generated deal's, order's and ticket's facts with the projection's spec, summed by its summed().

`--indexes` first creates the candidate indexes below (a bench-only experiment, not a migration) so
their effect can be read from two runs.
"""

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from sqlalchemy import insert, text

from crm_shared.db import create_engine
from crm_shared.migrations import upgrade
from crm_shared.service import freeze_startup_heap
from crm_shared.testing import DEFAULT_POSTGRES_URL, admin_headers, postgres_database
from reporting import counter_store
from reporting.config import ReportingSettings
from reporting.leads.counters import contributions, totals
from reporting.main import create_app
from reporting.models import (
    DirectoryUser,
    LeadCard,
    LeadFunnelDelta,
    LeadFunnelTotal,
    LeadsBySource,
    LeadStageFact,
    OpportunityFact,
    OrderFact,
    TicketFact,
)
from reporting.opportunities.counters import SPEC as OPPORTUNITIES
from reporting.rebuild.replay import MIGRATIONS
from reporting.revenue.order_counters import SPEC as ORDERS
from reporting.service.counters import SPEC as TICKETS

NOW = datetime(2026, 11, 1, tzinfo=UTC)
SOURCES = ("web_form", "hotline", "event", "purchased_list", "referral")
STAGES = (("s1", "Qualify", "open", 10), ("s2", "Propose", "open", 40), ("s3", "Negotiate", "open", 70))
CANDIDATE_INDEXES = (  # bench-only: what the answers' WHERE / JOIN / GROUP BY clauses would use
    "CREATE INDEX IF NOT EXISTS bench_lead_stage_fact_lead_stage_reached ON lead_stage_fact "
    "(lead_id, stage, reached_at)",
    "CREATE INDEX IF NOT EXISTS bench_lead_card_source ON lead_card (source)",
)
ANSWERS = (
    "/reports/leads-by-source",
    "/reports/lead-funnel",
    "/reports/lead-funnel?group_by=campaign&captured_from=2026-10-01T00:00:00Z",
    "/reports/opportunity-funnel",
    "/reports/service",
    "/reports/revenue",
    "/reports/rep-kpis",
    "/reports/dashboard",
    # a period that is not whole months: revenue and rep KPIs fold facts then, the funnels filter facts
    "/reports/revenue?from=2026-09-15T00:00:00Z&to=2026-10-15T00:00:00Z",
    "/reports/opportunity-funnel?from=2026-09-15T00:00:00Z&to=2026-10-15T00:00:00Z",
    "/reports/service?from=2026-09-15T00:00:00Z&to=2026-10-15T00:00:00Z",
    "/reports/rep-kpis?from=2026-09-15T00:00:00Z&to=2026-10-15T00:00:00Z",
)
NOW_ONLY = {"/reports/leads-by-source", "/reports/dashboard"}  # answers of the present: no `as_of`


def naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def leads(start: int, stop: int):
    """Lead cards and the stages each reached (60% contacted, 30% qualified, 10% converted)."""
    cards, stages = [], []
    for i in range(start, stop):
        lead_id, captured = f"L{i}", naive(NOW - timedelta(minutes=i % 525_600))
        cards.append({"lead_id": lead_id, "source": SOURCES[i % 5], "campaign": f"c{i % 40}",
                      "source_version": "", "owner_id": f"rep-{i % 200}", "team_id": f"team-{i % 20}",
                      "owner_version": ""})
        stages.append({"lead_id": lead_id, "stage": "captured", "reached_at": captured})
        reached = ("contacted", "qualified", "converted")[: (3 if i % 10 == 0 else 2 if i % 10 < 3 else
                                                             1 if i % 10 < 6 else 0)]
        for hours, stage in enumerate(reached, start=1):
            at = captured + timedelta(hours=hours)
            stages.append({"lead_id": lead_id, "stage": stage, "reached_at": at})
        if i % 10 == 9:
            stages.append({"lead_id": lead_id, "stage": "disqualified", "reached_at": captured})
    return cards, stages


def deal_fact(j: int, n: int, event_type: str, stage: tuple, status: str, at: datetime, **extra) -> dict:
    return {"opportunity_id": f"O{j}", "event_id": f"{j:012d}-{n}", "version": f"{at.isoformat()}|{n}",
            "occurred_at": at, "event_type": event_type, "owner_id": f"rep-{j % 200}",
            "team_id": f"team-{j % 20}", "account_id": f"A{j % 50_000}", "pipeline_id": "p1",
            "stage_id": stage[0], "stage_name": stage[1], "stage_type": stage[2], "status": status,
            "probability": stage[3], "forecast_category": "pipeline", "amount": Decimal(1000 + j % 9000),
            "currency": "CNY", "from_stage_id": None, "from_stage_name": None,
            "seconds_in_previous_stage": None, "close_reason": None, **extra}


def deals(start: int, stop: int) -> list[dict]:
    """Every deal opened; half moved on a stage; a fifth won, a seventh lost."""
    facts = []
    for j in range(start, stop):
        at = naive(NOW - timedelta(minutes=j % 525_600))
        facts.append(deal_fact(j, 0, "sales.opportunity.opened", STAGES[0], "open", at))
        if j % 2 == 0:
            facts.append(deal_fact(j, 1, "sales.opportunity.stage-changed", STAGES[1], "open",
                                   at + timedelta(days=3), from_stage_id="s1", from_stage_name="Qualify",
                                   seconds_in_previous_stage=3 * 86400.0))
        if j % 5 == 0:
            facts.append(deal_fact(j, 2, "sales.opportunity.won", ("w", "Won", "won", 100), "won",
                                   at + timedelta(days=9)))
        elif j % 7 == 0:
            facts.append(deal_fact(j, 2, "sales.opportunity.lost", ("l", "Lost", "lost", 0), "lost",
                                   at + timedelta(days=9), close_reason="price"))
    return facts


def tickets(start: int, stop: int) -> list[dict]:
    """Every ticket opened; 70% resolved (first answered after an hour, resolved after a day)."""
    facts = []
    for k in range(start, stop):
        opened = naive(NOW - timedelta(minutes=k % 525_600))
        base = {"ticket_id": f"T{k}", "channel": ("email", "phone", "chat")[k % 3], "priority": "normal",
                "queue_id": f"q{k % 8}", "assignee_id": f"agent-{k % 50}", "account_id": f"A{k % 50_000}",
                "opened_at": opened, "sla_target": None, "csat_rating": None}
        facts.append({**base, "event_id": f"{k:012d}-0", "version": f"{opened.isoformat()}|0",
                      "occurred_at": opened, "event_type": "service-desk.ticket.opened", "status": "new",
                      "first_response_at": None, "resolved_at": None})
        if k % 10 < 7:
            resolved = opened + timedelta(days=1)
            facts.append({**base, "event_id": f"{k:012d}-1", "version": f"{resolved.isoformat()}|1",
                          "occurred_at": resolved, "event_type": "service-desk.ticket.resolved",
                          "status": "resolved", "first_response_at": opened + timedelta(hours=1),
                          "resolved_at": resolved, "csat_rating": 1 + k % 5})
    return facts


def orders(start: int, stop: int) -> list[dict]:
    return [{"order_id": f"S{o}", "event_id": f"{o:012d}-0", "version": f"{o:012d}",
             "occurred_at": naive(NOW - timedelta(minutes=3 * o % 525_600)), "owner_id": f"rep-{o % 200}",
             "team_id": f"team-{o % 20}", "account_id": f"A{o % 50_000}", "amount": Decimal(500 + o % 5000),
             "currency": "CNY", "status": "confirmed"} for o in range(start, stop)]


async def fill(url: str, rows: int, batch: int = 20_000) -> None:
    """Fill the projections with `rows` leads, deals and tickets (and rows / 10 orders), in bulk."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            users = [{"user_id": f"rep-{u}", "name": f"Rep {u}", "team_id": f"team-{u % 20}",
                      "region": "east", "version": "0"} for u in range(200)]
            await conn.execute(insert(DirectoryUser.__table__), users)
            per_source = [{"source": source, "lead_count": len(range(k, rows, 5))}
                          for k, source in enumerate(SOURCES)]
            await conn.execute(insert(LeadsBySource.__table__), per_source)
        funnel_totals: dict[str, dict] = {}
        sums = Sums()
        for start in range(0, rows, batch):
            stop = min(rows, start + batch)
            cards, stages = leads(start, stop)
            deltas = lead_counters(cards, stages)
            for row in totals(deltas):
                funnel_totals.setdefault(row["bucket"], {**row, "leads": 0})["leads"] += row["leads"]
            async with engine.begin() as conn:
                await conn.execute(insert(LeadCard.__table__), cards)
                await conn.execute(insert(LeadStageFact.__table__), stages)
                await conn.execute(insert(LeadFunnelDelta.__table__), deltas)
                deal_facts = deals(start, stop)
                await conn.execute(insert(OpportunityFact.__table__), deal_facts)
                await sums.add(conn, OPPORTUNITIES, deal_facts)
                ticket_facts = tickets(start, stop)
                await conn.execute(insert(TicketFact.__table__), ticket_facts)
                await sums.add(conn, TICKETS, ticket_facts)
                if start < rows // 10:
                    order_facts = orders(start, min(stop, rows // 10))
                    await conn.execute(insert(OrderFact.__table__), order_facts)
                    await sums.add(conn, ORDERS, order_facts)
        async with engine.begin() as conn:
            await conn.execute(insert(LeadFunnelTotal.__table__), list(funnel_totals.values()))
            await sums.store(conn)
            await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


def lead_counters(cards: list[dict], stages: list[dict]) -> list[dict]:
    """The lead funnel contributions of these generated leads, as the projection computes them."""
    reached: dict[str, dict] = {}
    for row in stages:
        reached.setdefault(row["lead_id"], {})[row["stage"]] = row["reached_at"]
    return [row for card in cards for row in contributions(card, reached.get(card["lead_id"], {}))]


class Sums:
    """The deal, order and ticket counters of the generated facts, as the projections compute them."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, dict]] = {}  # table name -> bucket -> sums row
        self.specs: dict[str, tuple] = {}

    async def add(self, conn, spec, facts: list[dict]) -> None:
        known: dict[str, list[dict]] = {}
        for fact in facts:
            known.setdefault(fact[spec.id_column], []).append(fact)
        changed = [row for record, its in known.items() for row in counter_store.changes(spec, record, its)]
        await conn.execute(insert(spec.delta), changed)
        for table, per_day in ((spec.total, False), (spec.day, True)):
            into = self.rows.setdefault(table.name, {})
            self.specs[table.name] = (table, spec.sums)
            for bucket, row in counter_store.summed(spec, changed, per_day).items():
                held = into.setdefault(bucket, {**row, **dict.fromkeys(spec.sums, 0)})
                for name in spec.sums:
                    held[name] += row[name]

    async def store(self, conn) -> None:
        for name, rows in self.rows.items():
            table, sums = self.specs[name]
            kept = [row for row in rows.values() if any(row[n] for n in sums)]
            if kept:
                await conn.execute(insert(table), kept)


async def create_indexes(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for statement in CANDIDATE_INDEXES:
                await conn.execute(text(statement))
            await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def time_answers(url: str, repeat: int, budget_s: float, timeout_s: float) -> None:
    settings = ReportingSettings(database_url=url, run_migrations=False)
    app = create_app(settings)
    headers = admin_headers(settings.auth)
    transport = httpx.ASGITransport(app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://r", timeout=None) as client:
            # as the service does once started (its lifespan, which this in-process client does not run):
            # the start-up heap out of the cyclic collector, whose full collections otherwise stall one
            # answer in ten by 100-150 ms here
            (await client.get("/reports/leads-by-source", headers=headers)).raise_for_status()
            freeze_startup_heap()
            for path in ANSWERS:
                timings = []
                started = time.perf_counter()
                for attempt in range(repeat + 1):
                    sent = time.perf_counter()
                    try:
                        async with asyncio.timeout(timeout_s):
                            as_of = {} if path in NOW_ONLY else {"as_of": NOW.isoformat()}
                            response = await client.get(path, headers=headers, params=as_of)
                    except TimeoutError:
                        break
                    response.raise_for_status()
                    # the first is a warm-up, unless it alone spent the budget
                    if attempt or time.perf_counter() - started > budget_s:
                        timings.append((time.perf_counter() - sent) * 1000)
                    if time.perf_counter() - started > budget_s and timings:
                        break
                if not timings:
                    print(f"{path:<78} cut off: no answer within {timeout_s:.0f} s", flush=True)
                    continue
                timings.sort()
                p95 = timings[min(len(timings) - 1, max(0, round(len(timings) * 0.95) - 1))]
                print(f"{path:<78} n={len(timings):<3} p50 {statistics.median(timings):>9.1f} ms  "
                      f"p95 {p95:>9.1f} ms", flush=True)
    finally:
        await app.state.ctx.engine.dispose()


async def keep(path: str, rows: int) -> None:
    """Fill a database file and keep it (to look at query plans)."""
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(MIGRATIONS, url)
    await fill(url, rows)


async def main(rows: int, repeat: int, budget_s: float, timeout_s: float, use_postgres: bool,
               indexes: bool) -> None:
    async with contextlib.AsyncExitStack() as stack:
        if use_postgres:
            url = await stack.enter_async_context(postgres_database(DEFAULT_POSTGRES_URL))
        else:
            url = f"sqlite+aiosqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/queries.db"
        await upgrade(MIGRATIONS, url)
        started = time.perf_counter()
        await fill(url, rows)
        print(f"filled {rows:,} leads, deals and tickets, {rows // 10:,} orders directly in "
              f"{time.perf_counter() - started:.0f} s ({'PostgreSQL' if use_postgres else 'SQLite'}; "
              "this measures queries, not ingestion)", flush=True)
        if indexes:
            await create_indexes(url)
            print("bench-only candidate indexes created: " + "; ".join(s.split(" ON ")[1]
                                                                      for s in CANDIDATE_INDEXES))
        await time_answers(url, repeat, budget_s, timeout_s)
        print("target: p95 <= 50 ms per answer")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="leads, and deals, and tickets")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per answer at most")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds one answer may take")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--indexes", action="store_true", help="create the candidate indexes first")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rows, arguments.repeat, arguments.budget, arguments.timeout,
                     arguments.postgres, arguments.indexes))
