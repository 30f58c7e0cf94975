"""Revenue by the lead source and campaign of each sale's deal, against hand-computed figures.

Leads: L1 web_form/spring, L2 trade_fair/expo, L3 web_form with no campaign; each converted into a deal.
Deals (won in March 2026): D1 from L1, 1,000 (rep A); D2 from L2, 400 (rep B); D3 from L3, 250 (rep A);
D4 from no lead, 600 (rep B); D5 from L1 still open (900: not revenue).
Orders: R1 from deal D1, 300 (rep A, day 10); R2 from a contract made from D2, 200 (rep B, day 11); R3
direct, 150 (rep A, day 12); R4 from D1, 500, placed day 13 and cancelled day 14; R5 from D4, 80 (rep B,
day 15).
Won by source: web_form 2 / 1,250, trade_fair 1 / 400, none 1 / 600 (total 2,250); by campaign: spring
1,000, expo 400, none 850 (D3 has no campaign, D4 no lead). Ordered by source: web_form 1 / 300 (R1),
trade_fair 1 / 200 (R2, through its contract), none 2 / 230 (R3 direct, R5's deal from no lead): 730.
"""

from datetime import timedelta
from decimal import Decimal

from reporting_scenario import DAY1, captured, converted
from reporting_support import ADMIN

from crm_shared.auth import Principal, Role
from crm_shared.events.sales import OpportunityOpenedV1, OpportunityWonV1, OrderCreatedV1, OrderUpdatedV1

REP_A, REP_B = ("rep-a", "team-n"), ("rep-b", "team-s")


def deal(cls, deal_id: str, amount: int, day: float, lead: str | None, rep: tuple[str, str]):
    """A deal snapshot `day` days after DAY1, opened from `lead` (sales names the lead as its source)."""
    won = cls is OpportunityWonV1
    fields = {"aggregate_id": deal_id, "name": f"Deal {deal_id}", "account_id": f"acc-{deal_id}",
              "owner_id": rep[0], "team_id": rep[1], "pipeline_id": "p1", "stage_id": "won" if won else "s1",
              "stage_name": "Won" if won else "Qualify", "stage_type": "won" if won else "open",
              "status": "won" if won else "open", "probability": 100 if won else 20,
              "forecast_category": "closed" if won else "pipeline", "amount": Decimal(amount),
              "occurred_at": DAY1 + timedelta(days=day),
              "source_type": "lead" if lead else None, "source_id": lead}
    if won:
        fields.update(from_stage_id="s1", from_stage_name="Qualify", to_stage_id="won", to_stage_name="Won",
                      seconds_in_previous_stage=86400.0)
    return cls(**fields)


def won_deal(deal_id: str, amount: int, days: tuple[float, float], lead: str | None, rep: tuple[str, str]):
    """A deal opened on the first day, won on the second."""
    opened, won = days
    return [deal(OpportunityOpenedV1, deal_id, amount, opened, lead, rep),
            deal(OpportunityWonV1, deal_id, amount, won, lead, rep)]


def order(cls, order_id: str, amount: int, day: float, rep: tuple[str, str], status: str = "confirmed",
          **origin):
    """An order snapshot as sales emits it: `opportunity_id` (and `contract_id`) of what it came from."""
    return cls(aggregate_id=order_id, account_id="acc-1", owner_id=rep[0], team_id=rep[1],
               amount=Decimal(amount), status=status, occurred_at=DAY1 + timedelta(days=day), **origin)


def events() -> list:
    from_d1 = {"opportunity_id": "D1", "source_type": "opportunity", "source_id": "D1"}
    return [
        captured("L1", "web_form", "spring", 0), captured("L2", "trade_fair", "expo", 0.5),
        captured("L3", "web_form", None, 1),
        converted("L1", *REP_A, 2), converted("L2", *REP_B, 2.5), converted("L3", *REP_A, 3),
        *won_deal("D1", 1000, (2, 5), "L1", REP_A), *won_deal("D2", 400, (2.5, 6), "L2", REP_B),
        *won_deal("D3", 250, (3, 7), "L3", REP_A), *won_deal("D4", 600, (3, 8), None, REP_B),
        deal(OpportunityOpenedV1, "D5", 900, 4, "L1", REP_A),
        order(OrderCreatedV1, "R1", 300, 10, REP_A, **from_d1),
        order(OrderCreatedV1, "R2", 200, 11, REP_B, contract_id="K1", opportunity_id="D2",
              source_type="contract", source_id="K1"),
        order(OrderCreatedV1, "R3", 150, 12, REP_A, source_type="direct"),
        order(OrderCreatedV1, "R4", 500, 13, REP_A, **from_d1),
        order(OrderUpdatedV1, "R4", 500, 14, REP_A, status="cancelled", **from_d1),
        order(OrderCreatedV1, "R5", 80, 15, REP_B, opportunity_id="D4", source_type="opportunity",
              source_id="D4"),
    ]


