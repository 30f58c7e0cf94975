"""Contracts, orders, invoices and payments through the API: sources kept, the chain lead ->
opportunity -> contract -> order walked both ways, overdue detection by the injected clock, events,
visibility."""

from datetime import timedelta

from sales_support import on_both_databases
from sqlalchemy import select

from sales.pipeline.models import Opportunity


async def won_deal(client, headers, app, *, lead_id: str | None = None) -> dict:
    account = (await client.post("/accounts", json={"name": "Acme"}, headers=headers)).json()
    body = {
        "name": "Acme CRM",
        "account_id": account["id"],
        "currency": "EUR",
        "lines": [{"product": "Seats", "quantity": "10", "unit_price": "100"}],
    }
    deal = (await client.post("/opportunities", json=body, headers=headers)).json()
    if lead_id:  # as if it came from a converted lead (conversion itself is tested against the broker)
        async with app.state.ctx.sessions() as session:
            row = (
                await session.execute(select(Opportunity).where(Opportunity.id == deal["id"]))
            ).scalar_one()
            row.source_type, row.source_id = "lead", lead_id
            await session.commit()
    won = await client.post(f"/opportunities/{deal['id']}/win", json={"reason": "fit"}, headers=headers)
    assert won.status_code == 200, won.text
    return won.json()


async def test_chain_from_lead_to_order_walks_both_ways(client, org, app, events, clock):
    _, rep = org["rep"]
    deal = await won_deal(client, rep, app, lead_id="lead-42")
    contract = await client.post(
        "/contracts",
        headers=rep,
        json={
            "opportunity_id": deal["id"],
            "start_date": "2026-04-01",
            "end_date": "2027-03-31",
            "auto_renew": True,
        },
    )
    assert contract.status_code == 201, contract.text
    contract = contract.json()
    assert contract["value"] == "1000.00" and contract["currency"] == "EUR"
    assert (contract["source_type"], contract["source_id"]) == ("opportunity", deal["id"])
    from_contract = (await client.post("/orders", json={"contract_id": contract["id"]}, headers=rep)).json()
    assert (from_contract["source_type"], from_contract["source_id"]) == ("contract", contract["id"])
    assert from_contract["amount"] == "1000.00" and from_contract["opportunity_id"] == deal["id"]
    clock.advance(seconds=1)
    from_deal = (await client.post("/orders", json={"opportunity_id": deal["id"]}, headers=rep)).json()
    assert from_deal["source_type"] == "opportunity" and [line["product"] for line in from_deal["lines"]] == [
        "Seats"
    ]
    direct = await client.post(
        "/orders",
        headers=rep,
        json={
            "account_id": deal["account_id"],
            "lines": [{"product": "Training", "quantity": "2", "unit_price": "50"}],
        },
    )
    assert direct.json()["source_type"] == "direct" and direct.json()["amount"] == "100.00"

    expected = {
        "lead_id": "lead-42",
        "opportunity_ids": [deal["id"]],
        "contract_ids": [contract["id"]],
        "order_ids": [from_contract["id"], from_deal["id"]],
    }
    for record_type, record_id in (
        ("lead", "lead-42"),
        ("opportunity", deal["id"]),
        ("contract", contract["id"]),
        ("order", from_contract["id"]),
    ):
        walked = await client.get(f"/chain/{record_type}/{record_id}", headers=rep)
        assert walked.json() == expected, (record_type, walked.text)
    # forward through the list filters too
    listed = (await client.get("/orders", params={"contract_id": contract["id"]}, headers=rep)).json()[
        "items"
    ]
    assert [o["id"] for o in listed] == [from_contract["id"]]

    [created] = await events("sales.contract.created")
    assert created["source_id"] == deal["id"] and created["auto_renew"] is True
    orders = await events("sales.order.created")
    assert [o["source_type"] for o in orders] == ["contract", "opportunity", "direct"]
    assert orders[1]["lines"][0]["amount"] == "1000.00"


async def test_contracts_and_orders_need_a_won_opportunity(client, org):
    _, rep = org["rep"]
    account = (await client.post("/accounts", json={"name": "Open Co"}, headers=rep)).json()
    deal = (
        await client.post("/opportunities", json={"name": "Open", "account_id": account["id"]}, headers=rep)
    ).json()
    assert (
        await client.post("/contracts", json={"opportunity_id": deal["id"]}, headers=rep)
    ).status_code == 409
    assert (await client.post("/orders", json={"opportunity_id": deal["id"]}, headers=rep)).status_code == 409
    neither = await client.post("/orders", json={}, headers=rep)
    assert neither.status_code == 422
    direct = await client.post("/contracts", json={"account_id": account["id"], "value": "500"}, headers=rep)
    assert direct.status_code == 201 and direct.json()["source_type"] == "direct"
    ended = await client.patch(
        f"/contracts/{direct.json()['id']}", json={"status": "terminated"}, headers=rep
    )
    assert ended.json()["status"] == "terminated"
    assert (
        await client.post("/orders", json={"contract_id": direct.json()["id"]}, headers=rep)
    ).status_code == 409


