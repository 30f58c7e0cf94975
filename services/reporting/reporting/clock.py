"""The clock, as a dependency tests can override."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends

from crm_shared.events.base import utcnow


def get_clock() -> Callable[[], datetime]:
    """FastAPI dependency: a function giving the current UTC time."""
    return utcnow


ClockDep = Annotated[Callable[[], datetime], Depends(get_clock)]