async def revenue(reporting, principal=ADMIN, **params) -> dict:
    response = await reporting.get("/reports/revenue", principal, **params)
    assert response.status_code == 200, response.text
    return response.json()


def figures(part: dict) -> dict:
    """{key: (count, amount, share)} of one kind's rows."""
    return {row["key"]: (row["count"], Decimal(row["amount"]), row["share"]) for row in part["rows"]}


async def test_revenue_grouped_by_lead_source_and_campaign(reporting):
    await reporting.feed(*events())
    by_source = await revenue(reporting, group_by="source")
    assert figures(by_source["won"]) == {
        "trade_fair": (1, 400, 0.1778), "web_form": (2, 1250, 0.5556), None: (1, 600, 0.2667)}
    assert figures(by_source["ordered"]) == {
        "trade_fair": (1, 200, 0.274), "web_form": (1, 300, 0.411), None: (2, 230, 0.3151)}
    assert [(part["total"]["count"], Decimal(part["total"]["amount"]))
            for part in (by_source["won"], by_source["ordered"])] == [(4, 2250), (4, 730)]
    by_campaign = await revenue(reporting, group_by="campaign")
    assert figures(by_campaign["won"]) == {
        "expo": (1, 400, 0.1778), "spring": (1, 1000, 0.4444), None: (2, 850, 0.3778)}
    assert figures(by_campaign["ordered"]) == {
        "expo": (1, 200, 0.274), "spring": (1, 300, 0.411), None: (2, 230, 0.3151)}
    then = await revenue(reporting, group_by="source", as_of=(DAY1 + timedelta(days=13.5)).isoformat())
    assert {k: (n, amount) for k, (n, amount, _) in figures(then["ordered"]).items()} == {
        "trade_fair": (1, 200), "web_form": (2, 800), None: (1, 150)}  # R4 not yet cancelled, R5 not placed


async def test_a_source_or_campaign_filter_keeps_the_sales_from_such_leads(reporting):
    await reporting.feed(*events())
    # by month the counters could answer: a source filter must fold the facts, not answer every sale
    web = await revenue(reporting, group_by="month", source="web_form")
    assert figures(web["won"]) == {"2026-03": (2, 1250, 1.0)}
    assert figures(web["ordered"]) == {"2026-03": (1, 300, 1.0)}
    everything = await revenue(reporting, group_by="month")
    assert [Decimal(everything[kind]["total"]["amount"]) for kind in ("won", "ordered")] == [2250, 730]
    expo = await revenue(reporting, group_by="owner", campaign="expo")
    assert figures(expo["won"]) == {"rep-b": (1, 400, 1.0)}
    assert figures(expo["ordered"]) == {"rep-b": (1, 200, 1.0)}  # R2, through the contract made from D2
    spring_web = await revenue(reporting, group_by="campaign", source="web_form", campaign="spring")
    assert figures(spring_web["won"]) == {"spring": (1, 1000, 1.0)}
    assert figures(spring_web["ordered"]) == {"spring": (1, 300, 1.0)}
    none = await revenue(reporting, group_by="team", source="cold_call")
    assert [(none[kind]["rows"], none[kind]["total"]["count"]) for kind in ("won", "ordered")] == [
        ([], 0), ([], 0)]
    since_the_7th = await revenue(reporting, group_by="source", source="web_form",
                                  **{"from": "2026-03-07", "to": "2026-04-01"})
    assert figures(since_the_7th["won"]) == {"web_form": (1, 250, 1.0)}  # D3 (8 March), not D1 (6 March)
    assert figures(since_the_7th["ordered"]) == {"web_form": (1, 300, 1.0)}


async def test_origin_answers_keep_visibility_and_export_as_csv(reporting):
    await reporting.feed(*events())
    rep_a = Principal("rep-a", Role.REP, "team-n", "A")
    mine = await revenue(reporting, rep_a, group_by="source")
    assert figures(mine["won"]) == {"web_form": (2, 1250, 1.0)}
    assert figures(mine["ordered"]) == {"web_form": (1, 300, 0.6667), None: (1, 150, 0.3333)}
    response = await reporting.get("/reports/revenue", group_by="source", format="csv")
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").splitlines() == [
        "kind,source,count,amount,share,vs_previous,vs_year_before",
        "won,trade_fair,1,400.00,0.1778,,", "won,web_form,2,1250.00,0.5556,,", "won,,1,600.00,0.2667,,",
        "ordered,trade_fair,1,200.00,0.274,,", "ordered,web_form,1,300.00,0.411,,",
        "ordered,,2,230.00,0.3151,,"]
    campaign_csv = await reporting.get("/reports/revenue", group_by="campaign", campaign="spring",
                                       format="csv")
    assert campaign_csv.content.decode("utf-8-sig").splitlines()[1:] == [
        "won,spring,1,1000.00,1.0,,", "ordered,spring,1,300.00,1.0,,"]
    refused = await reporting.get("/reports/revenue", group_by="channel")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "group_by"
