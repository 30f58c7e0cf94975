"""A contact the agent creates from the unknown-caller card is announced to sales; when sales' contact
event names it as its source, the local record, its calls and its tickets move to the sales contact."""

from datetime import timedelta

from crm_shared.events.sales import ContactCreatedV1, ContactUpdatedV1
from service_desk.handlers import on_contact_created, on_contact_updated
from service_desk.testing import apply, make_queue


async def capture(desk, caller: str, **body) -> tuple[str, str]:
    """An unknown caller's call and the contact the agent creates from its card: (call id, contact id)."""
    pop = (await desk.client.post("/calls", json={"caller": caller}, headers=desk.as_("a-1"))).json()
    created = await desk.client.post(
        f"/calls/{pop['call']['id']}/contact", json=body, headers=desk.as_("a-1")
    )
    assert created.status_code == 200, created.text
    return pop["call"]["id"], created.json()["contact"]["id"]


async def test_creating_a_contact_emits_its_capture_for_sales(desk):
    body = {"name": "Nina New", "email": "Nina@New.io", "account_id": "acc-1"}
    _, contact_id = await capture(desk, "+86 137 0000 0042", **body)
    [event] = await desk.events("service-desk.contact.captured")
    assert event["aggregate_id"] == contact_id
    assert (event["name"], event["account_id"], event["company"], event["captured_by"]) == (
        "Nina New",
        "acc-1",
        "Acme",
        "a-1",
    )
    assert (event["emails"], event["phones"]) == (["nina@new.io"], ["+8613700000042"])
    linked = await desk.client.post("/calls", json={"caller": "+8613700000043"}, headers=desk.as_("a-1"))
    await desk.client.post(
        f"/calls/{linked.json()['call']['id']}/contact", json={"contact_id": "c-2"}, headers=desk.as_("a-1")
    )
    assert len(await desk.events("service-desk.contact.captured")) == 1  # linking creates nothing


async def test_sales_taking_the_contact_on_moves_its_calls_and_tickets_once(desk):
    call_id, local_id = await capture(desk, "+8613700000050", name="Ola Local")
    queue = await make_queue(desk, "Phone", ["a-1"])
    ticket = await desk.client.post(
        "/tickets",
        json={"subject": "Line noise", "contact_id": local_id, "queue_id": queue, "call_id": call_id},
        headers=desk.as_("a-1"),
    )
    assert ticket.status_code == 201, ticket.text
    ticket_id = ticket.json()["id"]
    taken_on = ContactCreatedV1(
        aggregate_id="sales-ola",
        account_id="acc-1",
        name="Ola Local",
        phones=["+8613700000050"],
        source_type="service-desk",
        source_id=local_id,
        occurred_at=desk.clock.now + timedelta(minutes=1),
    )
    await apply(desk.uow_factory, on_contact_created, taken_on)
    read = (await desk.client.get(f"/tickets/{ticket_id}", headers=desk.as_("a-1"))).json()
    assert (read["contact_id"], read["account_id"], read["customer_tier"]) == ("sales-ola", "acc-1", "A")
    assert (await desk.client.get(f"/calls/{call_id}", headers=desk.as_("a-1"))).json()[
        "contact_id"
    ] == "sales-ola"
    card = (
        await desk.client.get(
            "/customers/lookup", params={"phone": "+8613700000050"}, headers=desk.as_("a-1")
        )
    ).json()
    assert (card["contact"]["id"], card["contact"]["local"], card["other_matches"]) == (
        "sales-ola",
        False,
        [],
    )
    assert card["account"]["name"] == "Acme" and [t["id"] for t in card["open_tickets"]] == [ticket_id]
    alias = await desk.client.get(f"/customers/contacts/{local_id}/card", headers=desk.as_("a-1"))
    assert alias.json()["contact"]["id"] == "sales-ola"
    [moved] = [
        e
        for e in await desk.events("service-desk.ticket.updated", ticket_id)
        if "contact_id" in e["changed_fields"]
    ]
    assert moved["changed_fields"] == ["contact_id", "account_id", "customer_tier"]
    assert moved["contact_id"] == "sales-ola" and moved["customer_tier"] == "A"

    later = ContactUpdatedV1(
        **taken_on.model_dump(exclude={"event_id", "event_type", "occurred_at"}),
        occurred_at=desk.clock.now + timedelta(minutes=2),
    )
    await apply(desk.uow_factory, on_contact_updated, later)  # a later update naming the same source
    await apply(desk.uow_factory, on_contact_created, taken_on)  # and the first event once more
    updates = await desk.events("service-desk.ticket.updated", ticket_id)
    assert [e for e in updates if "contact_id" in e["changed_fields"]] == [moved]
    opened = await desk.client.post(
        "/tickets", json={"subject": "Again", "contact_id": local_id}, headers=desk.as_("a-1")
    )
    assert opened.json()["contact_id"] == "sales-ola"  # the desk id stays a valid reference


