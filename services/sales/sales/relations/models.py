"""Relations between customers, and the history of a contact's company and role."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_shared.db import UtcDateTime
from sales.models import Base


class Relation(Base):
    """A directed relation: contact reports-to / influences / referred-by a contact; account partner /
    competitor / referred-by an account. Ended relations are kept with their end time."""

    __tablename__ = "relation"
    __table_args__ = (
        Index("ix_relation_from", "from_type", "from_id"),
        Index("ix_relation_to", "to_type", "to_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    from_type: Mapped[str] = mapped_column(String(10))  # account | contact
    from_id: Mapped[str] = mapped_column(String(36))
    to_type: Mapped[str] = mapped_column(String(10))
    to_id: Mapped[str] = mapped_column(String(36))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ContactPosition(Base):
    """A contact's company and title over a span of time; the open one has no end."""

    __tablename__ = "contact_position"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contact.id"), index=True)
    account_id: Mapped[str | None] = mapped_column(String(36))
    title: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
