"""After seeding: wait until reporting shows everything the seed did, then print what was made, what
reporting answers, and how to post a lead to the demo's public web forms."""

import asyncio
import json
import shlex
import time
from collections import Counter
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from crm_shared.devstack import seed_data as demo
from crm_shared.devstack.seed_api import CrmClient
from crm_shared.devstack.seed_org import FORM_ORIGIN, Org

if TYPE_CHECKING:
    from crm_shared.devstack.seed import SeedResult

CONVERTED = "leads converted (account, contact and deal in sales)"
# the desk's own checker runs on the real clock too: a clock may come due after the seed looked
AT_LEAST = frozenset({"SLA breaches (first response)", "SLA breaches (resolution)"})


async def expected_figures(client: CrmClient, counts: Counter) -> dict[str, int]:
    """What reporting shows once it has projected every event of the seeding: the seed's own counts
    (leads as the leads service counts them: a form post merged into an earlier lead is no lead of
    its own; SLA outcomes as the desk held them once the tickets were told, seed_tickets)."""
    converted = counts[CONVERTED]
    return {
        "leads captured": len(await client.pages("leads", "/leads")),
        "leads converted": converted,
        "leads disqualified": counts["leads ending disqualified"],
        "prospects imported": counts["prospects imported"],
        "prospects verified": counts["prospects verified (new leads)"],
        "opportunities": counts["opportunities"] + converted,  # a conversion makes a deal
        "opportunities won": counts["opportunities won"],
        "opportunities lost": counts["opportunities lost"],
        "orders": counts["orders"],
        "tickets": counts["tickets"],
        "ticket backlog": counts["tickets"] - counts["tickets resolved"],
        "CSAT ratings": counts["CSAT ratings"],
        **{
            f"SLA {kind} ({clock})": counts[f"tickets {verb} the {clock} SLA"]
            for clock in ("first response", "resolution")
            for kind, verb in (("met", "meeting"), ("breaches", "breaching"))
        },
    }


async def reported_figures(client: CrmClient) -> dict[str, int]:
    """The same figures as reporting answers them now."""
    leads = await client.get("reporting", "/reports/lead-funnel", params={"group_by": "none"})
    funnel, prospects = leads["total"], leads["prospects"]["total"]
    deals = await client.get("reporting", "/reports/opportunity-funnel")
    revenue = await client.get("reporting", "/reports/revenue", params={"group_by": "month"})
    service = (await client.get("reporting", "/reports/service"))["total"]
    sla = service["sla"]
    return {
        "leads captured": funnel["captured"],
        "leads converted": funnel["converted"],
        "leads disqualified": funnel["disqualified"],
        "prospects imported": prospects["imported"],
        "prospects verified": prospects["verified"],
        "opportunities": deals["opportunities"],
        "opportunities won": deals["won"],
        "opportunities lost": deals["lost"],
        "orders": revenue["ordered"]["total"]["count"],
        "tickets": service["tickets"],
        "ticket backlog": service["backlog"],
        "CSAT ratings": service["csat"]["ratings"],
        "SLA met (first response)": sla["first_response"]["met"],
        "SLA breaches (first response)": sla["first_response"]["breached"],
        "SLA met (resolution)": sla["resolution"]["met"],
        "SLA breaches (resolution)": sla["resolution"]["breached"],
    }


def behind(want: dict[str, int], seen: dict[str, int]) -> dict[str, tuple[int, int]]:
    """The figures reporting does not show yet: name -> (reporting's, the seed's)."""
    return {
        name: (seen[name], value)
        for name, value in want.items()
        if not (seen[name] >= value if name in AT_LEAST else seen[name] == value)
    }


async def wait_for_reporting(
    client: CrmClient, counts: Counter, progress: Progress, timeout: float
) -> dict[str, tuple[int, int]]:
    """Until reporting shows every figure of `expected_figures`; the figures still behind when `timeout`
    seconds passed first (empty: reporting caught up)."""
    want = await expected_figures(client, counts)
    # counts the seeded things reporting must show (leads captured, deals won...), not its events
    task = progress.add_task("reporting catching up (seeded records it shows)", total=sum(want.values()))
    deadline, delay = time.monotonic() + timeout, 0.1
    while True:
        seen = await reported_figures(client)
        lagging = behind(want, seen)
        progress.update(task, completed=sum(min(seen[name], value) for name, value in want.items()))
        if not lagging or time.monotonic() > deadline:
            return lagging
        await asyncio.sleep(delay)
        delay = min(delay * 1.5, 1.0)


