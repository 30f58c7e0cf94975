"""Accounts and contacts through the API: CRUD, E.164 phones, events for every change, filters and
cursor pages, on SQLite and PostgreSQL."""

from sales_support import on_both_databases


@on_both_databases
async def test_account_and_contacts_lifecycle_with_events(client, org, events, clock):
    rep_user, rep = org["rep"]
    body = {
        "name": "Acme Trading",
        "domain": "https://www.Acme.cn/about",
        "industry": "retail",
        "size": "50-200",
        "region": "East",
        "tier": "A",
        "phones": ["010 6552 9988", "+86 10 6552 9988"],
    }
    response = await client.post("/accounts", json=body, headers=rep)
    assert response.status_code == 201, response.text
    account = response.json()
    assert account["domain"] == "acme.cn" and account["status"] == "prospect"
    assert account["phones"] == ["+861065529988"]  # normalized, default region CN, deduplicated
    assert account["owner_id"] == rep_user["id"] and account["team_id"] == org["red"]["id"]

    child = (
        await client.post(
            "/accounts", json={"name": "Acme Shanghai", "parent_account_id": account["id"]}, headers=rep
        )
    ).json()
    assert child["parent_account_id"] == account["id"]
    cycle = await client.patch(
        f"/accounts/{account['id']}", json={"parent_account_id": child["id"]}, headers=rep
    )
    assert cycle.status_code == 422 and cycle.json()["errors"][0]["field"] == "parent_account_id"

    for name, phone, key in (("Wang Li", "13800138000", True), ("Zhao Min", "+8613900139000", False)):
        clock.advance(seconds=1)  # lists are ordered by creation time
        contact = await client.post(
            "/contacts",
            headers=rep,
            json={
                "name": name,
                "account_id": account["id"],
                "title": "Buyer",
                "emails": [f"{name[:4]}@ACME.cn"],
                "phones": [phone],
                "key_person": key,
            },
        )
        assert contact.status_code == 201, contact.text
    contacts = (await client.get("/contacts", params={"account_id": account["id"]}, headers=rep)).json()[
        "items"
    ]
    assert [c["phones"] for c in contacts] == [["+8613800138000"], ["+8613900139000"]]
    assert contacts[0]["emails"] == ["wang@acme.cn"] and contacts[0]["key_person"] is True

    changed = await client.patch(
        f"/accounts/{account['id']}", json={"status": "verified", "tier": "A"}, headers=rep
    )
    assert changed.json()["status"] == "verified"
    await client.patch(
        f"/contacts/{contacts[1]['id']}", json={"title": "CEO", "key_person": True}, headers=rep
    )
    assert (await client.delete(f"/accounts/{account['id']}", headers=rep)).status_code == 409  # has contacts
    assert (await client.delete(f"/contacts/{contacts[1]['id']}", headers=rep)).status_code == 204
    assert (await client.get(f"/contacts/{contacts[1]['id']}", headers=rep)).status_code == 404
    assert (await client.delete(f"/accounts/{child['id']}", headers=rep)).status_code == 204

    created = await events("sales.account.created")
    assert [e["name"] for e in created] == ["Acme Trading", "Acme Shanghai"]
    assert created[0]["phones"] == ["+861065529988"] and created[0]["owner_id"] == rep_user["id"]
    [updated] = await events("sales.account.updated")
    assert updated["changed_fields"] == ["status"] and updated["status"] == "verified"
    assert len(await events("sales.contact.created")) == 2
    [contact_update] = await events("sales.contact.updated")
    assert contact_update["changed_fields"] == ["title", "key_person"] and contact_update["title"] == "CEO"
    assert [e["aggregate_id"] for e in await events("sales.contact.deleted")] == [contacts[1]["id"]]
    assert [e["aggregate_id"] for e in await events("sales.account.deleted")] == [child["id"]]


async def test_bad_input_is_422_with_the_field(client, org):
    _, rep = org["rep"]
    bad_phone = await client.post("/accounts", json={"name": "X", "phones": ["12"]}, headers=rep)
    assert bad_phone.status_code == 422 and bad_phone.json()["errors"][0]["field"] == "phones.0"
    bad_email = await client.post("/contacts", json={"name": "Y", "emails": ["nope"]}, headers=rep)
    assert bad_email.status_code == 422 and bad_email.json()["errors"][0]["field"] == "emails.0"
    bad_status = await client.post("/accounts", json={"name": "X", "status": "gold"}, headers=rep)
    assert bad_status.status_code == 422
    blue_owner = await client.post(
        "/accounts", json={"name": "X", "owner_id": org["blue"][0]["id"]}, headers=rep
    )
    assert blue_owner.status_code == 422 and blue_owner.json()["errors"][0]["field"] == "owner_id"
    bad_cursor = await client.get("/accounts", params={"cursor": "!!"}, headers=rep)
    assert bad_cursor.status_code == 422 and bad_cursor.json()["errors"][0]["field"] == "cursor"


@on_both_databases
async def test_filters_search_and_cursor_pages(client, org, clock):
    _, rep = org["rep"]
    for index in range(7):
        clock.advance(seconds=1)
        body = {
            "name": f"Shop {index}",
            "tier": "A" if index % 2 else "B",
            "domain": f"shop{index}.cn",
            "phones": [f"+86 138 0000 000{index}"],
        }
        assert (await client.post("/accounts", json=body, headers=rep)).status_code == 201
    names, cursor = [], None
    while True:
        page = (
            await client.get(
                "/accounts", params={"limit": 3, **({"cursor": cursor} if cursor else {})}, headers=rep
            )
        ).json()
        names += [a["name"] for a in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert names == [f"Shop {i}" for i in range(7)]
    tier_a = (await client.get("/accounts", params={"tier": "A"}, headers=rep)).json()["items"]
    assert [a["name"] for a in tier_a] == ["Shop 1", "Shop 3", "Shop 5"]
    by_phone = (await client.get("/accounts", params={"q": "8613800000004"}, headers=rep)).json()["items"]
    assert [a["name"] for a in by_phone] == ["Shop 4"]
    by_domain = (await client.get("/accounts", params={"q": "SHOP6.cn"}, headers=rep)).json()["items"]
    assert [a["name"] for a in by_domain] == ["Shop 6"]
