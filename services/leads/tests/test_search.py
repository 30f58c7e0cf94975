"""Listing and searching leads, and configurable scoring, through the HTTP API on SQLite and PostgreSQL."""

import uuid
from datetime import timedelta

import pytest
from leads_support import database, leads_settings, running, user_headers
from leads_support import new_lead as typed_lead

from crm_shared.auth import Role
from crm_shared.events.base import utcnow

RUN = uuid.uuid4().hex[:6]
REP = user_headers(f"rep1-{RUN}", Role.REP, f"t-{RUN}")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def client(request, broker, tmp_path_factory):
    async with database(request.param, tmp_path_factory.mktemp("search")) as url:
        async with running(leads_settings(url, broker)) as (_, client):
            yield client


async def new_lead(client, headers=REP, **fields) -> dict:
    return await typed_lead(client, headers, **{"name": "Lee Search", **fields})


async def test_search_filters_sorting_and_cursor_pages(client, admin):
    tag = uuid.uuid4().hex[:6]
    for i, name in enumerate(["Alice", "Bob", "Carol", "Dave", "Eve"]):
        await new_lead(
            client, name=f"{name} {tag}", source="event" if i % 2 else "referral", campaign=f"c-{tag}"
        )
    names, cursor = [], None
    while True:
        params = {"q": tag, "sort": "name", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/leads", headers=admin, params=params)).json()
        names += [lead["name"].split()[0] for lead in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert names == ["Alice", "Bob", "Carol", "Dave", "Eve"]
    events = (
        await client.get("/leads", headers=admin, params={"campaign": f"c-{tag}", "source": "event"})
    ).json()
    assert sorted(lead["name"].split()[0] for lead in events["items"]) == ["Bob", "Dave"]
    newest = (await client.get("/leads", headers=admin, params={"q": tag.upper(), "limit": 1})).json()
    assert newest["items"][0]["name"].startswith("Eve")
    window = {
        "created_from": (utcnow() - timedelta(hours=1)).isoformat(),
        "score_min": 35,
        "score_max": 45,
        "status": "new",
        "q": tag,
    }  # referral 20 + email 5 + corporate domain 15; event gives 10
    found = (await client.get("/leads", headers=admin, params=window)).json()["items"]
    assert sorted(lead["name"].split()[0] for lead in found) == ["Alice", "Carol", "Eve"]
    later = {"created_from": (utcnow() + timedelta(hours=1)).isoformat(), "q": tag}
    assert not (await client.get("/leads", headers=admin, params=later)).json()["items"]
    assert (await client.get("/leads", headers=admin, params={"cursor": "garbage!"})).status_code == 422
    assert (await client.get("/leads", headers=admin, params={"sort": "salary"})).status_code == 422


async def test_scoring_rules_are_configurable_and_explain_every_point(client, admin):
    rules = [
        {"kind": "region", "params": {"regions": ["East"]}, "points": 30, "label": "home market"},
        {"kind": "completeness", "params": {"field": "company"}, "points": 7},
        {"kind": "email_domain", "params": {"type": "free"}, "points": -10, "label": "free mail"},
    ]
    stored = await client.put("/scoring-rules", json=rules, headers=admin)
    assert stored.status_code == 200 and [r["position"] for r in stored.json()] == [0, 1, 2]
    assert (await client.get("/scoring-rules", headers=REP)).status_code == 403
    bad = await client.put(
        "/scoring-rules", json=[{"kind": "page_visits", "params": {"min": "x"}, "points": 1}], headers=admin
    )
    assert bad.status_code == 422
    lead = await new_lead(client, region="East", company="Acme", email=f"x-{RUN}@qq.com")
    assert lead["score"] == 27
    assert [(line["points"], line["reason"]) for line in lead["score_breakdown"]] == [
        (30, "region is East (home market)"),
        (7, "company given"),
        (-10, "free email domain qq.com (free mail)"),
    ]
