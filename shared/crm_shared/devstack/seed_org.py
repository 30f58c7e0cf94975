"""The seeder's first half: the sales org, the desk (seed_desk), marketing (campaigns, forms), customers."""

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from rich.progress import Progress

from crm_shared.devstack import seed_data as demo
from crm_shared.devstack.seed_api import CrmClient, wait_until
from crm_shared.devstack.seed_desk import build_desk
from crm_shared.devstack.seed_time import HISTORY_STARTS_DAYS_AGO, at

FORM_ORIGIN = "https://www.demo.example.com"  # the demo company's website (a made-up address)


@dataclass
class Org:
    """The ids the rest of the seeding works with."""

    reporting_url: str
    teams: dict[str, str] = field(default_factory=dict)  # name -> id
    managers: list[dict] = field(default_factory=list)
    reps: list[dict] = field(default_factory=list)  # UserRead
    rep_headers: dict[str, dict] = field(default_factory=dict)  # rep id -> their bearer header
    agents: list[dict] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)
    forms: dict[str, str] = field(default_factory=dict)  # source -> form id
    form_reads: list[dict] = field(default_factory=list)  # FormRead of each form
    accounts: list[dict] = field(default_factory=list)  # AccountRead
    contacts: list[dict] = field(default_factory=list)  # ContactRead
    pipeline: dict = field(default_factory=dict)  # the default PipelineRead

    @property
    def sample_rep_email(self) -> str:
        return self.reps[0]["email"] if self.reps else ""


async def build_org(
    client: CrmClient, rng: random.Random, plan: demo.Plan, counts: Counter, progress: Progress
) -> Org:
    """Everything the leads, deals and tickets hang on, in dependency order."""
    org = Org(reporting_url=client.endpoints.reporting)
    task = progress.add_task("org, marketing, customers", total=6)
    await _people(client, org, counts)
    progress.advance(task)
    await _quotas(client, org, counts)
    await _replicated(client, org)
    progress.advance(task)
    await build_desk(client, org, counts)  # the SLA policies, before any ticket is opened
    progress.advance(task)
    await _marketing(client, org, counts)
    progress.advance(task)
    await _customers(client, rng, plan, org, counts)
    progress.advance(task)
    pipelines = await client.get("sales", "/pipelines")
    org.pipeline = next((p for p in pipelines if p["is_default"]), pipelines[0])
    await _desk_knows(client, org)
    progress.advance(task)
    return org


def _email(name: str) -> str:
    return f"{demo.slug(name)}@{demo.DEMO_DOMAIN}"


async def _user(client: CrmClient, counts: Counter, name: str, role: str, **extra) -> dict:
    user = await client.post(
        "sales",
        "/users",
        json={"name": name, "email": _email(name), "role": role, "password": demo.PASSWORD, **extra},
    )
    counts[f"users ({role})"] += 1
    return user


async def _people(client: CrmClient, org: Org, counts: Counter) -> None:
    known = {r["name"] for r in await client.get("sales", "/regions")}
    for region in demo.REGIONS:
        if region not in known:
            await client.post("sales", "/regions", json={"name": region})
            counts["regions"] += 1

    async def team(name: str, region: str, manager: str, reps) -> None:
        created = await client.post("sales", "/teams", json={"name": name, "region": region})
        org.teams[name] = created["id"]
        boss = await _user(client, counts, manager, "manager", team_id=created["id"], region=region)
        await client.patch("sales", f"/teams/{created['id']}", json={"manager_id": boss["id"]})
        org.managers.append(boss)
        for rep, rep_region in reps:
            org.reps.append(
                await _user(  # room for the year's open leads and for the new ones routing brings
                    client, counts, rep, "rep", team_id=created["id"], region=rep_region, capacity=250
                )
            )
        counts["teams"] += 1

    await asyncio.gather(*(team(*spec) for spec in demo.TEAMS))
    await team("Customer care", "East", demo.SUPPORT_MANAGER, ())
    org.agents = list(
        await asyncio.gather(
            *(
                _user(client, counts, name, "agent", team_id=org.teams["Customer care"], capacity=20)
                for name in demo.AGENTS
            )
        )
    )
    org.reps.sort(key=lambda r: r["email"])
    tokens = await asyncio.gather(*(client.token_of(r["email"], demo.PASSWORD) for r in org.reps))
    org.rep_headers = {rep["id"]: token for rep, token in zip(org.reps, tokens, strict=True)}


async def _quotas(client: CrmClient, org: Org, counts: Counter) -> None:
    year = str(date.today().year)
    for rep in org.reps:
        await client.post(
            "sales",
            "/quotas",
            json={"user_id": rep["id"], "period": year, "amount": 600000, "currency": "CNY"},
        )
        counts["quotas"] += 1
    for name, team_id in org.teams.items():
        if name != "Customer care":
            await client.post(
                "sales",
                "/quotas",
                json={"team_id": team_id, "period": year, "amount": 1800000, "currency": "CNY"},
            )
            counts["quotas"] += 1


