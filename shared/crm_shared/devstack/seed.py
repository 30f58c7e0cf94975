"""`python -m crm_shared.devstack seed`: a demo company, built through the real services' HTTP APIs.

Everything goes through the public APIs as the first admin, so every service emits its real events and
reporting's projections fill the way they do in production. Each request of a record's story carries
its moment (`X-Demo-Time`, honoured by a development stack's demo clock), so leads, opportunity moves,
wins, orders, prospects and tickets happen over the past year; where an API takes a date (campaign
periods, expected close dates, contract terms, invoice and payment dates, quotas) the seeder spreads it
over the year too.
"""

import asyncio
import os
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crm_shared.devstack import seed_data as demo
from crm_shared.devstack.seed_api import CrmClient, Endpoints, SeedError
from crm_shared.devstack.seed_converted import ConvertedDeals, converted_deal_specs
from crm_shared.devstack.seed_org import Org, build_org
from crm_shared.devstack.seed_prospects import prospect_specs, run_prospect_lists
from crm_shared.devstack.seed_report import dashboard_figures, report, wait_for_reporting
from crm_shared.devstack.seed_tickets import TicketStories, ticket_specs
from crm_shared.devstack.seed_work import lead_specs, opportunity_specs, run_lead, run_opportunity


@dataclass
class SeedOptions:
    """What to seed and where."""

    endpoints: Endpoints = field(default_factory=Endpoints)
    username: str = field(
        default_factory=lambda: os.environ.get("SALES_BOOTSTRAP_ADMIN_EMAIL", "admin@example.com")
    )
    password: str = field(
        default_factory=lambda: os.environ.get("SALES_BOOTSTRAP_ADMIN_PASSWORD", "admin-change-me")
    )
    scale: float = 1.0
    seed: int = 2026
    concurrency: int = 16
    wait_for_reporting: float = 180.0  # seconds; 0 = do not wait for reporting to catch up
    show_progress: bool = True


@dataclass
class SeedResult:
    """What was created (by kind), how long it took, the org it built, and the figures reporting had
    not caught up with when the wait for it ran out (name -> (reporting's, the seed's); empty: none)."""

    counts: Counter
    seconds: float
    org: Org
    requests: int
    lagging: dict[str, tuple[int, int]] = field(default_factory=dict)


async def seed(options: SeedOptions, console: Console | None = None) -> SeedResult:
    """Build the demo company; SeedError when the stack already holds it or a service refuses."""
    console = console or Console()
    rng = random.Random(options.seed)
    plan = demo.Plan.at(options.scale)
    counts: Counter = Counter()
    started = time.monotonic()
    progress = Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not options.show_progress,
    )
    async with CrmClient(options.endpoints, concurrency=options.concurrency) as client:
        await client.login(options.username, options.password)
        await refuse_when_seeded(client)
        with progress:
            org = await build_org(client, rng, plan, counts, progress)
            now = datetime.now(UTC)  # every story is told backwards from this moment (seed_time)
            today = now.date()
            leads = lead_specs(rng, plan, org, now)
            opportunities = opportunity_specs(rng, plan, org, now)
            tickets = ticket_specs(rng, plan, org, now)
            # added later, on RNGs of their own: the rest of the company is what it was before them
            converted = converted_deal_specs(_rng(options, "converted deals"), leads, org, now)
            prospects = prospect_specs(_rng(options, "prospects"), plan, now)
            deals = ConvertedDeals(client, counts, today, progress, converted)
            await asyncio.gather(  # three services, four streams of work at once
                _leads(client, org, leads, counts, progress, deals),
                _all(
                    progress,
                    "opportunities and orders",
                    [lambda s=s: run_opportunity(client, org, s, counts, today) for s in opportunities],
                ),
                TicketStories(client, counts).run(tickets, progress),  # one at a time (seed_tickets)
                run_prospect_lists(client, prospects, counts, progress),
            )
            lagging = {}
            if options.wait_for_reporting:
                lagging = await wait_for_reporting(client, counts, progress, options.wait_for_reporting)
        return SeedResult(counts, time.monotonic() - started, org, client.requests, lagging)


async def refuse_when_seeded(client: CrmClient) -> None:
    """A second run would double the company: refuse, naming what was found and how to start over."""
    users = await client.get("sales", "/users", params={"limit": 500})
    seeded = [u["email"] for u in users if u["email"].endswith("@" + demo.DEMO_DOMAIN)]
    if seeded:
        raise SeedError(
            f"this stack already holds the demo company (found user {seeded[0]}); "
            "to seed again start from empty data: stop the stack, `make clean` "
            "(or remove ./var), `make run`, then seed"
        )


def _rng(options: SeedOptions, story: str) -> random.Random:
    """An RNG for one kind of story, fixed by the seed (a str seeds the same on every run)."""
    return random.Random(f"{options.seed}:{story}")


async def _leads(
    client: CrmClient, org: Org, specs: list[dict], counts: Counter, progress: Progress, deals: ConvertedDeals
) -> None:
    """Every lead's story; a converted lead's deal is worked on as soon as the lead is converted."""

    async def story(spec: dict) -> None:
        lead_id = await run_lead(client, org, spec, counts)
        if "deal" in spec:
            deals.follow(lead_id, spec["deal"])

    await _all(progress, "leads", [lambda s=s: story(s) for s in specs])
    await deals.finish()


async def _all(progress: Progress, label: str, jobs: list[Callable[[], Awaitable[None]]]) -> None:
    """Run every job concurrently (the client bounds the requests in flight), one bar tick each."""
    task = progress.add_task(label, total=len(jobs))
    chains = asyncio.Semaphore(32)  # a few records at a time, each worked to its end before the next

    async def one(job):
        async with chains:
            await job()
        progress.advance(task)

    await asyncio.gather(*(one(job) for job in jobs))


async def seed_command(options: SeedOptions) -> int:
    """The CLI's `seed`: exit status 0, or 1 with the reason printed (a refusal, or reporting still
    behind the seeding when the wait ran out)."""
    console = Console()
    try:
        result = await seed(options, console)
        async with CrmClient(options.endpoints) as client:
            await client.login(options.username, options.password)
            figures = await dashboard_figures(client)
    except SeedError as error:
        console.print(f"[red]seed refused:[/red] {error}")
        return 1
    report(console, result, figures, options.endpoints.leads)
    return 1 if result.lagging else 0
