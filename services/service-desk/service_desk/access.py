"""Role dependencies of the desk's routes."""

from typing import Annotated

from fastapi import Depends

from crm_shared.auth import Principal, Role, require_roles

DeskPrincipal = Annotated[Principal, Depends(require_roles(Role.AGENT, Role.MANAGER, Role.ADMIN))]
LeadPrincipal = Annotated[Principal, Depends(require_roles(Role.MANAGER, Role.ADMIN))]
AdminPrincipal = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
