"""Business-hours calendars, SLA policies and per-ticket SLA clocks (due times stored: restarts lose none)."""

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_shared.db import UtcDateTime
from service_desk.models import Base


class Calendar(Base):
    """Working hours per weekday (0 = Monday) in a time zone, and holidays."""

    __tablename__ = "calendar"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    hours: Mapped[dict] = mapped_column(JSON)  # {"0": [["09:00", "17:00"]], ...}
    holidays: Mapped[list] = mapped_column(JSON, default=list)  # ["2026-12-25", ...]


class SlaPolicy(Base):
    """Targets in business minutes for a priority and a customer tier (None matches any)."""

    __tablename__ = "sla_policy"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    priority: Mapped[str | None] = mapped_column(String(10))
    tier: Mapped[str | None] = mapped_column(String(20))
    first_response_minutes: Mapped[int | None] = mapped_column(Integer)
    next_update_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_minutes: Mapped[int | None] = mapped_column(Integer)
    calendar_id: Mapped[str | None] = mapped_column(ForeignKey("calendar.id"))
    warning_share: Mapped[float] = mapped_column(Float, default=0.8)


class SlaClock(Base):
    """One running (or stopped) SLA target of a ticket."""

    __tablename__ = "sla_clock"

    ticket_id: Mapped[str] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True)
    target: Mapped[str] = mapped_column(
        String(20), primary_key=True
    )  # first_response | next_update | resolution
    target_minutes: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    warn_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    paused_minutes: Mapped[float] = mapped_column(Float, default=0.0)  # business minutes spent paused
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
