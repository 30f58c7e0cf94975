"""The directory replica: handlers upsert snapshots, ignore older ones, and apply each event once."""

from datetime import timedelta

from aiokafka import ConsumerRecord

from crm_shared.events.base import utcnow
from crm_shared.events.sales import TeamCreatedV1, TeamUpdatedV1, UserCreatedV1, UserUpdatedV1
from crm_shared.messaging.consumer import BatchProcessor
from crm_shared.topics import SALES_USER
from service_desk.handlers import handlers, on_team_created, on_team_updated, on_user_created, on_user_updated
from service_desk.models import Agent, Team


def user_created(**overrides) -> UserCreatedV1:
    fields = {"aggregate_id": "u-1", "name": "Ann Agent", "email": "ann@example.com", "role": "agent",
              "team_id": "t-1", "region": "north", "capacity": 5}
    return UserCreatedV1(**(fields | overrides))


async def apply(uow_factory, handler, event) -> None:
    async with uow_factory() as uow:
        await handler(event, uow)
        await uow.commit()


async def load(uow_factory, model, key):
    async with uow_factory() as uow:
        row = await uow.session.get(model, key)
        uow.session.expunge(row)  # keep it readable after the unit of work rolls back
        return row


async def test_user_created_adds_agent(uow_factory):
    event = user_created()
    await apply(uow_factory, on_user_created, event)
    agent = await load(uow_factory, Agent, "u-1")
    assert (agent.name, agent.email, agent.role, agent.team_id, agent.capacity) == (
        "Ann Agent", "ann@example.com", "agent", "t-1", 5)
    assert agent.active


async def test_user_updated_replaces_snapshot(uow_factory):
    created = user_created()
    await apply(uow_factory, on_user_created, created)
    update = UserUpdatedV1(**(created.model_dump(exclude={"event_id", "event_type", "occurred_at"})
                              | {"capacity": 9, "active": False, "changed_fields": ["capacity", "active"]}))
    await apply(uow_factory, on_user_updated, update)
    agent = await load(uow_factory, Agent, "u-1")
    assert (agent.capacity, agent.active) == (9, False)


async def test_older_update_is_ignored(uow_factory):
    now = utcnow()
    await apply(uow_factory, on_user_created, user_created(occurred_at=now))
    stale = UserUpdatedV1(**(user_created().model_dump(exclude={"event_id", "event_type", "occurred_at"})
                             | {"name": "Stale Name", "occurred_at": now - timedelta(seconds=1)}))
    await apply(uow_factory, on_user_updated, stale)
    assert (await load(uow_factory, Agent, "u-1")).name == "Ann Agent"


async def test_update_before_create_wins_over_late_create(uow_factory):
    now = utcnow()
    update = UserUpdatedV1(**(user_created().model_dump(exclude={"event_id", "event_type", "occurred_at"})
                              | {"name": "New Name", "occurred_at": now}))
    await apply(uow_factory, on_user_updated, update)
    await apply(uow_factory, on_user_created, user_created(occurred_at=now - timedelta(seconds=5)))
    assert (await load(uow_factory, Agent, "u-1")).name == "New Name"


async def test_team_created_then_updated_and_older_ignored(uow_factory):
    now = utcnow()
    await apply(uow_factory, on_team_created, TeamCreatedV1(aggregate_id="t-1", name="Desk", occurred_at=now))
    newer = TeamUpdatedV1(aggregate_id="t-1", name="Desk North", manager_id="u-9", region="north",
                          occurred_at=now + timedelta(seconds=1))
    await apply(uow_factory, on_team_updated, newer)
    older = TeamUpdatedV1(aggregate_id="t-1", name="Old", occurred_at=now + timedelta(milliseconds=500))
    await apply(uow_factory, on_team_updated, older)
    team = await load(uow_factory, Team, "t-1")
    assert (team.name, team.manager_id, team.region) == ("Desk North", "u-9", "north")


def record(event, offset: int) -> ConsumerRecord:
    key, value = event.aggregate_id.encode(), event.model_dump_json().encode()
    headers = [(k, v.encode()) for k, v in event.headers().items()]
    return ConsumerRecord(SALES_USER.name, 0, offset, 0, 0, key, value, None, len(key), len(value), headers)


async def test_same_event_twice_is_applied_once(uow_factory):
    dead_letters = []

    async def dead_letter(rec, reason, error):
        dead_letters.append((rec, reason, error))

    created = user_created()
    update = UserUpdatedV1(**(created.model_dump(exclude={"event_id", "event_type", "occurred_at"})
                              | {"capacity": 7}))
    processor = BatchProcessor(handlers, uow_factory, dead_letter)
    await processor.process_batch((record(created, 0), record(update, 1), record(update, 2)))
    await processor.process(record(update, 1))
    async with uow_factory() as uow:
        inbox = uow.tables.inbox
        applied = inbox.select().where(inbox.c.event_id == str(update.event_id))
        rows = (await uow.session.execute(applied)).all()
        capacity = (await uow.session.get(Agent, "u-1")).capacity
    assert len(rows) == 1
    assert capacity == 7
    assert dead_letters == []
