"""The service's clock: injectable, so time-based rules (stage durations, rotting) are testable."""

from datetime import datetime
from typing import Annotated, Protocol

from fastapi import Depends, Request

from crm_shared.events.base import utcnow


class Clock(Protocol):
    """Something that tells the current UTC time."""

    def now(self) -> datetime:
        """The current time, timezone-aware in UTC."""


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        """The current time, timezone-aware in UTC."""
        return utcnow()


def get_clock(request: Request) -> Clock:
    """FastAPI dependency: the app's clock (`app.state.clock`)."""
    return request.app.state.clock


ClockDep = Annotated[Clock, Depends(get_clock)]
