"""Processing through the real broker: normalize, dedupe, explainable scoring and routing, interactions."""

import json
import uuid

import pytest
from leads_support import create_form, database, keyed_events, leads_settings, new_ip, running

from crm_shared.events.sales import TeamCreatedV1, UserCreatedV1
from crm_shared.testing import eventually, read_topic
from crm_shared.topics import INTERACTIONS, LEADS_LEAD

RUN = uuid.uuid4().hex[:6]
T_EAST, T_FIN, T_ALL = f"east-{RUN}", f"fin-{RUN}", f"all-{RUN}"
EAST_REPS = [f"{RUN}-e1", f"{RUN}-e2", f"{RUN}-e3"]
FIN_REP, ALL_REP = f"{RUN}-f1", f"{RUN}-a1"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def app_client(request, broker, tmp_path_factory, publish, admin):
    async with database(request.param, tmp_path_factory.mktemp("processing")) as url:
        async with running(leads_settings(url, broker)) as (app, client):
            await publish(
                TeamCreatedV1(aggregate_id=T_EAST, name="East", region="East"),
                TeamCreatedV1(aggregate_id=T_FIN, name="Finance"),
                TeamCreatedV1(aggregate_id=T_ALL, name="Everyone else"),
                *[
                    UserCreatedV1(aggregate_id=u, name=u, email=f"{u}@crm.cn", role="rep", team_id=T_EAST)
                    for u in EAST_REPS
                ],
                UserCreatedV1(
                    aggregate_id=f"{RUN}-gone",
                    name="Gone",
                    email="g@crm.cn",
                    role="rep",
                    team_id=T_EAST,
                    active=False,
                ),
                UserCreatedV1(
                    aggregate_id=FIN_REP, name="Fin", email="f@crm.cn", role="rep", team_id=T_FIN, capacity=1
                ),
                UserCreatedV1(aggregate_id=ALL_REP, name="All", email="a@crm.cn", role="rep", team_id=T_ALL),
            )

            async def replicated():
                users = (await client.get("/directory/users", headers=admin)).json()
                return {u["id"] for u in users} >= {*EAST_REPS, FIN_REP, ALL_REP}

            await eventually(replicated, timeout=30)
            rules = [
                {"name": "East", "conditions": {"region": ["East"]}, "team_id": T_EAST},
                {
                    "name": "Finance",
                    "conditions": {"industry": ["Finance"]},
                    "team_id": T_FIN,
                    "strategy": "least_loaded",
                },
                {"name": "Catch-all", "team_id": T_ALL},
            ]
            assert (await client.put("/routing-rules", json=rules, headers=admin)).status_code == 200
            yield app, client


@pytest.fixture
def client(app_client):
    return app_client[1]


@pytest.fixture(scope="module")
async def form(app_client, admin):
    return await create_form(app_client[1], admin, campaign="autumn")


async def submit(client, form, admin, **fields) -> dict:
    """Post a submission, wait until it is processed; the lead it became."""
    response = await client.post(
        f"/forms/{form['id']}/submissions", json=fields, headers={"x-forwarded-for": new_ip()}
    )
    assert response.status_code == 202, response.text
    submission_id = response.json()["id"]

    async def processed():
        found = (await client.get(f"/submissions/{submission_id}", headers=admin)).json()
        return found if found["status"] == "processed" else None

    submission = await eventually(processed)
    lead = (await client.get(f"/leads/{submission['lead_id']}", headers=admin)).json()
    return {**lead, "submission_id": submission_id}


async def lead_events(broker, lead_id: str, want) -> list[dict]:
    return await keyed_events(broker, LEADS_LEAD.name, lead_id, want)


