"""FastAPI dependencies of the leads service beyond the shared ones."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from crm_shared.auth import Principal, Role, require_roles


def get_clock(request: Request) -> Callable[[], datetime]:
    """The app's clock (injectable in tests)."""
    return request.app.state.clock


def get_settings(request: Request):
    """The running app's settings."""
    return request.app.state.settings


ClockDep = Annotated[Callable[[], datetime], Depends(get_clock)]
Manager = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.MANAGER))]
