"""The period filter (`from` / `to`, half-open) on every answer, against hand-computed figures, with `as_of`
and in CSV.

Revenue (reporting_scenario + earlier wins): O1 won 2026-03-10 09:00 for 1000 (rep A), O5 won 2026-02-09
09:00 for 500 (rep B), O6 won 2025-03-01 for 400 (rep A); orders R1 placed 03-02 09:00 (300, rep A), R2
placed 03-03 (700, rep B) and cancelled 03-04, R3 placed 02-21 (200, rep B).
Deals are counted by creation: O1 day 0, O2 day 1, O3 day 3, O4 day 4 (day 0 = 2026-03-01 09:00).
Tickets by opening: K1 hour 0, K2 hour 1, K3 hour 2, K4 hour 3.
"""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from reporting_scenario import at, deal, history, hours, opportunity_history, orders, ticket_history
from reporting_support import ADMIN
from test_campaigns import ADS, EXPO
from test_campaigns import day as campaign_day
from test_campaigns import events as campaign_events
from test_revenue import earlier_wins, line

from crm_shared.auth import Principal, Role
from crm_shared.events.sales import OpportunityOpenedV1, OpportunityUpdatedV1, OrderCreatedV1


async def ask(reporting, path: str, principal=ADMIN, **params) -> dict:
    response = await reporting.get(path, principal, **params)
    assert response.status_code == 200, response.text
    return response.json()


def iso(moment: datetime) -> str:
    return moment.isoformat()


def deal_with(cls, opp: str, day: float, amount: int, lines: list, **extra):
    """A snapshot of a deal of rep B at the first stage with these product lines."""
    return cls(**{**deal("O4", "s1", day, amount), "aggregate_id": opp}, lines=lines, **extra)


def sums(part: dict) -> dict:
    return {row["key"]: (row["count"], Decimal(row["amount"])) for row in part["rows"]}


