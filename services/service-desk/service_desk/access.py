"""Role and unit-of-work dependencies of the desk's routes: the shared ones (async, and remembering a
verified token until it expires: see `crm_shared.auth.verified_principal`)."""

from typing import Annotated

from fastapi import Depends

from crm_shared.auth import Principal, Role, require_roles
from crm_shared.service import UowDep

DeskPrincipal = Annotated[Principal, Depends(require_roles(Role.AGENT, Role.MANAGER, Role.ADMIN))]
LeadPrincipal = Annotated[Principal, Depends(require_roles(Role.MANAGER, Role.ADMIN))]
AdminPrincipal = Annotated[Principal, Depends(require_roles(Role.ADMIN))]

__all__ = ["AdminPrincipal", "DeskPrincipal", "LeadPrincipal", "UowDep"]
