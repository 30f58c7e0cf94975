"""Fixtures for the sales tests: a sales app on a temp SQLite file and the session broker, tokens."""

import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

# lets tests import sales_support; appended, not inserted, so it never shadows the root conftest
from sales_support import ADMIN_EMAIL, ADMIN_PASSWORD, FakeClock  # noqa: E402
from sqlalchemy import select

from crm_shared.auth import Principal, Role
from crm_shared.messaging.tansu import TansuBroker
from crm_shared.settings import KafkaSettings
from crm_shared.testing import DEFAULT_POSTGRES_URL, bearer, postgres_database
from sales.config import SalesSettings
from sales.main import create_app


@pytest.fixture
async def sales_db(request, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh SQLite file; a test marked `@on_both_databases` also runs on a fresh PostgreSQL database."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'sales.db'}"
        return
    async with postgres_database(os.environ.get("CRM_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)) as url:
        yield url


@pytest.fixture
def settings(sales_db: str, broker: TansuBroker) -> SalesSettings:
    """Sales settings on a fresh database and the session's broker; no consumer (its group join is slow)."""
    return SalesSettings(
        database_url=sales_db,
        kafka=KafkaSettings(bootstrap_servers=broker.bootstrap_servers),
        consume_events=False,
    )


@pytest.fixture
def clock() -> FakeClock:
    """The app's clock, moved by the test."""
    return FakeClock()


@pytest.fixture
def running(clock) -> Callable:
    """`async with running(settings) as (app, client)`: the app with its lifespan, and a client on it."""

    @asynccontextmanager
    async def run(settings: SalesSettings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
        app = create_app(settings, clock)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app)
            async with httpx.AsyncClient(transport=transport, base_url="http://sales") as client:
                yield app, client

    return run


@pytest.fixture
async def app_client(settings, running) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """A running sales app on a fresh database, and a client on it."""
    async with running(settings) as pair:
        yield pair


@pytest.fixture
def app(app_client) -> FastAPI:
    return app_client[0]


@pytest.fixture
def client(app_client) -> httpx.AsyncClient:
    return app_client[1]


async def login(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    """Sign in; the Authorization header of the token."""
    response = await client.post("/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def sign_in(client) -> Callable:
    """`await sign_in(email, password)`: the Authorization header of a fresh token."""
    return lambda email=ADMIN_EMAIL, password=ADMIN_PASSWORD: login(client, email, password)


@pytest.fixture
async def admin(sign_in) -> dict[str, str]:
    """The bootstrap admin's Authorization header."""
    return await sign_in()


@pytest.fixture
def new_user(client, admin, sign_in) -> Callable:
    """`await new_user(**fields)`: create a user as admin; returns (record, Authorization header)."""

    async def make(**fields) -> tuple[dict, dict[str, str]]:
        body = {"name": "Someone", "role": "rep", "password": "correct-horse", **fields}
        body.setdefault("email", f"{body['name'].lower().replace(' ', '.')}@example.com")
        response = await client.post("/users", json=body, headers=admin)
        assert response.status_code == 201, response.text
        return response.json(), await sign_in(body["email"], body["password"])

    return make


@pytest.fixture
def outbox(app) -> Callable:
    """`await outbox()`: the outbox rows written so far, oldest first."""

    async def rows() -> list:
        table = app.state.ctx.spec.tables.outbox
        async with app.state.ctx.sessions() as session:
            return list((await session.execute(select(table).order_by(table.c.id))).all())

    return rows


@pytest.fixture
async def org(client, admin, settings) -> dict:
    """Two teams: Red (a manager and two reps) and Blue (one rep); each person's record and header.
    The headers carry tokens issued directly (sign-in is tested elsewhere; each one costs an Argon2 check)."""
    red = (await client.post("/teams", json={"name": "Red"}, headers=admin)).json()
    blue = (await client.post("/teams", json={"name": "Blue"}, headers=admin)).json()
    people = {"admin": ({}, admin)}
    for key, name, role, team in (
        ("manager", "Red Boss", "manager", red),
        ("rep", "Red Rep", "rep", red),
        ("rep2", "Red Two", "rep", red),
        ("blue", "Blue Rep", "rep", blue),
    ):
        body = {
            "name": name,
            "role": role,
            "team_id": team["id"],
            "password": "correct-horse",
            "email": f"{name.lower().replace(' ', '.')}@example.com",
        }
        response = await client.post("/users", json=body, headers=admin)
        assert response.status_code == 201, response.text
        user = response.json()
        people[key] = (user, bearer(Principal(user["id"], Role(role), team["id"], name), settings.auth))
    return {"red": red, "blue": blue, **people}


@pytest.fixture
def events(outbox) -> Callable:
    """`await events(event_type)`: the payloads of the outbox rows of one event type, oldest first."""

    async def of(event_type: str) -> list[dict]:
        return [json.loads(row.payload) for row in await outbox() if row.event_type == event_type]

    return of