async def _replicated(client: CrmClient, org: Org) -> None:
    """Leads and the desk learn the org from sales' events; wait until both know every new user."""
    rep_ids = {u["id"] for u in org.reps + org.managers}
    agent_ids = {u["id"] for u in org.agents}

    async def leads_know():
        return rep_ids <= {u["id"] for u in await client.get("leads", "/directory/users")}

    async def desk_knows():
        return agent_ids <= {a["id"] for a in await client.get("desk", "/agents")}

    await wait_until(leads_know, "the leads service to learn the sales org")
    await wait_until(desk_knows, "the service desk to learn its agents")


async def _marketing(client: CrmClient, org: Org, counts: Counter) -> None:
    today = date.today()
    for name, channel, cost, months_ago, length in demo.CAMPAIGNS:
        starts = today - timedelta(days=30 * months_ago)
        await client.post(
            "leads",
            "/campaigns",
            json={
                "name": name,
                "channel": channel,
                "cost": cost,
                "currency": "CNY",
                "starts_on": starts.isoformat(),
                "ends_on": (starts + timedelta(days=30 * length)).isoformat(),
            },
        )
        counts["campaigns"] += 1
    routes = [
        {
            "name": f"{', '.join(regions)} to {team}",
            "conditions": {"region": list(regions)},
            "team_id": org.teams[team],
            "strategy": "round_robin",
        }
        for team, regions in demo.ROUTES
    ]
    await client.put("leads", "/routing-rules", json=routes)
    counts["lead routing rules"] += len(routes)
    for source, name, campaign in (
        ("web_form", "Website contact form", "Search ads"),
        ("event", "Spring expo badge scan", "Spring expo"),
    ):
        form = await client.post(
            "leads",
            "/forms",
            json={
                "name": name,
                "source": source,
                "campaign": campaign,
                "allowed_origins": [FORM_ORIGIN],
                "required_fields": ["name"],
                "min_fill_seconds": 0,
                "honeypot_field": "website_url",
                "default_team_id": org.teams["SMB North"],
                # a browser's post is redirected (303) to the site's pages
                "thank_you_url": f"{FORM_ORIGIN}/thank-you",
                "error_url": f"{FORM_ORIGIN}/contact-error",
            },
        )
        org.forms[source] = form["id"]
        org.form_reads.append(form)
        counts["lead forms"] += 1


async def _customers(
    client: CrmClient, rng: random.Random, plan: demo.Plan, org: Org, counts: Counter
) -> None:
    specs = []
    for i in range(plan.accounts):
        rep = rng.choice(org.reps)
        name = f"{demo.company(rng)} {i + 1}"
        specs.append(
            (
                rep,
                name,
                rng.choice(demo.INDUSTRIES),
                rng.choice(demo.SIZES),
                rng.choice(demo.TIERS),
                [(demo.person(rng), demo.phone(rng)) for _ in range(rng.randint(1, 2))],
            )
        )

    since = at(datetime.now(UTC) - timedelta(days=HISTORY_STARTS_DAYS_AGO))  # customers before the year

    async def account(rep, name, industry, size, tier, people) -> None:
        created = await client.post(
            "sales",
            "/accounts",
            json={
                "name": name,
                "domain": f"{demo.slug(name)}.example.com",
                "industry": industry,
                "size": size,
                "region": rep["region"],
                "tier": tier,
                "status": "verified",
                "owner_id": rep["id"],
            },
            headers=since,
        )
        org.accounts.append(created)
        counts["accounts"] += 1
        for n, (person, phone) in enumerate(people):
            contact = await client.post(
                "sales",
                "/contacts",
                json={
                    "name": person,
                    "account_id": created["id"],
                    "title": "Purchasing" if n else "CEO",
                    "emails": [f"{demo.slug(person)}.{len(org.contacts)}@{created['domain']}"],
                    "phones": [phone],
                    "key_person": n == 0,
                    "owner_id": rep["id"],
                },
                headers=since,
            )
            org.contacts.append(contact)
            counts["contacts"] += 1

    await asyncio.gather(*(account(*spec) for spec in specs))
    org.accounts.sort(key=lambda a: a["name"])
    org.contacts.sort(key=lambda c: c["emails"][0])


async def _desk_knows(client: CrmClient, org: Org) -> None:
    """Tickets name sales contacts; the desk must have their replicas first: every one of them (the
    contacts' events are spread over the topic's partitions, so the last one known says nothing of the
    others), each asked again only while it is missing."""
    missing = [contact["id"] for contact in org.contacts]

    async def known():
        nonlocal missing
        statuses = await asyncio.gather(
            *(client.status("desk", f"/customers/contacts/{contact}/card") for contact in missing)
        )
        missing = [contact for contact, status in zip(missing, statuses, strict=True) if status != 200]
        return not missing

    await wait_until(known, "the service desk to learn the sales contacts")
