"""The service documents its HTTP API and its channels."""

from crm_shared.topics import (
    INTERACTIONS,
    SALES_ACCOUNT,
    SALES_CONTACT,
    SALES_OPPORTUNITY,
    SALES_ORDER,
    SALES_QUOTA,
    SALES_TEAM,
    SALES_USER,
)


async def test_openapi_and_asyncapi_documents(client):
    openapi = await client.get("/openapi.json")
    assert openapi.status_code == 200
    paths = openapi.json()["paths"]
    assert {"/auth/token", "/auth/me", "/users", "/users/{user_id}", "/teams", "/regions"} <= set(paths)
    assert {
        "/accounts",
        "/contacts",
        "/opportunities",
        "/pipelines",
        "/contracts",
        "/orders",
        "/invoices",
        "/activities",
        "/my-day",
        "/forecast",
        "/quotas",
        "/handovers",
        "/custom-fields",
        "/custom-fields/{field_id}",
        "/quotas/{quota_id}",
        "/exchange-rates",
        "/exchange-rates/{currency}",
        "/contracts/{contract_id}/renew",
        "/checks/run",
    } <= set(paths)
    assert "password_hash" not in openapi.text
    asyncapi = await client.get("/asyncapi.json")
    assert asyncapi.status_code == 200
    assert SALES_USER.name in asyncapi.text and SALES_TEAM.name in asyncapi.text
    for topic in (SALES_ACCOUNT, SALES_CONTACT, SALES_OPPORTUNITY, SALES_ORDER, SALES_QUOTA, INTERACTIONS):
        assert topic.name in asyncapi.text  # (subscriptions show only where the app consumes)
