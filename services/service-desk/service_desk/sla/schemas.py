"""Request and response models of calendars and SLA policies."""

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# a ["09:00", "17:00"] pair; a list of two, not a tuple: OpenAPI tools handle `prefixItems` badly
Window = Annotated[list[str], Field(min_length=2, max_length=2)]


class CalendarCreate(BaseModel):
    """Working hours per weekday (0 = Monday) as ["09:00", "17:00"] windows, a time zone, holidays."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    timezone: str = "UTC"
    hours: dict[int, list[Window]]
    holidays: list[date] = Field(default_factory=list, max_length=1000)


class CalendarRead(BaseModel):
    """A stored calendar."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    timezone: str
    hours: dict[int, list[Window]]
    holidays: list[date]


class PolicyCreate(BaseModel):
    """Targets in business minutes for a priority and a tier (omit either to match any)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    priority: str | None = Field(default=None, pattern="^(low|normal|high|urgent)$")
    tier: str | None = Field(default=None, max_length=20)
    first_response_minutes: int | None = Field(default=None, gt=0, le=525_600)
    next_update_minutes: int | None = Field(default=None, gt=0, le=525_600)
    resolution_minutes: int | None = Field(default=None, gt=0, le=5_256_000)
    calendar_id: str | None = None
    warning_share: float = Field(default=0.8, gt=0, lt=1)


class PolicyRead(PolicyCreate):
    """A stored policy."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: str


class CheckResult(BaseModel):
    """What one run of the SLA checker emitted."""

    signals: int
