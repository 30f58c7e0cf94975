"""The periodic checker: invoices gone overdue and auto-renew contracts past their end date. Due dates
live in the database, so a restart loses nothing; the clock is injectable."""

import asyncio
import logging
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from crm_shared.auth import Principal, Role, require_roles
from crm_shared.messaging.uow import UnitOfWork
from crm_shared.service import UowDep
from sales.clock import Clock, ClockDep
from sales.orders.overdue import flag_overdue_invoices
from sales.orders.renewals import renew_due_contracts

log = logging.getLogger(__name__)


class CheckRead(BaseModel):
    """What one round of checks did."""

    invoices_overdue: int
    contracts_renewed: int


async def run_checks(*, uow: UnitOfWork, clock: Clock) -> CheckRead:
    """One round: flag overdue invoices and renew due auto-renew contracts, in one transaction."""
    now = clock.now()
    result = CheckRead(
        invoices_overdue=await flag_overdue_invoices(uow=uow, now=now),
        contracts_renewed=await renew_due_contracts(uow=uow, now=now),
    )
    await uow.commit()
    return result


async def run_checker(uow_factory: Callable[[], UnitOfWork], clock: Clock, interval_s: float) -> None:
    """Check every `interval_s` seconds until cancelled; a failed round is logged and retried."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            async with uow_factory() as uow:
                await run_checks(uow=uow, clock=clock)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a failed round (e.g. database down) must not stop the checker
            log.exception("sales check failed; retrying in %.0f s", interval_s)


router = APIRouter(prefix="/checks", tags=["operations"])
routers = [router]


@router.post("/run")
async def run_checks_now(
    uow: UowDep, _: Annotated[Principal, Depends(require_roles(Role.ADMIN))], clock: ClockDep
) -> CheckRead:
    """Run the periodic checks now (admin): overdue invoices, auto-renewals. They also run on a timer."""
    async with uow:
        return await run_checks(uow=uow, clock=clock)
