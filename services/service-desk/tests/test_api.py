"""The agents API over the replica: auth, filtering of inactive users and non-desk roles, 404."""

import httpx
import pytest

from crm_shared.events.sales import UserCreatedV1
from service_desk.handlers import on_user_created
from service_desk.main import create_app

USERS = [
    UserCreatedV1(aggregate_id="a-1", name="Ann", email="ann@example.com", role="agent"),
    UserCreatedV1(aggregate_id="m-1", name="Max", email="max@example.com", role="manager"),
    UserCreatedV1(aggregate_id="a-2", name="Bob", email="bob@example.com", role="agent", active=False),
    UserCreatedV1(aggregate_id="r-1", name="Rex", email="rex@example.com", role="rep"),
]


@pytest.fixture
async def client(settings, uow_factory):
    for user in USERS:
        async with uow_factory() as uow:
            await on_user_created(user, uow)
            await uow.commit()
    app = create_app(settings)  # no lifespan: these routes need only the database
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://desk") as http:
        yield http
    await app.state.ctx.engine.dispose()


async def test_agents_need_a_token(client):
    assert (await client.get("/agents")).status_code == 401
    assert (await client.get("/agents/a-1")).status_code == 401


async def test_list_shows_active_agents_and_managers(client, auth_headers):
    response = await client.get("/agents", headers=auth_headers)
    assert response.status_code == 200
    assert [a["id"] for a in response.json()] == ["a-1", "m-1"]


async def test_list_can_include_inactive(client, auth_headers):
    response = await client.get("/agents", params={"include_inactive": "true"}, headers=auth_headers)
    assert [a["id"] for a in response.json()] == ["a-1", "a-2", "m-1"]


async def test_read_agent(client, auth_headers):
    response = await client.get("/agents/a-2", headers=auth_headers)
    assert response.status_code == 200
    assert response.json()["active"] is False


async def test_unknown_or_non_desk_user_is_404(client, auth_headers):
    assert (await client.get("/agents/nobody", headers=auth_headers)).status_code == 404
    assert (await client.get("/agents/r-1", headers=auth_headers)).status_code == 404


async def test_asyncapi_lists_the_ticket_and_interaction_channels(client):
    document = (await client.get("/asyncapi.json")).json()
    names = {channel.get("address") for channel in document["channels"].values()}
    assert {"crm.service-desk.ticket.v1", "crm.interactions.v1"} <= names
