"""Contacts an agent captures from the unknown-caller card reach sales, through the real broker: sales
creates (or links) the contact with the desk as source, and the desk links its local record, its calls
and its tickets to the sales contact. Both services run with their own consumers and relays."""

import json
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sales_support import ADMIN_EMAIL, ADMIN_PASSWORD, FakeClock
from sqlalchemy import select

from crm_shared.auth import Principal, Role
from crm_shared.events.base import parse_event
from crm_shared.settings import KafkaSettings
from crm_shared.testing import bearer, eventually, running_app
from sales.config import SalesSettings
from sales.main import create_app as create_sales
from service_desk.config import ServiceDeskSettings
from service_desk.main import create_app as create_desk

DESK_ADMIN = Principal("desk-admin", Role.ADMIN, None, "Desk Admin")


@pytest.fixture(scope="module")
async def both(tmp_path_factory, broker):
    """Sales and the service desk, each on its own SQLite file, consuming from the session's broker."""
    path = tmp_path_factory.mktemp("desk-contacts")
    kafka = KafkaSettings(bootstrap_servers=broker.bootstrap_servers, watchdog_interval_s=0.5)
    sales = create_sales(
        SalesSettings(database_url=f"sqlite+aiosqlite:///{path}/sales.db", kafka=kafka),
        FakeClock(datetime.now(UTC)),
    )
    desk_settings = ServiceDeskSettings(database_url=f"sqlite+aiosqlite:///{path}/desk.db", kafka=kafka)
    desk = create_desk(desk_settings, run_sla_checker=False)
    async with sales.router.lifespan_context(sales), running_app(desk) as desk_client:
        transport = httpx.ASGITransport(sales)
        async with httpx.AsyncClient(transport=transport, base_url="http://sales") as sales_client:
            token = await sales_client.post(
                "/auth/token", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
            )
            admin = {"Authorization": f"Bearer {token.json()['access_token']}"}
            yield sales, sales_client, admin, desk, desk_client, bearer(DESK_ADMIN, desk_settings.auth)


async def _sales_contacts(client, admin, q: str) -> list[dict]:
    return (await client.get("/contacts", params={"q": q}, headers=admin)).json()["items"]


async def _outbox(app, event_type: str) -> list[dict]:
    table = app.state.ctx.spec.tables.outbox
    async with app.state.ctx.sessions() as session:
        rows = (await session.execute(select(table.c.payload).where(table.c.event_type == event_type))).all()
    return [json.loads(row.payload) for row in rows]


async def _account_on_desk(sales_client, admin, desk_client, desk_headers, name: str) -> str:
    """An account created in sales, once the desk's replica has it (its switchboard pops it)."""
    body = {"name": name, "phones": ["+86 21 5555 0100"], "tier": "A"}
    account = (await sales_client.post("/accounts", json=body, headers=admin)).json()

    async def replicated():
        card = await desk_client.get(
            "/customers/lookup", params={"phone": "+862155550100"}, headers=desk_headers
        )
        return card.status_code == 200 and card.json()["account"]

    await eventually(replicated, timeout=40)
    return account["id"]


