"""Creating and changing users: validation, conflicts and the events written to the outbox."""

import json

from crm_shared.topics import SALES_USER


async def test_create_user_writes_the_user_and_its_event(client, admin, outbox, new_user):
    team = (await client.post("/teams", json={"name": "Inside sales"}, headers=admin)).json()
    await client.post("/regions", json={"name": "EMEA"}, headers=admin)
    user, _ = await new_user(name="Una User", email="Una.User@Example.COM", phone="+14155550123",
                             team_id=team["id"], region="EMEA", capacity=25)
    assert user["email"] == "una.user@example.com"
    assert (user["team_id"], user["region"], user["capacity"]) == (team["id"], "EMEA", 25)
    assert user["active"] is True
    assert user["created_at"].endswith(("Z", "+00:00"))
    row = (await outbox())[-1]
    assert (row.event_type, row.aggregate_id) == ("sales.user.created", user["id"])
    assert row.topic == SALES_USER.name
    payload = json.loads(row.payload)
    assert payload["email"] == "una.user@example.com" and payload["team_id"] == team["id"]
    assert payload["capacity"] == 25 and payload["changed_fields"] == []
    assert "password" not in row.payload


async def test_patch_user_emits_changed_fields_only(client, admin, outbox, new_user):
    user, _ = await new_user(name="Pat Patch")
    response = await client.patch(f"/users/{user['id']}", headers=admin,
                                  json={"name": "Pat Patched", "capacity": 0, "role": "manager"})
    assert response.status_code == 200
    assert response.json()["name"] == "Pat Patched" and response.json()["role"] == "manager"
    row = (await outbox())[-1]
    assert row.event_type == "sales.user.updated" and row.aggregate_id == user["id"]
    payload = json.loads(row.payload)
    assert payload["changed_fields"] == ["name", "role"]  # capacity was already 0
    assert payload["name"] == "Pat Patched" and payload["email"] == "pat.patch@example.com"


async def test_patch_without_a_change_emits_nothing(client, admin, outbox, new_user):
    user, _ = await new_user(name="Same Same")
    before = len(await outbox())
    response = await client.patch(f"/users/{user['id']}", json={"name": "Same Same", "role": "rep"},
                                  headers=admin)
    assert response.status_code == 200
    assert response.json()["updated_at"] == user["updated_at"]
    assert len(await outbox()) == before


async def test_password_change_takes_effect_and_is_named_in_the_event(client, admin, outbox, new_user):
    user, _ = await new_user(name="Paula")
    response = await client.patch(f"/users/{user['id']}", json={"password": "new-password-1"}, headers=admin)
    assert response.status_code == 200
    assert json.loads((await outbox())[-1].payload)["changed_fields"] == ["password"]
    form = {"username": "paula@example.com"}
    old = await client.post("/auth/token", data={**form, "password": "correct-horse"})
    new = await client.post("/auth/token", data={**form, "password": "new-password-1"})
    assert (old.status_code, new.status_code) == (401, 200)


async def test_duplicate_email_is_409(client, admin, new_user):
    await new_user(name="Dup", email="dup@example.com")
    response = await client.post("/users", headers=admin,
                                 json={"name": "Dup 2", "email": "DUP@example.com", "password": "12345678"})
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "email"


async def test_unknown_team_or_region_is_422_with_the_field(client, admin, new_user):
    body = {"name": "Lost", "email": "lost@example.com", "password": "12345678"}
    response = await client.post("/users", json={**body, "team_id": "no-such-team"}, headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "team_id"
    response = await client.post("/users", json={**body, "region": "Atlantis"}, headers=admin)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "region"
    user, _ = await new_user(name="Found")
    response = await client.patch(f"/users/{user['id']}", json={"team_id": "no-such-team"}, headers=admin)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "team_id"


async def test_mass_assignment_is_refused(client, admin, new_user):
    user, _ = await new_user(name="Mallory")
    response = await client.patch(f"/users/{user['id']}", json={"role": "admin", "password_hash": "x"},
                                  headers=admin)
    assert response.status_code == 422
    assert {"field": "password_hash", "reason": "Extra inputs are not permitted"} in response.json()["errors"]
    body = {"name": "Eve", "email": "eve@example.com", "password": "12345678"}
    response = await client.post("/users", json={**body, "id": "chosen", "active": False}, headers=admin)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"id", "active"}
    assert (await client.get(f"/users/{user['id']}", headers=admin)).json()["role"] == "rep"


async def test_field_rules(client, admin, new_user):
    base = {"name": "V", "email": "v@example.com", "password": "12345678"}
    bad = [{"phone": "0049 151 1234"}, {"phone": "+0123456789"}, {"password": "short"}, {"capacity": -1},
           {"role": "owner"}, {"email": "not-an-email"}, {"name": "  "}]
    for change in bad:
        response = await client.post("/users", json={**base, **change}, headers=admin)
        assert response.status_code == 422, change
    user, _ = await new_user(name="Nully", phone="+14155550100")
    for field in ("name", "role", "active", "capacity", "password"):
        response = await client.patch(f"/users/{user['id']}", json={field: None}, headers=admin)
        assert response.status_code == 422, field
    response = await client.patch(f"/users/{user['id']}", json={"phone": None}, headers=admin)
    assert response.status_code == 200 and response.json()["phone"] is None


async def test_the_last_admin_cannot_be_demoted_or_deactivated(client, admin):
    me = (await client.get("/auth/me", headers=admin)).json()
    for change in ({"role": "rep"}, {"active": False}):
        response = await client.patch(f"/users/{me['id']}", json=change, headers=admin)
        assert response.status_code == 409, change


async def test_unknown_user_is_404(client, admin):
    assert (await client.get("/users/nobody", headers=admin)).status_code == 404
    assert (await client.patch("/users/nobody", json={"name": "X"}, headers=admin)).status_code == 404
