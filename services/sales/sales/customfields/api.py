"""HTTP routes of custom field definitions."""

from typing import Annotated

from fastapi import APIRouter, Depends

from crm_shared.auth import Principal, PrincipalDep, Role, require_roles
from crm_shared.service import UowDep
from sales.clock import ClockDep
from sales.customfields.service import (
    CustomFieldCreate,
    CustomFieldRead,
    CustomFieldUpdate,
    Entity,
    change_field,
    define_field,
    list_fields,
)

AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
router = APIRouter(prefix="/custom-fields", tags=["custom fields"])
routers = [router]


@router.post("", status_code=201)
async def create_custom_field(
    data: CustomFieldCreate, uow: UowDep, _: AdminDep, clock: ClockDep
) -> CustomFieldRead:
    """Add a custom field to accounts, contacts or opportunities (admin only)."""
    async with uow:
        return CustomFieldRead.model_validate(await define_field(uow=uow, data=data, now=clock.now()))


@router.get("")
async def list_custom_fields(
    uow: UowDep, _: PrincipalDep, entity: Entity | None = None
) -> list[CustomFieldRead]:
    """The custom fields, of one entity or all."""
    async with uow:
        return [CustomFieldRead.model_validate(f) for f in await list_fields(uow=uow, entity=entity)]


@router.put("/{field_id}")
async def update_custom_field(
    field_id: str, data: CustomFieldUpdate, uow: UowDep, _: AdminDep, clock: ClockDep
) -> CustomFieldRead:
    """Change a custom field's label, required flag or options (admin only)."""
    async with uow:
        return CustomFieldRead.model_validate(
            await change_field(uow=uow, field_id=field_id, data=data, now=clock.now())
        )
