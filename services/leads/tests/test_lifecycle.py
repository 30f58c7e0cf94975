"""The lead lifecycle through the HTTP API and the real broker: transitions, conversion, visibility,
search, merge, reassignment, activities and tasks, speed to lead."""

import json
import uuid
from datetime import timedelta

import pytest
from leads_support import (
    Clock,
    create_form,
    database,
    leads_settings,
    new_ip,
    running,
    user_headers,
)
from leads_support import event_types as types
from leads_support import keyed_events as events_of
from leads_support import new_lead as typed_lead

from crm_shared.auth import Role
from crm_shared.events.base import utcnow
from crm_shared.events.sales import LeadConversionAppliedV1, UserCreatedV1
from crm_shared.testing import eventually, read_topic
from crm_shared.topics import INTERACTIONS, LEADS_LEAD

RUN = uuid.uuid4().hex[:6]
TEAM, OTHER_TEAM = f"t-{RUN}", f"o-{RUN}"
REP = user_headers(f"rep1-{RUN}", Role.REP, TEAM)
REP2 = user_headers(f"rep2-{RUN}", Role.REP, TEAM)
MANAGER = user_headers(f"mgr-{RUN}", Role.MANAGER, TEAM)
OTHER_MANAGER = user_headers(f"mgr2-{RUN}", Role.MANAGER, OTHER_TEAM)
CLOCK = Clock()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def app_client(request, broker, tmp_path_factory):
    async with database(request.param, tmp_path_factory.mktemp("lifecycle")) as url:
        async with running(leads_settings(url, broker), CLOCK) as pair:
            yield pair


@pytest.fixture
def client(app_client):
    return app_client[1]


async def new_lead(client, headers=REP, **fields) -> dict:
    return await typed_lead(client, headers, **{"name": "Lee Lifecycle", **fields})


async def move(client, lead, status, reason=None, headers=REP):
    return await client.post(
        f"/leads/{lead['id']}/status", json={"status": status, "reason": reason}, headers=headers
    )


async def test_only_valid_transitions(client, broker):
    lead = await new_lead(client)
    skipped = await move(client, lead, "qualified")
    assert skipped.status_code == 409 and "allowed: contacted, disqualified" in skipped.json()["detail"]
    assert (await move(client, lead, "contacted")).json()["status"] == "contacted"
    no_reason = await move(client, lead, "disqualified")
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    out = await move(client, lead, "disqualified", reason="no budget this year")
    assert out.status_code == 200 and out.json()["disqualify_reason"] == "no budget this year"
    assert (await move(client, lead, "contacted")).status_code == 200  # reopened
    assert (await move(client, lead, "qualified")).json()["status"] == "qualified"
    assert (
        await client.post(f"/leads/{lead['id']}/status", json={"status": "converted"}, headers=REP)
    ).status_code == 422  # not a status one can set
    events = await events_of(
        broker, LEADS_LEAD.name, lead["id"], lambda es: types(es).count("leads.lead.status-changed") >= 4
    )
    changes = [
        (e["previous_status"], e["status"]) for e in events if e["event_type"] == "leads.lead.status-changed"
    ]
    assert changes == [
        ("new", "contacted"),
        ("contacted", "disqualified"),
        ("disqualified", "contacted"),
        ("contacted", "qualified"),
    ]
    disqualified = next(e for e in events if e["event_type"] == "leads.lead.disqualified")
    assert disqualified["reason"] == "no budget this year" and disqualified["changed_by"] == f"rep1-{RUN}"


