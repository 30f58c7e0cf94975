"""The injectable clock: every time-based rule asks it for "now", so tests can move time."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from pydantic import AfterValidator

from crm_shared.events.base import utcnow

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real time, in UTC."""
    return utcnow()


async def get_clock(request: Request) -> Clock:
    """FastAPI dependency: the app's clock."""
    return request.app.state.clock


ClockDep = Annotated[Clock, Depends(get_clock)]


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back naive; they were written in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
