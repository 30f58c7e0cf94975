"""HTTP routes of the org directory replica (what routing sees)."""

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from crm_shared.auth import Principal, Role, require_roles
from crm_shared.service import UowDep
from leads.directory import service

router = APIRouter(prefix="/directory", tags=["scoring and routing"])


class DirectoryUserRead(BaseModel):
    """A user as routing sees them."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    role: str
    team_id: str | None
    region: str | None
    active: bool
    capacity: int


@router.get("/users")
async def list_users(
    uow: UowDep,
    _: Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.MANAGER))],
    team_id: str | None = None,
) -> list[DirectoryUserRead]:
    """The replicated users (from sales events), optionally of one team."""
    async with uow:
        return [
            DirectoryUserRead.model_validate(u) for u in await service.list_users(uow=uow, team_id=team_id)
        ]