async def test_conversion_locks_the_lead_and_emits_the_event(client, broker, publish, admin):
    lead = await new_lead(client, company="Initech", phone="13800138000")
    early = await client.post(f"/leads/{lead['id']}/convert", json={}, headers=REP)
    assert early.status_code == 409
    await move(client, lead, "contacted")
    await move(client, lead, "qualified")
    body = {"opportunity": {"name": "Initech CRM", "amount": "50000", "currency": "CNY"}}
    converted = await client.post(f"/leads/{lead['id']}/convert", json=body, headers=REP)
    assert (
        converted.status_code == 200
        and converted.json()["status"] == "converted"
        and converted.json()["locked"]
    )
    assert (await client.patch(f"/leads/{lead['id']}", json={"title": "CEO"}, headers=REP)).status_code == 409
    assert (await client.post(f"/leads/{lead['id']}/convert", json={}, headers=REP)).status_code == 409
    events = await events_of(
        broker, LEADS_LEAD.name, lead["id"], lambda es: "leads.lead.converted" in types(es)
    )
    event = next(e for e in events if e["event_type"] == "leads.lead.converted")
    assert event["account"]["name"] == "Initech" and event["contact"]["email"] == lead["email"]
    assert event["contact"]["phone"] is None or event["contact"]["phone"].startswith("+")
    assert event["opportunity"]["name"] == "Initech CRM" and event["owner_id"] == f"rep1-{RUN}"
    tag = uuid.uuid4().hex[:6]
    links = {"account_id": f"acc-{tag}", "contact_id": f"con-{tag}", "opportunity_id": f"opp-{tag}"}
    applied = LeadConversionAppliedV1(
        aggregate_id=links["account_id"],
        lead_id=lead["id"],
        account_created=True,
        contact_created=True,
        **links,
    )
    await publish(applied, applied)  # a redelivery changes nothing

    async def linked():
        found = (await client.get(f"/leads/{lead['id']}", headers=admin)).json()
        return {field: found[field] for field in links} == links

    await eventually(linked)
    events = await events_of(
        broker, LEADS_LEAD.name, lead["id"], lambda es: "leads.lead.updated" in types(es)
    )
    [update] = [e for e in events if e["event_type"] == "leads.lead.updated"]
    assert set(update["changed_fields"]) == set(links) and update["opportunity_id"] == links["opportunity_id"]
    # a later link-only application (e.g. a re-sent conversion) keeps the opportunity
    relinked = LeadConversionAppliedV1(
        aggregate_id=f"acc2-{tag}", account_id=f"acc2-{tag}", lead_id=lead["id"], contact_id=f"con-{tag}"
    )
    await publish(relinked)

    async def relinked_kept_opportunity():
        found = (await client.get(f"/leads/{lead['id']}", headers=admin)).json()
        return found["account_id"] == f"acc2-{tag}" and found["opportunity_id"] == links["opportunity_id"]

    await eventually(relinked_kept_opportunity)


async def test_visibility_by_role(client, admin):
    mine = await new_lead(client, name="Mine Only")
    theirs = await new_lead(client, headers=REP2, name="Theirs Only")
    assert (await client.get(f"/leads/{theirs['id']}", headers=REP)).status_code == 404
    assert (await move(client, theirs, "contacted", headers=REP)).status_code == 404
    assert (await client.get(f"/leads/{theirs['id']}/activities", headers=REP)).status_code == 404
    assert (await client.get(f"/leads/{mine['id']}", headers=MANAGER)).status_code == 200
    assert (await client.get(f"/leads/{mine['id']}", headers=OTHER_MANAGER)).status_code == 404
    listed = (await client.get("/leads", headers=REP, params={"limit": 200})).json()["items"]
    assert all(lead["owner_id"] == f"rep1-{RUN}" for lead in listed) and mine["id"] in {
        x["id"] for x in listed
    }
    team = {
        x["id"] for x in (await client.get("/leads", headers=MANAGER, params={"limit": 200})).json()["items"]
    }
    assert {mine["id"], theirs["id"]} <= team
    assert not (await client.get("/leads", headers=OTHER_MANAGER)).json()["items"]
    assert (await client.get(f"/leads/{theirs['id']}", headers=admin)).status_code == 200


async def test_merge_moves_everything_to_the_survivor(client, broker):
    keep = await new_lead(client, name="Kim Keep")
    gone = await new_lead(client, name="Kim Keep", company="Umbrella", title="CFO")
    await client.post(
        f"/leads/{gone['id']}/activities", json={"kind": "note", "subject": "met at fair"}, headers=REP
    )
    await client.post(
        f"/leads/{gone['id']}/tasks",
        json={"title": "send deck", "due_at": "2030-01-01T09:00:00Z"},
        headers=REP,
    )
    merged = await client.post(f"/leads/{keep['id']}/merge", json={"other_lead_id": gone["id"]}, headers=REP)
    assert (
        merged.status_code == 200
        and merged.json()["company"] == "Umbrella"
        and merged.json()["title"] == "CFO"
    )
    assert [
        a["subject"] for a in (await client.get(f"/leads/{keep['id']}/activities", headers=REP)).json()
    ] == ["met at fair"]
    assert [t["title"] for t in (await client.get(f"/leads/{keep['id']}/tasks", headers=REP)).json()] == [
        "send deck"
    ]
    assert (await client.get(f"/leads/{gone['id']}", headers=REP)).json()["merged_into_id"] == keep["id"]
    again = await client.post(f"/leads/{keep['id']}/merge", json={"other_lead_id": gone["id"]}, headers=REP)
    assert again.status_code == 409
    events = await events_of(broker, LEADS_LEAD.name, keep["id"], lambda es: "leads.lead.merged" in types(es))
    assert next(e for e in events if e["event_type"] == "leads.lead.merged")["merged_lead_id"] == gone["id"]


