"""Fill the customer replica from the start of sales' account and contact topics, once.

Leads began to keep a replica of sales' customers after its consumer group had read past the events
of the customers that already existed; without this, a known customer from before the upgrade would
still become a new lead. The migration leaves the `customers` marker pending; the consuming replica
replays the topics in the background (the live consumer keeps running) and marks it done.
"""

import asyncio
import logging

from sqlalchemy import select, update

from crm_shared.events.base import utcnow
from crm_shared.messaging.backfill import replay_topics
from crm_shared.messaging.consumer import EventHandlers
from crm_shared.service import ServiceContext
from leads.config import LeadsSettings
from leads.customers import handlers
from leads.customers.models import ReplicaBackfill

log = logging.getLogger(__name__)
NAME = "customers"


async def backfill_pending(ctx: ServiceContext) -> bool:
    """Whether the customer replica still waits for its backfill."""
    async with ctx.uow() as uow:
        query = select(ReplicaBackfill.name).where(
            ReplicaBackfill.name == NAME, ReplicaBackfill.done_at.is_(None)
        )
        return (await uow.session.execute(query)).first() is not None


async def backfill_customers(ctx: ServiceContext, settings: LeadsSettings) -> int | None:
    """Replay the customer topics into the replica if still pending; how many events were applied."""
    if not await backfill_pending(ctx):
        return None
    replica = EventHandlers(consumer="leads-customer-backfill")
    handlers.register(replica, settings)
    applied = await replay_topics(settings.kafka.bootstrap_servers, replica, ctx.uow)
    async with ctx.uow() as uow:
        await uow.session.execute(
            update(ReplicaBackfill).where(ReplicaBackfill.name == NAME).values(done_at=utcnow())
        )
        await uow.commit()
    log.info("customer replica backfilled from the sales topics: %d events applied", applied)
    return applied


async def run_backfill(ctx: ServiceContext, settings: LeadsSettings, retry_s: float = 5.0) -> None:
    """The background job: backfill, retrying until it succeeds (e.g. the broker is not up yet)."""
    while True:
        try:
            await backfill_customers(ctx, settings)
            return
        except Exception:  # noqa: BLE001 - logged and retried; the live consumer goes on meanwhile
            log.exception("customer replica backfill failed; retrying in %.0f s", retry_s)
            await asyncio.sleep(retry_s)
