"""Custom fields per entity: defined by an admin, validated on write, carried in events."""


async def test_custom_fields_are_validated_and_emitted(client, org, admin, events):
    _, rep = org["rep"]
    definitions = [
        {
            "entity": "account",
            "key": "segment",
            "label": "Segment",
            "type": "select",
            "required": True,
            "options": ["smb", "enterprise"],
        },
        {"entity": "account", "key": "employees", "label": "Employees", "type": "number"},
        {
            "entity": "account",
            "key": "channels",
            "label": "Channels",
            "type": "multi_select",
            "options": ["web", "shop"],
        },
        {"entity": "contact", "key": "birthday", "label": "Birthday", "type": "date"},
        {"entity": "opportunity", "key": "campaign", "label": "Campaign", "type": "text"},
    ]
    for body in definitions:
        assert (await client.post("/custom-fields", json=body, headers=admin)).status_code == 201
    assert (await client.post("/custom-fields", json=definitions[0], headers=admin)).status_code == 409
    assert (await client.post("/custom-fields", json=definitions[0], headers=rep)).status_code == 403
    no_options = {**definitions[0], "key": "tier2", "options": []}
    assert (await client.post("/custom-fields", json=no_options, headers=admin)).status_code == 422
    listed = (await client.get("/custom-fields", params={"entity": "account"}, headers=rep)).json()
    assert [f["key"] for f in listed] == ["channels", "employees", "segment"]

    async def refused(body: dict, field: str) -> None:
        response = await client.post("/accounts", json={"name": "X", **body}, headers=rep)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field

    await refused({}, "custom_fields.segment")  # required
    await refused({"custom_fields": {"segment": "huge"}}, "custom_fields.segment")
    await refused({"custom_fields": {"segment": "smb", "employees": "many"}}, "custom_fields.employees")
    await refused({"custom_fields": {"segment": "smb", "channels": ["fax"]}}, "custom_fields.channels")
    await refused({"custom_fields": {"segment": "smb", "unknown": 1}}, "custom_fields.unknown")

    body = {
        "name": "Custom Co",
        "custom_fields": {"segment": "smb", "employees": 40, "channels": ["web", "web"]},
    }
    account = (await client.post("/accounts", json=body, headers=rep)).json()
    assert account["custom_fields"] == {"segment": "smb", "employees": 40, "channels": ["web"]}
    changed = await client.patch(
        f"/accounts/{account['id']}",
        headers=rep,
        json={"custom_fields": {"employees": None, "segment": "enterprise"}},
    )
    assert changed.json()["custom_fields"] == {"segment": "enterprise", "channels": ["web"]}
    cleared = await client.patch(
        f"/accounts/{account['id']}", json={"custom_fields": {"segment": None}}, headers=rep
    )
    assert cleared.status_code == 422  # a required field cannot be removed

    contact = await client.post(
        "/contacts",
        headers=rep,
        json={"name": "Cal", "account_id": account["id"], "custom_fields": {"birthday": "1990-02-30"}},
    )
    assert contact.status_code == 422 and contact.json()["errors"][0]["field"] == "custom_fields.birthday"
    good = await client.post("/contacts", json={"name": "Cal", "account_id": account["id"]}, headers=rep)
    birthday = await client.patch(
        f"/contacts/{good.json()['id']}", json={"custom_fields": {"birthday": "1990-02-28"}}, headers=rep
    )
    assert birthday.json()["custom_fields"] == {"birthday": "1990-02-28"}
    deal = await client.post(
        "/opportunities",
        headers=rep,
        json={"name": "D", "account_id": account["id"], "custom_fields": {"campaign": "spring"}},
    )
    assert deal.json()["custom_fields"] == {"campaign": "spring"}

    [created] = await events("sales.account.created")
    assert created["custom_fields"]["segment"] == "smb"
    [updated] = await events("sales.account.updated")
    assert updated["changed_fields"] == ["custom_fields"] and "employees" not in updated["custom_fields"]
    [contact_updated] = await events("sales.contact.updated")
    assert contact_updated["custom_fields"] == {"birthday": "1990-02-28"}
    [opened] = await events("sales.opportunity.opened")
    assert opened["custom_fields"] == {"campaign": "spring"}
