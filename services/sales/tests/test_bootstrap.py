"""The first admin comes from settings, once; production refuses the default password."""

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from crm_shared.settings import AuthSettings
from crm_shared.topics import SALES_USER
from sales.config import SalesSettings
from sales.models import AppUser

STRONG_SECRET = "a-long-production-secret-0123456789abcdef"


async def _admins_and_events(app) -> tuple[int, int]:
    outbox = app.state.ctx.spec.tables.outbox
    async with app.state.ctx.sessions() as session:
        admins = await session.scalar(select(func.count()).where(AppUser.role == "admin"))
        events = await session.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.event_type == "sales.user.created")
        )
    return admins, events


async def test_bootstrap_admin_is_created_once_across_restarts(settings, running):
    async with running(settings) as (app, client):
        assert await _admins_and_events(app) == (1, 1)
        me = await client.get("/auth/me", headers=await _token(client))
        assert me.json()["email"] == "admin@example.com" and me.json()["role"] == "admin"
    async with running(settings) as (app, _):
        assert await _admins_and_events(app) == (1, 1)


async def test_bootstrap_admin_event_is_a_full_snapshot(app, outbox):
    (row,) = await outbox()
    assert (row.topic, row.event_type, row.aggregate_type) == (SALES_USER.name, "sales.user.created", "user")
    assert '"role":"admin"' in row.payload and '"producer":"sales"' in row.payload
    assert "password" not in row.payload


async def _token(client) -> dict[str, str]:
    response = await client.post("/auth/token", data={"username": "admin@example.com",
                                                       "password": "admin-change-me"})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_production_refuses_the_default_admin_password():
    with pytest.raises(ValidationError, match="bootstrap_admin_password"):
        SalesSettings(mode="production", auth=AuthSettings(jwt_secret=STRONG_SECRET))


def test_production_accepts_a_chosen_admin_password():
    settings = SalesSettings(mode="production", auth=AuthSettings(jwt_secret=STRONG_SECRET),
                             bootstrap_admin_password="something-else-entirely")
    assert settings.port == 8002


def test_production_refusal_reads_the_environment(monkeypatch):
    monkeypatch.setenv("SALES_MODE", "production")
    monkeypatch.setenv("SALES_AUTH__JWT_SECRET", STRONG_SECRET)
    with pytest.raises(ValidationError, match="bootstrap_admin_password"):
        SalesSettings()
    monkeypatch.setenv("SALES_BOOTSTRAP_ADMIN_PASSWORD", "from-the-environment")
    assert SalesSettings().bootstrap_admin_password == "from-the-environment"
