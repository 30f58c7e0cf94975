"""Who sees which accounts and contacts: rep own, manager team, admin all; anyone else's id is 404
on every route, and absent from every list and search."""


async def test_visibility_on_every_customer_route(client, org):
    _, rep = org["rep"]
    _, rep2 = org["rep2"]
    _, manager = org["manager"]
    _, blue = org["blue"]
    _, admin = org["admin"]
    account = (
        await client.post("/accounts", json={"name": "Red Only", "phones": ["13800138000"]}, headers=rep)
    ).json()
    contact = (
        await client.post("/contacts", json={"name": "Red Contact", "account_id": account["id"]}, headers=rep)
    ).json()
    for outsider in (rep2, blue):
        for path in (f"/accounts/{account['id']}", f"/contacts/{contact['id']}"):
            assert (await client.get(path, headers=outsider)).status_code == 404
            assert (await client.patch(path, json={"name": "Mine"}, headers=outsider)).status_code == 404
            assert (await client.delete(path, headers=outsider)).status_code == 404
        for path in ("/accounts", "/contacts"):
            assert (await client.get(path, headers=outsider)).json()["items"] == []
            assert (await client.get(path, params={"q": "Red"}, headers=outsider)).json()["items"] == []
        # another rep cannot hang a contact on an account they cannot see
        hung = await client.post(
            "/contacts", json={"name": "X", "account_id": account["id"]}, headers=outsider
        )
        assert hung.status_code == 422 and hung.json()["errors"][0]["field"] == "account_id"

    for insider in (manager, admin):
        assert (await client.get(f"/accounts/{account['id']}", headers=insider)).status_code == 200
        found = (await client.get("/contacts", params={"q": "red contact"}, headers=insider)).json()["items"]
        assert [c["id"] for c in found] == [contact["id"]]
    blue_manager_view = await client.get("/accounts", params={"team_id": org["red"]["id"]}, headers=blue)
    assert blue_manager_view.json()["items"] == []

    # the manager hands the account to the other rep of the team: the first rep loses sight of it
    moved = await client.patch(
        f"/accounts/{account['id']}", json={"owner_id": org["rep2"][0]["id"]}, headers=manager
    )
    assert moved.status_code == 200 and moved.json()["owner_id"] == org["rep2"][0]["id"]
    assert (await client.get(f"/accounts/{account['id']}", headers=rep)).status_code == 404
    assert (await client.get(f"/accounts/{account['id']}", headers=rep2)).status_code == 200
