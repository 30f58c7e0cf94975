"""Customer 360: interactions, tickets and deals of one customer in order, joined by ids, email and phone."""

from datetime import timedelta

from reporting_scenario import DAY1, assigned, captured, deal_opened, ticket

from crm_shared.auth import Principal, Role
from crm_shared.events.interactions import InteractionRecordedV1
from crm_shared.events.service_desk import TicketOpenedV1


def interaction(iid: str, day: float, channel: str, **ids) -> InteractionRecordedV1:
    return InteractionRecordedV1(
        aggregate_id=iid,
        channel=channel,
        kind="note",
        summary=f"talk {iid}",
        source_service="sales",
        record_id=f"rec-{iid}",
        occurred_at=DAY1 + timedelta(days=day),
        **ids,
    )


def story() -> list:
    """Ann: a web form (lead L1), a call naming her account and a differently written email and phone, an
    email known only by phone; a deal and a ticket on her account. Bob: one unrelated email."""
    ticket_fields = ticket("K1", 96, "new") | {
        "account_id": "acc-O1",
        "occurred_at": DAY1 + timedelta(days=4),
    }
    return [
        captured("L1", "web_form", None, 0),
        assigned("L1", "rep-a", "team-north", 0.01),
        interaction("I1", 0, "web", lead_id="L1", email=" Ann@Example.com "),
        interaction(
            "I2",
            2,
            "phone",
            contact_id="C1",
            account_id="acc-O1",
            email="ANN@example.com",
            phone="+86 138-0000-0000",
        ),
        interaction("I3", 3, "email", phone="+8613800000000"),
        interaction("I4", 1, "email", email="bob@example.com"),
        deal_opened("O1", 2.5, 1000),
        TicketOpenedV1(**ticket_fields),
    ]


async def test_timeline_joins_identities_and_orders_entries(reporting):
    events = story()
    await reporting.feed(*events, *events[2:4])
    response = await reporting.get("/reports/customer-timeline", lead_id="L1")
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(e["source"], e["record_id"]) for e in body["entries"]] == [
        ("interaction", "rec-I1"),
        ("interaction", "rec-I2"),
        ("deal", "O1"),
        ("interaction", "rec-I3"),
        ("ticket", "K1"),
    ]
    assert body["identities"] == {
        "account_id": ["acc-O1"],
        "contact_id": ["C1"],
        "lead_id": ["L1"],
        "email": ["ann@example.com"],
        "phone": ["+8613800000000"],
    }
    by_phone = await reporting.get("/reports/customer-timeline", phone="+86 (138) 0000 0000")
    assert [e["record_id"] for e in by_phone.json()["entries"]] == [e["record_id"] for e in body["entries"]]


async def test_only_people_with_a_link_to_the_customer_see_it(sqlite_reporting):
    await sqlite_reporting.feed(*story())
    rep_a = Principal("rep-a", Role.REP, "team-north", "A")
    assert (
        await sqlite_reporting.get("/reports/customer-timeline", rep_a, email="ann@example.com")
    ).status_code == 200
    agent = Principal("agent-1", Role.AGENT, None, "Agent")
    assert (
        await sqlite_reporting.get("/reports/customer-timeline", agent, account_id="acc-O1")
    ).status_code == 200
    rep_b = Principal("rep-b", Role.REP, "team-south", "B")
    hidden = await sqlite_reporting.get("/reports/customer-timeline", rep_b, lead_id="L1")
    assert hidden.status_code == 404 and hidden.headers["content-type"] == "application/problem+json"
    assert (
        await sqlite_reporting.get("/reports/customer-timeline", email="nobody@example.com")
    ).status_code == 404
    assert (await sqlite_reporting.get("/reports/customer-timeline")).status_code == 422
    csv_lines = (await sqlite_reporting.get("/reports/customer-timeline", lead_id="L1", format="csv")).text
    assert csv_lines.lstrip("\ufeff").splitlines()[0] == "at,source,channel,kind,summary,service,record_id"
