"""Activities, tasks and per-team first-contact targets."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_shared.db import UtcDateTime
from leads.db import Base


class Activity(Base):
    """A call, email, meeting or note logged on a lead."""

    __tablename__ = "activity"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("lead.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(300))
    notes: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(36))


class Task(Base):
    """A follow-up on a lead, due at a time."""

    __tablename__ = "task"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("lead.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_id: Mapped[str | None] = mapped_column(String(36))
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TeamPolicy(Base):
    """A team's first-contact target for new leads (speed to lead)."""

    __tablename__ = "team_policy"

    team_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    first_contact_minutes: Mapped[int] = mapped_column(Integer)
