"""Through the real broker: a user published on the sales topic shows up in the agents API."""

import asyncio
import time

import httpx
from aiokafka import AIOKafkaProducer

from crm_shared.events.sales import UserCreatedV1
from crm_shared.topics import SALES_USER
from service_desk.main import create_app


async def poll(client: httpx.AsyncClient, url: str, headers: dict, within_s: float = 20.0) -> httpx.Response:
    deadline = time.monotonic() + within_s
    while True:
        response = await client.get(url, headers=headers)
        if response.status_code != 404 or time.monotonic() > deadline:
            return response
        await asyncio.sleep(0.2)


async def test_published_user_appears_as_agent(broker_settings, auth_headers):
    event = UserCreatedV1(aggregate_id="u-live", name="Live Agent", email="live@example.com", role="agent",
                          producer="sales")
    app = create_app(broker_settings)
    async with app.router.lifespan_context(app):
        producer = AIOKafkaProducer(bootstrap_servers=broker_settings.kafka.bootstrap_servers, acks="all")
        await producer.start()
        try:
            headers = [(k, v.encode()) for k, v in event.headers().items()]
            await producer.send_and_wait(SALES_USER.name, event.model_dump_json().encode(),
                                         key=event.aggregate_id.encode(), headers=headers)
        finally:
            await producer.stop()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://desk") as client:
            response = await poll(client, f"/agents/{event.aggregate_id}", auth_headers)
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Live Agent"
