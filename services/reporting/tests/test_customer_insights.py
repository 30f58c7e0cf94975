"""Customer answers against hand-computed figures (see customer_scenario): Pareto, RFM, key tiers, churn."""

from decimal import Decimal

from customer_scenario import customers
from reporting_support import ADMIN

from crm_shared.auth import Principal, Role

REP_A = Principal("rep-a", Role.REP, "team-n", "A")


async def answer(reporting, path: str, principal=ADMIN, **params) -> dict:
    response = await reporting.get(f"/reports/customers/{path}", principal, **params)
    assert response.status_code == 200, response.text
    return response.json()


async def csv_lines(reporting, path: str, **params) -> list[str]:
    response = await reporting.get(f"/reports/customers/{path}", format="csv", **params)
    return response.content.decode("utf-8-sig").splitlines()


def by_account(body: dict) -> dict:
    return {row["account_id"].removeprefix("acc-"): row for row in body["rows"]}


async def test_pareto_by_revenue_and_by_margin(reporting):
    events = customers()
    await reporting.feed(*events, *events[:6])  # redelivered duplicates are applied once
    body = await answer(reporting, "pareto")
    assert [(r["account_id"], Decimal(r["value"]), r["share"], r["cumulative_share"], r["vital_few"])
            for r in body["rows"]] == [
        ("acc-A", 500, 0.5, 0.5, True), ("acc-B", 300, 0.3, 0.8, True), ("acc-C", 100, 0.1, 0.9, False),
        ("acc-D", 60, 0.06, 0.96, False), ("acc-E", 40, 0.04, 1.0, False)]
    assert body["summary"] == {"customers": 5, "total": "1000.00", "vital_few": 2,
                               "vital_few_customer_share": 0.4, "vital_few_value_share": 0.8}
    assert body["rows"][0]["name"] == "Customer A" and body["rows"][0]["region"] == "east"
    margin = await answer(reporting, "pareto", measure="margin")  # less service cost: A 150, C 120
    assert [(r["account_id"], Decimal(r["value"]), r["cumulative_share"], r["vital_few"])
            for r in margin["rows"]] == [
        ("acc-A", 350, 0.4667, True), ("acc-B", 300, 0.8667, True), ("acc-D", 60, 0.9467, False),
        ("acc-E", 40, 1.0, False), ("acc-C", -20, None, False)]
    assert (margin["summary"]["customers"], margin["summary"]["vital_few_value_share"]) == (4, 0.8667)


async def test_pareto_filters_visibility_window_as_of_and_csv(sqlite_reporting):
    await sqlite_reporting.feed(*customers())
    west = await answer(sqlite_reporting, "pareto", region="west")
    assert [(r["account_id"], Decimal(r["value"])) for r in west["rows"]] == [("acc-B", 300), ("acc-D", 60)]
    retail_large = await answer(sqlite_reporting, "pareto", industry="retail", size="large")
    assert [r["account_id"] for r in retail_large["rows"]] == ["acc-A", "acc-E"]
    mine = await answer(sqlite_reporting, "pareto", REP_A)
    assert ([r["account_id"] for r in mine["rows"]], mine["summary"]["total"]) == (
        ["acc-A", "acc-C", "acc-E"], "640.00")
    window = await answer(sqlite_reporting, "pareto", sold_from="2026-01-01T00:00:00Z")
    assert [(r["account_id"], Decimal(r["value"])) for r in window["rows"]] == [
        ("acc-A", 300), ("acc-B", 300), ("acc-E", 40)]
    then = await answer(sqlite_reporting, "pareto", as_of="2025-12-31T00:00:00Z")
    assert [(r["account_id"], Decimal(r["value"])) for r in then["rows"]] == [
        ("acc-A", 200), ("acc-C", 100), ("acc-D", 60)]
    header, first = (await csv_lines(sqlite_reporting, "pareto"))[:2]
    assert header == ("rank,account_id,name,owner_id,team_id,region,industry,size,revenue,value,share,"
                      "cumulative_share,customer_share,vital_few")
    assert first == "1,acc-A,Customer A,rep-a,team-n,east,retail,large,500.00,500.00,0.5,0.5,0.2,True"
    bad = await sqlite_reporting.get("/reports/customers/pareto", threshold="2")
    assert bad.status_code == 422 and "threshold" in bad.text