async def test_contact_events_from_other_sources_link_nothing(desk):
    _, local_id = await capture(desk, "+8613700000060", name="Pat")
    for source_type, source_id in (("lead", local_id), ("service-desk", "no-such-contact"), (None, None)):
        event = ContactCreatedV1(
            aggregate_id=f"s-{source_type}",
            name="Pat",
            source_type=source_type,
            source_id=source_id,
            occurred_at=desk.clock.now,
        )
        await apply(desk.uow_factory, on_contact_created, event)
    card = (await desk.client.get(f"/customers/contacts/{local_id}/card", headers=desk.as_("a-1"))).json()
    assert (card["contact"]["id"], card["contact"]["local"]) == (local_id, True)


async def link(desk, caller: str, contact_id: str) -> str:
    """An unknown caller's call linked to an existing contact from its card; the call id."""
    pop = (await desk.client.post("/calls", json={"caller": caller}, headers=desk.as_("a-1"))).json()
    linked = await desk.client.post(
        f"/calls/{pop['call']['id']}/contact", json={"contact_id": contact_id}, headers=desk.as_("a-1")
    )
    assert linked.status_code == 200 and linked.json()["contact"]["id"] == contact_id, linked.text
    return pop["call"]["id"]


async def test_linking_a_new_number_to_a_sales_contact_tells_sales(desk):
    call_id = await link(desk, "+86 137 0000 0070", "c-2")
    [event] = await desk.events("service-desk.contact.phone-linked")
    assert (event["aggregate_id"], event["phone"], event["linked_by"], event["call_id"]) == (
        "c-2",
        "+8613700000070",
        "a-1",
        call_id,
    )
    # a second call from that number pops Zed already; linking a number Zed has tells sales nothing new
    pop = (
        await desk.client.post("/calls", json={"caller": "+8613700000070"}, headers=desk.as_("a-1"))
    ).json()
    assert pop["card"]["contact"]["id"] == "c-2"
    await desk.client.post(
        f"/calls/{pop['call']['id']}/contact", json={"contact_id": "c-2"}, headers=desk.as_("a-1")
    )
    assert len(await desk.events("service-desk.contact.phone-linked")) == 1


async def test_numbers_linked_to_a_captured_contact_reach_sales_when_it_takes_the_contact_on(desk):
    _, local_id = await capture(desk, "+8613700000080", name="Quinn")
    await link(desk, "+8613700000081", local_id)  # sales does not know this contact yet: nothing to tell
    assert await desk.events("service-desk.contact.phone-linked") == []
    taken_on = ContactCreatedV1(
        aggregate_id="sales-quinn",
        name="Quinn",
        phones=["+8613700000080"],  # what the capture carried
        source_type="service-desk",
        source_id=local_id,
        occurred_at=desk.clock.now + timedelta(minutes=1),
    )
    await apply(desk.uow_factory, on_contact_created, taken_on)
    [event] = await desk.events("service-desk.contact.phone-linked")
    assert (event["aggregate_id"], event["phone"], event["linked_by"]) == (
        "sales-quinn",
        "+8613700000081",
        None,
    )
    later = ContactUpdatedV1(  # a later update (sales dropped nothing, added nothing) names the same source
        **taken_on.model_dump(exclude={"event_id", "event_type", "occurred_at"}),
        occurred_at=desk.clock.now + timedelta(minutes=2),
    )
    await apply(desk.uow_factory, on_contact_updated, later)
    assert len(await desk.events("service-desk.contact.phone-linked")) == 1  # told once
