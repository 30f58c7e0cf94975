"""Reporting read models (projections).

Every projection table is folded with commutative atomic upserts (sums, earliest-time, latest-version
wins), so replicas sharing the database, duplicates caught by the inbox and replays in any partition
interleaving all end in the same rows.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, Float, Index, Integer, Numeric, String
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


class LeadCard(Base):
    """One lead's reporting attributes; each group of columns keeps the version that last set it.

    A version is `<occurred_at as fixed-width UTC ISO>|<rank>|<event_id>` (`leads.funnel.version`):
    comparing them as strings orders changes by event time (a capture first at its instant) with a
    deterministic tie-break, whatever order the events arrive in.
    """

    __tablename__ = "lead_card"

    lead_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str | None] = mapped_column(String(50))
    campaign: Mapped[str | None] = mapped_column(String(200))
    source_version: Mapped[str] = mapped_column(String(80), default="")
    owner_id: Mapped[str | None] = mapped_column(String(64), index=True)
    team_id: Mapped[str | None] = mapped_column(String(64), index=True)
    owner_version: Mapped[str] = mapped_column(String(80), default="")
    region: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(100))
    profile_version: Mapped[str] = mapped_column(String(80), default="", server_default="")


class LeadStageFact(Base):
    """When a lead first reached a funnel stage (event time, naive UTC): answers "as of date X"."""

    __tablename__ = "lead_stage_fact"
    __table_args__ = (Index("ix_lead_stage_fact_stage_reached_at", "stage", "reached_at"),)

    lead_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    stage: Mapped[str] = mapped_column(String(20), primary_key=True)
    reached_at: Mapped[datetime] = mapped_column(DateTime)


class OpportunityFact(Base):
    """Every opportunity snapshot, kept with its event time: the state as of X is the latest one <= X."""

    __tablename__ = "opportunity_fact"
    __table_args__ = (Index("ix_opportunity_fact_opportunity_id_version", "opportunity_id", "version"),)

    opportunity_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[str] = mapped_column(String(80))
    occurred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    event_type: Mapped[str] = mapped_column(String(60))
    owner_id: Mapped[str | None] = mapped_column(String(64))
    team_id: Mapped[str | None] = mapped_column(String(64))
    account_id: Mapped[str] = mapped_column(String(64))
    pipeline_id: Mapped[str] = mapped_column(String(64))
    stage_id: Mapped[str] = mapped_column(String(64))
    stage_name: Mapped[str] = mapped_column(String(100))
    stage_type: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    probability: Mapped[int] = mapped_column(Integer)
    forecast_category: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3), index=True)
    from_stage_id: Mapped[str | None] = mapped_column(String(64))
    from_stage_name: Mapped[str | None] = mapped_column(String(100))
    seconds_in_previous_stage: Mapped[float | None] = mapped_column(Float)
    close_reason: Mapped[str | None] = mapped_column(String(500))
    expected_close_date: Mapped[date | None] = mapped_column(Date)


class TicketFact(Base):
    """Every ticket snapshot with its event time: SLA health, backlog and CSAT as of any date."""

    __tablename__ = "ticket_fact"
    __table_args__ = (Index("ix_ticket_fact_ticket_id_version", "ticket_id", "version"),)

    ticket_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[str] = mapped_column(String(80))
    occurred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    event_type: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    queue_id: Mapped[str | None] = mapped_column(String(64))
    assignee_id: Mapped[str | None] = mapped_column(String(64))
    account_id: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(DateTime, index=True)  # the service answer's period
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    sla_target: Mapped[str | None] = mapped_column(String(20))  # on sla-warning / sla-breached facts
    csat_rating: Mapped[int | None] = mapped_column(Integer)
    service_cost: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    first_response_due_at: Mapped[datetime | None] = mapped_column(DateTime)  # None: no SLA on the clock
    resolution_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    # stored before due times were kept (their SLA, if any, is unknown: counted as under one until a
    # rebuild stores them again with their due times)
    sla_unknown: Mapped[bool | None] = mapped_column(Boolean)


class OrderFact(Base):
    """Every order snapshot with its event time: ordered amounts as of any date."""

    __tablename__ = "order_fact"
    __table_args__ = (Index("ix_order_fact_order_id_version", "order_id", "version"),)

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[str] = mapped_column(String(80))
    occurred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    owner_id: Mapped[str | None] = mapped_column(String(64))
    team_id: Mapped[str | None] = mapped_column(String(64))
    account_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3), index=True)
    status: Mapped[str] = mapped_column(String(12))
    # the deal it was ordered from (directly or through a contract): its lead's source and campaign
    opportunity_id: Mapped[str | None] = mapped_column(String(64), index=True)


class DirectoryUser(Base):
    """Who a user id is (from the sales org directory): names for the rep table."""

    __tablename__ = "directory_user"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    team_id: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(80))


class InteractionFact(Base):
    """One customer interaction on any channel, with every identity it names (normalized)."""

    __tablename__ = "interaction_fact"

    interaction_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(40))
    lead_id: Mapped[str | None] = mapped_column(String(64), index=True)
    contact_id: Mapped[str | None] = mapped_column(String(64), index=True)
    account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    summary: Mapped[str] = mapped_column(String(2000))
    source_service: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(64))


class SaleLineFact(Base):
    """One product line of an opportunity or order snapshot (keyed by the snapshot's event): revenue by
    product as of any date follows the sale's latest snapshot then."""

    __tablename__ = "sale_line_fact"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), index=True)
    product: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))


class AccountCard(Base):
    """One customer account's reporting attributes (latest snapshot wins, whatever the arrival order)."""

    __tablename__ = "account_card"

    account_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[str | None] = mapped_column(String(64), index=True)
    team_id: Mapped[str | None] = mapped_column(String(64), index=True)
    industry: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[str | None] = mapped_column(String(50))
    region: Mapped[str | None] = mapped_column(String(100))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[str] = mapped_column(String(80))


class QuotaTarget(Base):
    """A sales target of one user or one team over a period (a later setting of the same quota wins)."""

    __tablename__ = "quota_target"

    quota_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(String(64), index=True)
    team_id: Mapped[str | None] = mapped_column(String(64), index=True)
    period: Mapped[str] = mapped_column(String(10))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    version: Mapped[str] = mapped_column(String(80))


class ExchangeRateFact(Base):
    """Every exchange rate set in sales (insert-only): one unit of `currency` is worth `rate` of
    `base_currency` from `effective_at` until the currency's next rate (reporting/rates.py)."""

    __tablename__ = "exchange_rate_fact"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[str] = mapped_column(String(80))
    effective_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    base_currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(Numeric(18, 8))


from reporting.counter_models import (  # noqa: E402 - they derive from Base, above
    LeadFunnelDelta,
    LeadFunnelTotal,
    SaleDay,
    SaleDelta,
    SaleTotal,
    TicketDay,
    TicketDelta,
    TicketTotal,
)

__all__ = ["LeadFunnelDelta", "LeadFunnelTotal", "SaleDay", "SaleDelta", "SaleTotal", "TicketDay",
           "TicketDelta", "TicketTotal"]

from reporting.campaigns.models import CampaignCard, DealOrigin  # noqa: E402 - they derive from Base, above

__all__ += ["CampaignCard", "DealOrigin"]

from reporting.prospects.models import ProspectFact  # noqa: E402 - it derives from Base, above

__all__ += ["ProspectFact"]