async def test_revenue_counts_the_sales_won_or_placed_in_the_period(reporting):
    await reporting.feed(*opportunity_history(), *earlier_wins(), *orders())
    february = {"from": "2026-02-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}  # whole months: the counters
    body = await ask(reporting, "/reports/revenue", group_by="month", **february)
    assert (sums(body["won"]), sums(body["ordered"])) == ({"2026-02": (1, 500)}, {"2026-02": (1, 200)})
    assert body["period"] == {"from": "2026-02-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}
    # cut months (the facts): O5 won exactly at `from` counts, O1 won exactly at `to` does not
    cut = {"from": iso(datetime(2026, 2, 9, 9, tzinfo=UTC)), "to": iso(at(9))}
    body = await ask(reporting, "/reports/revenue", group_by="owner", **cut)
    assert sums(body["won"]) == {"rep-b": (1, 500)}
    assert sums(body["ordered"]) == {"rep-a": (1, 300), "rep-b": (1, 200)}
    assert Decimal(body["ordered"]["total"]["amount"]) == 500
    # as of day 2.5, March: O1 not yet won, R2 not yet cancelled; the counters and the facts agree
    then = iso(at(2.5))
    for start in ("2026-03-01T00:00:00Z", "2026-03-01T00:00:01Z"):
        body = await ask(reporting, "/reports/revenue", group_by="month", as_of=then,
                         **{"from": start, "to": "2026-04-01T00:00:00Z"})
        assert (sums(body["won"]), sums(body["ordered"])) == ({}, {"2026-03": (2, 1000)})
    only_to = await ask(reporting, "/reports/revenue", group_by="year", to="2026-01-01T00:00:00Z")
    assert (sums(only_to["won"]), sums(only_to["ordered"])) == ({"2025": (1, 400)}, {})


async def test_revenue_period_in_csv_and_with_a_rep(sqlite_reporting):
    await sqlite_reporting.feed(*opportunity_history(), *earlier_wins(), *orders())
    response = await sqlite_reporting.get("/reports/revenue", group_by="owner", format="csv",
                                          **{"from": "2026-02-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"})
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").splitlines() == [
        "kind,owner,count,amount,share,vs_previous,vs_year_before",
        "won,rep-b,1,500.00,1.0,,", "ordered,rep-b,1,200.00,1.0,,"]
    rep_a = Principal("rep-a", Role.REP, "team-n", "A")
    mine = await ask(sqlite_reporting, "/reports/revenue", rep_a, group_by="owner",
                     **{"from": iso(at(-400)), "to": iso(at(10))})
    assert (sums(mine["won"]), sums(mine["ordered"])) == ({"rep-a": (2, 1400)}, {"rep-a": (1, 300)})


async def test_opportunity_funnel_counts_the_deals_created_in_the_period(reporting):
    await reporting.feed(*opportunity_history())
    period = {"from": iso(at(1)), "to": iso(at(4))}  # O2 (lost at Demo) and O3 (lost at once); O4 is at `to`
    body = await ask(reporting, "/reports/opportunity-funnel", **period)
    assert (body["opportunities"], body["open"], body["won"], body["lost"], body["win_rate"]) == (
        2, 0, 0, 2, 0.0)
    stages = {row["stage_id"]: row for row in body["stages"]}
    s1 = stages["s1"]
    assert (s1["entered"], s1["advanced"], s1["lost"], s1["loss_reasons"]) == (2, 1, 1, {"no budget": 1})
    assert (stages["s2"]["entered"], stages["s2"]["loss_reasons"]) == (1, {"competitor": 1})
    assert (stages["lost"]["count"], Decimal(stages["lost"]["amount"])) == (2, 2500)
    then = await ask(reporting, "/reports/opportunity-funnel", as_of=iso(at(5)), **period)
    assert (then["opportunities"], then["open"], then["lost"]) == (2, 1, 1)  # O2 still at Demo then
    assert (await ask(reporting, "/reports/opportunity-funnel"))["opportunities"] == 4
    response = await reporting.get("/reports/opportunity-funnel", format="csv", **period)
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["stage_id"], r["entered"], r["count"]) for r in rows] == [
        ("s1", "2", "0"), ("s2", "1", "0"), ("lost", "2", "2")]


async def test_service_counts_the_tickets_opened_in_the_period(reporting):
    await reporting.feed(*ticket_history())
    period = {"from": iso(hours(1)), "to": iso(hours(3))}  # K2 and K3; K4 was opened at `to`
    total = (await ask(reporting, "/reports/service", **period))["total"]
    assert (total["tickets"], total["backlog"]) == (2, 1)
    assert total["first_response_minutes"] == {"count": 2, "average": 80.0, "p90": 150.0}
    assert total["resolution_minutes"] == {"count": 1, "average": 2880.0, "p90": 2880.0}
    assert total["sla"] == {"first_response": {"met": 1, "breached": 1, "compliance": 0.5},
                            "resolution": {"met": 0, "breached": 1, "compliance": 0.0}}
    assert total["csat"] == {"ratings": 1, "average": 2.0}
    then = (await ask(reporting, "/reports/service", as_of=iso(hours(3.25)), **period))["total"]
    assert (then["tickets"], then["backlog"], then["first_response_minutes"]["count"]) == (2, 2, 1)
    response = await reporting.get("/reports/service", group_by="channel", format="csv", **period)
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [line[:3] for line in lines[1:]] == [["email", "1", "1"], ["phone", "1", "0"], ["total", "2", "1"]]


