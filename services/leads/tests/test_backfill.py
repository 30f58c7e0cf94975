"""After an upgrade, customers that sales announced before leads kept a replica are backfilled from the
start of the sales topics (outside the consumer group), once, newest snapshot winning."""

import uuid

from leads_support import database, leads_settings, running

from crm_shared.events.sales import AccountCreatedV1, ContactCreatedV1, ContactDeletedV1, ContactUpdatedV1
from crm_shared.testing import eventually
from leads.customers.backfill import backfill_customers, backfill_pending


def history(tag: str) -> list:
    """An account and two contacts: one changed its email, one was deleted."""
    account, kept, gone = f"acc-{tag}", f"kept-{tag}", f"gone-{tag}"
    contact = {"account_id": account, "phones": [], "owner_id": None, "team_id": None}
    return [
        AccountCreatedV1(aggregate_id=account, name=f"Initech {tag}", domain=f"initech-{tag}.cn"),
        ContactCreatedV1(aggregate_id=kept, name="Peter", emails=[f"old-{tag}@initech.cn"], **contact),
        ContactUpdatedV1(aggregate_id=kept, name="Peter", emails=[f"new-{tag}@initech.cn"], **contact),
        ContactCreatedV1(aggregate_id=gone, name="Milton", emails=[f"milton-{tag}@initech.cn"], **contact),
        ContactDeletedV1(aggregate_id=gone),
    ]


async def match(client, admin, email: str) -> dict | None:
    response = await client.get("/customer-matches", params={"email": email}, headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


async def test_backfill_replays_the_sales_history_once(broker, publish, admin, tmp_path):
    tag = uuid.uuid4().hex[:6]
    async with database("sqlite", tmp_path) as url:
        # an intake-only process: no consumer, so only the backfill can bring the customers in
        async with running(leads_settings(url, broker, consume=False)) as (app, client):
            await publish(*history(tag))
            assert await match(client, admin, f"new-{tag}@initech.cn") is None
            applied = await backfill_customers(app.state.ctx, app.state.settings)
            assert applied is not None and applied >= 5
            found = await match(client, admin, f"new-{tag}@initech.cn")
            assert found["contact_id"] == f"kept-{tag}" and found["account_id"] == f"acc-{tag}"
            assert await match(client, admin, f"old-{tag}@initech.cn") is None  # the newest snapshot won
            assert await match(client, admin, f"milton-{tag}@initech.cn") is None  # deleted stays deleted
            assert await backfill_customers(app.state.ctx, app.state.settings) is None  # done once


async def test_a_consuming_process_backfills_on_start(broker, publish, admin, tmp_path):
    tag = uuid.uuid4().hex[:6]
    await publish(*history(tag))
    async with database("sqlite", tmp_path) as url:
        async with running(leads_settings(url, broker)) as (app, client):
            await eventually(lambda: match(client, admin, f"new-{tag}@initech.cn"), timeout=60)

            async def done() -> bool:
                return not await backfill_pending(app.state.ctx)

            await eventually(done, timeout=60)
            assert await backfill_customers(app.state.ctx, app.state.settings) is None
