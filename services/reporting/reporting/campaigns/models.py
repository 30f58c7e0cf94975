"""Read models of campaign ROI: each campaign's latest cost, and the lead each converted deal came from."""

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from reporting.models import Base


class CampaignCard(Base):
    """A campaign as its newest snapshot (by event time) describes it; leads name it by `name`."""

    __tablename__ = "campaign_card"

    campaign_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    channel: Mapped[str | None] = mapped_column(String(50))
    cost: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[str] = mapped_column(String(80))


class DealOrigin(Base):
    """A deal opened from a converted lead (sales names the lead as the deal's source)."""

    __tablename__ = "deal_origin"

    opportunity_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lead_id: Mapped[str] = mapped_column(String(64), index=True)
