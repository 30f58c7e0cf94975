"""The seeder's second half: leads worked through their lifecycle, deals to orders and payments, tickets.

Every decision is drawn up front from one seeded RNG (the *_specs functions), so a given seed builds
the same company whatever order the concurrent requests finish in.
"""

import random
from collections import Counter
from datetime import date, datetime, timedelta

from crm_shared.devstack import seed_data as demo
from crm_shared.devstack.seed_api import CrmClient, wait_until
from crm_shared.devstack.seed_org import FORM_ORIGIN, Org
from crm_shared.devstack.seed_time import at, deal_times, lead_times, on

LEAD_OUTCOMES = (
    ("new", 16),
    ("contacted", 22),
    ("qualified", 10),
    ("converted", 12),
    ("disqualified:new", 10),
    ("disqualified:contacted", 20),
    ("disqualified:qualified", 10),
)
PATHS = {
    "new": [],
    "contacted": ["contacted"],
    "qualified": ["contacted", "qualified"],
    "converted": ["contacted", "qualified"],
}
DEAL_OUTCOMES = (("open", 46), ("won", 32), ("lost", 22))


def lead_specs(rng: random.Random, plan: demo.Plan, org: Org, now: datetime) -> list[dict]:
    """What each lead is, where it comes from, how far it gets, and when."""
    specs, today, names = [], now.date(), set()
    form_sources = list(org.forms)
    for i in range(plan.leads):
        via_form = i < plan.form_leads
        source = form_sources[i % len(form_sources)] if via_form else demo.weighted(rng, demo.SOURCES)
        campaign = rng.choice(demo.CAMPAIGN_OF_SOURCE.get(source, (None,)))
        name, firm = unique_name(rng, demo.person(rng), names), demo.company(rng)
        region = rng.choice(demo.REGIONS)
        outcome = demo.weighted(rng, LEAD_OUTCOMES)
        specs.append(
            {
                "via_form": via_form,
                "rep": rng.choice([r for r in org.reps if r["region"] == region] or org.reps),
                "body": {
                    "name": name,
                    "email": f"{demo.slug(name)}.{i}@{demo.slug(firm.split()[1])}.example.org",
                    "phone": demo.phone(rng),
                    "company": firm,
                    "source": source,
                    "campaign": campaign,
                    "title": rng.choice(("CEO", "CTO", "Head of Sales", "Office manager", "Buyer")),
                    "region": region,
                    "industry": rng.choice(demo.INDUSTRIES),
                },
                "outcome": outcome,
                "call": rng.random() < 0.25,
                "size": rng.choice(demo.SIZES),
                "amount": rng.randrange(5, 120) * 1000,
                "close": (today + timedelta(days=rng.randint(15, 150))).isoformat(),
                "reason": rng.choice(demo.DISQUALIFY_REASONS),
                "times": lead_times(rng, outcome, now),
            }
        )
    return specs


def unique_name(rng: random.Random, name: str, taken: set[str]) -> str:
    """A person's name no other seeded lead (or prospect) has: two leads of one name at one company
    domain are one person to the leads service (it merges them), and the seeder tells each lead's own
    story."""
    first, last = name.split(" ", 1)
    while name in taken:
        name = f"{first} {chr(65 + rng.randrange(26))}. {last}"
    taken.add(name)
    return name


async def run_lead(client: CrmClient, org: Org, spec: dict, counts: Counter) -> str:
    """Capture (a public form's post, routed to a rep; or typed in by a rep of its region), then walk
    the lifecycle; the lead's id (a converted lead's deal is worked on from it: seed_converted)."""
    body = {k: v for k, v in spec["body"].items() if v is not None}
    captured, contact, qualified, closed = spec["times"]
    if spec["via_form"]:
        lead_id = await _through_form(client, org, body, captured)
        counts["leads (via web forms)"] += 1
        me = {}  # routed to a rep by the routing rules; the admin works it
    else:  # typed in by a rep of the lead's region, who owns and works it
        me = org.rep_headers[spec["rep"]["id"]]
        lead_id = (await client.post("leads", "/leads", json=body, headers=at(captured, me)))["id"]
    counts["leads"] += 1
    outcome = spec["outcome"]
    final, _, before = outcome.partition(":")
    path = PATHS[before or final]
    when = {"contacted": contact, "qualified": qualified}
    if path and spec["call"]:
        call = {"kind": "call", "subject": "First call", "notes": "Discussed needs"}
        await client.post("leads", f"/leads/{lead_id}/activities", json=call, headers=at(contact, me))
        counts["lead activities"] += 1
        path = path[1:]  # a logged call is the first contact: the lead is contacted by it
    for status in path:
        await client.post(
            "leads", f"/leads/{lead_id}/status", json={"status": status}, headers=at(when[status], me)
        )
    if final == "disqualified":
        await client.post(
            "leads",
            f"/leads/{lead_id}/status",
            json={"status": "disqualified", "reason": spec["reason"]},
            headers=at(closed, me),
        )
    elif final == "converted":
        b = spec["body"]
        await client.post(
            "leads",
            f"/leads/{lead_id}/convert",
            json={
                "account": {
                    "name": b["company"],
                    "industry": b["industry"],
                    "region": b["region"],
                    "size": spec["size"],
                },
                "contact": {"name": b["name"], "email": b["email"], "phone": b["phone"], "title": b["title"]},
                "opportunity": {
                    "name": f"{b['company']}: first order",
                    "amount": spec["amount"],
                    "currency": "CNY",
                    "expected_close_date": spec["close"],
                },
            },
            headers=at(closed, me),
        )
        counts["leads converted (account, contact and deal in sales)"] += 1
    counts[f"leads ending {final}"] += 1
    return lead_id


