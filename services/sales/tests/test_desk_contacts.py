"""Numbers the service desk linked to a contact, through the real broker: sales adds them beside the
contact's phones (never replacing one), emits `sales.contact.updated`, and changes nothing for a number
it has, an unreadable one, a deleted contact or a contact already at its cap."""

import json
import uuid

import pytest
from sales_support import live_sales
from sqlalchemy import select

from crm_shared.events.base import Event
from crm_shared.events.service_desk import ContactPhoneLinkedV1
from crm_shared.testing import eventually, publish_events


@pytest.fixture(scope="module")
async def live(tmp_path_factory, broker):
    """One sales app consuming from the real broker for the whole module (a group join is slow)."""
    async with live_sales(tmp_path_factory.mktemp("desk-phones") / "sales.db", broker) as running:
        yield running


async def publish(broker, *events: Event) -> None:
    """Put events on the broker as their producer would (keyed by the aggregate)."""
    await publish_events(broker.bootstrap_servers, *events)


async def updates(app, contact_id: str) -> list[dict]:
    table = app.state.ctx.spec.tables.outbox
    async with app.state.ctx.sessions() as session:
        query = select(table.c.payload).where(table.c.event_type == "sales.contact.updated")
        rows = (await session.execute(query)).all()
    return [e for e in (json.loads(row.payload) for row in rows) if e["aggregate_id"] == contact_id]


async def applied(app, event: Event) -> bool:
    inbox = app.state.ctx.spec.tables.inbox
    async with app.state.ctx.sessions() as session:
        query = select(inbox.c.event_id).where(inbox.c.event_id == str(event.event_id))
        return (await session.execute(query)).first() is not None


async def contact(client, admin, name: str, phones: list[str]) -> dict:
    created = await client.post("/contacts", json={"name": name, "phones": phones}, headers=admin)
    assert created.status_code == 201, created.text
    return created.json()


def linked(contact_id: str, phone: str) -> ContactPhoneLinkedV1:
    return ContactPhoneLinkedV1(
        aggregate_id=contact_id, phone=phone, linked_by="desk-agent", call_id="call-1"
    )


async def test_a_linked_number_is_added_beside_the_contacts_phone(live, broker):
    app, client, admin = live
    kim = await contact(client, admin, "Kim", ["+8613800001111"])
    await publish(broker, linked(kim["id"], "+8613800002222"))

    async def added():
        read = (await client.get(f"/contacts/{kim['id']}", headers=admin)).json()
        return read["phones"] == ["+8613800001111", "+8613800002222"] and read

    await eventually(added, timeout=40)
    [update] = await updates(app, kim["id"])
    assert update["changed_fields"] == ["phones"] and update["phones"] == ["+8613800001111", "+8613800002222"]
    found = (await client.get("/contacts", params={"q": "+8613800002222"}, headers=admin)).json()["items"]
    assert [c["id"] for c in found] == [kim["id"]]  # in sales' phone index too


async def test_a_known_number_a_deleted_contact_or_a_full_contact_change_nothing(live, broker):
    app, client, admin = live
    lee = await contact(client, admin, "Lee", ["+8613800003333"])
    gone = await contact(client, admin, "Gone", [])
    assert (await client.delete(f"/contacts/{gone['id']}", headers=admin)).status_code == 204
    full_phones = [f"+86138000040{n:02d}" for n in range(10)]
    full = await contact(client, admin, "Full", full_phones)
    events = [
        linked(lee["id"], "+8613800003333"),  # Lee has it
        linked(lee["id"], "not a number"),
        linked(gone["id"], "+8613800005555"),
        linked(full["id"], "+8613800006666"),
        linked(str(uuid.uuid4()), "+8613800007777"),  # no such contact
    ]
    await publish(broker, *events)
    for event in events:
        await eventually(lambda event=event: applied(app, event), timeout=40)
    assert [await updates(app, c["id"]) for c in (lee, gone, full)] == [[], [], []]
    read = (await client.get(f"/contacts/{full['id']}", headers=admin)).json()
    assert read["phones"] == full_phones