async def test_managers_reassign_with_an_event(client, broker, publish, admin):
    target = f"rep3-{RUN}"
    await publish(
        UserCreatedV1(aggregate_id=target, name="Rep Three", email="r3@crm.cn", role="rep", team_id=TEAM)
    )

    async def replicated():
        return target in {u["id"] for u in (await client.get("/directory/users", headers=admin)).json()}

    await eventually(replicated)
    lead = await new_lead(client)
    assert (
        await client.post(f"/leads/{lead['id']}/assign", json={"owner_id": target}, headers=REP)
    ).status_code == 403
    unknown = await client.post(f"/leads/{lead['id']}/assign", json={"owner_id": "nobody"}, headers=MANAGER)
    assert unknown.status_code == 422
    moved = await client.post(f"/leads/{lead['id']}/assign", json={"owner_id": target}, headers=MANAGER)
    assert moved.status_code == 200 and moved.json()["owner_id"] == target
    events = await events_of(
        broker, LEADS_LEAD.name, lead["id"], lambda es: "leads.lead.assigned" in types(es)
    )
    assigned = next(e for e in events if e["event_type"] == "leads.lead.assigned")
    assert assigned["strategy"] == "manual" and assigned["assigned_by"] == f"mgr-{RUN}"
    assert assigned["previous_owner_id"] == f"rep1-{RUN}"


async def test_activities_mark_first_contact_and_tasks_have_due_dates(client, broker):
    lead = await new_lead(client)
    call = await client.post(
        f"/leads/{lead['id']}/activities",
        headers=REP,
        json={"kind": "call", "subject": "intro call", "notes": "interested"},
    )
    assert call.status_code == 201
    after = (await client.get(f"/leads/{lead['id']}", headers=REP)).json()
    assert after["status"] == "contacted" and after["first_contacted_at"]
    bad = await client.post(
        f"/leads/{lead['id']}/activities", json={"kind": "fax", "subject": "x"}, headers=REP
    )
    assert bad.status_code == 422
    task = (
        await client.post(
            f"/leads/{lead['id']}/tasks",
            headers=REP,
            json={"title": "follow up", "due_at": "2030-05-01T08:00:00+08:00"},
        )
    ).json()
    assert task["due_at"].startswith("2030-05-01T00:00:00") and not task["done"]
    done = await client.post(f"/leads/{lead['id']}/tasks/{task['id']}/complete", headers=REP)
    assert done.json()["done"]
    records = await read_topic(
        broker.bootstrap_servers,
        INTERACTIONS.name,
        lambda rs: any(json.loads(r.value)["record_id"] == call.json()["id"] for r in rs),
    )
    event = next(
        json.loads(r.value) for r in records if json.loads(r.value)["record_id"] == call.json()["id"]
    )
    assert event["channel"] == "phone" and event["kind"] == "call" and event["lead_id"] == lead["id"]


async def test_speed_to_lead_warns_then_breaches(client, admin, broker):
    team = f"speed-{RUN}"
    assert (
        await client.put(f"/teams/{team}/first-contact-target", json={"minutes": 30}, headers=admin)
    ).status_code == 204
    form = await create_form(client, admin, default_team_id=team)
    slow, quick = [
        (
            await client.post(
                f"/forms/{form['id']}/submissions",
                json={"email": f"{n}-{RUN}@speed.cn"},
                headers={"x-forwarded-for": new_ip()},
            )
        ).json()["id"]
        for n in ("slow", "quick")
    ]

    async def lead_of(submission_id):
        found = (await client.get(f"/submissions/{submission_id}", headers=admin)).json()
        return found["lead_id"] if found["status"] == "processed" else None

    slow_id, quick_id = await eventually(lambda: lead_of(slow)), await eventually(lambda: lead_of(quick))
    lead = (await client.get(f"/leads/{slow_id}", headers=admin)).json()
    assert lead["team_id"] == team and lead["first_contact_due_at"]
    await client.post(f"/leads/{quick_id}/status", json={"status": "contacted"}, headers=admin)
    try:
        CLOCK.now = utcnow() + timedelta(minutes=25)
        first = (await client.post("/speed-to-lead/check", headers=admin)).json()
        CLOCK.now = utcnow() + timedelta(minutes=31)
        second = (await client.post("/speed-to-lead/check", headers=admin)).json()
        third = (await client.post("/speed-to-lead/check", headers=admin)).json()
    finally:
        CLOCK.now = None
    assert first["warned"] >= 1 and second["breached"] >= 1 and third == {"warned": 0, "breached": 0}
    events = await events_of(
        broker, LEADS_LEAD.name, slow_id, lambda es: "leads.lead.first-contact-breached" in types(es)
    )
    assert "leads.lead.first-contact-warned" in types(events)
    breach = next(e for e in events if e["event_type"] == "leads.lead.first-contact-breached")
    assert breach["team_id"] == team
    quick_events = await events_of(
        broker, LEADS_LEAD.name, quick_id, lambda es: "leads.lead.status-changed" in types(es)
    )
    assert "leads.lead.first-contact-breached" not in types(quick_events)
