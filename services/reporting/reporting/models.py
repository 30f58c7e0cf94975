"""Reporting read models (projections)."""

from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm_shared.db import new_metadata
from crm_shared.messaging.tables import define_messaging_tables


class Base(DeclarativeBase):
    """Declarative base of the reporting database."""

    metadata = new_metadata()


messaging = define_messaging_tables(Base.metadata)


class LeadsBySource(Base):
    """How many leads each source brought in."""

    __tablename__ = "leads_by_source"

    source: Mapped[str] = mapped_column(String(50), primary_key=True)
    lead_count: Mapped[int] = mapped_column(Integer, default=0)
