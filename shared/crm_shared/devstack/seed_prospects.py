"""Marketing's purchased prospect lists: each uploaded to the leads service (`POST /prospects/import`, the
CLI's rules) at the demo time it was bought, then some prospects verified over the following weeks into
routed leads (`POST /prospects/{id}/verify`), most of those contacted soon after. Reporting counts them
from the leads service's own events (`leads.prospect.imported` / `.verified`): the prospects KPI.

Drawn up front from an RNG of their own (seed.py derives it from the seed), like seed_converted.
"""

import asyncio
import csv
import io
import random
from collections import Counter
from datetime import datetime

from rich.progress import Progress

from crm_shared.devstack import seed_data as demo
from crm_shared.devstack.seed_api import CrmClient
from crm_shared.devstack.seed_time import after, at, days_ago
from crm_shared.devstack.seed_work import unique_name

COLUMNS = ("Name", "E-mail", "Mobile", "Company", "Job Title", "Region", "Industry")  # as bought
LIST_ROWS = 1000  # at most, per list: the seeder reads a list's prospects back in one page
CONTACTED = 0.6  # of the verified prospects, whose new lead a rep contacts within days


def prospect_specs(rng: random.Random, plan: demo.Plan, now: datetime) -> list[dict]:
    """Each purchased list: its rows, when it was imported, which rows are verified and when."""
    names: set[str] = set()
    phones: set[str] = set()
    lists = []
    for name, campaign, age_days, share, verified_share in demo.PROSPECT_LISTS:
        size = min(LIST_ROWS, max(3, round(plan.prospects * share)))
        rows = [_row(rng, names, phones, len(names)) for _ in range(size)]
        imported = days_ago(rng, now, age_days + 2, age_days)
        age_hours = (now - imported).total_seconds() / 3600
        verified = sorted(rng.sample(range(size), max(1, round(size * verified_share))))
        verifications = {}
        for index in verified:  # row numbers count the header as row 1, as the import's answer does
            confirmed = after(rng, imported, now, min(24, age_hours / 10), min(60 * 24, age_hours * 0.9))
            contacted = after(rng, confirmed, now, 2, 96) if rng.random() < CONTACTED else None
            verifications[index + 2] = (confirmed, contacted)
        lists.append(
            {"name": name, "campaign": campaign, "imported": imported, "rows": rows, "verify": verifications}
        )
    return lists


def _row(rng: random.Random, names: set[str], phones: set[str], n: int) -> dict:
    """A bought row: a person no seeded lead or other prospect is (their own email domain, a phone of
    their own, a name of their own), so each verification makes a new lead and the counts add up."""
    name, firm = unique_name(rng, demo.person(rng), names), demo.company(rng)
    phone = None
    if rng.random() < 0.7:  # lists are patchy: some rows have no mobile number
        phone = f"+86139{rng.randrange(10**7, 10**8)}"
        while phone in phones:
            phone = f"+86139{rng.randrange(10**7, 10**8)}"
        phones.add(phone)
    return {
        "Name": name,
        "E-mail": f"{demo.slug(name)}.p{n}@{demo.slug(firm)}.example.net",
        "Mobile": phone or "",
        "Company": firm,
        "Job Title": rng.choice(("CEO", "Purchasing manager", "IT manager", "Head of Sales", "Owner")),
        "Region": rng.choice(demo.REGIONS),
        "Industry": rng.choice(demo.INDUSTRIES),
    }


async def run_prospect_lists(
    client: CrmClient, lists: list[dict], counts: Counter, progress: Progress
) -> None:
    """Import every list (at once), verify the chosen prospects one at a time in the order they were
    confirmed (each new lead routed as the leads before it left the reps' loads), then contact the leads
    (at once)."""
    found = await asyncio.gather(*(import_list(client, spec, counts) for spec in lists))
    confirmations = sorted(
        (confirmed, ids[row], contacted)
        for spec, ids in zip(lists, found, strict=True)
        for row, (confirmed, contacted) in spec["verify"].items()
        if row in ids
    )
    task = progress.add_task("prospects verified", total=len(confirmations))
    leads = []
    for confirmed, prospect_id, contacted in confirmations:
        leads.append((await _verify(client, prospect_id, confirmed, counts), contacted))
        progress.advance(task)
    await asyncio.gather(*(_contact(client, lead_id, when, counts) for lead_id, when in leads if when))


async def import_list(client: CrmClient, spec: dict, counts: Counter) -> dict[int, str]:
    """Upload the list as a CSV file at its import time; its prospects' ids by row number."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(spec["rows"])
    answer = await client.post(
        "leads",
        "/prospects/import",
        params={"list_name": spec["name"], **({"campaign": spec["campaign"]} if spec["campaign"] else {})},
        files={"file": (f"{demo.slug(spec['name'])}.csv", text.getvalue().encode(), "text/csv")},
        headers=at(spec["imported"]),
    )
    counts["prospects imported"] += answer["imported"]
    refused = len(answer["errors"]) + len(answer["duplicates"])
    counts["prospect rows refused (invalid or duplicates)"] += refused
    listed = await client.get("leads", "/prospects", params={"list_name": spec["name"], "limit": LIST_ROWS})
    return {prospect["row_number"]: prospect["id"] for prospect in listed}


async def _verify(client: CrmClient, prospect_id: str, confirmed: datetime, counts: Counter) -> str:
    """The person confirmed: the prospect becomes a lead, routed to a rep of its region; the lead's id."""
    prospect = await client.post("leads", f"/prospects/{prospect_id}/verify", headers=at(confirmed))
    counts["prospects verified (new leads)"] += 1
    return prospect["lead_id"]


async def _contact(client: CrmClient, lead_id: str, when: datetime, counts: Counter) -> None:
    """A rep's first contact with the lead a prospect became."""
    await client.post("leads", f"/leads/{lead_id}/status", json={"status": "contacted"}, headers=at(when))
    counts["leads from prospects contacted"] += 1