async def dashboard_figures(client: CrmClient) -> dict:
    """The headline numbers reporting now answers (what a newcomer sees on the dashboard)."""
    board = await client.get("reporting", "/reports/dashboard")
    revenue = await client.get("reporting", "/reports/revenue", params={"group_by": "month"})
    deals = await client.get("reporting", "/reports/opportunity-funnel")
    sla = (await client.get("reporting", "/reports/service"))["total"]["sla"]
    return {
        "leads captured": board["funnel"]["captured"],
        "leads converted": board["funnel"]["converted"],
        "lead conversion rate": board["funnel"]["rates"]["overall"],
        "prospects imported": board["prospects"]["imported"],
        "prospects verified into leads": board["prospects"]["verified"],
        "prospect conversion rate": board["prospects"]["conversion_rate"],
        "opportunities won": deals["won"],
        "opportunities lost": deals["lost"],
        "pipeline win rate": board["pipeline"]["win_rate"],
        "won amount": board["pipeline"]["won_amount"],
        "orders": revenue["ordered"]["total"]["count"],
        "ordered amount": revenue["ordered"]["total"]["amount"],
        "bottleneck stage": board["pipeline"]["bottleneck"],
        "tickets": board["service"]["tickets"],
        "ticket backlog": board["service"]["backlog"],
        "first response SLA met": _share(sla["first_response"]),
        "resolution SLA met": _share(sla["resolution"]),
        "CSAT": board["service"]["csat"],
        "reps on the board": len(board["reps"]),
    }


def _share(clock: dict) -> str:
    """`0.8125 (130 of 160)`: the compliance and what it is made of."""
    decided = clock["met"] + clock["breached"]
    return f"{clock['compliance']} ({clock['met']} of {decided})" if decided else "none decided"


def report(console: Console, result: "SeedResult", figures: dict, leads_url: str) -> None:
    """The summary printed after seeding."""
    lagging = result.lagging
    table = Table(title=f"Seeded in {result.seconds:.1f} s ({result.requests} requests)")
    table.add_column("created")
    table.add_column("count", justify="right")
    for kind, count in sorted(result.counts.items()):
        table.add_row(kind, str(count))
    console.print(table)
    if lagging:
        console.print(
            "[red]reporting has not caught up[/red] with the seeding; still behind: "
            + ", ".join(f"{name} {seen} of {want}" for name, (seen, want) in lagging.items())
            + ". The figures below are what it answers now; is its consumer running (the `make run` log)?"
        )
    board = Table(title="Reporting answers now" + (" (still catching up)" if lagging else ""))
    board.add_column("figure")
    board.add_column("value", justify="right")
    for name, value in figures.items():
        board.add_row(name, str(value))
    console.print(board)
    console.print(
        f"Dashboard: {result.org.reporting_url}/  (log in as admin, or as any demo user "
        f"with password {demo.PASSWORD!r}, e.g. {result.org.sample_rep_email})"
    )
    print_forms(console, result.org, leads_url)


def print_forms(console: Console, org: Org, leads_url: str) -> None:
    """The demo's public web forms and two ready-to-paste posts to one of them."""
    if not org.form_reads:
        return
    leads_url = leads_url.rstrip("/")
    console.print(
        f"\nPublic web forms (anyone may post; their settings: GET {leads_url}/forms as the admin):"
    )
    for form in org.form_reads:
        console.print(f"  {form['name']:<26} {form['id']}", markup=False, highlight=False)
    form = org.form_reads[0]
    api, browser = curl_examples(leads_url, form["id"])
    console.print(f"A lead through {form['name']!r}, posted by a site's backend (202, the submission id):")
    console.print(api, markup=False, highlight=False, soft_wrap=True)
    console.print(f"or by a browser (303 to the thank-you page, {form['thank_you_url']}):", highlight=False)
    console.print(browser, markup=False, highlight=False, soft_wrap=True)


def curl_examples(leads_url: str, form_id: str) -> tuple[str, str]:
    """Two posts to the form: JSON (an API client) and form-encoded with `Accept: text/html` (a browser)."""
    url = shlex.quote(f"{leads_url.rstrip('/')}/forms/{form_id}/submissions")
    lead = {"name": "Ann Lee", "email": "ann.lee@example.org", "company": "Lee Trading"}
    api = f"curl -i -H 'Content-Type: application/json' \\\n  -d {shlex.quote(json.dumps(lead))} \\\n  {url}"
    fields = {"name": "Bo Wu", "email": "bo.wu@example.org", "company": "Wu Foods"}
    encoded = " ".join(f"--data-urlencode {shlex.quote(f'{k}={v}')}" for k, v in fields.items())
    browser = (
        f"curl -i -H 'Accept: text/html' -H {shlex.quote('Origin: ' + FORM_ORIGIN)} \\\n"
        f"  {encoded} \\\n  {url}"
    )
    return api, browser
