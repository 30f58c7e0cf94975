"""The customer 360 card of an account and of a contact."""


async def test_account_and_contact_cards(client, org, clock):
    rep_user, rep = org["rep"]
    account = (await client.post("/accounts", json={"name": "Card Co"}, headers=rep)).json()
    contact = (
        await client.post("/contacts", json={"name": "Cora", "account_id": account["id"]}, headers=rep)
    ).json()
    roles = [{"contact_id": contact["id"], "role": "decision_maker"}]
    open_deal = (
        await client.post(
            "/opportunities",
            headers=rep,
            json={"name": "Open", "account_id": account["id"], "amount": "100", "contact_roles": roles},
        )
    ).json()
    clock.advance(seconds=1)
    won = (
        await client.post(
            "/opportunities", json={"name": "Won", "account_id": account["id"], "amount": "50"}, headers=rep
        )
    ).json()
    await client.post(f"/opportunities/{won['id']}/win", json={"reason": "fit"}, headers=rep)
    order = (await client.post("/orders", json={"opportunity_id": won["id"]}, headers=rep)).json()
    due = str(clock.now().date())
    await client.post(f"/orders/{order['id']}/invoices", json={"due_on": due}, headers=rep)
    await client.post(
        "/activities",
        headers=rep,
        json={"kind": "meeting", "subject": "Kick-off", "record_type": "contact", "record_id": contact["id"]},
    )

    card = (await client.get(f"/accounts/{account['id']}/card", headers=rep)).json()
    assert card["account"]["name"] == "Card Co" and card["owner"]["id"] == rep_user["id"]
    assert [c["name"] for c in card["contacts"]] == ["Cora"]
    assert [o["id"] for o in card["open_opportunities"]] == [open_deal["id"]]
    assert [o["id"] for o in card["past_opportunities"]] == [won["id"]]
    assert [o["id"] for o in card["orders"]] == [order["id"]]
    assert [i["amount"] for i in card["invoices"]] == ["50.00"]
    assert card["health"]["health"] == "good" and card["health"]["open_tickets"] == 0
    assert [a["subject"] for a in card["recent_activities"]] == ["Kick-off"]

    contact_card = (await client.get(f"/contacts/{contact['id']}/card", headers=rep)).json()
    assert [o["id"] for o in contact_card["opportunities"]] == [open_deal["id"]]
    assert contact_card["account"]["account"]["id"] == account["id"]
    assert [a["subject"] for a in contact_card["recent_activities"]] == ["Kick-off"]
    assert [h["account_id"] for h in contact_card["history"]] == [account["id"]]
    assert contact_card["relations"] == [] and card["relations"] == []

    for outsider in (org["rep2"][1], org["blue"][1]):
        assert (await client.get(f"/accounts/{account['id']}/card", headers=outsider)).status_code == 404
        assert (await client.get(f"/contacts/{contact['id']}/card", headers=outsider)).status_code == 404
    managed = await client.get(f"/accounts/{account['id']}/card", headers=org["manager"][1])
    assert managed.status_code == 200 and len(managed.json()["orders"]) == 1
