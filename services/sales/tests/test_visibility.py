"""Who sees which users: admin all, a manager their team, a rep or agent only themselves."""


async def test_visibility_follows_the_role(client, admin, new_user):
    red = (await client.post("/teams", json={"name": "Red"}, headers=admin)).json()
    blue = (await client.post("/teams", json={"name": "Blue"}, headers=admin)).json()
    manager, as_manager = await new_user(name="Red Boss", role="manager", team_id=red["id"])
    red_rep, as_red_rep = await new_user(name="Red Rep", team_id=red["id"])
    blue_rep, _ = await new_user(name="Blue Rep", team_id=blue["id"])
    agent, as_agent = await new_user(name="Agent Smith", role="agent")

    response = await client.get(f"/users/{blue_rep['id']}", headers=as_red_rep)
    assert response.status_code == 404
    assert (await client.get(f"/users/{manager['id']}", headers=as_red_rep)).status_code == 404
    assert (await client.get(f"/users/{red_rep['id']}", headers=as_red_rep)).status_code == 200
    assert [u["id"] for u in (await client.get("/users", headers=as_red_rep)).json()] == [red_rep["id"]]
    assert [u["id"] for u in (await client.get("/users", headers=as_agent)).json()] == [agent["id"]]

    seen = {u["id"] for u in (await client.get("/users", headers=as_manager)).json()}
    assert seen == {manager["id"], red_rep["id"]}
    assert (await client.get(f"/users/{red_rep['id']}", headers=as_manager)).status_code == 200
    assert (await client.get(f"/users/{blue_rep['id']}", headers=as_manager)).status_code == 404

    everyone = (await client.get("/users", headers=admin)).json()
    assert len(everyone) == 5
    assert all("password_hash" not in u for u in everyone)


async def test_list_users_pages(client, admin, new_user):
    for name in ("Ann", "Bob", "Cid"):
        await new_user(name=name)
    page = (await client.get("/users", params={"limit": 2, "offset": 1}, headers=admin)).json()
    assert [u["name"] for u in page] == ["Ann", "Bob"]  # after "Administrator"
    assert (await client.get("/users", params={"limit": 0}, headers=admin)).status_code == 422
