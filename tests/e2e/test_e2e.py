"""The four services as separate processes on the real broker: the foundation's end-to-end proof."""

import asyncio
import time

import httpx
import pytest

from crm_shared.messaging.tansu import TansuBroker, free_port
from crm_shared.testing import POSTGRES_URL, eventually, postgres_database
from e2e_stack import ServiceProcess

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def own_broker():
    """A broker of this module's own: the test restarts it."""
    tansu = TansuBroker(free_port()).start()
    yield tansu
    tansu.stop()


@pytest.fixture(scope="module")
async def stack(own_broker, tmp_path_factory):
    """leads, sales, service-desk and two reporting replicas (sharing one PostgreSQL database)."""
    var = tmp_path_factory.mktemp("var")
    async with postgres_database(POSTGRES_URL) as reporting_db:
        # the registry's partition counts (6 on the lead topic), for the replicas to share them
        common = {"bootstrap": own_broker.bootstrap_servers, "var_dir": var, "log_dir": var,
                  "topic_partitions": 0}
        reporting_env = {"REPORTING_DATABASE_URL": reporting_db}
        procs = {name: ServiceProcess(name, **common) for name in ("leads", "sales", "service-desk")}
        procs["reporting"] = ServiceProcess("reporting", extra_env=reporting_env, **common)
        try:
            for proc in procs.values():
                await asyncio.to_thread(proc.wait_ready)
            yield procs, common, reporting_env
        finally:
            for proc in procs.values():
                proc.stop()


async def login(client: httpx.AsyncClient, sales_url: str) -> dict[str, str]:
    response = await client.post(sales_url + "/auth/token",
                                 data={"username": "admin@example.com", "password": "admin-change-me"})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def count_by_source(client, reporting_url, headers) -> dict[str, int]:
    response = await client.get(reporting_url + "/reports/leads-by-source", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def post_lead(client, leads_url, headers, source="web_form", name="Ann"):
    response = await client.post(leads_url + "/leads", headers=headers,
                                 json={"name": name, "email": "ann@example.com", "source": source})
    assert response.status_code == 201, response.text
    return response.json()


async def test_login_and_protected_endpoints(stack):
    procs, _, _ = stack
    async with httpx.AsyncClient(timeout=10) as client:
        assert (await client.get(procs["sales"].url + "/auth/me")).status_code == 401
        assert (await client.post(procs["leads"].url + "/leads", json={"name": "x"})).status_code == 401
        bad = await client.post(procs["sales"].url + "/auth/token",
                                data={"username": "admin@example.com", "password": "wrong"})
        assert bad.status_code == 401
        headers = await login(client, procs["sales"].url)
        me = await client.get(procs["sales"].url + "/auth/me", headers=headers)
        assert me.status_code == 200 and me.json()["role"] == "admin"
        # the token sales issued is verified by every other service on its own
        agents = await client.get(procs["service-desk"].url + "/agents", headers=headers)
        assert agents.status_code == 200


async def test_posted_lead_reaches_reporting_promptly(stack):
    procs, _, _ = stack
    async with httpx.AsyncClient(timeout=10) as client:
        headers = await login(client, procs["sales"].url)
        before = (await count_by_source(client, procs["reporting"].url, headers)).get("hotline", 0)
        await post_lead(client, procs["leads"].url, headers, source="hotline")  # warm the path
        await eventually(lambda: _count_is(client, procs, headers, "hotline", before + 1), timeout=30)
        started = time.monotonic()
        await post_lead(client, procs["leads"].url, headers, source="hotline")
        await eventually(lambda: _count_is(client, procs, headers, "hotline", before + 2), timeout=5)
        print(f"form POST -> reporting count visible in {(time.monotonic() - started) * 1000:.0f} ms")
        # an agent added to the sales org directory reaches the service desk's replica through Kafka
        created = await client.post(procs["sales"].url + "/users", headers=headers, json={
            "name": "Ada Agent", "email": f"ada-{time.time_ns()}@example.com", "role": "agent",
            "capacity": 5, "password": "agent-password-1"})
        assert created.status_code == 201, created.text
        agent_url = procs["service-desk"].url + f"/agents/{created.json()['id']}"
        replica = await eventually(lambda: _ok(client.get(agent_url, headers=headers)), timeout=30)
        assert replica["name"] == "Ada Agent"


async def test_second_reporting_replica_shares_partitions_without_double_counting(stack):
    procs, common, reporting_env = stack
    second = ServiceProcess("reporting", suffix="-2", extra_env=reporting_env, **common)
    try:
        await asyncio.to_thread(second.wait_ready)
        first = procs["reporting"]

        async def split():
            async with httpx.AsyncClient(timeout=5) as client:
                a = (await client.get(first.url + "/readyz")).json()["assignment"]
                b = (await client.get(second.url + "/readyz")).json()["assignment"]
            leads_a = {p for p in a if p.startswith("crm.leads.lead.v1:")}
            leads_b = {p for p in b if p.startswith("crm.leads.lead.v1:")}
            return (leads_a, leads_b) if leads_a and leads_b and not leads_a & leads_b else None

        leads_a, leads_b = await eventually(split, timeout=60)
        assert len(leads_a | leads_b) == 6  # every partition of the topic is consumed by exactly one
        async with httpx.AsyncClient(timeout=10) as client:
            headers = await login(client, procs["sales"].url)
            before = (await count_by_source(client, first.url, headers)).get("referral", 0)
            for i in range(30):
                await post_lead(client, procs["leads"].url, headers, source="referral", name=f"R{i}")
            await eventually(lambda: _count_is(client, procs, headers, "referral", before + 30), 30)
            await asyncio.sleep(2)  # any double count would show up now
            assert (await count_by_source(client, second.url, headers))["referral"] == before + 30
    finally:
        second.stop()


async def test_broker_restart_every_service_recovers_within_30s(stack, own_broker):
    procs, _, _ = stack
    async with httpx.AsyncClient(timeout=10) as client:
        headers = await login(client, procs["sales"].url)
        counts = await count_by_source(client, procs["reporting"].url, headers)
        own_broker.restart()  # all topics, offsets and groups are gone
        started = time.monotonic()

        async def all_recovered():
            bodies = [(await client.get(p.url + "/readyz")).json() for p in procs.values()]
            return all(b["broker_resets"] >= 1 and b["status"] == "ready" for b in bodies)

        await eventually(all_recovered, timeout=30)
        print(f"broker restart -> every service rebuilt its clients in {time.monotonic() - started:.1f} s")
        await post_lead(client, procs["leads"].url, headers, source="event")
        await eventually(lambda: _count_is(client, procs, headers, "event", counts.get("event", 0) + 1),
                       timeout=max(1.0, 30 - (time.monotonic() - started)))
        print(f"broker restart -> new lead counted after {time.monotonic() - started:.1f} s")
        await asyncio.sleep(2)  # the re-published retained events must not count twice
        after = await count_by_source(client, procs["reporting"].url, headers)
        assert after == {**counts, "event": counts.get("event", 0) + 1}


async def _count_is(client, procs, headers, source, expected):
    return (await count_by_source(client, procs["reporting"].url, headers)).get(source, 0) == expected


async def _ok(awaitable):
    response = await awaitable
    return response.json() if response.status_code == 200 and response.json() else None
