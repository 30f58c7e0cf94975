"""Sales targets (quotas) per user or team and period."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_shared.db import UtcDateTime
from sales.models import Base


class Quota(Base):
    """A target for a user or a team over a period (a month, quarter or year)."""

    __tablename__ = "quota"
    __table_args__ = (UniqueConstraint("user_id", "team_id", "period", "currency", name="uq_quota_target"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(String(36), index=True)
    team_id: Mapped[str | None] = mapped_column(String(36), index=True)
    period: Mapped[str] = mapped_column(String(7))
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ExchangeRate(Base):
    """What one unit of a currency is worth in the base currency (admin-maintained, used by the forecast)."""

    __tablename__ = "exchange_rate"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(18, 8))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(36))
