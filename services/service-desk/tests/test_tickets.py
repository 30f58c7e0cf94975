"""Tickets through the API: open with customer links, fields, transitions, replies, notes, costs, events."""

from decimal import Decimal

from service_desk.testing import make_queue


async def open_ticket(desk, user="a-1", **fields) -> dict:
    body = {"subject": "Printer on fire", "description": "It smokes", "channel": "phone"} | fields
    response = await desk.client.post("/tickets", json=body, headers=desk.as_(user))
    assert response.status_code == 201, response.text
    return response.json()


async def test_open_links_contact_account_tier_and_order(desk):
    queue = await make_queue(desk, "Hardware", ["a-1"])
    ticket = await open_ticket(
        desk, contact_id="c-1", queue_id=queue, order_id="o-7", category="hardware", priority="high"
    )
    assert (ticket["status"], ticket["contact_id"], ticket["account_id"], ticket["customer_tier"]) == (
        "new",
        "c-1",
        "acc-1",
        "A",
    )
    assert (ticket["order_id"], ticket["category"], ticket["priority"], ticket["queue_id"]) == (
        "o-7",
        "hardware",
        "high",
        queue,
    )
    [opened] = await desk.events("service-desk.ticket.opened")
    assert opened["aggregate_id"] == ticket["id"]
    assert (opened["account_id"], opened["contact_id"], opened["channel"], opened["queue_id"]) == (
        "acc-1",
        "c-1",
        "phone",
        queue,
    )
    assert opened["opened_at"] and opened["producer"] == "service-desk"


async def test_agent_without_queue_owns_the_ticket_they_open(desk):
    ticket = await open_ticket(desk, user="a-2")
    assert ticket["assignee_id"] == "a-2"
    [assigned] = await desk.events("service-desk.ticket.assigned")
    assert (assigned["strategy"], assigned["assignee_id"]) == ("manual", "a-2")


async def test_bad_input_is_422_with_the_field(desk):
    cases = [
        ({"contact_id": "nobody"}, "contact_id"),
        ({"channel": "fax"}, "channel"),
        ({"queue_id": "nope"}, "queue_id"),
        ({"status": "closed"}, "status"),
        ({"assignee_id": "r-1"}, "assignee_id"),
    ]
    for extra, field in cases:
        body = {"subject": "x"} | extra
        response = await desk.client.post("/tickets", json=body, headers=desk.as_("a-1"))
        assert response.status_code == 422, (extra, response.text)
        assert field in {e["field"] for e in response.json()["errors"]}, response.json()


async def test_reps_cannot_open_tickets(desk):
    response = await desk.client.post("/tickets", json={"subject": "x"}, headers=desk.as_("r-1"))
    assert response.status_code == 403


async def test_status_transitions_and_their_events(desk):
    ticket_id = (await open_ticket(desk))["id"]

    async def move(status):
        return await desk.client.post(
            f"/tickets/{ticket_id}/status", json={"status": status}, headers=desk.as_("a-1")
        )

    for status in ("pending", "open", "resolved"):
        response = await move(status)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status
    assert response.json()["resolved_at"]
    refused = await move("pending")
    assert refused.status_code == 409
    assert "resolved ticket cannot become pending" in refused.json()["detail"]
    assert (await move("closed")).json()["closed_at"]
    reopened = (await move("reopened")).json()
    assert (reopened["status"], reopened["resolved_at"], reopened["closed_at"]) == ("reopened", None, None)
    types = [e["event_type"].rsplit(".", 1)[1] for e in await desk.events(ticket_id=ticket_id)]
    assert types == ["opened", "assigned", "updated", "updated", "resolved", "closed", "reopened"]
    updates = await desk.events("service-desk.ticket.updated", ticket_id)
    assert [u["status"] for u in updates] == ["pending", "open"]
    assert all(u["changed_fields"] == ["status"] for u in updates)


