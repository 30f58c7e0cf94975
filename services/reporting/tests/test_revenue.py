"""Revenue against hand-computed figures: won deals and orders by month, quarter and rep, as of a date."""

from datetime import timedelta
from decimal import Decimal

from customer_scenario import customers
from reporting_scenario import DAY1, deal_moved, deal_opened, opportunity_history, orders
from reporting_support import ADMIN

from crm_shared.auth import Principal, Role
from crm_shared.events.sales import OpportunityLine, OpportunityWonV1, OrderCreatedV1, OrderUpdatedV1


def earlier_wins() -> list:
    """O5 won on 2026-02-09 for 500 by rep B; O6 won on 2025-03-01 for 400 by rep A."""
    return [deal_opened("O5", -40, 500), deal_moved("O5", "s1", "won", -20, 500, 20, OpportunityWonV1, "fit"),
            deal_opened("O6", -380, 400),
            deal_moved("O6", "s1", "won", -365, 400, 15, OpportunityWonV1, "fit")]


async def revenue(reporting, principal=ADMIN, **params) -> dict:
    response = await reporting.get("/reports/revenue", principal, **params)
    assert response.status_code == 200, response.text
    return response.json()


def keyed(part: dict) -> dict:
    return {row["key"]: row for row in part["rows"]}


async def test_won_and_ordered_by_period_with_shares_and_changes(reporting):
    events = [*opportunity_history(), *earlier_wins(), *orders()]
    await reporting.feed(*events, *events[:3])
    body = await revenue(reporting, group_by="month")
    won = keyed(body["won"])
    assert list(won) == ["2025-03", "2026-02", "2026-03"]
    assert [(r["count"], Decimal(r["amount"]), r["share"]) for r in won.values()] == [
        (1, 400, 0.2105), (1, 500, 0.2632), (1, 1000, 0.5263)]
    assert (won["2026-03"]["vs_previous"], won["2026-03"]["vs_year_before"]) == (1.0, 1.5)
    assert won["2026-02"]["vs_previous"] is None
    assert (body["won"]["total"]["count"], Decimal(body["won"]["total"]["amount"])) == (3, 1900)
    ordered = keyed(body["ordered"])
    assert {k: (r["count"], Decimal(r["amount"])) for k, r in ordered.items()} == {
        "2026-02": (1, 200), "2026-03": (1, 300)}
    assert ordered["2026-03"]["vs_previous"] == 0.5
    quarter = keyed((await revenue(reporting, group_by="quarter"))["won"])
    assert (Decimal(quarter["2026-Q1"]["amount"]), quarter["2026-Q1"]["vs_year_before"]) == (1500, 2.75)


async def test_as_of_by_rep_visibility_and_csv(sqlite_reporting):
    await sqlite_reporting.feed(*opportunity_history(), *earlier_wins(), *orders())
    by_rep = keyed((await revenue(sqlite_reporting, group_by="owner"))["won"])
    assert {k: (r["count"], Decimal(r["amount"]), r["share"]) for k, r in by_rep.items()} == {
        "rep-a": (2, 1400, 0.7368), "rep-b": (1, 500, 0.2632)}
    then = await revenue(sqlite_reporting, group_by="month", as_of=(DAY1 + timedelta(days=2.5)).isoformat())
    assert list(keyed(then["won"])) == ["2025-03", "2026-02"]  # O1 was won on day 9
    assert Decimal(keyed(then["ordered"])["2026-03"]["amount"]) == 1000  # R2 not yet cancelled
    mine = await revenue(sqlite_reporting, Principal("rep-b", Role.REP, "team-b", "B"), group_by="owner")
    assert [(r["key"], Decimal(r["amount"])) for r in mine["won"]["rows"]] == [("rep-b", 500)]
    assert [(r["key"], Decimal(r["amount"])) for r in mine["ordered"]["rows"]] == [("rep-b", 200)]
    lines = (await sqlite_reporting.get("/reports/revenue", group_by="owner", format="csv")).content
    header, first = lines.decode("utf-8-sig").splitlines()[:2]
    assert header == "kind,owner,count,amount,share,vs_previous,vs_year_before"
    assert first == "won,rep-a,2,1400.00,0.7368,,"


async def test_revenue_by_the_customers_region_industry_and_size(sqlite_reporting):
    await sqlite_reporting.feed(*customers())
    by_region = keyed((await revenue(sqlite_reporting, group_by="region"))["ordered"])
    assert {k: (r["count"], Decimal(r["amount"])) for k, r in by_region.items()} == {
        "east": (4, 640), "west": (3, 360), None: (1, 900)}  # G's account was deleted: no region known
    retail = await revenue(sqlite_reporting, group_by="size", industry="retail")
    assert {k: Decimal(r["amount"]) for k, r in keyed(retail["ordered"]).items()} == {
        "large": 540, "small": 60}
    east_small = await revenue(sqlite_reporting, group_by="month", region="east", size="small")
    assert {k: Decimal(r["amount"]) for k, r in keyed(east_small["ordered"]).items()} == {"2025-11": 100}


def line(product: str, amount: int) -> OpportunityLine:
    return OpportunityLine(product=product, quantity=Decimal(1), unit_price=Decimal(amount),
                           amount=Decimal(amount))


async def test_revenue_by_product_follows_each_sales_latest_lines(sqlite_reporting):
    """P1 placed day 1 with Widget 200 + Gadget 100, changed day 3 to Widget 250 only; P2 has no lines."""
    p1 = {"aggregate_id": "P1", "account_id": "acc-1", "owner_id": "rep-a", "team_id": "team-a"}
    await sqlite_reporting.feed(
        OrderCreatedV1(**p1, amount=Decimal(300), lines=[line("Widget", 200), line("Gadget", 100)],
                       occurred_at=DAY1 + timedelta(days=1)),
        OrderUpdatedV1(**p1, amount=Decimal(250), lines=[line("Widget", 250)],
                       occurred_at=DAY1 + timedelta(days=3)),
        OrderCreatedV1(aggregate_id="P2", account_id="acc-2", owner_id="rep-a", amount=Decimal(50),
                       occurred_at=DAY1 + timedelta(days=2)))
    then = await revenue(sqlite_reporting, group_by="product", as_of=(DAY1 + timedelta(days=2.5)).isoformat())
    assert {k: (r["count"], Decimal(r["amount"])) for k, r in keyed(then["ordered"]).items()} == {
        "Gadget": (1, 100), "Widget": (1, 200), None: (1, 50)}
    now = await revenue(sqlite_reporting, group_by="product")
    assert {k: Decimal(r["amount"]) for k, r in keyed(now["ordered"]).items()} == {"Widget": 250, None: 50}
    widgets = await revenue(sqlite_reporting, group_by="month", product="Widget")
    assert Decimal(widgets["ordered"]["total"]["amount"]) == 250
