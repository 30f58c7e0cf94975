"""Activities on any record, "my day", and the handover of a leaving rep's whole book."""

from datetime import UTC, datetime, timedelta


async def test_activities_and_my_day(client, org, clock, events):
    clock.current = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    rep_user, rep = org["rep"]
    account = (await client.post("/accounts", json={"name": "Daily Co"}, headers=rep)).json()
    contact = (
        await client.post("/contacts", json={"name": "Dee", "account_id": account["id"]}, headers=rep)
    ).json()
    closing = (
        await client.post(
            "/opportunities",
            headers=rep,
            json={"name": "Closing", "account_id": account["id"], "expected_close_date": "2026-06-28"},
        )
    ).json()
    await client.post(
        "/opportunities",
        headers=rep,
        json={"name": "Next month", "account_id": account["id"], "expected_close_date": "2026-07-02"},
    )
    now = clock.now()
    late = await client.post(
        "/activities",
        headers=rep,
        json={
            "kind": "task",
            "subject": "Send quote",
            "record_type": "opportunity",
            "record_id": closing["id"],
            "due_at": (now - timedelta(days=1)).isoformat(),
        },
    )
    assert late.status_code == 201, late.text
    assert late.json()["account_id"] == account["id"] and late.json()["done_at"] is None
    today = (
        await client.post(
            "/activities",
            headers=rep,
            json={
                "kind": "task",
                "subject": "Call back",
                "record_type": "contact",
                "record_id": contact["id"],
                "due_at": (now + timedelta(hours=3)).isoformat(),
                "remind_at": (now - timedelta(minutes=5)).isoformat(),
            },
        )
    ).json()
    call = await client.post(
        "/activities",
        headers=rep,
        json={
            "kind": "call",
            "subject": "Discussed pricing",
            "record_type": "contact",
            "record_id": contact["id"],
        },
    )
    assert call.json()["done_at"] is not None  # a logged call is done when logged
    [interaction] = await events("interactions.interaction.recorded")
    assert interaction["channel"] == "phone" and interaction["contact_id"] == contact["id"]
    assert interaction["account_id"] == account["id"] and interaction["source_service"] == "sales"

    day = (await client.get("/my-day", headers=rep)).json()
    assert [t["subject"] for t in day["overdue_tasks"]] == ["Send quote"]
    assert [t["subject"] for t in day["due_today"]] == ["Call back"]
    assert [t["id"] for t in day["reminders"]] == [today["id"]]
    assert [o["name"] for o in day["closing_this_month"]] == ["Closing"]
    assert day["stale_deals"] == [] and day["overdue_invoices"] == []

    await client.patch(f"/activities/{late.json()['id']}", json={"done": True}, headers=rep)
    clock.advance(days=15)  # Qualification rots after 14 days
    day = (await client.get("/my-day", headers=rep)).json()
    assert [t["subject"] for t in day["overdue_tasks"]] == ["Call back"]
    assert sorted(o["name"] for o in day["stale_deals"]) == ["Closing", "Next month"]
    assert rep_user["id"] not in str((await client.get("/my-day", headers=org["rep2"][1])).json())

    outsider = org["blue"][1]
    assert (await client.get(f"/activities/{today['id']}", headers=outsider)).status_code == 404
    assert (
        await client.patch(f"/activities/{today['id']}", json={"done": True}, headers=outsider)
    ).status_code == 404
    assert (await client.get("/activities", headers=outsider)).json()["items"] == []
    hidden = await client.post(
        "/activities",
        headers=outsider,
        json={"kind": "note", "subject": "x", "record_type": "account", "record_id": account["id"]},
    )
    assert hidden.status_code == 422 and hidden.json()["errors"][0]["field"] == "record_id"
    listed = (
        await client.get("/activities", params={"record_id": contact["id"], "open": "true"}, headers=rep)
    ).json()["items"]
    assert [a["subject"] for a in listed] == ["Call back"]


