"""Phone CTI: a known number pops the right card, an unknown one the create/link card; call life; replica."""

from datetime import timedelta

from crm_shared.events.sales import ContactUpdatedV1
from service_desk.handlers import on_contact_updated
from service_desk.testing import apply, make_queue


async def test_known_number_pops_the_customers_card(desk):
    queue = await make_queue(desk, "Hardware", ["a-1"])
    ticket = await desk.client.post(
        "/tickets",
        json={"subject": "Broken", "contact_id": "c-1", "queue_id": queue},
        headers=desk.as_("a-1"),
    )
    await desk.client.post(
        f"/tickets/{ticket.json()['id']}/replies", json={"body": "Looking"}, headers=desk.as_("a-1")
    )
    hidden = await desk.client.post(
        "/tickets", json={"subject": "Other desk", "contact_id": "c-1"}, headers=desk.as_("x-1")
    )
    desk.clock.advance(minutes=10)
    response = await desk.client.post("/calls", json={"caller": "138 0013 8000"}, headers=desk.as_("a-1"))
    assert response.status_code == 201, response.text
    pop = response.json()
    card = pop["card"]
    assert card["known"] is True and card["phone"] == "+8613800138000"
    assert (card["contact"]["id"], card["contact"]["name"], card["contact"]["title"]) == (
        "c-1",
        "Bob Li",
        "CTO",
    )
    assert card["account"] == {
        "id": "acc-1",
        "name": "Acme",
        "tier": "A",
        "owner_id": "r-1",
        "owner_name": "Rex Rep",
    }
    assert [t["id"] for t in card["open_tickets"]] == [ticket.json()["id"]]
    assert card["other_open_tickets"] == 1 and hidden.status_code == 201
    assert card["last_interactions"][0]["kind"] == "agent_message"
    assert (pop["call"]["status"], pop["call"]["contact_id"], pop["call"]["agent_id"]) == (
        "ringing",
        "c-1",
        "a-1",
    )
    [interaction] = [e for e in await desk.events("interactions.interaction.recorded") if e["kind"] == "call"]
    assert (interaction["channel"], interaction["phone"], interaction["contact_id"]) == (
        "phone",
        "+8613800138000",
        "c-1",
    )


async def test_account_switchboard_number_pops_the_company(desk):
    card = (
        await desk.client.post("/calls", json={"caller": "+86 21 6123 4567"}, headers=desk.as_("a-1"))
    ).json()
    assert card["card"]["known"] and card["card"]["contact"] is None
    assert card["card"]["account"]["name"] == "Acme"


async def test_unknown_number_gets_the_create_card_then_creates_a_contact(desk):
    pop = (await desk.client.post("/calls", json={"caller": "+447700900123"}, headers=desk.as_("a-1"))).json()
    assert pop["card"] == {
        "known": False,
        "phone": "+447700900123",
        "contact": None,
        "account": None,
        "other_matches": [],
        "open_tickets": [],
        "other_open_tickets": 0,
        "last_interactions": [],
        "actions": ["create_contact", "link_contact"],
    }
    call_id = pop["call"]["id"]
    created = await desk.client.post(
        f"/calls/{call_id}/contact",
        json={"name": "New Caller", "email": "n@x.io", "account_id": "acc-1"},
        headers=desk.as_("a-1"),
    )
    assert created.status_code == 200, created.text
    assert created.json()["contact"]["local"] is True and created.json()["account"]["id"] == "acc-1"
    again = (
        await desk.client.post("/calls", json={"caller": "+447700900123"}, headers=desk.as_("a-1"))
    ).json()
    assert again["card"]["contact"]["name"] == "New Caller"


async def test_unknown_number_linked_to_an_existing_contact_pops_it_next_time(desk):
    call_id = (
        await desk.client.post("/calls", json={"caller": "+8613700000001"}, headers=desk.as_("a-1"))
    ).json()["call"]["id"]
    linked = await desk.client.post(
        f"/calls/{call_id}/contact", json={"contact_id": "c-2"}, headers=desk.as_("a-1")
    )
    assert linked.json()["contact"]["id"] == "c-2"
    assert (await desk.client.get(f"/calls/{call_id}", headers=desk.as_("a-1"))).json()["contact_id"] == "c-2"
    again = (
        await desk.client.post("/calls", json={"caller": "+8613700000001"}, headers=desk.as_("a-1"))
    ).json()
    assert again["card"]["contact"]["id"] == "c-2"
    bad = await desk.client.post(
        f"/calls/{call_id}/contact", json={"contact_id": "ghost"}, headers=desk.as_("a-1")
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "contact_id"


async def test_call_life_answered_hangup_and_ticket_link(desk):
    call_id = (
        await desk.client.post("/calls", json={"caller": "+8613800138000"}, headers=desk.as_("a-1"))
    ).json()["call"]["id"]
    assert (await desk.client.post(f"/calls/{call_id}/answered", headers=desk.as_("a-1"))).json()[
        "status"
    ] == "answered"
    assert (await desk.client.post(f"/calls/{call_id}/answered", headers=desk.as_("a-1"))).status_code == 409
    ticket = await desk.client.post(
        "/tickets",
        json={"subject": "On the line", "contact_id": "c-1", "call_id": call_id},
        headers=desk.as_("a-1"),
    )
    assert ticket.status_code == 201
    ended = (await desk.client.post(f"/calls/{call_id}/hangup", headers=desk.as_("a-1"))).json()
    assert (ended["status"], ended["ticket_id"]) == ("ended", ticket.json()["id"])
    assert (await desk.client.post(f"/calls/{call_id}/hangup", headers=desk.as_("a-1"))).status_code == 409


async def test_bad_caller_and_foreign_agent(desk):
    bad = await desk.client.post("/calls", json={"caller": "not a number"}, headers=desk.as_("a-1"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "caller"
    other = await desk.client.post(
        "/calls", json={"caller": "+8613800138000", "agent_id": "a-2"}, headers=desk.as_("a-1")
    )
    assert other.status_code == 403
    by_admin = await desk.client.post(
        "/calls", json={"caller": "+8613800138000", "agent_id": "a-2"}, headers=desk.as_("admin")
    )
    assert by_admin.status_code == 201


async def test_contact_update_moves_the_phone_index_and_stale_updates_are_ignored(desk):
    base = {"aggregate_id": "c-1", "account_id": "acc-1", "name": "Bob Li", "emails": ["bob@acme.com"]}
    newer = ContactUpdatedV1(
        **base,
        phones=["+8613600000000"],
        changed_fields=["phones"],
        occurred_at=desk.clock.now + timedelta(days=400),
    )
    await apply(desk.uow_factory, on_contact_updated, newer)
    stale = ContactUpdatedV1(
        **base, phones=["+8613800138000"], occurred_at=desk.clock.now + timedelta(days=1)
    )
    await apply(desk.uow_factory, on_contact_updated, stale)
    old = await desk.client.get(
        "/customers/lookup", params={"phone": "+8613800138000"}, headers=desk.as_("a-1")
    )
    new = await desk.client.get(
        "/customers/lookup", params={"phone": "+8613600000000"}, headers=desk.as_("a-1")
    )
    assert old.json()["known"] is False
    assert new.json()["contact"]["id"] == "c-1"
