"""Forecast and targets in the base currency (CNY) against hand-computed figures, through the HTTP API.

USD is worth 7.0 CNY from day -20 (2026-02-09 09:00) and 7.2 from day 10 (2026-03-11 09:00); EUR has no
rate, then 7.8 from day 20 in the tests that say so. Days count from DAY1 = 2026-03-01 09:00; the clock
is at 2026-03-31 12:00.
Won: O3 50 EUR d2 (rep B: no EUR rate then, ever unconverted); O5 200 USD d8 (rep B, at 7.0 = 1400);
O6 300 CNY d11 (rep A; open, undated, from d0). Open: O1 1000 USD opened d3 (rep A, Quote 60 %, commit,
due 2026-04-20); O2 500 CNY opened d1 (rep A, Demo 30 %, best case, due 2026-05-10); O4 40 EUR opened
d4 (rep B, Needs analysis 10 %, pipeline, due 2026-04-05). An open deal is worth its amount at the rate
at `as_of`.
Quotas: q-a rep A 2026 1000 USD (no USD rate on 1 Jan: the latest known, 7.2 = 7200); q-b rep B
2026-03 500 USD (the rate on 1 March, 7.0 = 3500, not today's 7.2); q-c team S 2026-Q1 200 EUR.
"""

from datetime import date, timedelta
from decimal import Decimal

from reporting_scenario import DAY1, deal
from reporting_support import ADMIN
from test_currency import rate, won

from crm_shared.events.sales import OpportunityOpenedV1, QuotaSetV1


def opened(opp: str, stage: str, day: float, amount: int, currency: str, category: str, due: str):
    return OpportunityOpenedV1(**{**deal(opp, stage, day, amount), "currency": currency,
                                  "forecast_category": category,
                                  "expected_close_date": date.fromisoformat(due)})


def quota(quota_id: str, amount: str, currency: str, period: str, starts: str, ends: str,
          **who) -> QuotaSetV1:
    return QuotaSetV1(aggregate_id=quota_id, period=period, starts_on=date.fromisoformat(starts),
                      ends_on=date.fromisoformat(ends), amount=Decimal(amount), currency=currency,
                      occurred_at=DAY1, **who)


def scenario() -> list:
    return [
        rate("USD", "7.0", -20),
        rate("USD", "7.2", 10),
        *won("O3", 50, "EUR", 0, 2),
        *won("O5", 200, "USD", 6, 8),
        *won("O6", 300, "CNY", 0, 11),
        opened("O1", "s3", 3, 1000, "USD", "commit", "2026-04-20"),
        opened("O2", "s2", 1, 500, "CNY", "best_case", "2026-05-10"),
        opened("O4", "s1", 4, 40, "EUR", "pipeline", "2026-04-05"),
        quota("q-a", "1000", "USD", "2026", "2026-01-01", "2026-12-31", user_id="rep-a"),
        quota("q-b", "500", "USD", "2026-03", "2026-03-01", "2026-03-31", user_id="rep-b"),
        quota("q-c", "200", "EUR", "2026-Q1", "2026-01-01", "2026-03-31", team_id="team-s"),
    ]


def on(day: float) -> str:
    return (DAY1 + timedelta(days=day)).isoformat()


async def answer(reporting, path: str, **params) -> dict:
    response = await reporting.get(path, ADMIN, **params)
    assert response.status_code == 200, response.text
    return response.json()


def cells(body: dict) -> dict:
    return {(row["period"], name): (cell["count"], Decimal(cell["amount"]), Decimal(cell["weighted"]))
            for row in body["rows"] for name, cell in row["categories"].items() if cell["count"]}


def total(body: dict) -> tuple:
    whole = body["total"]["total"]
    return whole["count"], Decimal(whole["amount"]), Decimal(whole["weighted"])


