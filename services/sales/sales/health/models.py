"""A replica of the service desk's tickets, as far as account health needs them."""

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_shared.db import UtcDateTime
from sales.models import Base


class AccountTicket(Base):
    """One ticket of an account: open or not, SLA breaches, satisfaction rating."""

    __tablename__ = "account_ticket"

    ticket_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20))
    is_open: Mapped[bool] = mapped_column()
    breaches: Mapped[int] = mapped_column(Integer, default=0)
    last_breach_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    csat_rating: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