async def test_handover_moves_everything_with_an_event_each(client, org, events):
    leaver_user, leaver = org["rep"]
    heir_user, heir = org["rep2"]
    _, manager = org["manager"]
    accounts = [
        (await client.post("/accounts", json={"name": f"Book {i}"}, headers=leaver)).json() for i in range(2)
    ]
    contact = (
        await client.post("/contacts", json={"name": "Cy", "account_id": accounts[0]["id"]}, headers=leaver)
    ).json()
    open_deal = (
        await client.post(
            "/opportunities", json={"name": "Open", "account_id": accounts[0]["id"]}, headers=leaver
        )
    ).json()
    won_deal = (
        await client.post(
            "/opportunities", json={"name": "Won", "account_id": accounts[1]["id"]}, headers=leaver
        )
    ).json()
    await client.post(f"/opportunities/{won_deal['id']}/win", json={"reason": "r"}, headers=leaver)
    task = (
        await client.post(
            "/activities",
            headers=leaver,
            json={
                "kind": "task",
                "subject": "Follow up",
                "record_type": "account",
                "record_id": accounts[0]["id"],
            },
        )
    ).json()
    contract = (
        await client.post(
            "/contracts", json={"opportunity_id": won_deal["id"], "value": "300"}, headers=leaver
        )
    ).json()
    order = (
        await client.post("/orders", json={"contract_id": contract["id"], "amount": "300"}, headers=leaver)
    ).json()
    open_invoice, paid_invoice = [
        (
            await client.post(
                f"/orders/{order['id']}/invoices",
                json={"amount": "150", "due_on": "2026-04-01"},
                headers=leaver,
            )
        ).json()
        for _ in range(2)
    ]
    await client.post(f"/invoices/{paid_invoice['id']}/payments", json={"amount": "150"}, headers=leaver)

    body = {"from_user_id": leaver_user["id"], "to_user_id": heir_user["id"]}
    assert (await client.post("/handovers", json=body, headers=leaver)).status_code == 403
    to_blue = {**body, "to_user_id": org["blue"][0]["id"]}
    refused = await client.post("/handovers", json=to_blue, headers=manager)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "to_user_id"
    moved = await client.post("/handovers", json=body, headers=manager)
    assert moved.status_code == 200, moved.text
    assert {key: sorted(ids) for key, ids in moved.json().items()} == {
        "account_ids": sorted(a["id"] for a in accounts),
        "contact_ids": [contact["id"]],
        "opportunity_ids": [open_deal["id"]],
        "task_ids": [task["id"]],
        "contract_ids": [contract["id"]],
        "order_ids": [order["id"]],
        "invoice_ids": [open_invoice["id"]],  # a paid invoice stays with who collected it
    }

    for path in (
        f"/accounts/{accounts[0]['id']}",
        f"/contacts/{contact['id']}",
        f"/opportunities/{open_deal['id']}",
        f"/activities/{task['id']}",
        f"/contracts/{contract['id']}",
        f"/orders/{order['id']}",
        f"/invoices/{open_invoice['id']}",
    ):
        assert (await client.get(path, headers=heir)).json()["owner_id"] == heir_user["id"]
        assert (await client.get(path, headers=leaver)).status_code == 404
    # a closed deal stays credited to who won it
    assert (await client.get(f"/opportunities/{won_deal['id']}", headers=leaver)).status_code == 200

    updates = await events("sales.account.updated")
    assert sorted(e["aggregate_id"] for e in updates) == sorted(a["id"] for a in accounts)
    assert all(e["owner_id"] == heir_user["id"] and e["changed_fields"] == ["owner_id"] for e in updates)
    [contact_event] = await events("sales.contact.updated")
    assert contact_event["owner_id"] == heir_user["id"]
    [deal_event] = await events("sales.opportunity.updated")
    assert deal_event["aggregate_id"] == open_deal["id"] and deal_event["owner_id"] == heir_user["id"]
    for event_type, record in (
        ("sales.activity.updated", task),
        ("sales.contract.updated", contract),
        ("sales.order.updated", order),
        ("sales.invoice.updated", open_invoice),
    ):
        [moved_event] = await events(event_type)
        assert moved_event["aggregate_id"] == record["id"] and moved_event["owner_id"] == heir_user["id"]
        assert moved_event["changed_fields"] == ["owner_id"]
