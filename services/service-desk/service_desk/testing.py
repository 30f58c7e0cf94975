"""Test support for the desk's tests: a fake clock, a seeded desk and a reader of the outbox."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from crm_shared.auth import Principal, Role
from crm_shared.events.sales import AccountCreatedV1, ContactCreatedV1, TeamCreatedV1, UserCreatedV1
from crm_shared.settings import AuthSettings
from crm_shared.testing import bearer
from service_desk.handlers import on_account_created, on_contact_created, on_team_created, on_user_created


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        return self.now


SEEDED_AT = datetime(2026, 1, 1, tzinfo=UTC)  # replica snapshots older than any test time
# Monday 2026-12-21 10:00 in Shanghai (02:00 UTC)
MONDAY_10_SHANGHAI = datetime(2026, 12, 21, 2, 0, tzinfo=UTC)

PEOPLE = {
    "a-1": ("Ann Agent", "agent", "t-1"),
    "a-2": ("Bea Agent", "agent", "t-1"),
    "a-3": ("Cid Agent", "agent", "t-1"),
    "m-1": ("Max Manager", "manager", "t-1"),
    "x-1": ("Xia Agent", "agent", "t-2"),
    "m-2": ("Mia Manager", "manager", "t-2"),
    "r-1": ("Rex Rep", "rep", "t-9"),
}
ROLE = {"agent": Role.AGENT, "manager": Role.MANAGER, "rep": Role.REP}


@dataclass
class Desk:
    """A running desk app (without Kafka) and ways to act as its users."""

    client: httpx.AsyncClient
    clock: FakeClock
    uow_factory: object
    auth: AuthSettings
    app: object = None

    def as_(self, user_id: str) -> dict[str, str]:
        """Headers of a seeded user (or `admin`)."""
        if user_id == "admin":
            return bearer(Principal("admin-1", Role.ADMIN, None, "Admin"), self.auth)
        name, role, team = PEOPLE[user_id]
        return bearer(Principal(user_id, ROLE[role], team, name), self.auth)

    async def events(self, event_type: str | None = None, ticket_id: str | None = None) -> list[dict]:
        """Payloads in the outbox, oldest first, optionally of one type or one ticket."""
        async with self.uow_factory() as uow:
            outbox = uow.tables.outbox
            rows = (await uow.session.execute(select(outbox).order_by(outbox.c.id))).mappings().all()
        out = [json.loads(r["payload"]) for r in rows]
        return [
            e
            for e in out
            if (event_type is None or e["event_type"] == event_type)
            and (ticket_id is None or e["aggregate_id"] == ticket_id)
        ]


async def apply(uow_factory, handler, event) -> None:
    """Apply one event through its handler, committed."""
    async with uow_factory() as uow:
        await handler(event, uow)
        await uow.commit()


async def seed_directory(uow_factory) -> None:
    """Teams t-1 (manager m-1) and t-2 (manager m-2), their agents, and a sales rep."""
    for team, manager in (("t-1", "m-1"), ("t-2", "m-2")):
        team_event = TeamCreatedV1(aggregate_id=team, name=team, manager_id=manager)
        await apply(uow_factory, on_team_created, team_event)
    for user_id, (name, role, team) in PEOPLE.items():
        event = UserCreatedV1(
            aggregate_id=user_id,
            name=name,
            email=f"{user_id}@example.com",
            role=role,
            team_id=team,
            capacity=2,
        )
        await apply(uow_factory, on_user_created, event)


async def seed_customers(uow_factory) -> None:
    """Acme (tier A, owner r-1) with contact Bob (+8613800138000, bob@acme.com); Zed without an account."""
    await apply(
        uow_factory,
        on_account_created,
        AccountCreatedV1(
            aggregate_id="acc-1",
            name="Acme",
            tier="A",
            owner_id="r-1",
            phones=["+862161234567"],
            occurred_at=SEEDED_AT,
        ),
    )
    await apply(
        uow_factory,
        on_contact_created,
        ContactCreatedV1(
            aggregate_id="c-1",
            account_id="acc-1",
            name="Bob Li",
            title="CTO",
            emails=["bob@acme.com"],
            phones=["+8613800138000"],
            occurred_at=SEEDED_AT,
        ),
    )
    await apply(
        uow_factory,
        on_contact_created,
        ContactCreatedV1(
            aggregate_id="c-2",
            name="Zed",
            emails=["zed@example.com"],
            phones=["+8613900000000"],
            occurred_at=SEEDED_AT,
        ),
    )


async def make_queue(desk: Desk, name: str, members: list[str], team_id: str = "t-1", **extra) -> str:
    """Create a queue as admin; its id."""
    body = {"name": name, "team_id": team_id, "members": members} | extra
    response = await desk.client.post("/queues", json=body, headers=desk.as_("admin"))
    assert response.status_code == 201, response.text
    return response.json()["id"]
