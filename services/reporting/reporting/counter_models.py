"""Counter read models: per-entity changes of the answers' measures (deltas, with their event time) and
their running sums (totals), kept by the projections next to the facts so an answer as of X is the small
totals table minus the few changes after X (leads/counters.py, counter_store.py)."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from reporting.models import Base


class LeadFunnelDelta(Base):
    """What one lead adds to one funnel stage from `at` on (+1 when reached, -1 once merged away), with the
    lead's group columns and capture: the funnel as of X sums those with `at <= X` (leads/counters.py)."""

    __tablename__ = "lead_funnel_delta"

    lead_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    stage: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(3), primary_key=True)  # "in" / "out"
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    captured_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    capture_month: Mapped[str] = mapped_column(String(7))
    source: Mapped[str | None] = mapped_column(String(50))
    campaign: Mapped[str | None] = mapped_column(String(200))
    owner_id: Mapped[str | None] = mapped_column(String(64))
    team_id: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(100))
    hours: Mapped[float | None] = mapped_column(Float)  # capture to first contact, on "contacted" rows
    delta: Mapped[int] = mapped_column(Integer)


class LeadFunnelTotal(Base):
    """Every lead funnel delta summed per capture month, stage, group columns and hours to first contact."""

    __tablename__ = "lead_funnel_total"

    bucket: Mapped[str] = mapped_column(String(64), primary_key=True)  # digest of the other key columns
    capture_month: Mapped[str] = mapped_column(String(7), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(50))
    campaign: Mapped[str | None] = mapped_column(String(200))
    owner_id: Mapped[str | None] = mapped_column(String(64))
    team_id: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(100))
    hours: Mapped[float | None] = mapped_column(Float)
    leads: Mapped[int] = mapped_column(Integer, default=0)


class SaleDelta(Base):
    """A change of one deal's or order's measures at `at` (event time), in its group then (counter_store.py,
    opportunities/counters.py, revenue/orders.py): n, amount in cents, cycle in microseconds."""

    __tablename__ = "sale_delta"

    kind: Mapped[str] = mapped_column(String(12), primary_key=True)  # "opportunity" / "order"
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    owner_id: Mapped[str | None] = mapped_column(String(64))
    team_id: Mapped[str | None] = mapped_column(String(64))
    measure: Mapped[str] = mapped_column(String(20))
    stage_id: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(500))
    value: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int] = mapped_column(Integer)
    cents: Mapped[int] = mapped_column(BigInteger)
    micros: Mapped[int] = mapped_column(BigInteger)


class SaleTotal(Base):
    """Every sale delta summed per group, measure, stage, label and value."""

    __tablename__ = "sale_total"

    bucket: Mapped[str] = mapped_column(String(64), primary_key=True)  # digest of the other key columns
    owner_id: Mapped[str | None] = mapped_column(String(64))
    team_id: Mapped[str | None] = mapped_column(String(64))
    measure: Mapped[str] = mapped_column(String(20))
    stage_id: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(500))
    value: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int] = mapped_column(Integer)
    cents: Mapped[int] = mapped_column(BigInteger)
    micros: Mapped[int] = mapped_column(BigInteger)


class SaleDay(Base):
    """Every sale delta summed per day (D holds (D, D+1]), group, measure, stage, label and value."""

    __tablename__ = "sale_day"

    bucket: Mapped[str] = mapped_column(String(64), primary_key=True)  # digest of the other key columns
    day: Mapped[date] = mapped_column(Date, index=True)
    owner_id: Mapped[str | None] = mapped_column(String(64))
    team_id: Mapped[str | None] = mapped_column(String(64))
    measure: Mapped[str] = mapped_column(String(20))
    stage_id: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(500))
    value: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int] = mapped_column(Integer)
    cents: Mapped[int] = mapped_column(BigInteger)
    micros: Mapped[int] = mapped_column(BigInteger)


class TicketDelta(Base):
    """A change of one ticket's service measures at `at` (event time), in its group then
    (counter_store.py, service/counters.py)."""

    __tablename__ = "ticket_delta"

    kind: Mapped[str] = mapped_column(String(12), primary_key=True)  # "ticket"
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    assignee_id: Mapped[str | None] = mapped_column(String(64))
    queue_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10))
    measure: Mapped[str] = mapped_column(String(30))
    value: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int] = mapped_column(Integer)


class TicketTotal(Base):
    """Every ticket delta summed per group, measure and value."""

    __tablename__ = "ticket_total"

    bucket: Mapped[str] = mapped_column(String(64), primary_key=True)  # digest of the other key columns
    assignee_id: Mapped[str | None] = mapped_column(String(64))
    queue_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10))
    measure: Mapped[str] = mapped_column(String(30))
    value: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int] = mapped_column(Integer, default=0)


class TicketDay(Base):
    """Every ticket delta summed per day (D holds (D, D+1]), group, measure and value."""

    __tablename__ = "ticket_day"

    bucket: Mapped[str] = mapped_column(String(64), primary_key=True)  # digest of the other key columns
    day: Mapped[date] = mapped_column(Date, index=True)
    assignee_id: Mapped[str | None] = mapped_column(String(64))
    queue_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10))
    measure: Mapped[str] = mapped_column(String(30))
    value: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int] = mapped_column(Integer, default=0)
