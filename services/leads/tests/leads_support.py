"""Helpers of the leads tests: settings, a running app, databases, tokens, the broker producer."""

import json
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI

from crm_shared.auth import Principal, Role
from crm_shared.events.base import Event, utcnow
from crm_shared.messaging.tansu import TansuBroker
from crm_shared.settings import KafkaSettings
from crm_shared.testing import (
    DEFAULT_POSTGRES_URL,
    admin_headers,
    bearer,
    postgres_database,
    publish_events,
    read_topic,
)
from leads.config import IntakeSettings, LeadsSettings
from leads.main import create_app

POSTGRES_URL = os.environ.get("CRM_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


class Clock:
    """A clock for time-based rules: the real time until a test sets `now`."""

    def __init__(self, now: datetime | None = None):
        self.now = now

    def __call__(self) -> datetime:
        return self.now or utcnow()


PER_IP_LIMIT = "20/minute"  # the tests' intake limit per address


def leads_settings(database_url: str, broker: TansuBroker, **overrides) -> LeadsSettings:
    """Settings on a database and the test broker; the intake trusts X-Forwarded-For so tests pick IPs."""
    extra = overrides.pop("intake", {})
    intake = IntakeSettings(trust_forwarded_for=True, per_ip_limit=PER_IP_LIMIT, **extra)
    return LeadsSettings(
        database_url=database_url,
        intake=intake,
        kafka=KafkaSettings(bootstrap_servers=broker.bootstrap_servers, watchdog_interval_s=0.5),
        **overrides,
    )


@asynccontextmanager
async def running(
    settings: LeadsSettings, clock: Clock | None = None
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app with its lifespan (Kafka consumer included), and a client on it."""
    app = create_app(settings, clock or Clock())
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://leads") as client:
            yield app, client


@asynccontextmanager
async def database(kind: str, tmp_dir) -> AsyncIterator[str]:
    """A fresh SQLite file or PostgreSQL database."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_dir}/leads-{uuid.uuid4().hex[:8]}.db"
        return
    async with postgres_database(POSTGRES_URL) as url:
        yield url


@pytest.fixture(scope="session")
def admin() -> dict[str, str]:
    """An admin's Authorization header."""
    return admin_headers()


def user_headers(user_id: str, role: Role, team_id: str | None = None) -> dict[str, str]:
    """The Authorization header of a user."""
    return bearer(Principal(user_id, role, team_id, user_id))


def new_ip() -> str:
    """A client address no other test uses (rate limits are per address)."""
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"


async def create_form(client: httpx.AsyncClient, admin: dict, **fields) -> dict:
    """Configure a form as admin."""
    body = {"name": "Contact us", **fields}
    response = await client.post("/forms", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="session")
def publish(broker) -> Callable:
    """`await publish(*events)`: put events on the broker as their producer would (keyed by aggregate)."""

    async def send(*events: Event) -> None:
        await publish_events(broker.bootstrap_servers, *events)

    return send


async def new_lead(client: httpx.AsyncClient, headers: dict, **fields) -> dict:
    """A lead typed in through `POST /leads` (a fresh email each: no dedupe against another test's)."""
    body = {"name": "Lee Test", "email": f"{uuid.uuid4().hex[:8]}@corp.cn", "source": "hotline", **fields}
    response = await client.post("/leads", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def keyed_events(broker, topic: str, key: str, want: Callable[[list[dict]], bool]) -> list[dict]:
    """The events of one record (Kafka key) on a topic, read until `want(events)` holds."""
    records = await read_topic(
        broker.bootstrap_servers,
        topic,
        lambda rs: want([json.loads(r.value) for r in rs if r.key == key.encode()]),
    )
    return [json.loads(r.value) for r in records if r.key == key.encode()]


def event_types(events: list[dict]) -> list[str]:
    return [event["event_type"] for event in events]
