"""The sales consumer on the real broker: lead conversion (create or link, applied once) and account
health from the service desk's ticket events."""

import json
from datetime import UTC, date, datetime

import pytest
from sales_support import live_sales
from sqlalchemy import select

from crm_shared.events import service_desk as tickets
from crm_shared.events.base import Event
from crm_shared.events.leads import ConvertedAccount, ConvertedContact, ConvertedOpportunity, LeadConvertedV1
from crm_shared.testing import eventually, publish_events


@pytest.fixture(scope="module")
async def live(tmp_path_factory, broker):
    """One sales app consuming from the real broker for the whole module (a group join is slow)."""
    async with live_sales(tmp_path_factory.mktemp("conversion") / "sales.db", broker) as running:
        yield running


async def publish(broker, *events: Event) -> None:
    """Put events on the broker as their producer would (keyed by the aggregate)."""
    await publish_events(broker.bootstrap_servers, *events)


async def outbox_events(app, event_type: str) -> list[dict]:
    table = app.state.ctx.spec.tables.outbox
    async with app.state.ctx.sessions() as session:
        rows = (await session.execute(select(table.c.payload).where(table.c.event_type == event_type))).all()
    return [json.loads(row.payload) for row in rows]


def converted(
    lead_id: str,
    *,
    company: str,
    domain: str | None,
    email: str,
    opportunity: bool = True,
    phone: str | None = None,
    **account,
) -> LeadConvertedV1:
    return LeadConvertedV1(
        aggregate_id=lead_id,
        source="web_form",
        account=ConvertedAccount(name=company, domain=domain, industry="retail", **account),
        contact=ConvertedContact(name=email.split("@")[0].title(), email=email, phone=phone, title="Buyer"),
        opportunity=ConvertedOpportunity(
            name=f"{company} CRM", amount="1200.50", expected_close_date=date(2026, 6, 30)
        )
        if opportunity
        else None,
    )


async def items(client, admin, path: str, **params) -> list[dict]:
    return (await client.get(path, params=params, headers=admin)).json()["items"]


async def test_the_same_event_delivered_twice_is_applied_once(live, broker):
    app, client, admin = live
    event = converted(
        "lead-a",
        company="Acme Retail",
        domain="www.acme-retail.cn",
        email="ann@acme-retail.cn",
        phone="13800138000",
    )
    # the same event twice, then a later conversion of the same lead (same partition) as a marker
    marker = LeadConvertedV1(
        aggregate_id="lead-a",
        account=ConvertedAccount(name="Acme Retail"),
        contact=ConvertedContact(name="Marker", email="marker@acme-retail.cn"),
    )
    await publish(broker, event, event, marker)

    async def marker_applied():
        return await items(client, admin, "/contacts", q="marker@acme-retail.cn")

    await eventually(marker_applied, timeout=40)
    [account] = await items(client, admin, "/accounts", q="acme-retail.cn")
    assert account["source_type"] == "lead" and account["source_id"] == "lead-a"
    assert account["domain"] == "acme-retail.cn" and account["status"] == "prospect"
    contacts = await items(client, admin, "/contacts", account_id=account["id"])
    assert sorted(c["name"] for c in contacts) == ["Ann", "Marker"]
    ann = next(c for c in contacts if c["name"] == "Ann")
    assert ann["phones"] == ["+8613800138000"] and ann["source_id"] == "lead-a"
    [opportunity] = await items(client, admin, "/opportunities", account_id=account["id"])
    assert opportunity["source_type"] == "lead" and opportunity["source_id"] == "lead-a"
    assert opportunity["amount"] == "1200.50" and opportunity["stage_name"] == "Qualification"

    # the events that let leads store its back-links carry the lead's id
    created = [e for e in await outbox_events(app, "sales.account.created") if e["source_id"] == "lead-a"]
    opened = [e for e in await outbox_events(app, "sales.opportunity.opened") if e["source_id"] == "lead-a"]
    assert len(created) == 1 and len(opened) == 1 and opened[0]["account_id"] == account["id"]
    # one conversion-applied per application: the twice-delivered event once, then the marker
    applied = [
        e for e in await outbox_events(app, "sales.lead.conversion-applied") if e["lead_id"] == "lead-a"
    ]
    marker_contact = next(c for c in contacts if c["name"] == "Marker")
    assert [(e["contact_id"], e["account_created"], e["contact_created"]) for e in applied] == [
        (ann["id"], True, True),
        (marker_contact["id"], False, True),
    ]
    assert {e["aggregate_id"] for e in applied} == {account["id"]}
    assert {e["opportunity_id"] for e in applied} == {opportunity["id"]}  # the re-conversion opens none