async def test_a_captured_caller_becomes_a_sales_contact_and_the_desk_links_it(both):
    sales, sales_client, admin, desk, desk_client, desk_headers = both
    account_id = await _account_on_desk(sales_client, admin, desk_client, desk_headers, "Initech")
    call = (await desk_client.post("/calls", json={"caller": "+8613700001111"}, headers=desk_headers)).json()
    assert call["card"]["known"] is False and "create_contact" in call["card"]["actions"]
    body = {"name": "Peter Gibbons", "email": "Peter@Initech.com", "account_id": account_id}
    captured = await desk_client.post(f"/calls/{call['call']['id']}/contact", json=body, headers=desk_headers)
    assert captured.status_code == 200, captured.text
    local_id = captured.json()["contact"]["id"]
    assert captured.json()["contact"]["local"] is True
    ticket = await desk_client.post(
        "/tickets", json={"subject": "TPS reports", "contact_id": local_id}, headers=desk_headers
    )
    assert ticket.status_code == 201, ticket.text

    [contact] = await eventually(
        lambda: _sales_contacts(sales_client, admin, "peter@initech.com"), timeout=40
    )
    assert contact["source_type"] == "service-desk" and contact["source_id"] == local_id
    assert contact["account_id"] == account_id and contact["phones"] == ["+8613700001111"]

    async def linked():
        read = (await desk_client.get(f"/tickets/{ticket.json()['id']}", headers=desk_headers)).json()
        return read["contact_id"] == contact["id"] and read

    moved = await eventually(linked, timeout=40)
    assert moved["account_id"] == account_id
    call_now = (await desk_client.get(f"/calls/{call['call']['id']}", headers=desk_headers)).json()
    assert call_now["contact_id"] == contact["id"]
    card = (
        await desk_client.get("/customers/lookup", params={"phone": "+8613700001111"}, headers=desk_headers)
    ).json()
    assert card["contact"]["id"] == contact["id"] and card["contact"]["local"] is False
    assert card["other_matches"] == []  # the local record left the phone index
    assert [t["id"] for t in card["open_tickets"]] == [ticket.json()["id"]]
    old_card = await desk_client.get(f"/customers/contacts/{local_id}/card", headers=desk_headers)
    assert old_card.json()["contact"]["id"] == contact["id"]  # the desk id stays a valid alias
    updates = await _outbox(desk, "service-desk.ticket.updated")
    assert any(
        e["aggregate_id"] == ticket.json()["id"] and "contact_id" in e["changed_fields"] for e in updates
    )


async def test_a_caller_sales_already_knows_by_email_is_linked_not_duplicated(both):
    sales, sales_client, admin, desk, desk_client, desk_headers = both
    existing = await sales_client.post(
        "/contacts", json={"name": "Milton W", "emails": ["milton@initech.com"]}, headers=admin
    )
    assert existing.status_code == 201, existing.text
    call = (await desk_client.post("/calls", json={"caller": "+8613700002222"}, headers=desk_headers)).json()
    body = {"name": "Milton", "email": "milton@initech.com"}
    captured = await desk_client.post(f"/calls/{call['call']['id']}/contact", json=body, headers=desk_headers)
    local_id = captured.json()["contact"]["id"]

    async def learned_the_number():
        found = await _sales_contacts(sales_client, admin, "milton@initech.com")
        return found if found and found[0]["phones"] == ["+8613700002222"] else None

    [contact] = await eventually(learned_the_number, timeout=40)
    assert contact["id"] == existing.json()["id"] and contact["source_type"] is None  # its own source kept
    [update] = [
        e for e in await _outbox(sales, "sales.contact.updated") if e["aggregate_id"] == contact["id"]
    ]
    assert update["source_type"] == "service-desk" and update["source_id"] == local_id
    assert update["changed_fields"] == ["phones"]

    async def popped():
        card = await desk_client.get(
            "/customers/lookup", params={"phone": "+8613700002222"}, headers=desk_headers
        )
        return card.json()["contact"] and card.json()["contact"]["id"] == contact["id"] and card.json()

    card = await eventually(popped, timeout=40)
    assert card["other_matches"] == []
    call_now = (await desk_client.get(f"/calls/{call['call']['id']}", headers=desk_headers)).json()
    assert call_now["contact_id"] == contact["id"]