async def test_forecast_converts_won_deals_when_won_and_open_deals_at_as_of(reporting):
    await reporting.feed(*scenario())
    body = await answer(reporting, "/reports/forecast", group_by="month")
    assert (body["currency"], body["unconverted"]) == ("CNY", {"EUR": "90.00"})  # O3 50 + O4 40
    assert cells(body) == {
        ("2026-03", "closed"): (2, Decimal(1700), Decimal(1700)),  # O5 200 x 7.0 + O6 300
        ("2026-04", "commit"): (1, Decimal(7200), Decimal(4320)),  # O1 1000 x 7.2 (today), 60 %
        ("2026-05", "best_case"): (1, Decimal(500), Decimal(150)),
    }
    assert total(body) == (4, Decimal(9400), Decimal(6170))
    # day 9: only the 7.0 USD rate is known; O1 is worth 1000 x 7.0 then; O6 is still open (undated)
    then = await answer(reporting, "/reports/forecast", group_by="month", as_of=on(9))
    assert cells(then) == {
        ("2026-03", "closed"): (1, Decimal(1400), Decimal(1400)),
        ("2026-04", "commit"): (1, Decimal(7000), Decimal(4200)),
        ("2026-05", "best_case"): (1, Decimal(500), Decimal(150)),
        ("unscheduled", "pipeline"): (1, Decimal(300), Decimal(30)),
    }
    assert (total(then), then["unconverted"]) == ((4, Decimal(9200), Decimal(5780)), {"EUR": "90.00"})
    rep_b = await answer(reporting, "/reports/forecast", owner_id="rep-b")
    assert (cells(rep_b), rep_b["unconverted"]) == (
        {("2026-Q1", "closed"): (1, Decimal(1400), Decimal(1400))}, {"EUR": "90.00"})

    # a EUR rate from day 20: the open O4 counts at it (40 x 7.8 = 312); O3, won before, stays out
    await reporting.feed(rate("EUR", "7.8", 20))
    after = await answer(reporting, "/reports/forecast", group_by="month")
    assert cells(after)[("2026-04", "pipeline")] == (1, Decimal(312), Decimal("31.20"))
    assert (total(after), after["unconverted"]) == ((5, Decimal(9712), Decimal("6201.20")), {"EUR": "50.00"})
    assert cells(await answer(reporting, "/reports/forecast", group_by="month", as_of=on(9))) == cells(then)
    csv = await reporting.get("/reports/forecast", ADMIN, group_by="month", format="csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "month,category,count,amount,weighted"
    assert "2026-04,commit,1,7200.00,4320.00" in lines and "total,closed,2,1700.00,1700.00" in lines


def figures(row: dict) -> tuple:
    return (row["currency"], Decimal(row["target"]), Decimal(row["actual"]), row["attainment"],
            Decimal(row["weighted_pipeline"]), row["attainment_with_pipeline"], row["reason"])


async def test_targets_convert_each_quota_at_its_periods_start(reporting):
    await reporting.feed(*scenario())
    body = await answer(reporting, "/reports/targets")
    assert (body["currency"], body["unconverted"], body["unconverted_pipeline"]) == (
        "CNY", {"EUR": "50.00"}, {"EUR": "40.00"})  # O3 not sold at a rate; O4 open, no rate today
    rows = {row["quota_id"]: row for row in body["rows"]}
    q_a, q_b, q_c = rows["q-a"], rows["q-b"], rows["q-c"]
    # q-a: 1000 USD x 7.2 = 7200; O6 300 -> 0.0417; pipeline O1 7200 x 60 % + O2 500 x 30 % = 4470
    assert figures(q_a) == ("CNY", Decimal(7200), Decimal(300), 0.0417, Decimal(4470), 0.6625, None)
    assert (q_a["projection"], q_a["projected_attainment"]) == ("1216.67", 0.169)  # 300 x 365 / 90
    assert (q_a["quota_amount"], q_a["quota_currency"]) == ("1000.00", "USD")
    # q-b: 500 USD at the rate on 1 March (7.0) = 3500; O5 1400 -> 0.4
    assert figures(q_b) == ("CNY", Decimal(3500), Decimal(1400), 0.4, Decimal(0), 0.4, None)
    # q-c: no EUR rate at all: the target stays in EUR and is not compared with CNY sales
    assert figures(q_c)[:5] == ("EUR", Decimal(200), Decimal(1400), None, Decimal(0))
    assert (q_c["projected_attainment"], q_c["attainment_with_pipeline"]) == (None, None)
    assert "EUR" in q_c["reason"]
    assert body["year_end"] == {"year": "2026", "actual": "1700.00", "elapsed": 0.2466,
                                "projection": "6894.44", "weighted_pipeline": "4470.00",
                                "projection_with_pipeline": "6170.00"}  # 1700 x 365 / 90; 1700 + 4470
    csv = await reporting.get("/reports/targets", ADMIN, format="csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].endswith(",quota_amount,quota_currency,reason")
    assert lines[2].startswith("q-b,rep-b,,,2026-03,2026-03-01,2026-03-31,CNY,3500.00,1400.00,0.4,1.0,")
    assert lines[3].startswith("q-c,,,team-s,2026-Q1,2026-01-01,2026-03-31,EUR,200.00,1400.00,,1.0,")

    # day 9.5: USD 7.0 is the latest rate known, so q-a is 7000; O1 is worth 1000 x 7.0 then
    earlier = await answer(reporting, "/reports/targets", as_of=on(9.5))
    then = {row["quota_id"]: row for row in earlier["rows"]}
    assert figures(then["q-a"]) == ("CNY", Decimal(7000), Decimal(0), 0.0, Decimal(4350), 0.6214, None)
    assert figures(then["q-b"])[:4] == ("CNY", Decimal(3500), Decimal(1400), 0.4)


async def test_a_rate_arriving_later_converts_the_quota_and_the_open_deals(reporting):
    await reporting.feed(*scenario(), rate("EUR", "7.8", 20))
    body = await answer(reporting, "/reports/targets")
    assert (body["unconverted"], body["unconverted_pipeline"]) == ({"EUR": "50.00"}, {})
    q_c = next(row for row in body["rows"] if row["quota_id"] == "q-c")
    # 200 EUR: no EUR rate on 1 January, the latest known is 7.8 -> 1560; 1400 / 1560 = 0.8974
    assert figures(q_c) == ("CNY", Decimal(1560), Decimal(1400), 0.8974, Decimal(0), 0.8974, None)
    # O4 40 EUR x 7.8 = 312, 10 % = 31.20 joins the year's pipeline
    assert (body["year_end"]["weighted_pipeline"], body["year_end"]["projection_with_pipeline"]) == (
        "4501.20", "6201.20")
