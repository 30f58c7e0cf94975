"""Sign-in with the OAuth2 password flow, and what a token lets a caller do."""


async def test_login_returns_a_bearer_token(client):
    response = await client.post("/auth/token", data={"username": "Admin@Example.com",
                                                       "password": "admin-change-me"})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["access_token"]


async def test_wrong_password_and_unknown_email_get_the_same_401(client):
    wrong = await client.post("/auth/token", data={"username": "admin@example.com", "password": "nope-nope"})
    unknown = await client.post("/auth/token", data={"username": "who@example.com", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["content-type"] == "application/problem+json"
    assert wrong.headers["www-authenticate"] == "Bearer"


async def test_inactive_user_cannot_sign_in(client, admin, new_user):
    user, _ = await new_user(name="Leaver")
    await client.patch(f"/users/{user['id']}", json={"active": False}, headers=admin)
    response = await client.post("/auth/token", data={"username": "leaver@example.com",
                                                       "password": "correct-horse"})
    assert response.status_code == 401
    assert response.json()["detail"] == "Incorrect email or password"


async def test_me_returns_the_caller_without_the_hash(client, new_user):
    user, headers = await new_user(name="Rita Rep", phone="+4915112345678")
    me = await client.get("/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json() == user
    assert "password_hash" not in me.json() and "password" not in me.json()


async def test_protected_endpoint_needs_a_token(client):
    for method, path in [("GET", "/users"), ("GET", "/auth/me"), ("POST", "/users"), ("GET", "/teams")]:
        response = await client.request(method, path)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "Bearer"


async def test_forged_token_is_refused(client):
    response = await client.get("/users", headers={"Authorization": "Bearer not.a.token"})
    assert response.status_code == 401


async def test_rep_gets_403_on_admin_routes(client, new_user):
    user, rep = await new_user(name="Rex Rep")
    calls = [
        ("POST", "/users", {"name": "X", "email": "x@example.com", "password": "12345678"}),
        ("PATCH", f"/users/{user['id']}", {"role": "admin"}),
        ("POST", "/teams", {"name": "Mine"}),
        ("PATCH", "/teams/whatever", {"name": "Mine"}),
        ("POST", "/regions", {"name": "North"}),
    ]
    for method, path, body in calls:
        response = await client.request(method, path, json=body, headers=rep)
        assert response.status_code == 403, path
    me = await client.get("/auth/me", headers=rep)
    assert me.json()["role"] == "rep"
