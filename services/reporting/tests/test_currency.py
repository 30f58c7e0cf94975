"""Money in the base currency: deals and orders in CNY, USD and EUR against hand-computed figures.

USD is worth 7.0 CNY from day 5 (2026-03-06 09:00) and 7.2 from day 10; EUR has no rate until day 20.
Each sale is converted with the rate in effect when it was first won or placed; one without a rate
then is left out and shown per currency in `total.unconverted`.
"""

import random
from datetime import timedelta
from decimal import Decimal

from reporting_scenario import DAY1, deal, deal_moved
from reporting_support import ADMIN, dump_projections, record

from crm_shared.events.sales import (
    ExchangeRateSetV1,
    OpportunityOpenedV1,
    OpportunityWonV1,
    OrderCreatedV1,
    QuotaSetV1,
)
from crm_shared.messaging.uow import UnitOfWork
from reporting import bulk
from reporting.handlers import handlers
from reporting.models import messaging
from reporting.rebuild.applier import ChunkApplier


def rate(currency: str, value: str, day: float) -> ExchangeRateSetV1:
    at = DAY1 + timedelta(days=day)
    return ExchangeRateSetV1(
        aggregate_id=currency,
        currency=currency,
        base_currency="CNY",
        rate=Decimal(value),
        effective_at=at,
        occurred_at=at,
        changed_fields=["rate"],
    )


def placed(order_id: str, owner: str, amount: str, currency: str, day: float) -> OrderCreatedV1:
    return OrderCreatedV1(
        aggregate_id=order_id,
        account_id="acc-1",
        owner_id=owner,
        team_id=f"team-{owner[-1]}",
        amount=Decimal(amount),
        currency=currency,
        status="confirmed",
        occurred_at=DAY1 + timedelta(days=day),
    )


def won(opp: str, amount: int, currency: str, opened: float, won_on: float) -> list:
    first = OpportunityOpenedV1(**{**deal(opp, "s1", opened, amount), "currency": currency})
    last = deal_moved(opp, "s1", "won", won_on, amount, won_on - opened, OpportunityWonV1, "fit")
    return [first, last.model_copy(update={"currency": currency})]


def sales() -> list:
    """Orders: R1 1000 CNY d1 (rep A); R2 100 USD d3 (rep B, before any USD rate); R3 100 USD d6 (rep A,
    at 7.0 = 700); R7 10 USD d6.5 (rep B, at 7.0 = 70); R6 50 EUR d7 (rep A, no rate); R4 150.55 USD d12
    (rep B, at 7.2 = 1083.96). Deals: O3 50 USD won d2 (rep B, no rate then); O5 200 USD won d8 (rep B,
    at 7.0 = 1400); O6 300 CNY won d11 (rep A)."""
    return [
        rate("USD", "7.0", 5),
        rate("USD", "7.2", 10),
        placed("R1", "rep-a", "1000", "CNY", 1),
        placed("R2", "rep-b", "100", "USD", 3),
        placed("R3", "rep-a", "100", "USD", 6),
        placed("R7", "rep-b", "10", "USD", 6.5),
        placed("R6", "rep-a", "50", "EUR", 7),
        placed("R4", "rep-b", "150.55", "USD", 12),
        *won("O3", 50, "USD", 0, 2),
        *won("O5", 200, "USD", 6, 8),
        *won("O6", 300, "CNY", 0, 11),
    ]


async def revenue(reporting, **params) -> dict:
    response = await reporting.get("/reports/revenue", ADMIN, **params)
    assert response.status_code == 200, response.text
    return response.json()


def figures(part: dict) -> tuple:
    rows = {row["key"]: (row["count"], Decimal(row["amount"])) for row in part["rows"]}
    total = part["total"]
    return (
        rows,
        total["count"],
        Decimal(total["amount"]),
        {c: Decimal(a) for c, a in total["unconverted"].items()},
    )


