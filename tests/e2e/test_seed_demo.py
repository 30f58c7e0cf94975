"""The demo seeder against the four real services: it builds the company through their APIs, returns only
once reporting agrees with the services on what it built, and a second run refuses instead of doubling it."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from rich.console import Console

from crm_shared.devstack.seed import SeedOptions, dashboard_figures, seed
from crm_shared.devstack.seed_api import CrmClient, SeedError
from crm_shared.devstack.seed_org import FORM_ORIGIN
from crm_shared.devstack.seed_report import behind, expected_figures, reported_figures
from crm_shared.messaging.tansu import TansuBroker, free_port
from e2e_stack import ADMIN, four_services, seed_endpoints

pytestmark = pytest.mark.timeout(600)  # the services start slowly on a loaded machine

SCALE = 0.02  # 48 leads (4 through the public forms), 12 deals, 10 tickets, 16 prospects in 5 lists


@pytest.fixture(scope="module")
async def stack(tmp_path_factory):
    tansu = TansuBroker(free_port()).start()
    try:
        async with four_services(tmp_path_factory.mktemp("seed"), tansu.bootstrap_servers) as procs:
            yield procs
    finally:
        tansu.stop()


async def test_seeded_company_is_what_the_services_and_reporting_show(stack):
    options = SeedOptions(endpoints=seed_endpoints(stack), scale=SCALE, show_progress=False)
    result = await seed(options, Console(quiet=True))
    counts = result.counts
    print(f"seeded at scale {SCALE} in {result.seconds:.1f} s, {result.requests} requests: {dict(counts)}")
    assert counts["leads"] == 48 and counts["leads (via web forms)"] == 4
    assert counts["users (rep)"] == 9 and counts["teams"] == 4 and counts["users (agent)"] == 4
    assert counts["opportunities"] == 12 and counts["tickets"] == 10
    assert result.lagging == {}  # the seed waited until reporting showed all of it

    async with CrmClient(options.endpoints) as api:
        await api.login(**ADMIN)
        leads = await api.pages("leads", "/leads")
        deals = await api.pages("sales", "/opportunities")
        orders = await api.pages("sales", "/orders")
        tickets = await api.offset_pages("desk", "/tickets")
        from_prospects = counts["prospects verified (new leads)"]  # a verified prospect is a new lead
        assert len(leads) == counts["leads"] + from_prospects
        assert {lead["source"] for lead in leads} >= {"web_form", "event"}
        sellers = {u["id"] for u in result.org.reps + result.org.managers}
        assert {lead["owner_id"] for lead in leads} <= sellers  # routed or assigned, none left to the admin
        converted = sum(lead["status"] == "converted" for lead in leads)
        assert converted == counts["leads converted (account, contact and deal in sales)"]
        assert len(tickets) == counts["tickets"]

        async def agrees():
            deals_now = await api.pages("sales", "/opportunities")  # conversions arrive through Kafka
            funnel = await api.get("reporting", "/reports/lead-funnel", params={"group_by": "none"})
            pipeline = await api.get("reporting", "/reports/opportunity-funnel")
            revenue = await api.get("reporting", "/reports/revenue", params={"group_by": "owner"})
            service = await api.get("reporting", "/reports/service")
            sold = sum(
                (Decimal(o["amount"]) for o in orders if o["status"] not in ("draft", "cancelled")),
                Decimal(0),
            )
            won = [d for d in deals_now if d["status"] == "won"]
            return (
                len(deals_now) == counts["opportunities"] + converted
                and funnel["total"]["captured"] == len(leads)
                and funnel["total"]["converted"] == converted
                and pipeline["opportunities"] == len(deals_now)
                and pipeline["won"] == len(won) == counts["opportunities won"]
                and Decimal(revenue["ordered"]["total"]["amount"]) == sold
                and revenue["ordered"]["total"]["count"] == len(orders) == counts["orders"]
                and service["total"]["tickets"] == len(tickets)
                and service["total"]["csat"]["ratings"] == counts["CSAT ratings"]
            )

        assert await agrees()  # right away: the seed returned only once reporting had caught up
        funnel_now = await api.get("reporting", "/reports/lead-funnel", params={"group_by": "none"})
        pipeline_now = await api.get("reporting", "/reports/opportunity-funnel")
        assert behind(await expected_figures(api, counts), await reported_figures(api)) == {}
        # a year of history, not one day: leads came in over many months, and reporting, which
        # answers by event time, counted fewer of them half a year ago than today
        assert len({lead["created_at"][:7] for lead in leads}) >= 4
        half_a_year_ago = (datetime.now(UTC) - timedelta(days=180)).isoformat()
        then = await api.get(
            "reporting", "/reports/lead-funnel", params={"group_by": "none", "as_of": half_a_year_ago}
        )
        earlier = sum(lead["created_at"] < half_a_year_ago for lead in leads)
        assert 0 < then["total"]["captured"] == earlier < len(leads)
        assert len(deals) >= counts["opportunities"]
        figures = await dashboard_figures(api)
        assert figures["leads captured"] == len(leads) and figures["tickets"] == len(tickets)
        assert figures["reps on the board"] >= 1

        # the deals lead conversions opened did not stay in their first stage: they moved on over weeks,
        # some were won (with orders) or lost with a reason, and sales and reporting agree with the seed
        first_stage = next(s["id"] for s in result.org.pipeline["stages"] if s["type"] == "open")
        converted_deals = [d for d in deals if d["source_type"] == "lead"]
        assert len(converted_deals) == converted
        ended = Counter(d["status"] for d in converted_deals)
        for status in ("won", "lost", "open"):
            assert ended[status] == counts[f"deals of converted leads ending {status}"]
        assert ended["won"] > 0 and ended["lost"] > 0
        still_open = [d for d in converted_deals if d["status"] == "open"]  # a young one may not have moved
        assert len(still_open) < 2 or any(d["stage_id"] != first_stage for d in still_open)
        lost = [d for d in converted_deals if d["status"] == "lost"]
        assert all(d["close_reason"] for d in lost) and pipeline_now["lost"] == counts["opportunities lost"]
        won = next(d for d in converted_deals if d["status"] == "won")
        visits = await api.get("sales", f"/opportunities/{won['id']}/stage-history")
        entered = [datetime.fromisoformat(v["entered_at"]) for v in visits]
        assert visits[0]["stage_id"] == first_stage and visits[-1]["stage_name"] == "Won" and len(visits) >= 4
        assert entered == sorted(entered) and entered[-1] - entered[0] >= timedelta(days=13)  # over weeks

        # marketing's purchased lists: imported over the year, some verified into leads; the prospects
        # KPI shows them (and half a year ago showed only the lists bought by then)
        prospects = funnel_now["prospects"]["total"]
        assert prospects["imported"] == counts["prospects imported"] >= 15
        assert 0 < prospects["verified"] == from_prospects < prospects["imported"]
        assert 0 < prospects["conversion_rate"] < 1 and figures["prospects imported"] == prospects["imported"]
        bought = await api.get("leads", "/prospects", params={"limit": 1000})
        assert len({p["imported_at"][:7] for p in bought}) >= 4 and len(bought) == prospects["imported"]
        assert 0 < then["prospects"]["total"]["imported"] < prospects["imported"]
        assert sum(lead["source"] == "purchased_list" for lead in leads) >= from_prospects

        # every ticket opened under the SLA policy of its priority, with due times reporting knows
        policies = await api.get("desk", "/sla/policies")
        assert {p["priority"] for p in policies} == {"low", "normal", "high", "urgent"}
        for ticket in tickets:
            detail = await api.get("desk", f"/tickets/{ticket['id']}")
            clocks = {c["target"] for c in detail["sla"] if c["due_at"]}
            assert detail["sla_policy_id"] and clocks >= {"first_response", "resolution"}
        service = await api.get("reporting", "/reports/service")
        decided = service["total"]["sla"]["first_response"]
        assert decided["met"] + decided["breached"] > 0

        # a browser's post to a demo form is sent on to the site's thank-you (or error) page
        forms = result.org.form_reads
        assert {f["id"] for f in forms} == set(result.org.forms.values())
        async with httpx.AsyncClient() as web:
            url = f"{options.endpoints.leads}/forms/{forms[0]['id']}/submissions"
            browser = {"Accept": "text/html", "Origin": FORM_ORIGIN}
            posted = await web.post(
                url, data={"name": "Ann Lee", "email": "ann@example.org"}, headers=browser
            )
            assert posted.status_code == 303 and posted.headers["location"] == forms[0]["thank_you_url"]
            invalid = await web.post(url, data={"email": "ann@example.org"}, headers=browser)
            assert invalid.status_code == 303
            assert invalid.headers["location"].startswith(forms[0]["error_url"])

    with pytest.raises(SeedError, match="already holds the demo company"):
        await seed(options, Console(quiet=True))