async def test_a_second_lead_links_the_account_by_domain_or_name(live, broker):
    app, client, admin = live
    await publish(
        broker, converted("lead-b1", company="Blue Sky Ltd", domain="bluesky.cn", email="bo@bluesky.cn")
    )

    async def first_applied():
        return await items(client, admin, "/opportunities", q="blue sky")

    await eventually(first_applied, timeout=40)
    # a later lead of the same company under another name but the same domain, and one by name only
    await publish(
        broker,
        converted(
            "lead-b2",
            company="Blue Sky (Beijing)",
            domain="BlueSky.cn",
            email="bo@bluesky.cn",
            opportunity=True,
        ),
        converted("lead-b3", company="blue  sky ltd", domain=None, email="cy@bluesky.cn", opportunity=False),
    )

    async def all_applied():
        found = await items(client, admin, "/contacts", q="cy@bluesky.cn")
        opportunities = await items(client, admin, "/opportunities", q="blue sky")
        return found and len(opportunities) == 2

    await eventually(all_applied, timeout=40)
    accounts = await items(client, admin, "/accounts", q="blue")
    assert [a["name"] for a in accounts] == ["Blue Sky Ltd"]
    [account] = accounts
    contacts = await items(client, admin, "/contacts", account_id=account["id"])
    assert sorted(c["emails"][0] for c in contacts) == ["bo@bluesky.cn", "cy@bluesky.cn"]
    opportunities = await items(client, admin, "/opportunities", account_id=account["id"])
    assert sorted(o["source_id"] for o in opportunities) == ["lead-b1", "lead-b2"]
    # lead-b2 only linked what existed (no account or contact created event), yet it is reported
    bo = next(c for c in contacts if c["emails"] == ["bo@bluesky.cn"])
    applied = {e["lead_id"]: e for e in await outbox_events(app, "sales.lead.conversion-applied")}
    b2 = next(o for o in opportunities if o["source_id"] == "lead-b2")
    fields = ("account_id", "contact_id", "opportunity_id", "account_created", "contact_created")
    assert [applied["lead-b2"][f] for f in fields] == [account["id"], bo["id"], b2["id"], False, False]
    assert applied["lead-b3"]["opportunity_id"] is None and applied["lead-b3"]["contact_created"] is True
    linked = [e for e in await outbox_events(app, "sales.contact.created") if e["source_id"] == "lead-b2"]
    assert linked == []


async def test_conversion_links_a_named_existing_account(live, broker):
    _, client, admin = live
    existing = (await client.post("/accounts", json={"name": "Known Co"}, headers=admin)).json()
    event = LeadConvertedV1(
        aggregate_id="lead-c",
        account=ConvertedAccount(existing_account_id=existing["id"]),
        contact=ConvertedContact(name="Cao", email="cao@known.cn"),
        opportunity=ConvertedOpportunity(name="Known deal", amount="10"),
    )
    await publish(broker, event)

    async def opened():
        return await items(client, admin, "/opportunities", account_id=existing["id"])

    [opportunity] = await eventually(opened, timeout=40)
    assert opportunity["source_id"] == "lead-c"
    [contact] = await items(client, admin, "/contacts", account_id=existing["id"])
    assert contact["source_type"] == "lead" and contact["emails"] == ["cao@known.cn"]


def ticket(event_cls, ticket_id: str, account_id: str, status: str, **fields):
    return event_cls(
        aggregate_id=ticket_id,
        subject="Printer on fire",
        channel="phone",
        priority="high",
        status=status,
        account_id=account_id,
        opened_at=datetime(2026, 2, 27, tzinfo=UTC),
        occurred_at=datetime(2026, 3, 1, tzinfo=UTC),
        **fields,
    )


async def test_account_health_from_ticket_events(live, broker):
    _, client, admin = live
    account = (await client.post("/accounts", json={"name": "Health Co"}, headers=admin)).json()
    due = datetime(2026, 2, 28, tzinfo=UTC)
    breached = ticket(
        tickets.TicketSlaBreachedV1,
        "t-1",
        account["id"],
        "open",
        sla_target="resolution",
        due_at=due,
        target_minutes=480,
    )
    await publish(
        broker,
        ticket(tickets.TicketOpenedV1, "t-1", account["id"], "new"),
        breached,
        breached,  # delivered twice: counted once
        ticket(tickets.TicketResolvedV1, "t-1", account["id"], "resolved"),
        ticket(tickets.TicketCsatRatedV1, "t-1", account["id"], "resolved", rating=2, csat_rating=2),
        ticket(tickets.TicketOpenedV1, "t-2", account["id"], "new"),
    )

    async def health():
        found = (await client.get(f"/accounts/{account['id']}/health", headers=admin)).json()
        return found if found["csat_count"] == 1 and found["open_tickets"] == 1 else None

    figures = await eventually(health, timeout=40)
    assert figures["sla_breaches"] == 1 and figures["sla_breaches_30d"] == 1
    assert figures["csat_average"] == 2.0 and figures["health"] == "poor"
    day = (await client.get("/my-day", headers=admin)).json()
    assert [c["account_id"] for c in day["customers_with_tickets"]] == [account["id"]]
    assert day["customers_with_tickets"][0]["open_tickets"] == 1