async def test_revenue_converts_each_sale_at_the_rate_of_its_time(reporting):
    await reporting.feed(*sales())
    body = await revenue(reporting, group_by="owner")
    assert body["currency"] == "CNY"
    # rep A: 1000 + 100 x 7.0; rep B: 10 x 7.0 + 150.55 x 7.2 = 70 + 1083.96
    assert figures(body["ordered"]) == (
        {"rep-a": (2, Decimal("1700")), "rep-b": (2, Decimal("1153.96"))},
        4,
        Decimal("2853.96"),
        {"EUR": Decimal(50), "USD": Decimal(100)},
    )
    assert [row["share"] for row in body["ordered"]["rows"]] == [0.5957, 0.4043]  # 1700 / 2853.96
    assert figures(body["won"]) == (
        {"rep-a": (1, Decimal(300)), "rep-b": (1, Decimal(1400))},
        2,
        Decimal(1700),
        {"USD": Decimal(50)},
    )
    by_month = await revenue(reporting, group_by="month")
    assert figures(by_month["ordered"])[0] == {"2026-03": (4, Decimal("2853.96"))}
    by_region = await revenue(reporting, group_by="region")  # the facts' path (accounts) converts alike
    assert figures(by_region["ordered"])[1:] == (
        4,
        Decimal("2853.96"),
        {"EUR": Decimal(50), "USD": Decimal(100)},
    )


async def test_as_of_knows_only_the_rates_set_by_then(reporting):
    await reporting.feed(*sales())
    day9 = await revenue(reporting, group_by="owner", as_of=(DAY1 + timedelta(days=9)).isoformat())
    assert figures(day9["ordered"]) == (
        {"rep-a": (2, Decimal(1700)), "rep-b": (1, Decimal(70))},
        3,
        Decimal(1770),
        {"EUR": Decimal(50), "USD": Decimal(100)},
    )
    assert figures(day9["won"]) == ({"rep-b": (1, Decimal(1400))}, 1, Decimal(1400), {"USD": Decimal(50)})
    day4 = await revenue(reporting, group_by="owner", as_of=(DAY1 + timedelta(days=4)).isoformat())
    assert figures(day4["ordered"]) == (
        {"rep-a": (1, Decimal(1000))},
        1,
        Decimal(1000),
        {"USD": Decimal(100)},
    )
    assert figures(day4["won"]) == ({}, 0, Decimal(0), {"USD": Decimal(50)})


async def test_a_rate_arriving_later_counts_without_refolding(sqlite_reporting):
    await sqlite_reporting.feed(*sales(), placed("R8", "rep-a", "20", "EUR", 21))
    before = figures((await revenue(sqlite_reporting, group_by="owner"))["ordered"])
    assert before[1:] == (4, Decimal("2853.96"), {"EUR": Decimal(70), "USD": Decimal(100)})
    await sqlite_reporting.feed(rate("EUR", "7.8", 20))  # from day 20 on: R8 (day 21), not R6 (day 7)
    after = figures((await revenue(sqlite_reporting, group_by="owner"))["ordered"])
    assert after == (
        {"rep-a": (3, Decimal(1856)), "rep-b": (2, Decimal("1153.96"))},
        5,
        Decimal("3009.96"),
        {"EUR": Decimal(50), "USD": Decimal(100)},
    )  # 1700 + 20 x 7.8 = 1856


async def test_all_in_the_base_currency_answers_from_the_counters_unchanged(sqlite_reporting):
    await sqlite_reporting.feed(
        placed("R1", "rep-a", "1000", "CNY", 1), placed("R9", "rep-b", "250.50", "CNY", 2)
    )
    body = await revenue(sqlite_reporting, group_by="owner")
    assert body["currency"] == "CNY"
    assert figures(body["ordered"]) == (
        {"rep-a": (1, Decimal(1000)), "rep-b": (1, Decimal("250.50"))},
        2,
        Decimal("1250.50"),
        {},
    )


async def test_a_shuffled_chunked_replay_rebuilds_the_rate_history(
    make_reporting, tmp_path, database_url, monkeypatch
):
    events = [*sales(), rate("EUR", "7.8", 20)]
    async with make_reporting(f"sqlite+aiosqlite:///{tmp_path}/live.db") as live:
        await live.feed(*events)
        expected = await dump_projections(live.app)
        answer = await revenue(live, group_by="owner")
    # (currency, effective at, base, rate) per rate set, whatever the order of the replay
    assert sorted(
        (row[0], row[3], row[4], Decimal(row[5])) for row in expected["exchange_rate_fact"]
    ) == sorted(
        (e.currency, e.effective_at.replace(tzinfo=None), "CNY", e.rate)
        for e in events
        if isinstance(e, ExchangeRateSetV1)
    )

    monkeypatch.setattr(bulk, "MIN_ROWS", 1)
    async with make_reporting(database_url) as rebuilt:
        ctx = rebuilt.app.state.ctx
        applier = ChunkApplier(handlers, lambda: UnitOfWork(ctx.sessions, messaging, "reporting"))
        shuffled = [record(e, offset) for offset, e in enumerate(events + events[:2])]
        random.Random(7).shuffle(shuffled)
        for start in range(0, len(shuffled), 3):
            await applier.apply(shuffled[start : start + 3])
        assert await dump_projections(rebuilt.app) == expected
        assert await revenue(rebuilt, group_by="owner") == answer