async def test_rep_kpis_count_each_fact_by_its_own_date(reporting):
    order = OrderCreatedV1(aggregate_id="R9", account_id="acc-9", owner_id="rep-b", team_id="team-s",
                           amount=Decimal(250), occurred_at=at(3))
    await reporting.feed(*history(), *opportunity_history(), order)
    first = await ask(reporting, "/reports/rep-kpis", **{"from": iso(at(1)), "to": iso(at(6))})
    rows = {row["owner_id"]: row for row in first["rows"]}
    # leads L3, L4 (rep B); deals O2 (A), O3, O4 (B); O3 lost on day 4, O2 lost at `to`; R9 placed day 3
    assert {k: (r["leads"], r["contacted"], r["deals"], r["won"], r["lost"], r["win_rate"], r["won_amount"],
                r["ordered_amount"]) for k, r in rows.items()} == {
        "rep-a": (0, 0, 1, 0, 0, None, "0", "0"), "rep-b": (2, 1, 2, 0, 1, 0.0, "0", "250.00")}
    assert rows["rep-b"]["speed_to_lead_hours"] == 12.0
    later = await ask(reporting, "/reports/rep-kpis", **{"from": iso(at(6)), "to": iso(at(10))})
    # L5 captured and converted (rep A); O2 lost on day 6, O1 won on day 9 for 1000; no deal created
    assert [(r["owner_id"], r["leads"], r["converted"], r["deals"], r["won"], r["lost"], r["win_rate"],
             r["won_amount"]) for r in later["rows"]] == [("rep-a", 1, 1, 0, 1, 1, 0.5, "1000.00")]
    response = await reporting.get("/reports/rep-kpis", format="csv",
                                   **{"from": iso(at(6)), "to": iso(at(10))})
    # L5 first contacted when converted, a day after its capture
    assert response.content.decode("utf-8-sig").splitlines()[1] == "rep-a,,1,1,1,24.0,0,1,1,0.5,1000.00,0,,"


async def test_lead_funnel_takes_from_and_to_as_its_capture_window(sqlite_reporting):
    await sqlite_reporting.feed(*history())
    window = {"from": iso(at(1)), "to": iso(at(6))}  # L3, L4; L5 was captured at `to`
    body = await ask(sqlite_reporting, "/reports/lead-funnel", group_by="none", **window)
    older = await ask(sqlite_reporting, "/reports/lead-funnel", group_by="none", captured_from=iso(at(1)),
                      captured_to=iso(at(6)))
    assert body["total"] == older["total"]
    assert (body["total"]["captured"], body["total"]["qualified"], body["total"]["disqualified"]) == (2, 1, 1)
    both = await sqlite_reporting.get("/reports/lead-funnel", captured_from=iso(at(1)), **window)
    assert both.status_code == 422 and both.json()["errors"][0]["field"] == "captured_from"
    backwards = await sqlite_reporting.get("/reports/lead-funnel", captured_from=iso(at(2)),
                                           captured_to=iso(at(1)))
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "captured_from"