async def _through_form(client: CrmClient, org: Org, body: dict, when: datetime) -> str:
    fields = {k: body[k] for k in ("name", "email", "phone", "company", "title") if k in body}
    fields.update(utm_source="google", utm_medium="cpc", utm_campaign=body.get("campaign") or "")
    accepted = await client.post(
        "leads",
        f"/forms/{org.forms[body['source']]}/submissions",
        json=fields,
        headers=at(when, {"Origin": FORM_ORIGIN}),
        expect=(202,),
    )

    async def lead():
        return (await client.get("leads", f"/submissions/{accepted['id']}"))["lead_id"]

    return await wait_until(lead, "a form submission to become a lead")


def opportunity_specs(rng: random.Random, plan: demo.Plan, org: Org, now: datetime) -> list[dict]:
    """Deals on the seeded accounts: where each stops, how it closes, what follows a win, and when."""
    open_stages = [s for s in org.pipeline["stages"] if s["type"] == "open"]
    specs, today = [], now.date()
    for _ in range(plan.opportunities):
        account = rng.choice(org.accounts)
        outcome = demo.weighted(rng, DEAL_OUTCOMES)
        depth = rng.randint(2 if outcome == "won" else 0, len(open_stages) - 1)
        closed = outcome != "open"
        close = (
            demo.day_in_year(rng, today, back=350, ahead=0)
            if closed
            else demo.day_in_year(rng, today, back=-10, ahead=150)
        )
        specs.append(
            {
                "account": account,
                "outcome": outcome,
                "stages": [s["id"] for s in open_stages[1 : depth + 1]],
                "lines": demo.lines(rng),
                "close": close,
                "reason": rng.choice(demo.WIN_REASONS if outcome == "won" else demo.LOSS_REASONS),
                "competitor": rng.choice(demo.COMPETITORS),
                "contract": rng.random() < 0.6,
                "order_status": rng.choice(("confirmed", "confirmed", "fulfilled")),
                "invoice": rng.random() < 0.9,
                "paid": rng.random() < 0.75,
                "pay_after": rng.randint(3, 40),
                "name": f"{account['name']}: {rng.choice(('renewal', 'expansion', 'new seats', 'pilot'))}",
                "times": deal_times(rng, closed, close, depth, now),
            }
        )
    return specs


async def run_opportunity(client: CrmClient, org: Org, spec: dict, counts: Counter, today: date) -> None:
    """Create, then move through the stages and close (advance_deal)."""
    account, times = spec["account"], spec["times"]
    deal = await client.post(
        "sales",
        "/opportunities",
        json={
            "name": spec["name"],
            "account_id": account["id"],
            "owner_id": account["owner_id"],
            "currency": "CNY",
            "expected_close_date": spec["close"].isoformat(),
            "lines": spec["lines"],
        },
        headers=at(times["created"]),
    )
    counts["opportunities"] += 1
    await advance_deal(client, deal["id"], spec, counts, today)


async def advance_deal(client: CrmClient, deal_id: str, spec: dict, counts: Counter, today: date) -> None:
    """Move an open deal through `spec`'s stages at their times, then close it as the spec says (or leave
    it open); a win gets a contract, an order, an invoice, a payment. Deals the seeder opens and those a
    lead conversion opens in sales (seed_converted) are worked alike."""
    times = spec["times"]
    for stage_id, moved in zip(spec["stages"], times["moves"], strict=True):
        await client.post(
            "sales", f"/opportunities/{deal_id}/stage", json={"stage_id": stage_id}, headers=at(moved)
        )
        counts["stage moves"] += 1
    outcome = spec["outcome"]
    if outcome == "open":
        return
    await client.post(
        "sales",
        f"/opportunities/{deal_id}/{'win' if outcome == 'won' else 'lose'}",
        json={"reason": spec["reason"], "competitor": spec["competitor"]},
        headers=at(times["closed"]),
    )
    counts[f"opportunities {outcome}"] += 1
    if outcome == "won":
        await _after_win(client, deal_id, spec, counts, today)


async def _after_win(client: CrmClient, deal_id: str, spec: dict, counts: Counter, today: date) -> None:
    starts, won, seeded = spec["close"], spec["times"]["closed"], spec["times"]["seeded"]
    now = at(min(won + timedelta(minutes=30), seeded - timedelta(seconds=10)))  # paperwork follows the win
    contract_id = None
    if spec["contract"]:
        contract = await client.post(
            "sales",
            "/contracts",
            json={
                "opportunity_id": deal_id,
                "name": f"{spec['name']} contract",
                "status": "active",
                "start_date": starts.isoformat(),
                "end_date": (starts + timedelta(days=365)).isoformat(),
                "auto_renew": True,
            },
            headers=now,
        )
        contract_id = contract["id"]
        counts["contracts"] += 1
    origin = {"contract_id": contract_id} if contract_id else {"opportunity_id": deal_id}
    order = await client.post(
        "sales", "/orders", json={**origin, "status": spec["order_status"]}, headers=now
    )
    counts["orders"] += 1
    if not spec["invoice"]:
        return
    invoice = await client.post(
        "sales",
        f"/orders/{order['id']}/invoices",
        json={"issued_on": starts.isoformat(), "due_on": (starts + timedelta(days=30)).isoformat()},
        headers=now,
    )
    counts["invoices"] += 1
    if spec["paid"]:
        paid_on = min(today, starts + timedelta(days=spec["pay_after"]))
        await client.post(
            "sales",
            f"/invoices/{invoice['id']}/payments",
            json={"amount": invoice["amount"], "paid_on": paid_on.isoformat(), "method": "bank transfer"},
            headers=at(max(won + timedelta(seconds=2), on(paid_on, 10, seeded))),
        )
        counts["payments"] += 1
