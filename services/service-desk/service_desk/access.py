"""Role and unit-of-work dependencies of the desk's routes (the shared ones, which are `async def`:
FastAPI runs a plain `def` dependency in a worker thread, and on the screen-pop path those thread
hand-offs cost more than the database work)."""

from typing import Annotated

from fastapi import Depends

from crm_shared.auth import Principal, Role, require_roles
from crm_shared.service import UowDep

DeskPrincipal = Annotated[Principal, Depends(require_roles(Role.AGENT, Role.MANAGER, Role.ADMIN))]
LeadPrincipal = Annotated[Principal, Depends(require_roles(Role.MANAGER, Role.ADMIN))]
AdminPrincipal = Annotated[Principal, Depends(require_roles(Role.ADMIN))]

__all__ = ["AdminPrincipal", "DeskPrincipal", "LeadPrincipal", "UowDep"]
