"""Read model of prospects: one row per prospect, when it was imported and verified."""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from reporting.models import Base


class ProspectFact(Base):
    """A prospect's import and verification (event times, naive UTC), whichever event came first."""

    __tablename__ = "prospect_fact"

    prospect_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    list_name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(50))
    campaign: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(100))
    imported_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    lead_id: Mapped[str | None] = mapped_column(String(64))
    new_lead: Mapped[bool | None] = mapped_column(Boolean)
