"""Sales tables: the org directory (regions, teams, users)."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm_shared.db import UtcDateTime, new_metadata
from crm_shared.messaging.tables import define_messaging_tables


class Base(DeclarativeBase):
    """Declarative base of the sales database."""

    metadata = new_metadata()


messaging = define_messaging_tables(Base.metadata)


class Region(Base):
    """A sales territory; teams and users name the region they work in."""

    __tablename__ = "region"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Team(Base):
    """A group of users led by a manager; a manager sees their team's records."""

    __tablename__ = "team"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # no foreign key: app_user already references team, and the manager rule is checked in service.py
    manager_id: Mapped[str | None] = mapped_column(String(36), index=True)
    region: Mapped[str | None] = mapped_column(ForeignKey("region.name"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AppUser(Base):
    """A person who signs in: role, team, region, lead capacity and the Argon2id password hash."""

    __tablename__ = "app_user"
    __table_args__ = (CheckConstraint("capacity >= 0", name="capacity_not_negative"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    phone: Mapped[str | None] = mapped_column(String(16), index=True)
    role: Mapped[str] = mapped_column(String(20), index=True)
    team_id: Mapped[str | None] = mapped_column(ForeignKey("team.id"), index=True)
    region: Mapped[str | None] = mapped_column(ForeignKey("region.name"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    capacity: Mapped[int] = mapped_column(Integer, default=0)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