async def test_a_new_lead_is_normalized_scored_and_routed_with_reasons(client, form, admin, broker):
    lead = await submit(
        client,
        form,
        admin,
        first_name="mei",
        last_name="zhang",
        email=" Mei.Zhang@Acme-Tech.CN ",
        phone="138 0013 8000",
        company="Acme Tech",
        title="CTO",
        region="East",
    )
    assert lead["name"] == "Mei Zhang" and lead["email"] == "mei.zhang@acme-tech.cn"
    assert lead["phone"] == "+8613800138000" and lead["company_domain"] == "acme-tech.cn"
    reasons = {line["reason"]: line["points"] for line in lead["score_breakdown"]}
    assert reasons["corporate email domain acme-tech.cn (corporate-email)"] == 15
    assert reasons["company given (complete-company)"] == 10
    assert reasons["source is web_form (source-web)"] == 5
    assert lead["score"] == sum(reasons.values()) == 5 + 5 + 10 + 5 + 15 + 5
    assert lead["team_id"] == T_EAST and lead["owner_id"] in EAST_REPS and lead["campaign"] == "autumn"

    def complete(events):
        return {"leads.lead.captured", "leads.lead.scored", "leads.lead.assigned"} <= {
            e["event_type"] for e in events
        }

    events = {e["event_type"]: e for e in await lead_events(broker, lead["id"], complete)}
    assigned = events["leads.lead.assigned"]
    assert assigned["rule_name"] == "East" and assigned["strategy"] == "round_robin"
    assert assigned["inputs"]["region"] == "East" and assigned["inputs"]["score"] == lead["score"]
    assert {c["user_id"] for c in assigned["candidates"]} == set(EAST_REPS)  # the inactive rep is not one
    assert events["leads.lead.scored"]["score"] == lead["score"]
    assert events["leads.lead.captured"]["source"] == "web_form"
    records = await read_topic(
        broker.bootstrap_servers,
        INTERACTIONS.name,
        lambda rs: any(json.loads(r.value)["record_id"] == lead["submission_id"] for r in rs),
    )
    interaction = next(
        json.loads(r.value) for r in records if json.loads(r.value)["record_id"] == lead["submission_id"]
    )
    assert interaction["lead_id"] == lead["id"] and interaction["channel"] == "web"
    assert interaction["kind"] == "form_submission" and interaction["source_service"] == "leads"


async def test_round_robin_cycles_through_the_team(client, form, admin):
    owners = [
        (await submit(client, form, admin, name=f"Rr {i}", email=f"rr{i}-{RUN}@east.cn", region="east"))[
            "owner_id"
        ]
        for i in range(4)
    ]
    assert set(owners[:3]) == set(EAST_REPS) and owners[3] == owners[0]


async def test_capacity_is_respected_and_the_decision_explained(client, form, admin, broker):
    first = await submit(client, form, admin, name="Fin One", email=f"f1-{RUN}@bank.cn", industry="Finance")
    second = await submit(client, form, admin, name="Fin Two", email=f"f2-{RUN}@bank2.cn", industry="finance")
    assert first["owner_id"] == FIN_REP and first["team_id"] == T_FIN
    assert second["owner_id"] is None and second["team_id"] == T_FIN
    events = await lead_events(
        broker, second["id"], lambda es: any(e["event_type"] == "leads.lead.assigned" for e in es)
    )
    assigned = next(e for e in events if e["event_type"] == "leads.lead.assigned")
    assert assigned["candidates"] == [
        {"user_id": FIN_REP, "load": 1, "capacity": 1, "eligible": False, "reason": "at capacity"}
    ]
    assert "no rep of the team has capacity" in assigned["reason"] and assigned["strategy"] == "least_loaded"


async def test_catch_all_takes_what_no_rule_matches(client, form, admin):
    lead = await submit(client, form, admin, name="Nobody Special", email=f"n-{RUN}@gmail.com", region="West")
    assert lead["team_id"] == T_ALL and lead["owner_id"] == ALL_REP
    assert any(
        line["reason"].startswith("free email domain gmail.com") and line["points"] == -5
        for line in lead["score_breakdown"]
    )