async def test_a_redelivered_capture_is_applied_once(both, broker):
    sales, sales_client, admin, desk, desk_client, desk_headers = both
    call = (await desk_client.post("/calls", json={"caller": "+8613700003333"}, headers=desk_headers)).json()
    body = {"name": "Samir N", "email": "samir@initech.com"}
    await desk_client.post(f"/calls/{call['call']['id']}/contact", json=body, headers=desk_headers)
    await eventually(lambda: _sales_contacts(sales_client, admin, "samir@initech.com"), timeout=40)
    [payload] = [
        e
        for e in await _outbox(desk, "service-desk.contact.captured")
        if e["emails"] == ["samir@initech.com"]
    ]
    event = parse_event(payload)
    # a later capture of another desk contact on the same key (same partition): a marker behind them
    marker = parse_event(
        {**payload, "event_id": str(uuid.uuid4()), "name": "Marker", "emails": ["marker@initech.com"]}
        | {"phones": []}
    )
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers)
    await producer.start()
    try:
        for again in (event, event, marker):  # the same event twice more, then the marker
            await producer.send_and_wait(
                again.topic,
                again.model_dump_json().encode(),
                key=again.aggregate_id.encode(),
                headers=[(k, v.encode()) for k, v in again.headers().items()],
            )
    finally:
        await producer.stop()
    inbox = sales.state.ctx.spec.tables.inbox

    async def marker_applied():
        async with sales.state.ctx.sessions() as session:
            query = select(inbox.c.event_id).where(inbox.c.event_id == str(marker.event_id))
            return (await session.execute(query)).first()

    await eventually(marker_applied, timeout=40)
    # the marker names the same desk contact: sales sees it already took that one on and adds nothing
    assert await _sales_contacts(sales_client, admin, "marker@initech.com") == []
    [samir] = await _sales_contacts(sales_client, admin, "samir@initech.com")
    assert samir["source_id"] == payload["aggregate_id"]
    created = await _outbox(sales, "sales.contact.created")
    assert [e["aggregate_id"] for e in created if e["source_id"] == payload["aggregate_id"]] == [samir["id"]]


async def test_linking_a_caller_to_a_sales_contact_adds_the_number_in_sales(both):
    sales, sales_client, admin, desk, desk_client, desk_headers = both
    body = {"name": "Bill Lumbergh", "emails": ["bill@initech.com"], "phones": ["+8613700004444"]}
    existing = await sales_client.post("/contacts", json=body, headers=admin)
    assert existing.status_code == 201, existing.text
    contact_id = existing.json()["id"]

    async def on_desk():
        card = await desk_client.get(f"/customers/contacts/{contact_id}/card", headers=desk_headers)
        return card.status_code == 200

    await eventually(on_desk, timeout=40)
    call = (
        await desk_client.post("/calls", json={"caller": "+86 137 0000 5555"}, headers=desk_headers)
    ).json()
    assert call["card"]["known"] is False
    linked = await desk_client.post(
        f"/calls/{call['call']['id']}/contact", json={"contact_id": contact_id}, headers=desk_headers
    )
    assert linked.status_code == 200 and linked.json()["contact"]["id"] == contact_id, linked.text
    [announced] = [
        e for e in await _outbox(desk, "service-desk.contact.phone-linked") if e["aggregate_id"] == contact_id
    ]
    assert (announced["phone"], announced["linked_by"]) == ("+8613700005555", DESK_ADMIN.user_id)

    async def learned_the_number():
        found = await _sales_contacts(sales_client, admin, "+8613700005555")  # sales' phone index
        return found if found and found[0]["phones"] == ["+8613700004444", "+8613700005555"] else None

    [contact] = await eventually(learned_the_number, timeout=40)
    assert contact["id"] == contact_id and contact["source_type"] is None  # the first number kept
    [update] = [e for e in await _outbox(sales, "sales.contact.updated") if e["aggregate_id"] == contact_id]
    assert update["changed_fields"] == ["phones"]
    assert update["phones"] == ["+8613700004444", "+8613700005555"]

    async def replica_has_both():  # sales' update came back: the desk's replica agrees with sales
        card = await desk_client.get(f"/customers/contacts/{contact_id}/card", headers=desk_headers)
        return card.json()["contact"]["phones"] == ["+8613700004444", "+8613700005555"] and card.json()

    await eventually(replica_has_both, timeout=40)
    for number in ("+8613700004444", "+8613700005555"):
        card = await desk_client.get("/customers/lookup", params={"phone": number}, headers=desk_headers)
        assert card.json()["contact"]["id"] == contact_id and card.json()["other_matches"] == []
