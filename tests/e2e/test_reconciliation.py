"""Reconciliation: a randomized scenario through every service's API, then every reporting figure it
touched equals the one computed from the services' own records (their list endpoints, as admin).

The seed is printed; rerun a failure with CRM_RECONCILIATION_SEED=<seed>.
"""

import asyncio
import os
import random
import time
from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from crm_shared.devstack.seed_api import CrmClient
from crm_shared.messaging.tansu import TansuBroker, free_port
from crm_shared.testing import eventually
from e2e_stack import ADMIN, four_services, seed_endpoints

pytestmark = pytest.mark.timeout(600)  # the services start slowly on a loaded machine

SEED = int(os.environ.get("CRM_RECONCILIATION_SEED") or random.SystemRandom().randrange(1_000_000))
ORIGIN = "https://shop.example.com"
OPEN_TICKET = {"new", "open", "pending", "reopened"}
NOT_SOLD = {"draft", "cancelled"}


@pytest.fixture(scope="module")
async def stack(tmp_path_factory):
    """The four services on a broker of their own; the form intake's per-address limit lifted."""
    tansu = TansuBroker(free_port()).start()
    try:
        env = {"leads": {"LEADS_INTAKE__PER_IP_LIMIT": "100000/minute"}}
        async with four_services(
            tmp_path_factory.mktemp("reconciliation"), tansu.bootstrap_servers, env
        ) as procs:
            yield procs
    finally:
        tansu.stop()


async def test_every_reporting_figure_equals_the_services_own(stack):
    print(f"\nreconciliation seed {SEED} (rerun: CRM_RECONCILIATION_SEED={SEED})")
    rng = random.Random(SEED)
    started = time.monotonic()
    async with CrmClient(seed_endpoints(stack), concurrency=8) as api:
        await api.login(**ADMIN)
        org = await build_org(api, rng)
        converted_with_deal = await leads_scenario(api, rng, org)
        await deals_scenario(api, rng, org, converted_with_deal)
        await tickets_scenario(api, rng, org)
        scenario_s = time.monotonic() - started

        last: dict = {}

        async def agree():
            expected, actual = await from_services(api), await from_reporting(api)
            last.update(expected=expected, actual=actual)
            return expected if expected == actual else None

        try:
            figures = await eventually(agree, timeout=60, interval=0.5)
        except AssertionError:
            raise AssertionError(
                f"seed {SEED}: reporting disagrees with the services\n"
                + describe_diff(last["expected"], last["actual"])
            ) from None
    assert sum(row["captured"] for row in figures["lead_funnel_by_source"].values()) == org["leads"]
    assert figures["opportunity_totals"]["opportunities"] >= org["deals"]
    assert figures["service_total"]["tickets"] == org["tickets"]
    compared = sum(len(v) if isinstance(v, dict) else 1 for v in figures.values())
    caught_up_s = time.monotonic() - started - scenario_s
    print(
        f"scenario {scenario_s:.1f} s ({org['leads']} leads, {org['deals']} deals, "
        f"{org['tickets']} tickets); reporting agreed on {compared} figures "
        f"{caught_up_s:.1f} s later"
    )


# --- the scenario ------------------------------------------------------------------------------------


async def build_org(api: CrmClient, rng: random.Random) -> dict:
    team = await api.post("sales", "/teams", json={"name": "Recon"})
    reps = list(
        await asyncio.gather(
            *(
                api.post(
                    "sales",
                    "/users",
                    json={
                        "name": f"Rep {i}",
                        "email": f"rep{i}@recon.example.com",
                        "role": "rep",
                        "team_id": team["id"],
                        "password": "rep-password-1",
                    },
                )
                for i in range(3)
            )
        )
    )
    agents = list(
        await asyncio.gather(
            *(
                api.post(
                    "sales",
                    "/users",
                    json={
                        "name": f"Agent {i}",
                        "email": f"agent{i}@recon.example.com",
                        "role": "agent",
                        "password": "agent-password-1",
                    },
                )
                for i in range(2)
            )
        )
    )
    await api.put(
        "leads",
        "/routing-rules",
        json=[
            {"name": "everyone to Recon", "conditions": {}, "team_id": team["id"], "strategy": "round_robin"}
        ],
    )
    rep_ids, agent_ids = {r["id"] for r in reps}, {a["id"] for a in agents}

    async def replicated():
        leads_know = rep_ids <= {u["id"] for u in await api.get("leads", "/directory/users")}
        return leads_know and agent_ids <= {a["id"] for a in await api.get("desk", "/agents")}

    await eventually(replicated, timeout=30)
    forms = {}
    for source, campaign in (("web_form", "Spring sale"), ("event", "Expo")):
        form = await api.post(
            "leads",
            "/forms",
            json={
                "name": f"{source} form",
                "source": source,
                "campaign": campaign,
                "allowed_origins": [ORIGIN],
                "min_fill_seconds": 0,
            },
        )
        forms[source] = form["id"]
    pipelines = await api.get("sales", "/pipelines")
    pipeline = next(p for p in pipelines if p["is_default"])
    return {
        "reps": reps,
        "agents": agents,
        "forms": forms,
        "team": team,
        "leads": 0,
        "deals": 0,
        "tickets": 0,
        "open_stages": [s["id"] for s in pipeline["stages"] if s["type"] == "open"],
    }


