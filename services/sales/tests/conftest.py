"""Fixtures for the sales tests: a sales app on a temp SQLite file and the session broker, tokens."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from crm_shared.messaging.tansu import TansuBroker
from crm_shared.settings import KafkaSettings
from sales.config import SalesSettings
from sales.main import create_app

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.com", "admin-change-me"


@pytest.fixture
def settings(tmp_path: Path, broker: TansuBroker) -> SalesSettings:
    """Sales settings on a fresh SQLite file and the session's broker."""
    return SalesSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'sales.db'}",
        kafka=KafkaSettings(bootstrap_servers=broker.bootstrap_servers),
    )


@pytest.fixture
def running() -> Callable:
    """`async with running(settings) as (app, client)`: the app with its lifespan, and a client on it."""

    @asynccontextmanager
    async def run(settings: SalesSettings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
        app = create_app(settings)
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
