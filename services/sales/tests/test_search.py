"""The opportunity name search: a case-insensitive substring, the same through the name index (rare
needles) and through the list's own index (common ones), on SQLite and PostgreSQL."""

import pytest
from sales_support import on_both_databases

from sales.pipeline import search

NAMES = (
    "Acme CRM rollout",
    "ACME crm renewal",
    "Beta 50% discount",
    "Beta 50 seats",
    "Gamma under_score",
    "Gamma underscore",
    "Delta crm",
)


@on_both_databases
@pytest.mark.parametrize("candidates", [search.CANDIDATES, 1])
async def test_name_search_is_a_case_insensitive_substring(client, org, clock, monkeypatch, candidates):
    monkeypatch.setattr(search, "CANDIDATES", candidates)  # 1: every needle takes the common path
    user, rep = org["rep"]
    account = (await client.post("/accounts", json={"name": "Search Co"}, headers=rep)).json()
    for name in NAMES:
        clock.advance(seconds=1)  # list order is creation order
        body = {"name": name, "account_id": account["id"]}
        assert (await client.post("/opportunities", json=body, headers=rep)).status_code == 201
    clock.advance(seconds=1)
    renamed = (
        await client.post(
            "/opportunities", json={"name": "Old name", "account_id": account["id"]}, headers=rep
        )
    ).json()
    await client.patch(f"/opportunities/{renamed['id']}", json={"name": "Epsilon CRM"}, headers=rep)

    async def found(q: str, headers=rep) -> list[str]:
        response = await client.get("/opportunities", params={"q": q, "limit": 3}, headers=headers)
        assert response.status_code == 200, response.text
        names, page = [], response.json()
        names += [o["name"] for o in page["items"]]
        while page["next_cursor"]:
            page = (
                await client.get(
                    "/opportunities",
                    params={"q": q, "limit": 3, "cursor": page["next_cursor"]},
                    headers=headers,
                )
            ).json()
            names += [o["name"] for o in page["items"]]
        return names

    assert await found("crm") == ["Acme CRM rollout", "ACME crm renewal", "Delta crm", "Epsilon CRM"]
    assert await found(" acme CRM ") == ["Acme CRM rollout", "ACME crm renewal"]
    assert await found("me cr") == ["Acme CRM rollout", "ACME crm renewal"]
    assert await found("50%") == ["Beta 50% discount"]  # % and _ are plain characters
    assert await found("r_s") == ["Gamma under_score"]
    assert await found("old name") == []  # the rename reached the index
    assert await found("ta") == ["Beta 50% discount", "Beta 50 seats", "Delta crm"]  # shorter than a trigram
    assert await found("zzz") == []
    assert await found("crm", org["blue"][1]) == []  # visibility still applies
    assert user["id"]