async def leads_scenario(api: CrmClient, rng: random.Random, org: dict) -> int:
    """Leads posted via forms and typed in, reassigned, worked, converted or disqualified."""
    plans = []
    for i in range(rng.randint(12, 20)):
        plans.append(("form", rng.choice(list(org["forms"])), None, i))
    for i in range(rng.randint(8, 14)):
        plans.append(
            (
                "api",
                rng.choice(["hotline", "referral", "manual", "purchased_list"]),
                rng.choice([None, "Q3 push"]),
                i,
            )
        )
    outcomes = [
        (
            rng.choice(["new", "contacted", "qualified", "converted", "dq_new", "dq_contacted"]),
            rng.random() < 0.25,
            rng.choice(org["reps"])["id"],
            rng.random() < 0.7,
        )
        for _ in plans
    ]
    org["leads"] = len(plans)

    async def one(plan, outcome) -> int:
        kind, source, campaign, i = plan
        name = f"Lead {kind} {i}"
        if kind == "form":
            accepted = await api.post(
                "leads",
                f"/forms/{org['forms'][source]}/submissions",
                expect=(202,),
                headers={"Origin": ORIGIN},
                json={"name": name, "email": f"{kind}{i}@buyer.example.org"},
            )
            lead_id = await eventually(lambda: _lead_of(api, accepted["id"]), timeout=30)
        else:
            body = {
                "name": name,
                "email": f"{kind}{i}@buyer.example.org",
                "source": source,
                "campaign": campaign,
            }
            lead_id = (await api.post("leads", "/leads", json=body))["id"]
        status, reassign, rep_id, with_deal = outcome
        if reassign or kind == "api":
            await api.post("leads", f"/leads/{lead_id}/assign", json={"owner_id": rep_id})
        steps = {
            "new": [],
            "contacted": ["contacted"],
            "qualified": ["contacted", "qualified"],
            "converted": ["contacted", "qualified"],
            "dq_new": [],
            "dq_contacted": ["contacted"],
        }[status]
        for step in steps:
            await api.post("leads", f"/leads/{lead_id}/status", json={"status": step})
        if status.startswith("dq_"):
            await api.post(
                "leads", f"/leads/{lead_id}/status", json={"status": "disqualified", "reason": "no budget"}
            )
        if status == "converted":
            deal = {"name": f"{name} deal", "amount": rng.randrange(1, 50) * 1000} if with_deal else None
            await api.post("leads", f"/leads/{lead_id}/convert", json={"opportunity": deal})
            return 1 if with_deal else 0
        return 0

    return sum(await asyncio.gather(*(one(p, o) for p, o in zip(plans, outcomes, strict=True))))


async def _lead_of(api: CrmClient, submission_id: str) -> str | None:
    return (await api.get("leads", f"/submissions/{submission_id}"))["lead_id"]


