"""Through the real broker: sales' contacts and accounts feed the screen-pop; ticket events go out."""

import json

import pytest
from aiokafka import AIOKafkaProducer

from crm_shared.auth import Principal, Role
from crm_shared.events.sales import AccountCreatedV1, ContactCreatedV1, UserCreatedV1
from crm_shared.settings import KafkaSettings
from crm_shared.testing import admin_headers, bearer, eventually, read_topic, running_app
from crm_shared.topics import INTERACTIONS, SERVICE_DESK_TICKET
from service_desk.config import ServiceDeskSettings
from service_desk.main import create_app
from service_desk.testing import MONDAY_10_SHANGHAI, FakeClock

AGENT = Principal("live-agent", Role.AGENT, "t-live", "Live Agent")


@pytest.fixture(scope="module")
async def live(broker, tmp_path_factory):
    """One desk app on the broker for the module (a consumer-group join costs ~5 s)."""
    path = tmp_path_factory.mktemp("desk-live") / "desk.db"
    settings = ServiceDeskSettings(
        database_url=f"sqlite+aiosqlite:///{path}",
        kafka=KafkaSettings(bootstrap_servers=broker.bootstrap_servers, watchdog_interval_s=0.5),
        sla_check_interval_s=0.1,
    )
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all")
    await producer.start()

    async def publish(*events):
        for event in events:
            headers = [(k, v.encode()) for k, v in event.headers().items()]
            await producer.send_and_wait(
                event.topic,
                event.model_dump_json().encode(),
                key=event.aggregate_id.encode(),
                headers=headers,
            )

    clock = FakeClock(MONDAY_10_SHANGHAI)
    app = create_app(settings, clock=clock)
    async with running_app(app) as client:
        yield client, publish, settings, clock
    await producer.stop()


async def test_a_sales_contact_pops_on_a_call_and_ticket_events_go_out(live):
    client, publish, settings, _ = live
    headers = bearer(AGENT, settings.auth)
    await publish(
        UserCreatedV1(
            aggregate_id="live-agent",
            name="Live Agent",
            email="la@example.com",
            role="agent",
            producer="sales",
        ),
        UserCreatedV1(
            aggregate_id="live-rep", name="Owner Rep", email="or@example.com", role="rep", producer="sales"
        ),
        AccountCreatedV1(
            aggregate_id="live-acc", name="Globex", tier="B", owner_id="live-rep", producer="sales"
        ),
        ContactCreatedV1(
            aggregate_id="live-c",
            account_id="live-acc",
            name="Hank Scorpio",
            phones=["+14155550123"],
            emails=["hank@globex.com"],
            producer="sales",
        ),
    )

    async def popped():
        # events of other keys sit on other partitions: wait for the agent as well as the account
        if (await client.get("/agents/live-agent", headers=headers)).status_code != 200:
            return None
        response = await client.post("/calls", json={"caller": "+1 415 555 0123"}, headers=headers)
        if response.status_code == 422:  # the agent has not reached the replica yet
            return None
        card = response.json()["card"]
        return card if card["known"] and card["account"] and card["account"]["owner_name"] else None

    card = await eventually(popped, timeout=30, interval=0.2)
    assert (card["contact"]["name"], card["account"]["name"], card["account"]["tier"]) == (
        "Hank Scorpio",
        "Globex",
        "B",
    )
    assert card["account"]["owner_name"] == "Owner Rep"

    opened = await client.post(
        "/tickets", json={"subject": "Doomsday device jammed", "contact_id": "live-c"}, headers=headers
    )
    assert opened.status_code == 201, opened.text
    ticket_id = opened.json()["id"]

    def has_ticket(records):
        return any(r.key == ticket_id.encode() for r in records)

    records = await read_topic(settings.kafka.bootstrap_servers, SERVICE_DESK_TICKET.name, has_ticket)
    events = [json.loads(r.value) for r in records if r.key == ticket_id.encode()]
    assert events[0]["event_type"] == "service-desk.ticket.opened"
    assert (events[0]["account_id"], events[0]["contact_id"], events[0]["customer_tier"]) == (
        "live-acc",
        "live-c",
        "B",
    )
    ours = [r for r in records if r.key == ticket_id.encode()]
    assert all(dict(r.headers)["event_type"].startswith(b"service-desk.ticket.") for r in ours)

    calls = await read_topic(
        settings.kafka.bootstrap_servers,
        INTERACTIONS.name,
        lambda rs: any(json.loads(r.value).get("contact_id") == "live-c" for r in rs),
    )
    call = next(json.loads(r.value) for r in calls if json.loads(r.value).get("contact_id") == "live-c")
    assert (call["channel"], call["kind"], call["source_service"]) == ("phone", "call", "service-desk")


async def test_the_running_checker_breaches_and_csat_goes_out_on_the_topic(live):
    client, _, settings, clock = live
    admin = admin_headers(settings.auth)
    policy = {"name": "Urgent", "priority": "urgent", "first_response_minutes": 30}
    assert (await client.post("/sla/policies", json=policy, headers=admin)).status_code == 201
    opened = await client.post("/tickets", json={"subject": "Outage", "priority": "urgent"}, headers=admin)
    ticket_id = opened.json()["id"]
    clock.advance(minutes=31)  # the lifespan's checker (every 0.1 s here) sees the stored due time pass

    def of_ticket(records):
        return [json.loads(r.value) for r in records if r.key == ticket_id.encode()]

    def breached(records):
        return any(e["event_type"] == "service-desk.ticket.sla-breached" for e in of_ticket(records))

    records = await read_topic(settings.kafka.bootstrap_servers, SERVICE_DESK_TICKET.name, breached)
    [breach] = [e for e in of_ticket(records) if e["event_type"] == "service-desk.ticket.sla-breached"]
    assert (breach["sla_target"], breach["target_minutes"]) == ("first_response", 30)

    resolved = await client.post(f"/tickets/{ticket_id}/status", json={"status": "resolved"}, headers=admin)
    token = resolved.json()["csat_url"].rsplit("/", 1)[1]
    assert (await client.post(f"/csat/{token}", data={"rating": "2", "comment": "slow"})).status_code == 200

    def rated(records):
        return any(e["event_type"] == "service-desk.ticket.csat-rated" for e in of_ticket(records))

    records = await read_topic(settings.kafka.bootstrap_servers, SERVICE_DESK_TICKET.name, rated)
    types = [e["event_type"].rsplit(".", 1)[1] for e in of_ticket(records)]
    assert types[0] == "opened" and types[-2:] == ["resolved", "csat-rated"]
    assert types.count("sla-breached") == 1
