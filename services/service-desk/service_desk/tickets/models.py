"""Tickets, their public replies and internal notes, and their time, parts and costs."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_shared.db import UtcDateTime
from service_desk.models import Base


class Ticket(Base):
    """A customer's request on any channel, its routing, its SLA summary and its cost."""

    __tablename__ = "ticket"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(10))
    category: Mapped[str | None] = mapped_column(String(100))
    priority: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), index=True)
    skills: Mapped[list] = mapped_column(JSON, default=list)
    account_id: Mapped[str | None] = mapped_column(String(36), index=True)
    contact_id: Mapped[str | None] = mapped_column(String(36), index=True)
    order_id: Mapped[str | None] = mapped_column(String(36))
    queue_id: Mapped[str | None] = mapped_column(String(36), index=True)
    assignee_id: Mapped[str | None] = mapped_column(String(36), index=True)
    customer_tier: Mapped[str | None] = mapped_column(String(20))
    requester: Mapped[str | None] = mapped_column(String(320))  # email, phone or chat id when no contact
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sla_policy_id: Mapped[str | None] = mapped_column(String(36))
    sla_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)  # most urgent
    time_spent_minutes: Mapped[int] = mapped_column(Integer, default=0)
    service_cost: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    csat_rating: Mapped[int | None] = mapped_column(Integer)
    csat_comment: Mapped[str | None] = mapped_column(Text)
    csat_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class TicketEntry(Base):
    """A message on a ticket: a public reply (agent or customer) or an internal note."""

    __tablename__ = "ticket_entry"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # reply | note
    author_type: Mapped[str] = mapped_column(String(10))  # agent | customer
    author_id: Mapped[str | None] = mapped_column(String(320))
    channel: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(500), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TicketCost(Base):
    """Time spent, a part used or an expense on a ticket; `amount` is what it costs."""

    __tablename__ = "ticket_cost"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # time | part | expense
    description: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3), default=Decimal("0"))
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    agent_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