async def deals_scenario(api: CrmClient, rng: random.Random, org: dict, converted_with_deal: int) -> None:
    """Accounts, deals moved and closed (also those conversions made), amounts changed, orders."""
    accounts = []
    for i in range(3):
        accounts.append(
            await api.post(
                "sales",
                "/accounts",
                json={
                    "name": f"Recon Customer {i}",
                    "owner_id": rng.choice(org["reps"])["id"],
                    "status": "verified",
                },
            )
        )
        await api.post(
            "sales",
            "/contacts",
            json={
                "name": f"Contact {i}",
                "account_id": accounts[-1]["id"],
                "emails": [f"contact{i}@customer.example.org"],
            },
        )
    org["accounts"] = accounts
    direct = rng.randint(10, 16)
    org["deals"] = direct + converted_with_deal
    bodies = [
        {
            "name": f"Deal {i}",
            "account_id": rng.choice(accounts)["id"],
            "owner_id": rng.choice(org["reps"])["id"],
            "lines": [
                {"product": "Seat", "quantity": rng.randint(1, 20), "unit_price": rng.randrange(100, 900)}
            ],
        }
        for i in range(direct)
    ]
    created = await asyncio.gather(*(api.post("sales", "/opportunities", json=body) for body in bodies))

    async def all_deals():  # conversions reach sales through Kafka
        deals = await api.pages("sales", "/opportunities")
        return deals if len(deals) == org["deals"] else None

    deals = await eventually(all_deals, timeout=30)
    assert {d["id"] for d in created} <= {d["id"] for d in deals}
    plans = [
        (
            deal,
            rng.choice(["open", "won", "lost"]),
            rng.randint(0, len(org["open_stages"]) - 1),
            rng.random() < 0.3,
            rng.choice(["confirmed", "fulfilled", "draft", "cancel"]),
            rng.randrange(1000, 90000),
        )
        for deal in sorted(deals, key=lambda d: d["name"])
    ]

    async def work(deal, outcome, depth, reprice, order_status, new_amount):
        for stage_id in org["open_stages"][1 : depth + 1]:
            if stage_id != deal["stage_id"]:
                await api.post("sales", f"/opportunities/{deal['id']}/stage", json={"stage_id": stage_id})
        if reprice:
            await api.patch("sales", f"/opportunities/{deal['id']}", json={"amount": new_amount, "lines": []})
        if outcome == "open":
            return
        await api.post(
            "sales",
            f"/opportunities/{deal['id']}/{'win' if outcome == 'won' else 'lose'}",
            json={"reason": "price"},
        )
        if outcome == "won":
            status = "draft" if order_status == "cancel" else order_status
            order = await api.post("sales", "/orders", json={"opportunity_id": deal["id"], "status": status})
            if order_status == "cancel":
                await api.patch("sales", f"/orders/{order['id']}", json={"status": "cancelled"})

    await asyncio.gather(*(work(*plan) for plan in plans))
    for account in accounts:  # an order without a deal: the account owner's sale
        await api.post(
            "sales",
            "/orders",
            json={
                "account_id": account["id"],
                "status": "confirmed",
                "lines": [{"product": "Support", "quantity": 1, "unit_price": rng.randrange(100, 5000)}],
            },
        )


async def tickets_scenario(api: CrmClient, rng: random.Random, org: dict) -> None:
    """Tickets on every channel: assigned, answered, resolved, rated, closed, reopened."""
    contacts = await api.pages("sales", "/contacts")
    last = contacts[-1]["id"]
    await eventually(lambda: _ok(api.status("desk", f"/customers/contacts/{last}/card")), timeout=30)
    plans = [
        (
            rng.choice(["phone", "web", "email", "chat", "wechat"]),
            rng.choice(contacts)["id"],
            rng.choice(org["agents"])["id"],
            rng.random() < 0.7,
            rng.random() < 0.6,
            rng.randint(1, 5),
            rng.random() < 0.6,
            rng.choice(["stay", "close", "reopen"]),
        )
        for _ in range(rng.randint(8, 14))
    ]
    org["tickets"] = len(plans)

    async def one(channel, contact_id, agent_id, reply, resolve, rating, rate, after):
        ticket = await api.post(
            "desk", "/tickets", json={"subject": "Help", "channel": channel, "contact_id": contact_id}
        )
        path = f"/tickets/{ticket['id']}"
        await api.post("desk", f"{path}/assign", json={"assignee_id": agent_id})
        if reply:
            await api.post("desk", f"{path}/replies", json={"body": "On it."})
        if not resolve:
            return
        resolved = await api.post("desk", f"{path}/status", json={"status": "resolved"})
        if rate:
            await api.post(
                "desk", f"/csat/{resolved['csat_url'].rsplit('/csat/', 1)[1]}", data={"rating": rating}
            )
        if after == "close":
            await api.post("desk", f"{path}/status", json={"status": "closed"})
        elif after == "reopen":
            await api.post("desk", f"{path}/status", json={"status": "reopened"})

    await asyncio.gather(*(one(*plan) for plan in plans))


async def _ok(status):
    return await status == 200


# --- the two sides -----------------------------------------------------------------------------------