@on_both_databases
async def test_invoices_payments_and_overdue_detection(client, org, app, clock, events):
    _, rep = org["rep"]
    deal = await won_deal(client, rep, app)
    order = (await client.post("/orders", json={"opportunity_id": deal["id"]}, headers=rep)).json()
    today = clock.now().date()
    first = await client.post(
        f"/orders/{order['id']}/invoices",
        headers=rep,
        json={"amount": "600", "due_on": str(today + timedelta(days=30))},
    )
    assert first.status_code == 201, first.text
    second = (
        await client.post(
            f"/orders/{order['id']}/invoices", headers=rep, json={"due_on": str(today + timedelta(days=10))}
        )
    ).json()
    assert second["amount"] == "400.00"  # the remainder of the order
    too_much = await client.post(f"/orders/{order['id']}/invoices", json={"due_on": str(today)}, headers=rep)
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "amount"

    paid = await client.post(f"/invoices/{second['id']}/payments", json={"amount": "150"}, headers=rep)
    assert paid.json()["paid_amount"] == "150.00" and paid.json()["status"] == "open"
    clock.advance(days=10)
    assert (await client.get("/invoices", params={"overdue": "true"}, headers=rep)).json()["items"] == []
    clock.advance(days=2)  # the second invoice is due 10 days after issue: now 2 days late
    [late] = (await client.get("/invoices", params={"overdue": "true"}, headers=rep)).json()["items"]
    assert late["id"] == second["id"] and late["days_overdue"] == 2 and late["overdue"] is True
    over = await client.post(f"/invoices/{second['id']}/payments", json={"amount": "300"}, headers=rep)
    assert over.status_code == 422
    settled = await client.post(f"/invoices/{second['id']}/payments", json={"amount": "250"}, headers=rep)
    assert settled.json()["status"] == "paid" and settled.json()["overdue"] is False
    assert (await client.get("/invoices", params={"overdue": "true"}, headers=rep)).json()["items"] == []
    clock.advance(days=30)
    [late] = (await client.get("/invoices", params={"overdue": "true"}, headers=rep)).json()["items"]
    assert late["id"] == first.json()["id"] and late["days_overdue"] == 12

    assert len(await events("sales.invoice.issued")) == 2
    payments = await events("sales.invoice.payment-recorded")
    assert [(p["payment_amount"], p["paid_amount"], p["status"]) for p in payments] == [
        ("150.00", "150.00", "open"),
        ("250.00", "400.00", "paid"),
    ]


async def test_order_records_are_hidden_from_others(client, org, app):
    _, rep = org["rep"]
    deal = await won_deal(client, rep, app, lead_id="lead-7")
    contract = (await client.post("/contracts", json={"opportunity_id": deal["id"]}, headers=rep)).json()
    order = (await client.post("/orders", json={"contract_id": contract["id"]}, headers=rep)).json()
    invoice = (
        await client.post(f"/orders/{order['id']}/invoices", json={"due_on": "2026-12-31"}, headers=rep)
    ).json()
    for outsider in (org["rep2"][1], org["blue"][1]):
        for path in (
            f"/contracts/{contract['id']}",
            f"/orders/{order['id']}",
            f"/invoices/{invoice['id']}",
            f"/chain/contract/{contract['id']}",
            f"/chain/order/{order['id']}",
            f"/chain/opportunity/{deal['id']}",
        ):
            assert (await client.get(path, headers=outsider)).status_code == 404, path
        assert (
            await client.patch(f"/contracts/{contract['id']}", json={"status": "expired"}, headers=outsider)
        ).status_code == 404
        assert (
            await client.patch(f"/orders/{order['id']}", json={"status": "cancelled"}, headers=outsider)
        ).status_code == 404
        assert (
            await client.post(
                f"/orders/{order['id']}/invoices", json={"due_on": "2026-12-31"}, headers=outsider
            )
        ).status_code == 404
        assert (
            await client.post(f"/invoices/{invoice['id']}/payments", json={"amount": "1"}, headers=outsider)
        ).status_code == 404
        for path in ("/contracts", "/orders", "/invoices"):
            assert (await client.get(path, headers=outsider)).json()["items"] == []
        assert (await client.get("/chain/lead/lead-7", headers=outsider)).json()["order_ids"] == []
        on_hidden = await client.post("/orders", json={"contract_id": contract["id"]}, headers=outsider)
        assert on_hidden.status_code == 422
    manager_view = (await client.get("/chain/lead/lead-7", headers=org["manager"][1])).json()
    assert manager_view["order_ids"] == [order["id"]]
