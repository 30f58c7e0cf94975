"""Forecast and quotas against hand-computed figures (period 2026-Q2, today 2026-05-15); amounts in other
currencies converted with the admin's exchange rates (1 USD = 7.2 CNY)."""

from datetime import UTC, datetime


async def deal(
    client, headers, stages, *, amount: str, stage: str, close: str, currency: str = "CNY"
) -> dict:
    account = (await client.post("/accounts", json={"name": f"Co {amount} {stage}"}, headers=headers)).json()
    body = {
        "name": f"Deal {amount}",
        "account_id": account["id"],
        "amount": amount,
        "currency": currency,
        "expected_close_date": close,
    }
    if stage not in ("Won", "Lost"):
        body["stage_id"] = stages[stage]
    created = await client.post("/opportunities", json=body, headers=headers)
    assert created.status_code == 201, created.text
    if stage in ("Won", "Lost"):
        await client.post(
            f"/opportunities/{created.json()['id']}/{'win' if stage == 'Won' else 'lose'}",
            json={"reason": "r"},
            headers=headers,
        )
    return created.json()


async def test_forecast_figures_match_hand_computed_values(client, org, clock):
    clock.current = datetime(2026, 5, 15, 10, 0, tzinfo=UTC)
    a_user, a = org["rep"]
    b_user, b = org["rep2"]
    _, manager = org["manager"]
    admin = org["admin"][1]
    usd_rate = await client.put("/exchange-rates/USD", json={"rate": "7.2"}, headers=admin)
    assert usd_rate.status_code == 200 and usd_rate.json()["base_currency"] == "CNY"
    [pipeline] = (await client.get("/pipelines", headers=a)).json()
    stages = {s["name"]: s["id"] for s in pipeline["stages"]}
    await deal(client, a, stages, amount="1000", stage="Qualification", close="2026-05-20")  # 10% pipeline
    await deal(client, a, stages, amount="2000", stage="Demo", close="2026-06-10")  # 40% best case
    await deal(client, a, stages, amount="5000", stage="Negotiation", close="2026-04-30")  # 80% commit
    await deal(client, a, stages, amount="3000", stage="Won", close="2026-05-31")  # won today
    await deal(client, a, stages, amount="4000", stage="Proposal", close="2026-09-30")  # 60%, after Q2
    await deal(client, a, stages, amount="700", stage="Lost", close="2026-05-01")  # ignored
    await deal(client, b, stages, amount="10000", stage="Negotiation", close="2026-06-30")  # 80% commit
    await deal(
        client, b, stages, amount="1500", stage="Demo", close="2026-06-01", currency="USD"
    )  # 1500 USD = 10800 CNY: 4320 weighted

    for body in (
        {"user_id": a_user["id"], "period": "2026-04", "amount": "3000"},
        {"user_id": a_user["id"], "period": "2026-05", "amount": "3000"},
        {"user_id": a_user["id"], "period": "2026-06", "amount": "4000"},
        {"user_id": a_user["id"], "period": "2026-07", "amount": "5000"},  # outside Q2
        {"user_id": b_user["id"], "period": "2026-Q2", "amount": "20000"},
        {"team_id": org["red"]["id"], "period": "2026-Q2", "amount": "30000"},
    ):
        response = await client.post("/quotas", json=body, headers=manager)
        assert response.status_code == 201, response.text
    duplicate = {"user_id": b_user["id"], "period": "2026-Q2", "amount": "1"}
    assert (await client.post("/quotas", json=duplicate, headers=manager)).status_code == 409
    assert (await client.post("/quotas", json=duplicate, headers=a)).status_code == 403
    blue_quota = {"user_id": org["blue"][0]["id"], "period": "2026-Q2", "amount": "1"}
    assert (await client.post("/quotas", json=blue_quota, headers=manager)).status_code == 422

    by_owner = (await client.get("/forecast", params={"period": "2026-Q2"}, headers=manager)).json()
    lines = {line["group"]: line for line in by_owner["lines"]}
    line_a, line_b = lines[a_user["id"]], lines[b_user["id"]]
    assert line_a["categories"] == {
        "pipeline": {"count": 1, "amount": "1000.00", "weighted": "100.00"},
        "best_case": {"count": 1, "amount": "2000.00", "weighted": "800.00"},
        "commit": {"count": 1, "amount": "5000.00", "weighted": "4000.00"},
    }
    assert line_a["weighted_pipeline"] == "4900.00" and line_a["won"] == "3000.00"
    assert line_a["quota"] == "10000.00" and line_a["attainment"] == "0.3000"
    # 3000 won this year + (100 + 800 + 4000 + 2400) weighted open closing by year end
    assert line_a["year_end_projection"] == "10300.00"
    assert line_b["categories"]["best_case"] == {"count": 1, "amount": "10800.00", "weighted": "4320.00"}
    assert line_b["weighted_pipeline"] == "12320.00" and line_b["won"] == "0"
    assert line_b["quota"] == "20000.00" and line_b["attainment"] == "0.0000"
    assert line_b["year_end_projection"] == "12320.00"

    [team] = (
        await client.get("/forecast", params={"period": "2026-Q2", "group_by": "team"}, headers=manager)
    ).json()["lines"]
    assert team["group"] == org["red"]["id"] and team["weighted_pipeline"] == "17220.00"
    assert team["quota"] == "30000.00" and team["attainment"] == "0.1000"
    assert team["year_end_projection"] == "22620.00"

    may = (await client.get("/forecast", params={"period": "2026-05"}, headers=a)).json()["lines"]
    assert [(line["group"], line["weighted_pipeline"], line["won"], line["quota"]) for line in may] == [
        (a_user["id"], "100.00", "3000.00", "3000.00")
    ]  # a rep sees only their own book
    # in USD, as the second rep sees it: 10000 CNY -> 1388.89 USD, 80% -> 1111.11; 1500 USD, 40% -> 600;
    # the 20000 CNY quota -> 2777.78 USD
    usd = (await client.get("/forecast", params={"period": "2026-Q2", "currency": "usd"}, headers=b)).json()
    [line] = usd["lines"]
    assert usd["currency"] == "USD" and line["categories"]["commit"]["amount"] == "1388.89"
    assert line["weighted_pipeline"] == "1711.11" and line["quota"] == "2777.78"
    missing = await client.get("/forecast", params={"period": "2026-Q2", "currency": "EUR"}, headers=manager)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "currency"
    assert "EUR" in missing.json()["detail"]
    assert (await client.put("/exchange-rates/USD", json={"rate": "7"}, headers=manager)).status_code == 403
    base = await client.put("/exchange-rates/CNY", json={"rate": "1"}, headers=admin)
    assert base.status_code == 422 and base.json()["errors"][0]["field"] == "currency"
    assert (await client.put("/exchange-rates/USD", json={"rate": "0"}, headers=admin)).status_code == 422
    assert [r["currency"] for r in (await client.get("/exchange-rates", headers=b)).json()] == ["USD"]
    bad = await client.get("/forecast", params={"period": "2026-13"}, headers=a)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "period"


async def test_setting_a_rate_emits_a_versioned_event_in_the_same_transaction(client, org, clock, events):
    admin = org["admin"][1]
    clock.current = datetime(2026, 5, 15, 10, 0, tzinfo=UTC)
    assert (await client.put("/exchange-rates/USD", json={"rate": "7.2"}, headers=admin)).status_code == 200
    clock.current = datetime(2026, 5, 20, 9, 30, tzinfo=UTC)
    assert (await client.put("/exchange-rates/USD", json={"rate": "7.05"}, headers=admin)).status_code == 200
    refused = await client.put("/exchange-rates/CNY", json={"rate": "1"}, headers=admin)
    assert refused.status_code == 422  # rolled back: no event either
    sent = await events("sales.exchange-rate.set")
    fields = ("aggregate_id", "currency", "base_currency", "rate", "effective_at", "event_version")
    assert [tuple(e[f] for f in fields) for e in sent] == [
        ("USD", "USD", "CNY", "7.2", "2026-05-15T10:00:00Z", 1),
        ("USD", "USD", "CNY", "7.05", "2026-05-20T09:30:00Z", 1),
    ]
