"""The service documents its HTTP API and its channels."""

from crm_shared.topics import SALES_TEAM, SALES_USER


async def test_openapi_and_asyncapi_documents(client):
    openapi = await client.get("/openapi.json")
    assert openapi.status_code == 200
    paths = openapi.json()["paths"]
    assert {"/auth/token", "/auth/me", "/users", "/users/{user_id}", "/teams", "/regions"} <= set(paths)
    assert "password_hash" not in openapi.text
    asyncapi = await client.get("/asyncapi.json")
    assert asyncapi.status_code == 200
    assert SALES_USER.name in asyncapi.text and SALES_TEAM.name in asyncapi.text
