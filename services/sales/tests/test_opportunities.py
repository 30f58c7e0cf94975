"""Pipelines and opportunities through the API: stage history with durations and frozen probability
(moved by an injected clock), required close reasons, stale deals, events, visibility; SQLite and
PostgreSQL."""

from sales_support import on_both_databases


async def default_stages(client, headers) -> dict[str, dict]:
    [pipeline] = (await client.get("/pipelines", headers=headers)).json()
    return {stage["name"]: stage for stage in pipeline["stages"]}


async def new_deal(client, headers, **fields) -> dict:
    account = (
        await client.post("/accounts", json={"name": fields.pop("account", "Acme")}, headers=headers)
    ).json()
    body = {"name": "Acme CRM", "account_id": account["id"], **fields}
    response = await client.post("/opportunities", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


@on_both_databases
async def test_stage_history_durations_and_frozen_probability(client, org, clock, events, admin):
    _, rep = org["rep"]
    start = clock.now()
    stages = await default_stages(client, rep)
    assert list(stages) == [
        "Qualification",
        "Needs analysis",
        "Demo",
        "Proposal",
        "Negotiation",
        "Won",
        "Lost",
    ]
    contact_account = (await client.post("/accounts", json={"name": "Roles"}, headers=rep)).json()
    boss = (
        await client.post(
            "/contacts", json={"name": "Boss", "account_id": contact_account["id"]}, headers=rep
        )
    ).json()
    deal = await new_deal(
        client,
        rep,
        currency="usd",
        expected_close_date="2026-03-31",
        lines=[
            {"product": "Seats", "quantity": "10", "unit_price": "99.90"},
            {"product": "Setup", "quantity": "1", "unit_price": "500"},
        ],
        contact_roles=[{"contact_id": boss["id"], "role": "decision_maker"}],
    )
    assert deal["amount"] == "1499.00" and deal["currency"] == "USD" and deal["stage_name"] == "Qualification"
    assert deal["probability"] == 10 and deal["forecast_category"] == "pipeline"
    assert deal["contact_roles"] == [{"contact_id": boss["id"], "role": "decision_maker"}]

    clock.advance(days=2)
    moved = await client.post(
        f"/opportunities/{deal['id']}/stage", json={"stage_id": stages["Demo"]["id"]}, headers=rep
    )
    assert moved.status_code == 200 and moved.json()["probability"] == 40
    # the manager re-weights Demo: the deal already in it keeps the probability it entered with
    new_list = [
        {**s, "probability": 50 if s["name"] == "Demo" else s["probability"]} for s in stages.values()
    ]
    for stage in new_list:
        stage.pop("position")
    configured = await client.put(
        f"/pipelines/{moved.json()['pipeline_id']}/stages", json={"stages": new_list}, headers=admin
    )
    assert configured.status_code == 200, configured.text
    clock.advance(hours=5)
    await client.post(
        f"/opportunities/{deal['id']}/stage", json={"stage_id": stages["Negotiation"]["id"]}, headers=rep
    )
    clock.advance(days=1)
    no_reason = await client.post(f"/opportunities/{deal['id']}/win", json={}, headers=rep)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    blank = await client.post(f"/opportunities/{deal['id']}/win", json={"reason": "  "}, headers=rep)
    assert blank.status_code == 422
    won = await client.post(f"/opportunities/{deal['id']}/win", json={"reason": "best fit"}, headers=rep)
    assert won.json()["status"] == "won" and won.json()["stage_name"] == "Won"
    assert won.json()["close_reason"] == "best fit" and won.json()["forecast_category"] == "closed"
    again = await client.post(f"/opportunities/{deal['id']}/lose", json={"reason": "x"}, headers=rep)
    assert again.status_code == 409

    history = (await client.get(f"/opportunities/{deal['id']}/stage-history", headers=rep)).json()
    assert [(h["stage_name"], h["probability"], h["duration_seconds"]) for h in history] == [
        ("Qualification", 10, 2 * 86400.0),
        ("Demo", 40, 5 * 3600.0),
        ("Negotiation", 80, 86400.0),
        ("Won", 100, None),
    ]
    assert history[0]["entered_at"] == start.isoformat().replace("+00:00", "Z")
    assert history[-1]["left_at"] is None

    [opened] = await events("sales.opportunity.opened")
    assert opened["amount"] == "1499.00" and opened["stage_name"] == "Qualification"
    assert [line["product"] for line in opened["lines"]] == ["Seats", "Setup"]
    assert opened["owner_id"] == org["rep"][0]["id"] and opened["team_id"] == org["red"]["id"]
    changes = await events("sales.opportunity.stage-changed")
    assert [(c["from_stage_name"], c["to_stage_name"], c["seconds_in_previous_stage"]) for c in changes] == [
        ("Qualification", "Demo", 172800.0),
        ("Demo", "Negotiation", 18000.0),
    ]
    assert changes[0]["probability"] == 40 and changes[0]["forecast_category"] == "best_case"
    [won_event] = await events("sales.opportunity.won")
    assert won_event["close_reason"] == "best fit" and won_event["seconds_in_previous_stage"] == 86400.0
    assert won_event["status"] == "won" and won_event["expected_close_date"] == "2026-03-31"


async def test_lost_needs_a_reason_and_names_the_competitor(client, org, events):
    _, rep = org["rep"]
    deal = await new_deal(client, rep, amount="800")
    assert (
        await client.post(f"/opportunities/{deal['id']}/lose", json={"competitor": "Rival"}, headers=rep)
    ).status_code == 422
    lost = await client.post(
        f"/opportunities/{deal['id']}/lose", json={"reason": "price", "competitor": "Rival"}, headers=rep
    )
    assert lost.json()["status"] == "lost" and lost.json()["competitor"] == "Rival"
    [event] = await events("sales.opportunity.lost")
    assert event["close_reason"] == "price" and event["competitor"] == "Rival" and event["probability"] == 0
    stages = await default_stages(client, rep)
    direct = await client.post(
        f"/opportunities/{deal['id']}/stage", json={"stage_id": stages["Demo"]["id"]}, headers=rep
    )
    assert direct.status_code == 409


async def test_updates_emit_snapshots_with_changed_fields(client, org, events):
    _, rep = org["rep"]
    deal = await new_deal(client, rep, amount="100")
    changed = await client.patch(
        f"/opportunities/{deal['id']}",
        headers=rep,
        json={"amount": "250.5", "expected_close_date": "2026-05-01"},
    )
    assert changed.json()["amount"] == "250.50"
    [event] = await events("sales.opportunity.updated")
    assert event["changed_fields"] == ["amount", "expected_close_date"] and event["amount"] == "250.50"
    stages = await default_stages(client, rep)
    to_won = await client.post(
        f"/opportunities/{deal['id']}/stage", json={"stage_id": stages["Won"]["id"]}, headers=rep
    )
    assert to_won.status_code == 422 and to_won.json()["errors"][0]["field"] == "stage_id"


@on_both_databases
async def test_stale_deals_from_rotting_days(client, org, clock):
    _, rep = org["rep"]
    stages = await default_stages(client, rep)
    sleepy = await new_deal(client, rep, name="Sleepy", account="S")
    clock.advance(days=10)
    busy = await new_deal(client, rep, name="Busy", account="B")
    clock.advance(days=4, seconds=1)  # Sleepy: 14 days and a second in Qualification (rotting days 14)
    stale = (await client.get("/opportunities", params={"stale": "true"}, headers=rep)).json()["items"]
    assert [o["name"] for o in stale] == ["Sleepy"] and stale[0]["stale"] is True
    await client.post(
        f"/opportunities/{sleepy['id']}/stage", json={"stage_id": stages["Proposal"]["id"]}, headers=rep
    )
    clock.advance(days=11)  # Busy: 15 days; Sleepy: 11 days in Proposal (rotting days 21)
    stale = (await client.get("/opportunities", params={"stale": "true"}, headers=rep)).json()["items"]
    assert [o["id"] for o in stale] == [busy["id"]]
    fresh = (await client.get("/opportunities", params={"stale": "false"}, headers=rep)).json()["items"]
    assert [o["id"] for o in fresh] == [sleepy["id"]]


async def test_pipelines_are_configurable(client, org, admin):
    _, rep = org["rep"]
    _, manager = org["manager"]
    stages = [
        {"name": "Survey", "probability": 20, "forecast_category": "pipeline", "rotting_days": 30},
        {"name": "Design", "probability": 50, "forecast_category": "best_case"},
        {"name": "Signed", "probability": 100, "forecast_category": "closed", "type": "won"},
        {"name": "Dropped", "probability": 0, "forecast_category": "omitted", "type": "lost"},
    ]
    body = {"name": "Projects", "team_id": org["red"]["id"], "stages": stages}
    assert (await client.post("/pipelines", json=body, headers=rep)).status_code == 403
    no_won = {**body, "stages": [s for s in stages if s.get("type") != "won"]}
    refused = await client.post("/pipelines", json=no_won, headers=manager)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "stages"
    bad_category = {**body, "stages": [{**stages[0], "forecast_category": "maybe"}, *stages[1:]]}
    assert (await client.post("/pipelines", json=bad_category, headers=manager)).status_code == 422
    created = await client.post("/pipelines", json=body, headers=manager)
    assert created.status_code == 201, created.text
    pipeline = created.json()
    assert [s["name"] for s in pipeline["stages"]] == ["Survey", "Design", "Signed", "Dropped"]
    deal = await new_deal(client, rep, pipeline_id=pipeline["id"])
    assert deal["stage_name"] == "Survey" and deal["probability"] == 20

    # reorder and rename; a used stage cannot be removed
    kept = pipeline["stages"]
    reordered = [
        {"id": kept[1]["id"], "name": "Design review", "probability": 40, "forecast_category": "best_case"},
        {"id": kept[0]["id"], "name": "Survey", "probability": 20, "forecast_category": "pipeline"},
        {
            "id": kept[2]["id"],
            "name": "Signed",
            "probability": 100,
            "forecast_category": "closed",
            "type": "won",
        },
        {
            "id": kept[3]["id"],
            "name": "Dropped",
            "probability": 0,
            "forecast_category": "omitted",
            "type": "lost",
        },
    ]
    response = await client.put(
        f"/pipelines/{pipeline['id']}/stages", json={"stages": reordered}, headers=admin
    )
    assert [s["name"] for s in response.json()["stages"]] == ["Design review", "Survey", "Signed", "Dropped"]
    without_survey = [s for s in reordered if s["name"] != "Survey"]
    removed = await client.put(
        f"/pipelines/{pipeline['id']}/stages", json={"stages": without_survey}, headers=admin
    )
    assert removed.status_code == 409


async def test_opportunity_visibility_on_every_route(client, org):
    _, rep = org["rep"]
    _, manager = org["manager"]
    deal = await new_deal(client, rep)
    stages = await default_stages(client, rep)
    for outsider in (org["rep2"][1], org["blue"][1]):
        base = f"/opportunities/{deal['id']}"
        assert (await client.get(base, headers=outsider)).status_code == 404
        assert (await client.patch(base, json={"name": "Mine"}, headers=outsider)).status_code == 404
        assert (
            await client.post(f"{base}/stage", json={"stage_id": stages["Demo"]["id"]}, headers=outsider)
        ).status_code == 404
        assert (await client.post(f"{base}/win", json={"reason": "r"}, headers=outsider)).status_code == 404
        assert (await client.post(f"{base}/lose", json={"reason": "r"}, headers=outsider)).status_code == 404
        assert (await client.get(f"{base}/stage-history", headers=outsider)).status_code == 404
        assert (await client.get("/opportunities", params={"q": "acme"}, headers=outsider)).json()[
            "items"
        ] == []
        on_hidden = await client.post(
            "/opportunities", json={"name": "X", "account_id": deal["account_id"]}, headers=outsider
        )
        assert on_hidden.status_code == 422 and on_hidden.json()["errors"][0]["field"] == "account_id"
    seen = (await client.get("/opportunities", headers=manager)).json()["items"]
    assert [o["id"] for o in seen] == [deal["id"]]