async def test_dedupe_by_email_merges_and_rescores(client, form, admin, broker):
    first = await submit(client, form, admin, name="Dee Dup", email=f"dee-{RUN}@dupe.cn", region="West")
    again = await submit(
        client, form, admin, name="Dee Dup", email=f"DEE-{RUN}@Dupe.cn", title="VP Sales", message="call me"
    )
    assert again["id"] == first["id"] and again["title"] == "VP Sales"
    assert again["score"] == first["score"] + 5 + 15  # the title, and repeated interest
    assert any("2 submissions" in line["reason"] for line in again["score_breakdown"])
    interactions = (await client.get(f"/leads/{first['id']}/interactions", headers=admin)).json()
    assert len(interactions) == 2
    assert any(
        i["summary"].endswith("(merged into an existing lead by email): call me") for i in interactions
    )
    assert all(i["summary"].startswith('Web form "Contact us" submitted') for i in interactions)  # by name
    events = await lead_events(
        broker, first["id"], lambda es: any(e["event_type"] == "leads.lead.updated" for e in es)
    )
    updated = next(e for e in events if e["event_type"] == "leads.lead.updated")
    assert "title" in updated["changed_fields"] and updated["title"] == "VP Sales"


async def test_dedupe_by_phone(client, form, admin):
    first = await submit(client, form, admin, name="Pho Ne", phone="+86 139 1234 5678")
    again = await submit(client, form, admin, name="Pho Ne", phone="13912345678", email=f"pho-{RUN}@x.cn")
    assert again["id"] == first["id"] and again["email"] == f"pho-{RUN}@x.cn"


async def test_dedupe_by_company_domain_and_name(client, form, admin):
    first = await submit(
        client,
        form,
        admin,
        name="Hank Scorpio",
        website=f"https://www.globex-{RUN}.com",
        email=f"hank-{RUN}@gmail.com",
    )
    again = await submit(client, form, admin, name="hank scorpio", email=f"h.scorpio@globex-{RUN}.com")
    other = await submit(client, form, admin, name="Homer Simpson", email=f"homer@globex-{RUN}.com")
    assert first["company_domain"] == f"globex-{RUN}.com"
    assert again["id"] == first["id"] and other["id"] != first["id"]


async def test_behaviour_from_track_rescores_the_lead(client, form, admin, broker):
    visitor = f"v-{RUN}"
    lead = await submit(client, form, admin, name="Tra Cker", email=f"t-{RUN}@track.cn", visitor_id=visitor)
    for seconds in (40, 50, 60):
        response = await client.post(
            "/track", json={"visitor_id": visitor, "page_url": "https://x.cn/pricing", "seconds": seconds}
        )
        assert response.status_code == 204
    after = (await client.get(f"/leads/{lead['id']}", headers=admin)).json()
    reasons = [line["reason"] for line in after["score_breakdown"]]
    assert (
        "3 page visits (at least 3) (visits)" in reasons
        and "150s on the site (at least 120s) (time)" in reasons
    )
    assert after["score"] == lead["score"] + 20
    events = await lead_events(
        broker, lead["id"], lambda es: any(e.get("trigger") == "behaviour" for e in es)
    )
    assert any(e.get("trigger") == "behaviour" and e["score"] == after["score"] for e in events)
    cookie = await client.post("/track", json={"page_url": "https://x.cn/"})
    assert cookie.status_code == 204 and "crm_vid=" in cookie.headers["set-cookie"]


async def test_a_released_submission_becomes_a_lead(client, admin):
    spam_form = await create_form(client, admin, honeypot_field="hp")
    response = await client.post(
        f"/forms/{spam_form['id']}/submissions",
        json={"email": f"rel-{RUN}@x.cn", "hp": "1"},
        headers={"x-forwarded-for": new_ip()},
    )
    submission_id = response.json()["id"]
    assert (await client.get(f"/submissions/{submission_id}", headers=admin)).json()[
        "status"
    ] == "quarantined"
    assert (await client.post(f"/quarantine/{submission_id}/release", headers=admin)).status_code == 200

    async def processed():
        found = (await client.get(f"/submissions/{submission_id}", headers=admin)).json()
        return found if found["status"] == "processed" else None

    lead_id = (await eventually(processed))["lead_id"]
    assert (await client.get(f"/leads/{lead_id}", headers=admin)).json()["email"] == f"rel-{RUN}@x.cn"


async def test_values_longer_than_the_lead_columns_are_cut_not_dead_lettered(client, form, admin):
    lead = await submit(
        client,
        form,
        admin,
        name="N" * 1500,
        email=f"long-{RUN}@long.cn",
        region="R" * 900,
        utm_campaign="c" * 1500,
    )
    assert len(lead["name"]) == 200 and len(lead["region"]) == 100 and len(lead["campaign"]) == 100
