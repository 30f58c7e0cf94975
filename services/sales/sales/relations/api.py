"""HTTP routes of relations and contact history."""

from typing import Literal

from fastapi import APIRouter

from crm_shared.auth import PrincipalDep
from crm_shared.service import UowDep
from sales.clock import ClockDep
from sales.relations import service
from sales.relations.service import PositionRead, RelationCreate, RelationRead

router = APIRouter(tags=["relations"])
routers = [router]


@router.post("/relations", status_code=201)
async def create_relation(
    data: RelationCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> RelationRead:
    """Relate two contacts (reports_to, influences, referred_by) or two accounts (partner, competitor,
    referred_by)."""
    async with uow:
        return RelationRead.model_validate(
            await service.relate(uow=uow, principal=principal, data=data, now=clock.now())
        )


@router.post("/relations/{relation_id}/end")
async def end_relation(
    relation_id: str, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> RelationRead:
    """End a relation; it stays in the history with its end time."""
    async with uow:
        return RelationRead.model_validate(
            await service.end_relation(uow=uow, principal=principal, relation_id=relation_id, now=clock.now())
        )


@router.get("/{record_type}/{record_id}/relations")
async def list_relations(
    record_type: Literal["accounts", "contacts"], record_id: str, uow: UowDep, principal: PrincipalDep
) -> list[RelationRead]:
    """Every relation from or to an account or contact, ended ones included."""
    async with uow:
        found = await service.relations_of(
            uow=uow, principal=principal, record_type=record_type[:-1], record_id=record_id
        )
        return [RelationRead.model_validate(r) for r in found]


@router.get("/contacts/{contact_id}/history")
async def contact_history(contact_id: str, uow: UowDep, principal: PrincipalDep) -> list[PositionRead]:
    """The contact's companies and titles over time."""
    async with uow:
        found = await service.positions(uow=uow, principal=principal, contact_id=contact_id)
        return [PositionRead.model_validate(p) for p in found]