async def test_reply_is_the_first_response_and_notes_stay_internal(desk):
    ticket_id = (await open_ticket(desk))["id"]
    note = await desk.client.post(
        f"/tickets/{ticket_id}/notes", json={"body": "call back at 3"}, headers=desk.as_("a-1")
    )
    assert note.status_code == 201 and note.json()["kind"] == "note"
    assert (await desk.client.get(f"/tickets/{ticket_id}", headers=desk.as_("a-1"))).json()[
        "first_response_at"
    ] is None
    desk.clock.advance(minutes=5)
    reply = await desk.client.post(
        f"/tickets/{ticket_id}/replies", json={"body": "We are on it"}, headers=desk.as_("a-1")
    )
    assert reply.status_code == 201 and reply.json()["kind"] == "reply"
    detail = (await desk.client.get(f"/tickets/{ticket_id}", headers=desk.as_("a-1"))).json()
    assert detail["status"] == "open" and detail["first_response_at"]
    assert [(e["kind"], e["body"]) for e in detail["entries"]] == [
        ("note", "call back at 3"),
        ("reply", "We are on it"),
    ]
    updates = await desk.events("service-desk.ticket.updated", ticket_id)
    assert updates[0]["changed_fields"] == ["notes"]
    assert updates[1]["changed_fields"] == ["entries", "first_response_at", "status"]
    assert updates[1]["first_response_at"]
    interactions = await desk.events("interactions.interaction.recorded")
    assert [(i["kind"], i["record_id"]) for i in interactions] == [("ticket_reply", ticket_id)]


async def test_time_parts_and_costs_add_up(desk):
    ticket_id = (await open_ticket(desk))["id"]
    lines = [
        {"kind": "time", "description": "diagnosis", "minutes": 30},
        {"kind": "part", "description": "fuser", "quantity": "2", "unit_cost": "12.50"},
        {"kind": "expense", "description": "taxi", "quantity": "1", "unit_cost": "18.20"},
    ]
    for line in lines:
        response = await desk.client.post(f"/tickets/{ticket_id}/costs", json=line, headers=desk.as_("a-1"))
        assert response.status_code == 201, response.text
    detail = (await desk.client.get(f"/tickets/{ticket_id}", headers=desk.as_("a-1"))).json()
    assert detail["time_spent_minutes"] == 30
    assert Decimal(detail["service_cost"]) == Decimal("73.20")  # 30 min at 60/h + 25.00 + 18.20
    amounts = {c["description"]: Decimal(c["amount"]) for c in detail["costs"]}
    assert amounts == {"diagnosis": Decimal("30.00"), "fuser": Decimal("25.00"), "taxi": Decimal("18.20")}
    last = (await desk.events("service-desk.ticket.updated", ticket_id))[-1]
    assert (Decimal(last["service_cost"]), last["time_spent_minutes"]) == (Decimal("73.20"), 30)
    bad = await desk.client.post(
        f"/tickets/{ticket_id}/costs",
        json={"kind": "part", "description": "x", "quantity": "-1"},
        headers=desk.as_("a-1"),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "quantity"


async def test_update_emits_only_what_changed(desk):
    ticket_id = (await open_ticket(desk))["id"]
    response = await desk.client.patch(
        f"/tickets/{ticket_id}",
        json={"priority": "urgent", "subject": "Printer on fire", "contact_id": "c-2"},
        headers=desk.as_("a-1"),
    )
    assert response.status_code == 200, response.text
    [update] = await desk.events("service-desk.ticket.updated", ticket_id)
    assert sorted(update["changed_fields"]) == ["contact_id", "priority"]
    assert (update["contact_id"], update["account_id"], update["priority"]) == ("c-2", None, "urgent")
    forbidden = await desk.client.patch(
        f"/tickets/{ticket_id}", json={"status": "closed"}, headers=desk.as_("a-1")
    )
    assert forbidden.status_code == 422
