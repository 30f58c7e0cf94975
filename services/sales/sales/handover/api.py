"""HTTP route of the handover."""

from typing import Annotated

from fastapi import APIRouter, Depends

from crm_shared.auth import Principal, Role, require_roles
from crm_shared.service import UowDep
from sales.clock import ClockDep
from sales.handover.service import HandoverCreate, HandoverRead, hand_over

ManagerDep = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.MANAGER))]
router = APIRouter(tags=["handover"])
routers = [router]


@router.post("/handovers")
async def create_handover(
    data: HandoverCreate, uow: UowDep, principal: ManagerDep, clock: ClockDep
) -> HandoverRead:
    """Move everything a leaving rep owns to another rep in one action (manager: within their team)."""
    async with uow:
        return await hand_over(uow=uow, principal=principal, data=data, now=clock.now())
