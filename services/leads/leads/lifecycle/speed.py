"""Speed to lead: warn, then report a breach, when a new lead is not contacted within its team's target."""

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from crm_shared.db import dialect_insert
from crm_shared.events.leads import LeadFirstContactBreachedV1, LeadFirstContactWarnedV1
from crm_shared.messaging.uow import UnitOfWork
from leads.lifecycle.models import TeamPolicy
from leads.models import Lead

log = logging.getLogger(__name__)


async def check_first_contact(*, uow: UnitOfWork, now: datetime, warn_fraction: float) -> dict[str, int]:
    """Emit a warning for leads past `warn_fraction` of their target and a breach for those past it."""
    due = (
        select(Lead)
        .where(
            Lead.status == "new",
            Lead.first_contacted_at.is_(None),
            Lead.locked.is_(False),
            Lead.merged_into_id.is_(None),
            Lead.first_contact_due_at.is_not(None),
            Lead.first_contact_breached_at.is_(None),
        )
        .limit(1000)
    )
    counts = {"warned": 0, "breached": 0}
    for lead in (await uow.session.execute(due)).scalars():
        warn_at = lead.created_at + (lead.first_contact_due_at - lead.created_at) * warn_fraction
        common = {
            "aggregate_id": lead.id,
            "owner_id": lead.owner_id,
            "team_id": lead.team_id,
            "due_at": lead.first_contact_due_at,
        }
        if now >= lead.first_contact_due_at:
            lead.first_contact_breached_at = now
            uow.emit(LeadFirstContactBreachedV1(occurred_at=now, **common))
            counts["breached"] += 1
        elif now >= warn_at and lead.first_contact_warned_at is None:
            lead.first_contact_warned_at = now
            uow.emit(LeadFirstContactWarnedV1(occurred_at=now, **common))
            counts["warned"] += 1
    await uow.commit()
    return counts


async def set_target(*, uow: UnitOfWork, team_id: str, minutes: int) -> None:
    """Set a team's first-contact target (applies to leads routed from now on)."""
    insert = dialect_insert(uow.session)(TeamPolicy).values(team_id=team_id, first_contact_minutes=minutes)
    await uow.session.execute(
        insert.on_conflict_do_update(index_elements=["team_id"], set_={"first_contact_minutes": minutes})
    )
    await uow.commit()


async def run_checker(
    uow_factory: Callable[[], UnitOfWork],
    clock: Callable[[], datetime],
    interval_s: float,
    warn_fraction: float,
) -> None:
    """The periodic checker of a running service."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            async with uow_factory() as uow:
                await check_first_contact(uow=uow, now=clock(), warn_fraction=warn_fraction)
        except Exception:  # noqa: BLE001 - a failed round is logged and retried on the next tick
            log.exception("speed-to-lead check failed")
