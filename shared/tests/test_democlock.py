"""The demo clock of development stacks: a backdated request, and an event applied at its own time."""

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import APIRouter
from pydantic import ValidationError

from crm_shared.events.base import utcnow
from crm_shared.messaging.consumer import BatchProcessor, EventHandlers
from crm_shared.service import create_service_app
from crm_shared.settings import BaseServiceSettings
from minisvc import ThingHappenedV1, create_schema, make_context, record_of

clock = APIRouter()


@clock.post("/things")
async def make_a_thing() -> dict:
    """What a handler sees as now, and the time an event it emits carries."""
    event = ThingHappenedV1(aggregate_id="a", value=1)
    return {"now": utcnow().isoformat(), "event": event.occurred_at.isoformat()}


def _client(sqlite_url, kafka_settings, demo_clock: bool, caller: str = "127.0.0.1") -> httpx.AsyncClient:
    template = make_context(sqlite_url, kafka_settings)
    spec = dataclasses.replace(template.spec, routers=[clock])
    app = create_service_app(spec, template.settings.model_copy(update={"demo_clock": demo_clock}))
    transport = httpx.ASGITransport(app=app, client=(caller, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://svc")


async def test_a_backdated_request_runs_at_its_time(sqlite_url, kafka_settings):
    then = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)
    async with _client(sqlite_url, kafka_settings, demo_clock=True) as client:
        answer = (await client.post("/things", headers={"X-Demo-Time": then.isoformat()})).json()
        assert answer == {"now": then.isoformat(), "event": then.isoformat()}
        naive = (await client.post("/things", headers={"X-Demo-Time": "2026-03-14T09:26:53"})).json()
        assert naive["now"] == then.isoformat()  # a time without a zone is UTC
        plain = (await client.post("/things")).json()  # no header: the real time
        assert abs(datetime.fromisoformat(plain["now"]) - datetime.now(UTC)) < timedelta(seconds=5)

        future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        for bad in (future, "last tuesday", "0001-01-01T00:00:00+01:00"):
            refused = await client.post("/things", headers={"X-Demo-Time": bad})
            assert refused.status_code == 400
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["errors"][0]["field"] == "X-Demo-Time"


async def test_without_the_demo_clock_the_header_is_ignored(sqlite_url, kafka_settings):
    async with _client(sqlite_url, kafka_settings, demo_clock=False) as client:
        answer = (await client.post("/things", headers={"X-Demo-Time": "2026-03-14T09:26:53Z"})).json()
        assert abs(datetime.fromisoformat(answer["now"]) - datetime.now(UTC)) < timedelta(seconds=5)


async def test_only_a_caller_on_this_machine_can_backdate(sqlite_url, kafka_settings):
    """Another machine's header is ignored: it cannot, say, replay an old signed webhook past its check."""
    async with _client(sqlite_url, kafka_settings, demo_clock=True, caller="203.0.113.7") as client:
        answer = (await client.post("/things", headers={"X-Demo-Time": "2026-03-14T09:26:53Z"})).json()
        assert abs(datetime.fromisoformat(answer["now"]) - datetime.now(UTC)) < timedelta(seconds=5)
    async with _client(sqlite_url, kafka_settings, demo_clock=True) as client:  # a zone is turned into UTC
        answer = (await client.post("/things", headers={"X-Demo-Time": "2026-03-01T07:00:00+08:00"})).json()
        assert answer["now"] == "2026-02-28T23:00:00+00:00"


def test_production_refuses_the_demo_clock():
    with pytest.raises(ValidationError, match="demo_clock"):
        BaseServiceSettings(mode="production", auth={"jwt_secret": "x" * 40}, demo_clock=True)


async def test_a_consumer_applies_each_event_at_its_own_time(sqlite_url, kafka_settings):
    """What a backdated request causes elsewhere is backdated too (a converted lead's deal in sales)."""
    ctx = make_context(sqlite_url, kafka_settings)
    await create_schema(ctx)
    seen: list[datetime] = []
    handlers = EventHandlers(consumer="clock-test")

    @handlers.on(ThingHappenedV1)
    async def record_now(event, uow) -> None:
        """Records what the handler sees as now."""
        seen.append(utcnow())

    times = [datetime(2026, 1, d, 12, tzinfo=UTC) for d in (3, 5, 9)]
    events = [ThingHappenedV1(aggregate_id="a", value=i, occurred_at=t) for i, t in enumerate(times)]
    records = tuple(record_of(offset, event) for offset, event in enumerate(events))

    async def dead_letter(*_):
        raise AssertionError("nothing here is poison")

    await BatchProcessor(handlers, ctx.uow, dead_letter, event_time=True).process_batch(records)
    assert seen == times
    seen.clear()
    again = [e.model_copy(update={"event_id": uuid.uuid4()}) for e in events]
    await BatchProcessor(handlers, ctx.uow, dead_letter).process_batch(
        tuple(record_of(10 + offset, event) for offset, event in enumerate(again))
    )
    assert all(abs(now - datetime.now(UTC)) < timedelta(seconds=5) for now in seen)  # live: real time
    await ctx.engine.dispose()
