"""Service-desk tables: the replica of the org directory (agents and teams)."""

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm_shared.db import UtcDateTime, new_metadata
from crm_shared.messaging.tables import define_messaging_tables


class Base(DeclarativeBase):
    """Declarative base of the service-desk database."""

    metadata = new_metadata()


messaging = define_messaging_tables(Base.metadata)


class Agent(Base):
    """A user of the org directory as sales last published it; `updated_at` is that event's time."""

    __tablename__ = "agent"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20), index=True)
    team_id: Mapped[str | None] = mapped_column(String(36), index=True)
    region: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    capacity: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Team(Base):
    """A team of the org directory as sales last published it; `updated_at` is that event's time."""

    __tablename__ = "team"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    manager_id: Mapped[str | None] = mapped_column(String(36))
    region: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
