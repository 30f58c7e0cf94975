"""Teams and regions: creation, changes, conflicts and their events."""

import json

from crm_shared.topics import SALES_TEAM


async def test_create_and_patch_team_write_events(client, admin, outbox, new_user):
    await client.post("/regions", json={"name": "North"}, headers=admin)
    manager, _ = await new_user(name="Mia Manager", role="manager")
    created = await client.post("/teams", json={"name": "Hunters", "region": "North"}, headers=admin)
    assert created.status_code == 201
    team = created.json()
    row = (await outbox())[-1]
    assert (row.event_type, row.aggregate_id) == ("sales.team.created", team["id"])
    assert row.topic == SALES_TEAM.name
    assert json.loads(row.payload)["region"] == "North"

    patched = await client.patch(f"/teams/{team['id']}", headers=admin,
                                 json={"manager_id": manager["id"], "region": "North"})
    assert patched.status_code == 200 and patched.json()["manager_id"] == manager["id"]
    row = (await outbox())[-1]
    assert row.event_type == "sales.team.updated"
    assert json.loads(row.payload)["changed_fields"] == ["manager_id"]

    before = len(await outbox())
    await client.patch(f"/teams/{team['id']}", json={"name": "Hunters"}, headers=admin)
    assert len(await outbox()) == before
    assert (await client.get(f"/teams/{team['id']}", headers=admin)).json() == patched.json()


async def test_team_rules(client, admin, new_user):
    await client.post("/teams", json={"name": "Alpha"}, headers=admin)
    beta = (await client.post("/teams", json={"name": "Beta"}, headers=admin)).json()
    assert (await client.post("/teams", json={"name": "Alpha"}, headers=admin)).status_code == 409
    renamed = await client.patch(f"/teams/{beta['id']}", json={"name": "Alpha"}, headers=admin)
    assert renamed.status_code == 409
    rep, _ = await new_user(name="Not A Manager")
    response = await client.post("/teams", json={"name": "Gamma", "manager_id": rep["id"]}, headers=admin)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "manager_id"
    response = await client.post("/teams", json={"name": "Delta", "region": "Nowhere"}, headers=admin)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "region"
    response = await client.post("/teams", json={"name": "Eps", "id": "mine"}, headers=admin)
    assert response.status_code == 422
    assert (await client.get("/teams/nope", headers=admin)).status_code == 404
    assert (await client.patch("/teams/nope", json={"name": "X"}, headers=admin)).status_code == 404
    names = [t["name"] for t in (await client.get("/teams", headers=admin)).json()]
    assert names == ["Alpha", "Beta"]


async def test_regions(client, admin, new_user):
    assert (await client.post("/regions", json={"name": "West"}, headers=admin)).status_code == 201
    assert (await client.post("/regions", json={"name": "East"}, headers=admin)).status_code == 201
    assert (await client.post("/regions", json={"name": "West"}, headers=admin)).status_code == 409
    _, rep = await new_user(name="Reader")
    regions = (await client.get("/regions", headers=rep)).json()
    assert [r["name"] for r in regions] == ["East", "West"]
