"""Reporting HTTP routes."""


from crm_shared.auth import PrincipalDep
from crm_shared.http.query import strict_router
from crm_shared.service import SnapshotUowDep
from reporting import projections

router = strict_router(prefix="/reports", tags=["reports"])


@router.get("/leads-by-source")
async def leads_by_source(uow: SnapshotUowDep, _principal: PrincipalDep) -> dict[str, int]:
    """Captured leads per source."""
    async with uow:
        return await projections.leads_by_source(uow=uow)