async def test_a_period_ending_before_it_starts_is_refused(sqlite_reporting):
    for path in ("/reports/revenue", "/reports/opportunity-funnel", "/reports/service", "/reports/rep-kpis",
                 "/reports/campaigns", "/reports/lead-funnel"):
        refused = await sqlite_reporting.get(path, **{"from": "2026-03-02T00:00:00Z",
                                                      "to": "2026-03-01T00:00:00Z"})
        assert refused.status_code == 422, (path, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["errors"][0]["field"] == "from"
        garbled = await sqlite_reporting.get(path, to="March")
        assert garbled.status_code == 422 and garbled.json()["errors"][0]["field"] == "to"
        unknown = await sqlite_reporting.get(path, period_from="2026-03-01")
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "period_from"
    empty = await ask(sqlite_reporting, "/reports/revenue", **{"from": "2026-03-01T00:00:00Z",
                                                               "to": "2026-03-01T00:00:00Z"})
    assert empty["won"]["total"] == {"count": 0, "amount": "0", "unconverted": {}}


async def test_campaigns_count_the_leads_captured_and_the_deals_won_in_the_period(reporting):
    await reporting.feed(*campaign_events())

    async def roi(**params) -> dict:
        body = await ask(reporting, "/reports/campaigns", **params)
        return {row["campaign"]: row for row in body["rows"] if row["campaign"] in (EXPO, ADS)}

    wins = await roi(**{"from": iso(campaign_day(10)), "to": iso(campaign_day(18))})  # D4 won on day 15
    assert (wins[ADS]["leads"], wins[ADS]["won_deals"], wins[ADS]["won_amount"], wins[ADS]["cost_per_lead"],
            wins[ADS]["roi"]) == (0, 1, "800.00", None, "1.6667")
    assert (wins[EXPO]["leads"], wins[EXPO]["won_deals"], wins[EXPO]["roi"]) == (0, 0, "-1.0000")
    leads = await roi(**{"from": iso(campaign_day(0.15)), "to": iso(campaign_day(0.35))})  # L2, L3
    assert (leads[EXPO]["leads"], leads[EXPO]["converted"], leads[EXPO]["conversion_rate"],
            leads[EXPO]["cost_per_lead"], leads[EXPO]["won_deals"]) == (2, 1, 0.5, "750.00", 0)
    assert ADS not in leads or leads[ADS]["leads"] == 0
    before = await roi(as_of=iso(campaign_day(17)), **{"from": iso(campaign_day(10))})  # D1 won on day 20
    assert (before[ADS]["won_deals"], before[EXPO]["won_deals"]) == (1, 0)
    response = await reporting.get("/reports/campaigns", format="csv",
                                   **{"from": iso(campaign_day(10)), "to": iso(campaign_day(18))})
    assert f"{ADS},,300.00,CNY,0,0,,1,800.00,0,,300.00,1.6667" in response.content.decode("utf-8-sig")


async def test_opportunity_funnel_by_the_deals_lead_source_campaign_and_product(reporting):
    """Campaign scenario: D1 (lead L1, expo, won day 20) and D2 (L2, expo, open) opened days 5 and 6, D4
    (L4, ads, won day 15) opened day 6, D9 from no lead; every lead's source is "event". O7 sold a Widget
    when opened on day 1, only a Gadget from day 3."""
    widget, gadget = line("Widget", 100), line("Gadget", 80)
    await reporting.feed(*campaign_events(), deal_with(OpportunityOpenedV1, "O7", 1, 100, [widget]),
                         deal_with(OpportunityUpdatedV1, "O7", 3, 80, [gadget], changed_fields=["lines"]))

    async def funnel(**params) -> tuple:
        body = await ask(reporting, "/reports/opportunity-funnel", **params)
        return body["opportunities"], body["open"], body["won"]

    assert await funnel(campaign=EXPO) == (2, 1, 1)
    assert await funnel(campaign=ADS) == (1, 0, 1)
    assert await funnel(source="event") == (3, 1, 2)
    assert await funnel(source="event", campaign=ADS) == (1, 0, 1)
    assert await funnel(source="web_form") == (0, 0, 0)
    assert await funnel(campaign=EXPO, **{"from": iso(campaign_day(5.5))}) == (1, 1, 0)  # D2
    assert await funnel(product="Widget", as_of=iso(at(2))) == (1, 1, 0)
    assert await funnel(product="Widget") == (0, 0, 0)  # its latest lines sell a Gadget
    assert await funnel(product="Gadget") == (1, 1, 0)


async def test_service_for_one_agent_from_the_counters_and_over_a_period(reporting):
    await reporting.feed(*ticket_history())
    mine = (await ask(reporting, "/reports/service", assignee_id="agent-1"))["total"]  # K1, K2
    assert (mine["tickets"], mine["backlog"], mine["csat"]) == (2, 1, {"ratings": 1, "average": 5.0})
    later = (await ask(reporting, "/reports/service", assignee_id="agent-1", **{"from": iso(hours(0.5))}))
    total = later["total"]  # K2 only
    assert (total["tickets"], total["first_response_minutes"]["average"]) == (1, 150.0)