async def test_rfm_scores_and_segments(sqlite_reporting):
    await sqlite_reporting.feed(*customers())
    body = await answer(sqlite_reporting, "rfm")
    assert [(r["account_id"], r["recency_days"], r["frequency"], Decimal(r["monetary"]), r["rfm"],
             r["segment"]) for r in body["rows"]] == [
        ("acc-A", 11, 2, 500, "445", "champions"), ("acc-B", 58, 1, 300, "314", "needs_attention"),
        ("acc-D", 120, 2, 60, "242", "at_risk"), ("acc-E", 1, 1, 40, "511", "promising"),
        ("acc-C", 150, 1, 100, "113", "hibernating")]
    assert body["segments"] == {"champions": 1, "loyal": 0, "promising": 1, "needs_attention": 1,
                                "at_risk": 1, "hibernating": 1}
    assert (await csv_lines(sqlite_reporting, "rfm"))[1].endswith(",11,2,500.00,4,4,5,champions")


async def test_key_customer_score_with_its_components(reporting):
    await reporting.feed(*customers())
    body = await answer(reporting, "key", days=180)
    rows = by_account(body)
    assert [(k, r["score"], r["tier"]) for k, r in rows.items()] == [
        ("B", 90.0, "A"), ("A", 70.0, "A"), ("C", 68.3, "B"), ("E", 55.3, "B"), ("D", 37.7, "C")]
    assert rows["A"]["components"] == {"value": 1.0, "growth": 0.75, "tickets": 0.0, "sla": 0.5, "csat": 0.5}
    assert (Decimal(rows["A"]["revenue"]), Decimal(rows["A"]["previous_revenue"]), rows["A"]["tickets"],
            rows["A"]["sla_breaches"], rows["A"]["csat_average"]) == (300, 200, 2, 1, 3.0)
    assert rows["D"]["components"]["growth"] == 0.25 and rows["C"]["components"]["tickets"] == 0.5
    assert body["tiers"] == {"A": 2, "B": 2, "C": 1}
    second = (await csv_lines(reporting, "key", days=180))[2]
    assert second.startswith("acc-A,Customer A,") and second.endswith(",1.0,0.75,0.0,0.5,0.5")


async def test_churn_risk_with_reasons(sqlite_reporting):
    await sqlite_reporting.feed(*customers())
    body = await answer(sqlite_reporting, "churn-risk")
    rows = by_account(body)
    assert [(k, r["risk"], [x["reason"] for x in r["reasons"]]) for k, r in rows.items()] == [
        ("C", "high", ["no_purchase", "no_contact"]), ("D", "high", ["no_purchase", "no_contact"]),
        ("B", "medium", ["no_contact"]), ("A", "medium", ["csat_falling"])]
    assert rows["C"]["reasons"] == [
        {"reason": "no_purchase", "last": "2025-11-01T12:00:00Z", "days": 150},
        {"reason": "no_contact", "last": "2025-11-05T12:00:00Z", "days": 146}]
    assert rows["D"]["reasons"][1] == {"reason": "no_contact", "last": None, "days": None}
    assert rows["B"]["reasons"][0]["days"] == 131
    assert rows["A"]["reasons"] == [{"reason": "csat_falling", "recent": 3.0, "earlier": 5.0}]
    assert body["customers"] == 5
    mine = await answer(sqlite_reporting, "churn-risk", REP_A)
    assert [r["account_id"] for r in mine["rows"]] == ["acc-C", "acc-A"]
    longer = await answer(sqlite_reporting, "churn-risk", days=200)
    assert [r["account_id"] for r in longer["rows"]] == ["acc-D", "acc-A"]  # D never in touch; A's CSAT fell
    assert (await csv_lines(sqlite_reporting, "churn-risk"))[1] == (
        "acc-C,Customer C,rep-a,team-n,east,tech,small,high,no_purchase no_contact,"
        "2025-11-01T12:00:00Z,2025-11-05T12:00:00Z,100.00")