async def from_services(api: CrmClient) -> dict:
    """The figures computed from the services' own records."""
    leads = [lead for lead in await api.pages("leads", "/leads") if not lead.get("merged_into_id")]
    by_source: dict = defaultdict(Counter)
    by_owner: Counter = Counter()
    for lead in leads:
        row = by_source[lead["source"]]
        row["captured"] += 1
        row["contacted"] += lead["first_contacted_at"] is not None
        row["qualified"] += lead["status"] in ("qualified", "converted")
        row["converted"] += lead["status"] == "converted"
        row["disqualified"] += lead["status"] == "disqualified"
        by_owner[lead["owner_id"]] += 1
    deals = await api.pages("sales", "/opportunities")
    stages: dict = defaultdict(lambda: {"count": 0, "amount": Decimal(0)})
    won: dict = defaultdict(lambda: {"count": 0, "amount": Decimal(0)})
    for deal in deals:
        stages[deal["stage_id"]]["count"] += 1
        stages[deal["stage_id"]]["amount"] += Decimal(deal["amount"])
        if deal["status"] == "won":
            won[deal["owner_id"]]["count"] += 1
            won[deal["owner_id"]]["amount"] += Decimal(deal["amount"])
    ordered: dict = defaultdict(lambda: {"count": 0, "amount": Decimal(0)})
    for order in await api.pages("sales", "/orders"):
        if order["status"] not in NOT_SOLD:
            ordered[order["owner_id"]]["count"] += 1
            ordered[order["owner_id"]]["amount"] += Decimal(order["amount"])
    tickets = await api.offset_pages("desk", "/tickets")
    by_channel: dict = defaultdict(list)
    for ticket in tickets:
        by_channel[ticket["channel"]].append(ticket)
    return {
        "lead_funnel_by_source": {k: dict(v) for k, v in by_source.items()},
        "leads_by_owner": dict(by_owner),
        "opportunity_stages": {k: dict(v) for k, v in stages.items()},
        "opportunity_totals": {
            "opportunities": len(deals),
            "won": sum(d["status"] == "won" for d in deals),
            "lost": sum(d["status"] == "lost" for d in deals),
            "open": sum(d["status"] == "open" for d in deals),
            "won_amount": sum((Decimal(d["amount"]) for d in deals if d["status"] == "won"), Decimal(0)),
        },
        "won_by_rep": {k: dict(v) for k, v in won.items()},
        "ordered_by_rep": {k: dict(v) for k, v in ordered.items()},
        "service_by_channel": {k: _service(v) for k, v in by_channel.items()},
        "service_total": _service(tickets),
    }


def _service(tickets: list[dict]) -> dict:
    ratings = [t["csat_rating"] for t in tickets if t["csat_rating"] is not None]
    return {
        "tickets": len(tickets),
        "backlog": sum(t["status"] in OPEN_TICKET for t in tickets),
        "csat_ratings": len(ratings),
        "csat_average": round(sum(ratings) / len(ratings), 2) if ratings else None,
    }


async def from_reporting(api: CrmClient) -> dict:
    """The same figures as reporting answers them."""
    funnel = await api.get("reporting", "/reports/lead-funnel", params={"group_by": "source"})
    owners = await api.get("reporting", "/reports/lead-funnel", params={"group_by": "owner"})
    deals = await api.get("reporting", "/reports/opportunity-funnel")
    revenue = await api.get("reporting", "/reports/revenue", params={"group_by": "owner"})
    service = await api.get("reporting", "/reports/service", params={"group_by": "channel"})
    stages = ("captured", "contacted", "qualified", "converted", "disqualified")

    def money(rows):
        return {r["key"]: {"count": r["count"], "amount": Decimal(r["amount"])} for r in rows}

    def desk(row):
        return {
            "tickets": row["tickets"],
            "backlog": row["backlog"],
            "csat_ratings": row["csat"]["ratings"],
            "csat_average": row["csat"]["average"],
        }

    return {
        "lead_funnel_by_source": {r["key"]: {s: r[s] for s in stages} for r in funnel["rows"]},
        "leads_by_owner": {r["key"]: r["captured"] for r in owners["rows"]},
        "opportunity_stages": {
            r["stage_id"]: {"count": r["count"], "amount": Decimal(r["amount"])}
            for r in deals["stages"]
            if r["count"]
        },
        "opportunity_totals": {k: deals[k] for k in ("opportunities", "won", "lost", "open")}
        | {"won_amount": Decimal(deals["won_amount"])},
        "won_by_rep": money(revenue["won"]["rows"]),
        "ordered_by_rep": money(revenue["ordered"]["rows"]),
        "service_by_channel": {r["key"]: desk(r) for r in service["rows"]},
        "service_total": desk(service["total"]),
    }


def describe_diff(expected: dict, actual: dict) -> str:
    lines = []
    for figure in expected:
        want, got = expected[figure], actual.get(figure)
        if want == got:
            continue
        if isinstance(want, dict) and isinstance(got, dict):
            for key in sorted(set(want) | set(got), key=str):
                if want.get(key) != got.get(key):
                    lines.append(
                        f"  {figure}[{key}]: services {want.get(key)!r} != reporting {got.get(key)!r}"
                    )
        else:
            lines.append(f"  {figure}: services {want!r} != reporting {got!r}")
    return "\n".join(lines)