def quota(quota_id: str, user_id: str, amount: str, currency: str) -> QuotaSetV1:
    return QuotaSetV1(
        aggregate_id=quota_id,
        user_id=user_id,
        period="2026",
        starts_on="2026-01-01",
        ends_on="2026-12-31",
        amount=Decimal(amount),
        currency=currency,
        occurred_at=DAY1,
    )


async def test_rep_kpis_money_and_targets_in_the_base_currency(reporting):
    await reporting.feed(*sales(), quota("q-a", "rep-a", "3000", "CNY"), quota("q-b", "rep-b", "1000", "USD"))
    response = await reporting.get("/reports/rep-kpis", ADMIN, as_of=(DAY1 + timedelta(days=30)).isoformat())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["currency"] == "CNY"
    assert body["unconverted"] == {"won": {"USD": "50.00"}, "ordered": {"EUR": "50.00", "USD": "100.00"}}
    rows = {row["owner_id"]: row for row in body["rows"]}
    # rep A: won O6 300 CNY, target 3000 CNY -> 0.1; rep B: won O5 200 USD x 7.0 = 1400 (O3 has no rate),
    # target 1000 USD x 7.2 (no rate on 1 January: the latest known at as_of) = 7200 -> 1400 / 7200 = 0.1944
    assert [
        (
            r["won"],
            Decimal(r["won_amount"]),
            Decimal(r["ordered_amount"]),
            Decimal(r["target"]),
            r["target_attainment"],
        )
        for r in (rows["rep-a"], rows["rep-b"])
    ] == [
        (1, Decimal(300), Decimal(1700), Decimal(3000), 0.1),
        (2, Decimal(1400), Decimal("1153.96"), Decimal(7200), 0.1944),
    ]


async def test_opportunity_funnel_amounts_in_the_base_currency(reporting):
    await reporting.feed(*sales(), *won("O4", 40, "EUR", 3, 4)[:1], *won("O1", 500, "USD", 12, 13)[:1])
    response = await reporting.get("/reports/opportunity-funnel", ADMIN)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["currency"] == "CNY"
    # won: O6 300 CNY + O5 200 USD won d8 at 7.0 = 1700; O3 (50 USD won d2) has no rate then
    assert (body["won"], Decimal(body["won_amount"]), body["won_unconverted"]) == (
        3,
        Decimal(1700),
        {"USD": "50.00"},
    )
    stages = {row["stage_id"]: row for row in body["stages"]}
    # open at Needs analysis: O4 40 EUR (no rate) and O1 500 USD opened d12 at 7.2 = 3600
    assert (stages["s1"]["count"], Decimal(stages["s1"]["amount"]), stages["s1"]["unconverted"]) == (
        2,
        Decimal(3600),
        {"EUR": "40.00"},
    )


async def test_customer_value_in_the_base_currency(reporting):
    await reporting.feed(*sales())
    ordered = (await reporting.get("/reports/customers/pareto", ADMIN)).json()
    assert (ordered["currency"], ordered["unconverted"]) == ("CNY", {"EUR": "50.00", "USD": "100.00"})
    # acc-1 bought R1 1000 + R3 700 + R7 70 + R4 1083.96 (R2 and R6 had no rate then)
    assert [(r["account_id"], Decimal(r["revenue"])) for r in ordered["rows"]] == [
        ("acc-1", Decimal("2853.96"))
    ]
    won = (await reporting.get("/reports/customers/pareto", ADMIN, basis="won")).json()
    assert won["unconverted"] == {"USD": "50.00"}
    assert [(r["account_id"], Decimal(r["revenue"])) for r in won["rows"]] == [
        ("acc-O5", Decimal(1400)),
        ("acc-O6", Decimal(300)),
    ]
    rfm = (await reporting.get("/reports/customers/rfm", ADMIN, basis="won")).json()
    assert sorted((r["account_id"], Decimal(r["monetary"])) for r in rfm["rows"]) == [
        ("acc-O5", Decimal(1400)),
        ("acc-O6", Decimal(300)),
    ]
