"""Leads tables."""

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm_shared.db import new_metadata
from crm_shared.messaging.tables import define_messaging_tables


class Base(DeclarativeBase):
    """Declarative base of the leads database."""

    metadata = new_metadata()


messaging = define_messaging_tables(Base.metadata)


class Lead(Base):
    """An unverified sales message: who, from where, owned by whom."""

    __tablename__ = "lead"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    company: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(50), index=True)
    campaign: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="new")
    owner_id: Mapped[str | None] = mapped_column(String(36), index=True)
    team_id: Mapped[str | None] = mapped_column(String(36), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
